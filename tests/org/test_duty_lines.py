"""Duty lines (B23): fixed phones, fax, the 24-hour number changed only by a filing the superior acknowledges."""

from __future__ import annotations

from django.urls import reverse

from tests.factories import make_line, make_person
from zhiban.org.models import (
    DutyLine,
    DutyNumberFiling,
    DutyPolicy,
    Role,
    RoleAssignment,
)
from zhiban.org.services import duty_number_change_file


def test_rule_B23_too_few_fixed_lines_is_shown(org):
    make_line(org.county)
    client = org.client(org.county_admin)
    response = client.get("/org/duty-lines/")
    assert response.context["fixed_count"] == 1
    assert response.context["min_fixed"] == 2
    assert "不足2部" in response.content.decode()


def test_rule_B23_rule_B29_minimum_lines_follow_the_policy(org):
    make_line(org.county)
    DutyPolicy.objects.create(unit=org.city, min_fixed_lines=1)
    response = org.client(org.county_admin).get("/org/duty-lines/")
    assert "符合不少于1部的要求" in response.content.decode()


def test_rule_B23_changing_the_24h_number_is_filed_with_the_superior(org):
    make_line(org.county, DutyLine.Kind.HOTLINE_24H, "0558-1111111")
    client = org.client(org.county_admin)
    response = client.post(
        "/org/duty-lines/change-24h/", {"new_number": "0558-2222222", "reason": "值班室搬迁"}
    )
    assert response.status_code == 302
    filing = DutyNumberFiling.objects.get()
    assert (filing.old_number, filing.new_number, filing.superior) == (
        "0558-1111111",
        "0558-2222222",
        org.city,
    )
    assert filing.filed_by == org.county_admin
    active = DutyLine.objects.get(unit=org.county, kind=DutyLine.Kind.HOTLINE_24H, active=True)
    assert active.number == "0558-2222222"
    assert DutyLine.objects.filter(unit=org.county, number="0558-1111111", active=False).exists()


def test_rule_B23_superior_sees_and_acknowledges_the_filing(org):
    make_line(org.county, DutyLine.Kind.HOTLINE_24H, "0558-1111111")
    org.client(org.county_admin).post(
        "/org/duty-lines/change-24h/", {"new_number": "0558-2222222", "reason": "搬迁"}
    )
    filing = DutyNumberFiling.objects.get()
    city = org.client(org.city_admin)
    page = city.get("/org/duty-lines/")
    assert filing in page.context["received"]
    assert city.get(f"/org/filings/{filing.pk}/").context["can_ack"]
    city.post(f"/org/filings/{filing.pk}/acknowledge/")
    filing.refresh_from_db()
    assert filing.acknowledged_by == org.city_admin and filing.acknowledged_at is not None


def test_rule_B23_the_filing_unit_cannot_acknowledge_its_own_filing(org):
    make_line(org.county, DutyLine.Kind.HOTLINE_24H)
    client = org.client(org.county_admin)
    client.post("/org/duty-lines/change-24h/", {"new_number": "0558-2222222", "reason": "搬迁"})
    filing = DutyNumberFiling.objects.get()
    assert client.post(f"/org/filings/{filing.pk}/acknowledge/").status_code == 403
    filing.refresh_from_db()
    assert filing.acknowledged_at is None
    org.client(org.city_admin).post(f"/org/filings/{filing.pk}/acknowledge/")  # the superior does
    filing.refresh_from_db()
    assert filing.acknowledged_at is not None


def test_rule_B23_24h_number_is_not_edited_in_place(org):
    line = make_line(org.county, DutyLine.Kind.HOTLINE_24H, "0558-1111111")
    org.client(org.county_admin).post(
        f"/org/duty-lines/{line.pk}/edit/",
        {"kind": "24h", "number": "0558-9999999", "note": "", "active": "on"},
    )
    line.refresh_from_db()
    assert line.number == "0558-1111111"


def test_rule_B23_a_second_24h_number_is_refused(org):
    make_line(org.county, DutyLine.Kind.HOTLINE_24H)
    response = org.client(org.county_admin).post(
        "/org/duty-lines/new/", {"kind": "24h", "number": "0558-3333333", "active": "on"}
    )
    assert "变更并报备" in response.context["form"].errors["kind"][0]


def test_bad_number_is_refused_in_chinese(org):
    response = org.client(org.county_admin).post(
        "/org/duty-lines/change-24h/", {"new_number": "abc", "reason": "x"}
    )
    assert response.context["form"].errors["new_number"] == ["电话号码只能包含数字、-、+、括号、空格和“转”"]
    assert not DutyNumberFiling.objects.exists()


def test_history_of_the_line_is_kept(org):
    line = make_line(org.county, DutyLine.Kind.FIXED, "0558-1111111")
    org.client(org.county_admin).post(
        f"/org/duty-lines/{line.pk}/edit/",
        {"kind": "fixed", "number": "0558-1111112", "note": "换号", "active": "on"},
    )
    from zhiban.audit.trail import history

    entry = history(line).get()
    assert entry.before["number"] == "0558-1111111" and entry.after["number"] == "0558-1111112"


def test_rule_B23_a_single_unit_reader_cannot_see_a_siblings_filing(org):
    plain = make_person(org.city, "市政府普通干部")
    approver = make_person(org.county, "审批人")
    RoleAssignment.objects.create(person=approver, unit=org.city, role=Role.APPROVER)
    make_line(org.sibling, DutyLine.Kind.HOTLINE_24H)
    filing = duty_number_change_file(org.sibling, "0558-7777777", "搬迁", org.sibling_officer)
    for person in (plain, approver):
        assert org.client(person).get(reverse("filing_detail", args=[filing.pk])).status_code == 404
    client = org.client(plain)
    page = client.get("/org/duty-lines/").content.decode()
    assert org.city.label in page and "0558-7777777" not in page  # its own unit's lines, not the sibling's


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
