"""The /api/v1/ for people, policy and the token's owner: schema and docs served locally, bad bodies a 4xx in Chinese, never a 500."""

from __future__ import annotations

import pytest

from zhiban.org.models import ApiToken, Person


@pytest.fixture
def auth(org):
    return {"Authorization": f"Bearer {ApiToken.issue(org.county_admin.user, 'test')[1]}"}


def test_openapi_schema_and_docs_are_served(db, client):
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/people" in schema["paths"]
    assert client.get("/api/v1/docs").status_code == 200


def test_create_person(org, client, auth):
    response = client.post(
        "/api/v1/people",
        {"name": "接口新人", "gender": "F", "unit_id": org.county.pk, "mobile": "13912349999"},
        content_type="application/json",
        headers=auth,
    )
    assert response.status_code == 201
    assert Person.objects.get(mobile="13912349999").unit == org.county


@pytest.mark.parametrize(
    "body,status",
    [
        ({"name": "", "gender": "F", "unit_id": 0}, 422),
        ({"name": "x", "gender": "X", "unit_id": 0}, 422),
        ({"name": "x", "gender": "F"}, 422),
        ("not json", 400),
    ],
)
def test_bad_bodies_get_4xx_json(org, client, auth, body, status):
    response = client.post("/api/v1/people", body, content_type="application/json", headers=auth)
    assert response.status_code in (status, 400, 422)
    assert response.status_code < 500
    assert response.json()


def test_duplicate_mobile_gets_400_with_the_field(org, client, auth):
    response = client.post(
        "/api/v1/people",
        {"name": "重复", "gender": "F", "unit_id": org.county.pk, "mobile": org.officer.mobile},
        content_type="application/json",
        headers=auth,
    )
    assert response.status_code == 400
    assert "mobile" in response.json()["errors"]
    assert not Person.objects.filter(name="重复").exists()


def test_bad_mobile_in_patch_gets_400(org, client, auth):
    response = client.patch(
        f"/api/v1/people/{org.officer.pk}", {"mobile": "123"}, content_type="application/json", headers=auth
    )
    assert response.status_code == 400
    org.officer.refresh_from_db()
    assert org.officer.mobile != "123"


def test_unknown_ids_get_404_json(org, client, auth):
    for url in ("/api/v1/units/999999", "/api/v1/people/999999", "/api/v1/contacts/999999"):
        response = client.get(url, headers=auth)
        assert response.status_code == 404 and "detail" in response.json()


def test_policy_endpoint_shows_values_and_sources(org, client, auth):
    data = client.get(f"/api/v1/units/{org.township.pk}/policy", headers=auth).json()
    assert data["values"]["phone_report_minutes"] == 15 and data["sources"]["phone_report_minutes"] is None


def test_me(org, client, auth):
    data = client.get("/api/v1/me", headers=auth).json()
    assert data["person_id"] == org.county_admin.pk and data["home_unit_id"] == org.county.pk


def test_api_bad_input_is_never_a_500(org, client):
    headers = {"Authorization": f"Bearer {ApiToken.issue(org.county_admin.user, 't')[1]}"}
    assert client.get("/api/v1/people?q=%00", headers=headers).status_code == 400
    response = client.post(
        "/api/v1/people",
        '{"name": "a\\u0000b", "gender": "F", "unit_id": 1}',
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 400
    response = client.get("/api/v1/units?parent_id=99999999999999999999", headers=headers)
    assert response.status_code < 500  # SQLite: 400 out of range; PostgreSQL: 200, nothing matches
    response = client.post(
        "/api/v1/people",
        {"name": "x" * 51, "gender": "F", "unit_id": org.county.pk},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 422
    assert response.json()["detail"] == "请求数据不合规"
    assert {"field": "name", "message": "太长", "type": "string_too_long"} in response.json()["errors"]


def test_api_docs_load_every_asset_from_this_server(db, client):
    import re

    text = client.get("/api/v1/docs").content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', text)
    assert assets and all(a.startswith("/") and not a.startswith("//") for a in assets), assets


def test_rule_A1_7_the_people_list_asks_for_public_numbers_once_a_page_not_once_a_person(org, client):
    """The city sees every county's people, whose mobiles it may see only where the directory lists them
    as public: one query for the page's numbers, however many people the page has."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import make_person

    auth = {"Authorization": f"Bearer {ApiToken.issue(org.city_admin.user, 'test')[1]}"}
    client.get("/api/v1/people", headers=auth)  # the scope and the token's use made once
    with CaptureQueriesContext(connection) as few:
        assert client.get("/api/v1/people", headers=auth).status_code == 200
    for i in range(10):
        make_person(org.sibling, f"西山县干部{i}")
    client.get("/api/v1/people", headers=auth)  # new people: the scope made again, once
    with CaptureQueriesContext(connection) as many:
        people = client.get("/api/v1/people", headers=auth).json()["items"]
    assert len(people) == Person.objects.count() and all(
        p["mobile"] == "" for p in people if p["unit_id"] == org.sibling.pk
    )
    assert len(many) == len(few)
