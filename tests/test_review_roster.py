"""Holes a review of the roster found, each kept closed by a test."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from tests.factories import (
    make_assignment,
    make_exemption,
    make_person,
    make_roster,
    make_shift_types,
    make_system_user,
    train,
)
from zhiban.org.models import Role
from zhiban.roster import planning, services
from zhiban.roster.models import CalendarFeed, Holiday, Roster, Swap

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def county(org):
    make_shift_types(org.county)
    staff = [org.officer, org.deputy] + [
        make_person(org.county, f"值班员{i}", roles=[Role.DUTY_STAFF]) for i in range(5)
    ]
    for person in [*staff, org.county_leader]:
        train(person, on=dt.date(2026, 9, 1))
    with time_machine.travel(dt.datetime(2026, 10, 1, 9, 0, tzinfo=SHANGHAI), tick=False):
        yield staff


def test_a_user_without_a_person_cannot_touch_unit_feeds(org):
    feed = CalendarFeed.objects.create(unit=org.sibling, token="sibling-token")
    auditor = make_system_user("audit_admin")
    from django.test import Client

    client = Client()
    client.force_login(auditor)
    assert client.post("/roster/feeds/", {}).status_code == 302  # no `which`: a message, nothing made
    feed.refresh_from_db()
    assert feed.token == "sibling-token"


def test_rule_A1_1_coverage_runs_from_the_first_day(org, county):
    roster = make_roster(org.county, dt.date(2026, 10, 12), 3)
    make_assignment(roster, org.officer, dt.date(2026, 10, 14))
    make_assignment(roster, org.deputy, dt.date(2026, 10, 14), post="standby")
    gaps = planning.coverage_gaps(roster, list(roster.assignments.all()))
    assert any(g.message.startswith("10月12日08:30至10月14日08:30没有主班") for g in gaps)


def test_rest_and_double_booking_count_other_rosters(org, county):
    september = make_roster(org.county, dt.date(2026, 10, 11), 1, state=Roster.State.PUBLISHED)
    make_assignment(september, org.officer, dt.date(2026, 10, 11))  # ends 12 Oct 08:30
    roster = make_roster(org.county, dt.date(2026, 10, 12), 5)
    planning.generate(roster)
    assert not roster.assignments.filter(person=org.officer, day=dt.date(2026, 10, 12)).exists()
    # by hand the same rule shows on the cell
    hand = make_roster(org.county, dt.date(2026, 10, 12), 1)
    clash = make_assignment(hand, org.officer, dt.date(2026, 10, 12))
    assert any(v.assignment_id == clash.pk and "须休息" in v.message for v in planning.check(hand))


def test_swap_within_one_shift_is_refused_and_a_started_shift_cannot_be_swapped(org, county):
    roster = make_roster(org.county, dt.date(2026, 10, 12), 7, state=Roster.State.PUBLISHED, version=1)
    mine = make_assignment(roster, org.officer, dt.date(2026, 10, 12))
    same = make_assignment(roster, org.deputy, dt.date(2026, 10, 12), post="standby")
    with pytest.raises(ValidationError, match="同一班次"):
        services.swap_apply(org.officer, org.deputy, mine, same, "x")
    same.delete()
    theirs = make_assignment(roster, org.deputy, dt.date(2026, 10, 15))
    swap = services.swap_apply(org.officer, org.deputy, mine, theirs, "x")
    head = make_person(org.county, "部门负责人", roles=[Role.APPROVER])
    services.swap_decide(swap, org.deputy, approve=True)
    services.swap_decide(swap, head, approve=True)
    started = time_machine.travel(dt.datetime(2026, 10, 12, 9, 0, tzinfo=SHANGHAI), tick=False)
    with started, pytest.raises(ValidationError, match="班次已开始"):
        services.swap_decide(swap, org.county_admin, approve=True)
    swap.refresh_from_db()
    mine.refresh_from_db()
    assert swap.state == Swap.State.AWAITING_OFFICE and mine.person == org.officer


def test_generate_never_replaces_a_roster_published_meanwhile(org, county):
    roster = make_roster(org.county, dt.date(2026, 10, 12), 3)
    kept = make_assignment(roster, org.officer, dt.date(2026, 10, 12))
    Roster.objects.filter(pk=roster.pk).update(state=Roster.State.PUBLISHED)  # another admin, mid-solve
    result = planning.generate(roster)  # the stale object still says draft
    assert result.status == "unknown" and list(roster.assignments.all()) == [kept]


def test_bad_settings_input_is_a_message_not_an_error(org, county):
    client = org.client(org.county_admin)
    Holiday.objects.create(date=dt.date(2026, 11, 16), kind="holiday", name="县庆", unit=org.county)
    again = client.post("/roster/holidays/new/", {"date": "2026-11-16", "kind": "holiday", "name": "县庆"})
    assert again.status_code == 200 and "这一天已有安排" in again.content.decode()
    page = client.post("/roster/new/", {"title": "古代值班表", "start": "0001-01-01", "end": "0001-01-02"})
    assert "2000年至2100年" in page.content.decode()
    assert client.get("/roster/on-duty/", {"at": "0001-01-01T00:00"}).status_code == 200
    exemption = make_exemption(org.officer, dt.date(2026, 10, 20), dt.date(2026, 10, 21))
    exemption.hospital_record.storage.delete(exemption.hospital_record.name)
    assert org.client(org.officer).get(f"/roster/exemptions/{exemption.pk}/record/").status_code == 404
    no_standby = client.post(
        "/roster/shifts/new/",
        {
            "day_kind": "workday",
            "name": "白班",
            "start": "08:30",
            "hours": 9,
            "leaders": 0,
            "primaries": 1,
            "deputies": 0,
            "standbys": 0,
            "order": 0,
        },
    )
    assert "至少要有一名备班" in no_standby.content.decode()


def test_national_holidays_are_listed_on_the_settings_page(org):
    Holiday.objects.create(date=dt.date(2027, 1, 1), kind="holiday", name="元旦（2027）")
    assert "元旦（2027）" in org.client(org.county_admin).get("/roster/shifts/").content.decode()


def test_approvers_are_asked_only_where_they_can_open_the_request(org, county):
    city_head = make_person(org.city, "市部门负责人", roles=[Role.APPROVER])
    county_head = make_person(org.county, "县部门负责人", roles=[Role.APPROVER])
    make_exemption(org.officer, dt.date(2026, 10, 20), dt.date(2026, 10, 21))
    from zhiban.roster.models import Exemption

    actors = Exemption.objects.get().actors()
    assert county_head in actors and city_head not in actors
