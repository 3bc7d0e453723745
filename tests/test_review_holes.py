"""Holes a review found in the foundation, each now closed: scoped writes never reach outside the scope,
internal numbers never leak through an edit form, bad input never yields a 500."""

import pytest
from django.urls import reverse

from tests.factories import make_contact, make_line, make_person
from zhiban.org.models import ApiToken, DutyLine, Role, RoleAssignment, TrainingRecord, Unit
from zhiban.org.services import duty_number_change_file

PASSWORD = "Xk29!pq#Lm77"


def test_rule_B8_admin_cannot_remove_a_role_held_above_its_scope(org):
    role = RoleAssignment.objects.create(person=org.county_leader, unit=org.city, role=Role.LEADER)
    response = org.client(org.county_admin).post(reverse("role_remove", args=[org.county_leader.pk, role.pk]))
    assert response.status_code == 403
    assert RoleAssignment.objects.filter(pk=role.pk).exists()


@pytest.mark.parametrize("stronger", ["city_role", "system_role"])
def test_rule_B8_admin_cannot_take_over_a_stronger_account(org, stronger):
    if stronger == "city_role":
        person = org.county_leader
        RoleAssignment.objects.create(person=person, unit=org.city, role=Role.DUTY_ADMIN)
    else:
        person = make_person(org.county, "审计员", system_role="audit_admin")
    client = org.client(org.county_admin)
    response = client.post(
        reverse("person_account", args=[person.pk]), {"username": person.user.username, "password": PASSWORD}
    )
    assert response.status_code == 403
    person.user.refresh_from_db()
    assert not person.user.check_password(PASSWORD)
    assert client.post(reverse("person_edit", args=[person.pk]), {"name": "x"}).status_code == 403


def test_reordering_never_renumbers_units_outside_the_scope(org):
    before = list(Unit.objects.filter(parent=org.city).values_list("pk", "order"))
    response = org.client(org.county_admin).post(
        reverse("unit_move", args=[org.county.pk]), {"direction": "down"}
    )
    assert response.status_code == 403
    assert list(Unit.objects.filter(parent=org.city).values_list("pk", "order")) == before


def test_admin_edits_its_own_top_unit(org):
    response = org.client(org.county_admin).post(
        reverse("unit_edit", args=[org.county.pk]),
        {
            "name": org.county.name,
            "short_name": "新简称",
            "kind": "county",
            "parent": org.city.pk,
            "duty_office_name": "",
            "order": 0,
            "active": "on",
        },
    )
    assert response.status_code == 302
    org.county.refresh_from_db()
    assert org.county.short_name == "新简称" and org.county.parent == org.city


def test_rule_A1_7_edit_form_of_an_outsider_never_shows_internal_numbers(org):
    contact = make_contact(
        org.county, "县长", numbers=[("office", "0558-6000001", False), ("mobile", "13900000001", True)]
    )
    text = org.client(org.city_admin).get(reverse("contact_edit", args=[contact.pk])).content.decode()
    assert "0558-6000001" in text and "13900000001" not in text
    assert (
        "13900000001"
        in org.client(org.county_admin).get(reverse("contact_edit", args=[contact.pk])).content.decode()
    )


def test_rule_A1_7_outsider_saving_a_contact_keeps_its_internal_numbers(org):
    contact = make_contact(
        org.county, "县长", numbers=[("office", "0558-6000001", False), ("mobile", "13900000001", True)]
    )
    office = contact.numbers.get(internal_only=False)
    response = org.client(org.city_admin).post(
        reverse("contact_edit", args=[contact.pk]),
        {
            "kind": "leader",
            "name": "县长",
            "unit": org.county.pk,
            "order": 0,
            "numbers-TOTAL_FORMS": 1,
            "numbers-INITIAL_FORMS": 1,
            "numbers-MIN_NUM_FORMS": 1,
            "numbers-MAX_NUM_FORMS": 9,
            "numbers-0-id": office.pk,
            "numbers-0-label": "office",
            "numbers-0-number": "0558-6000002",
        },
    )
    assert response.status_code == 302
    assert set(contact.numbers.values_list("number", flat=True)) == {"0558-6000002", "13900000001"}


def test_rule_B23_a_single_unit_reader_cannot_see_a_siblings_filing(org):
    plain = make_person(org.city, "市政府普通干部")
    approver = make_person(org.county, "审批人")
    RoleAssignment.objects.create(person=approver, unit=org.city, role=Role.APPROVER)
    make_line(org.sibling, DutyLine.Kind.HOTLINE_24H)
    filing = duty_number_change_file(org.sibling, "0558-7777777", "搬迁", org.sibling_officer)
    for person in (plain, approver):
        assert org.client(person).get(reverse("filing_detail", args=[filing.pk])).status_code == 404
    client = org.client(plain)
    assert "0558-7777777" not in client.get("/org/duty-lines/").content.decode()


def test_rule_B23_a_line_cannot_become_the_24h_number_without_a_filing(org):
    hot = make_line(org.county, DutyLine.Kind.HOTLINE_24H, "0558-1111111")
    fixed = make_line(org.county, DutyLine.Kind.FIXED, "0558-2222222")
    client = org.client(org.county_admin)
    client.post(
        reverse("duty_line_edit", args=[fixed.pk]), {"kind": "24h", "number": "0558-9999999", "active": "on"}
    )
    client.post(
        reverse("duty_line_edit", args=[hot.pk]), {"kind": "fixed", "number": "0558-1111111", "active": ""}
    )
    active = list(
        DutyLine.objects.filter(unit=org.county, kind="24h", active=True).values_list("number", flat=True)
    )
    assert active == ["0558-1111111"]
    assert DutyLine.objects.get(pk=fixed.pk).kind == "fixed"


def test_rule_B2_a_kind_change_that_strands_children_is_refused(org):
    response = org.client(org.city_admin).post(
        reverse("unit_edit", args=[org.county.pk]),
        {"name": org.county.name, "kind": "department", "parent": org.city.pk, "order": 0, "active": "on"},
    )
    assert response.status_code == 200
    assert "不能改为" in str(response.context["form"].errors["kind"])
    assert Unit.objects.get(pk=org.county.pk).kind == "county"


def test_rule_B6_moving_a_person_away_from_their_roles_is_refused(org):
    person = make_person(org.township, "镇管理员", roles=[Role.DUTY_ADMIN])
    response = org.client(org.county_admin).post(
        reverse("person_edit", args=[person.pk]),
        {
            "name": person.name,
            "gender": "M",
            "unit": org.county_dept.pk,
            "mobile": person.mobile,
            "is_established": "on",
            "duty_eligible": "on",
            "active": "on",
            "order": 0,
        },
    )
    assert "调整单位前请先移除" in response.context["form"].errors["unit"][0]
    person.refresh_from_db()
    assert person.unit == org.township


def test_rule_B16_training_page_uses_each_persons_own_policy(org):
    import datetime as dt

    from django.utils import timezone

    from zhiban.org.models import DutyPolicy

    person = make_person(org.township, "镇值班员", roles=[Role.DUTY_STAFF])
    TrainingRecord.objects.create(
        person=person,
        kind="pre_job",
        date=timezone.localdate() - dt.timedelta(days=200),
        content="岗前",
        result="passed",
    )
    DutyPolicy.objects.create(unit=org.township, training_valid_months=3)
    rows = dict(org.client(org.county_admin).get("/org/training/").context["rows"])
    assert rows[person] == "镇值班员最近3个月内没有合格的值班业务培训"


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
    assert "非法字符" in response.content.decode()


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
