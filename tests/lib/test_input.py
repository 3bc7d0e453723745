"""Bad input everywhere: control characters and NULs refused next to the field or as a 400 naming it, one length limit per field, bounded API parameters, dates out of range, refusals logged plainly."""

from __future__ import annotations

import io

import docx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.factories import (
    make_contact,
)
from tests.incidents.helpers import open_landslide, written
from tests.shift_fixtures import at, call_data, travel
from zhiban.incidents.models import Event
from zhiban.intake.models import Call
from zhiban.org.models import (
    ApiToken,
)
from zhiban.shifts.models import Handover


@pytest.mark.usefixtures("on_the_day")
def test_control_characters_are_refused_on_the_pages_next_to_the_field_and_nothing_is_saved(org, duty):
    client = org.client(org.officer)
    with travel(at(9, 20)):
        response = client.post("/intake/calls/new/", call_data(content="滑坡\x01\x0b阻断"))
    body = response.content.decode()
    assert (
        "含有不可见的控制字符" in body and "滑坡" in body
    )  # the entry is kept, the field says what is wrong
    assert not Call.objects.exists()
    with travel(at(9, 20)):
        saved = client.post("/intake/calls/new/", call_data(content="滑坡\n阻断\t道路"))  # new lines stay
    assert saved.status_code == 302 and Call.objects.get().content == "滑坡\n阻断\t道路"


@pytest.mark.usefixtures("on_the_day")
def test_control_characters_are_refused_by_the_api_with_the_field_named(org, duty):
    headers = {"Authorization": f"Bearer {ApiToken.issue(org.officer.user, 'CTI')[1]}"}
    client = Client()
    with travel(at(9, 20)):
        refused = client.post(
            f"/api/v1/units/{org.county.pk}/calls",
            {"number": "0558\u0006", "rang_at": "2026-03-05T09:10:00+08:00"},
            content_type="application/json",
            headers=headers,
        )
        event = client.post(
            f"/api/v1/units/{org.county.pk}/events",
            {
                "title": "火灾\u0001",
                "category": "accident",
                "known_at": "2026-03-05T09:10:00+08:00",
                "place": "某地",
                "summary": "x",
            },
            content_type="application/json",
            headers=headers,
        )
        search = client.get("/api/v1/people?q=%07", headers=headers)
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "number"
    assert "控制字符" in refused.json()["errors"][0]["message"]
    assert event.status_code == 400 and event.json()["errors"][0]["field"] == "title"
    assert search.status_code == 400 and not Call.objects.exists() and not Event.objects.exists()


@pytest.mark.usefixtures("on_the_day")
def test_what_was_stored_before_never_breaks_the_duty_log_the_report_or_the_excel_exports(org, duty):
    with travel(at(9, 20)):
        Call.objects.create(
            unit=org.county, at=at(9, 10), number="0558\x06", name="王\x01建华", content="x\x0by"
        )
        event = open_landslide(org, title="火灾\x01")
        report = written(event, org.officer, "first", org.city, unverified=True, course="起火\x0b蔓延")
    client = org.client(org.officer)
    log = client.get(f"/duty/shifts/{duty.day.pk}/log.docx")
    assert log.status_code == 200
    text = "\n".join(
        c.text for t in docx.Document(io.BytesIO(log.content)).tables for r in t.rows for c in r.cells
    )
    assert "王建华" in text and "0558" in text
    word = docx.Document(io.BytesIO(client.get(f"/incidents/reports/{report.pk}/report.docx").content))
    assert "关于火灾的首报" in [p.text for p in word.paragraphs] and "起火蔓延" in [
        p.text for p in word.paragraphs
    ]
    make_contact(org.county, "县应急\x01局")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(client.get("/org/contacts/export.xlsx").content)).active
    assert "县应急局" in [row[2] for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize(
    "url, field",
    [
        ("/api/v1/people?limit=99999999999999999999", "limit"),
        ("/api/v1/units?limit=99999999999999999999", "limit"),
        ("/api/v1/contacts?offset=99999999999999999999", "offset"),
        ("/api/v1/people?limit=0", "limit"),
    ],
)
def test_api_integer_parameters_have_bounds_and_answer_in_chinese(org, url, field):
    headers = {"Authorization": f"Bearer {ApiToken.issue(org.county_admin.user, 't')[1]}"}
    response = Client(raise_request_exception=False).get(url, headers=headers)
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == field and error["message"] in ("数值太大", "数值太小")


def test_api_not_found_is_said_in_chinese(org):
    headers = {"Authorization": f"Bearer {ApiToken.issue(org.county_admin.user, 't')[1]}"}
    client = Client()
    missing = client.get("/api/v1/people/99999999999999999999", headers=headers)
    assert missing.status_code == 404 and missing.json()["detail"] == "没有找到，或不在您可以查看的范围内"
    sibling = client.get(f"/api/v1/people/{org.sibling_officer.pk}", headers=headers)
    assert sibling.status_code == 404 and "没有找到" in sibling.json()["detail"]
    nowhere = client.get("/api/v1/no-such-thing", headers=headers)
    assert nowhere.status_code == 404 and "没有这个接口" in nowhere.json()["detail"]
    assert client.get(f"/api/v1/people/{org.officer.pk}", headers=headers).json()["name"] == org.officer.name


@pytest.mark.usefixtures("on_the_day")
def test_one_limit_per_field_on_the_page_and_the_api_said_plainly(org, duty):
    from zhiban.lib.text import TEXT_LIMIT

    client = org.client(org.officer)
    with travel(at(9, 20)):
        long = client.post("/intake/calls/new/", call_data(content="滑" * (TEXT_LIMIT + 1)))
        visit = client.post(
            "/intake/visits/new/",
            {
                "name": "刘大伟",
                "identity": "群众",
                "people": "0",
                "purpose": "反映",
                "arrived_at": "2026-03-05T09:10",
            },
        )
    body = long.content.decode()
    assert f"最多{TEXT_LIMIT}个字，现在有{TEXT_LIMIT + 1}个字" in body and "确保" not in body
    assert "来访人数至少为1人" in visit.content.decode() and not Call.objects.exists()
    headers = {"Authorization": f"Bearer {ApiToken.issue(org.officer.user, 'CTI')[1]}"}
    with travel(at(9, 20)):
        event = Client().post(
            f"/api/v1/units/{org.county.pk}/events",
            {
                "title": "火灾",
                "category": "accident",
                "known_at": "2026-03-05T09:10:00+08:00",
                "place": "某地",
                "summary": "滑" * (TEXT_LIMIT + 1),
            },
            content_type="application/json",
            headers=headers,
        )
    assert event.status_code == 422 and event.json()["errors"][0]["field"] == "summary"


def test_a_refused_request_is_logged_without_its_traceback(org, caplog):
    client = org.client(org.inspector)  # reads, never writes
    with caplog.at_level("WARNING", logger="django.request"):
        response = client.post("/org/units/new/", {"name": "x"})
    assert response.status_code == 403
    records = [r for r in caplog.records if r.name == "django.request"]
    assert records and all(r.exc_info is None for r in records)
    assert "Forbidden" in records[0].getMessage()


@pytest.mark.parametrize(
    "url",
    [
        "/org/people/?q=%00",
        "/org/contacts/?q=a%00b",
        "/org/contacts/print/?q=%00",
        "/org/contacts/export.xlsx?q=%00",
        "/org/people/export.xlsx?q=%00",
        "/switch-unit/?q=%00",
        "/audit/?actor=%00",
    ],
)
def test_nul_in_a_query_is_a_clear_400(org, url):
    response = org.client(org.city_admin).get(url)
    assert response.status_code == 400
    assert "控制字符" in response.content.decode()


@pytest.mark.usefixtures("on_the_day")
def test_dates_out_of_range_are_refused_with_a_message_not_a_500(org, duty, client):
    officer = org.client(org.officer)
    response = officer.post("/intake/calls/new/", call_data(at="0001-01-01T00:00"))
    assert response.status_code == 200 and "时间应在2000年至2100年之间" in response.content.decode()
    late = officer.post(
        "/intake/instructions/new/",
        {
            "leader": org.county_leader.pk,
            "given_at": "9999-12-31T10:00",
            "text": "x",
            "targets": [org.deputy.pk],
        },
    )
    assert late.status_code == 200 and "时间应在2000年至2100年之间" in late.content.decode()
    headers = {"Authorization": f"Bearer {ApiToken.issue(org.officer.user, 'CTI')[1]}"}
    api = client.post(
        f"/api/v1/units/{org.county.pk}/calls",
        {"number": "0558-1", "rang_at": "9999-12-31T23:00:00Z"},
        content_type="application/json",
        headers=headers,
    )
    assert api.status_code == 400
    assert Call.objects.count() == 0 and officer.get("/intake/calls/").status_code == 200


@pytest.mark.usefixtures("on_the_day")
def test_a_nul_in_a_multipart_form_is_refused_before_any_view(org, duty):
    response = org.client(org.officer).post(
        f"/duty/shifts/{duty.day.pk}/handover/",
        {"situation": "平稳\x00", "file": SimpleUploadedFile("a.txt", b"\x00binary is fine")},
    )
    assert response.status_code == 400 and not Handover.objects.exists()
    assert "控制字符" in response.content.decode()  # said, not a bare error
