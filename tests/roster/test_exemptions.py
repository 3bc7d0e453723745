"""Exemptions (A3.1): the approval chain, one person per step, the medical files read by their readers only, shifts flagged after the fact."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import (
    make_exemption,
    make_person,
    make_roster,
    make_system_user,
)
from tests.helpers import sign_in
from zhiban.audit.models import AuditEntry
from zhiban.org.models import Role
from zhiban.roster import planning
from zhiban.roster.models import (
    Exemption,
    Roster,
)


def test_rule_A3_1_one_person_cannot_sign_two_steps_of_an_exemption(org):
    both = make_person(org.county, "兼任负责人", roles=[Role.APPROVER, Role.LEADER])
    exemption = make_exemption(org.officer, dt.date(2026, 10, 10), dt.date(2026, 10, 20))
    client = org.client(both)
    assert client.post(f"/roster/exemptions/{exemption.pk}/step/", {"decision": "approve"}).status_code == 302
    exemption.refresh_from_db()
    assert exemption.state == Exemption.State.HEAD_APPROVED and exemption.head_by == both
    assert not exemption.may_act(both) and exemption.may_act(org.county_leader)
    assert both not in exemption.actors() and org.county_leader in exemption.actors()
    assert client.post(f"/roster/exemptions/{exemption.pk}/step/", {"decision": "approve"}).status_code == 403
    org.client(org.county_leader).post(f"/roster/exemptions/{exemption.pk}/step/", {"decision": "approve"})
    exemption.refresh_from_db()
    assert exemption.state == Exemption.State.LEADER_APPROVED and exemption.leader_by == org.county_leader


def test_rule_A3_1_A2_7_medical_records_are_read_by_applicant_approvers_and_office_only_and_audited(org):
    exemption = make_exemption(org.officer, dt.date(2026, 10, 10), dt.date(2026, 10, 20))
    head = make_person(org.county, "部门负责人", roles=[Role.APPROVER])
    plain = make_person(org.county, "普通干部")
    url = f"/roster/exemptions/{exemption.pk}/record/"
    for person in (org.officer, head, org.county_leader, org.county_admin):
        response = org.client(person).get(url)
        assert response.status_code == 200 and response.content == b"%PDF-1.4 record"
        assert (
            response["Cache-Control"] == "no-store"
            and "%E7%97%85%E5%8E%86.pdf" in response["Content-Disposition"]
        )
    for person in (plain, org.inspector, org.deputy):
        assert org.client(person).get(url).status_code in (403, 404), person.name
    admin = make_system_user("system_admin")
    from django.test import Client as PlainClient

    system = PlainClient()
    sign_in(system, admin)
    assert system.get(url).status_code in (403, 404)
    reads = AuditEntry.objects.filter(model="roster.exemption", action="read")
    assert reads.count() == 4 and {e.actor_name for e in reads} >= {org.officer.name, head.name}
    refused = AuditEntry.objects.filter(model="roster.exemption", action="refused")
    assert {e.actor_name for e in refused} >= {plain.name, org.inspector.name}
    page = org.client(org.deputy).get(f"/roster/exemptions/{exemption.pk}/").content.decode()
    assert (
        "仅申请人、审批人和值班室管理员可查看" in page
        and f"/roster/exemptions/{exemption.pk}/record/" not in page
    )


def test_approvers_are_asked_only_where_they_can_open_the_request(org, county):
    city_head = make_person(org.city, "市部门负责人", roles=[Role.APPROVER])
    county_head = make_person(org.county, "县部门负责人", roles=[Role.APPROVER])
    make_exemption(org.officer, dt.date(2026, 10, 20), dt.date(2026, 10, 21))
    from zhiban.roster.models import Exemption

    actors = Exemption.objects.get().actors()
    assert county_head in actors and city_head not in actors


def test_rule_A3_1_exemption_goes_head_leader_office_and_then_keeps_the_person_off(
    org, county_duty, before_national_day
):
    head = make_person(org.county, "部门负责人", roles=[Role.APPROVER])
    exemption = make_exemption(org.officer, dt.date(2026, 10, 10), dt.date(2026, 10, 20))
    steps = [
        (org.county_admin, 403),
        (head, 302),
        (head, 403),
        (org.county_leader, 302),
        (org.county_admin, 302),
    ]
    for person, status in steps:
        assert (
            org.client(person)
            .post(f"/roster/exemptions/{exemption.pk}/step/", {"decision": "approve"})
            .status_code
            == status
        ), person.name
    exemption.refresh_from_db()
    assert exemption.state == Exemption.State.ARCHIVED
    assert org.county_leader.notices.filter(
        text__contains="免值班申请"
    ).exists()  # told when it was their turn
    assert org.officer.notices.filter(text__contains="已备案生效").exists()
    assert (exemption.head_by, exemption.leader_by, exemption.archived_by) == (
        head,
        org.county_leader,
        org.county_admin,
    )
    roster = make_roster(org.county, dt.date(2026, 10, 12), 7)
    planning.generate(roster)
    assert not roster.assignments.filter(person=org.officer).exists()


def test_rule_A3_1_exemption_not_yet_archived_does_not_count(org, county_duty, before_national_day):
    exemption = make_exemption(
        org.officer, dt.date(2026, 10, 12), dt.date(2026, 10, 13), state=Exemption.State.HEAD_APPROVED
    )
    assert planning.exempted_days([org.officer], dt.date(2026, 10, 12), dt.date(2026, 10, 13)) == {}
    Exemption.objects.filter(pk=exemption.pk).update(state=Exemption.State.ARCHIVED)  # once filed, it counts
    assert planning.exempted_days([org.officer], dt.date(2026, 10, 12), dt.date(2026, 10, 13))


def test_rule_A3_1_exemption_approved_after_publishing_flags_shifts_and_proposes_a_replacement(
    org, county_duty, before_national_day
):
    roster = make_roster(org.county, dt.date(2026, 10, 12), 7)
    planning.generate(roster)
    roster.state = Roster.State.PUBLISHED
    roster.save()
    taken = roster.assignments.filter(person=org.officer).first()
    make_exemption(org.officer, taken.day, taken.day, state=Exemption.State.ARCHIVED)
    flagged = [v for v in planning.check(roster) if v.assignment_id == taken.pk]
    assert flagged and "免值班期内" in flagged[0].message
    candidates = planning.replacement_candidates(taken)
    assert candidates and org.officer not in candidates
    assert all(planning.placement_problem(taken, c) is None for c in candidates)


def test_overlapping_exemptions_are_refused(org):
    make_exemption(org.officer, dt.date(2026, 10, 10), dt.date(2026, 10, 20))
    client = org.client(org.officer)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        "/roster/exemptions/new/",
        {
            "start": "2026-10-15",
            "end": "2026-10-25",
            "reason": "复查",
            "hospital": "示范市第一人民医院",
            "hospital_record": SimpleUploadedFile("a.pdf", b"%PDF-1.4"),
            "rest_note": SimpleUploadedFile("b.pdf", b"%PDF-1.4"),
        },
    )
    assert "时间重叠" in response.content.decode()
    assert Exemption.objects.filter(person=org.officer).count() == 1


def test_rule_A3_1_the_roster_page_proposes_replacements_for_every_flagged_shift_with_the_same_queries(
    org, county_duty, before_national_day
):
    roster = make_roster(org.county, dt.date(2026, 10, 12), 7)
    planning.generate(roster)
    roster.state = Roster.State.PUBLISHED
    roster.save()
    client = org.client(org.county_admin)
    days = sorted(roster.assignments.filter(person=org.officer).values_list("day", flat=True))
    make_exemption(org.officer, days[0], days[0], state=Exemption.State.ARCHIVED)
    client.get(f"/roster/{roster.pk}/")
    with CaptureQueriesContext(connection) as one_flagged:
        client.get(f"/roster/{roster.pk}/")
    Exemption.objects.filter(person=org.officer).update(end=days[-1])  # every one of the officer's shifts
    client.get(f"/roster/{roster.pk}/")
    with CaptureQueriesContext(connection) as all_flagged:
        page = client.get(f"/roster/{roster.pk}/").content.decode()
    assert len(days) > 1 and page.count("免值班期内") >= len(days)
    assert len(all_flagged) == len(one_flagged)
