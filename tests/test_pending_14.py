"""Acceptance fixes (issue 14), gathered here until they join their capability modules."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tests.factories import make_person, make_roster, train
from zhiban.org.models import Role
from zhiban.roster import planning
from zhiban.roster.models import DayKind, SensitivePeriod, ShiftType

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def day_and_night(org):
    """The city's pattern on workdays: a day shift and a night shift, neither with a leader post; a
    24-hour shift on other days. Eight trained staff and three leaders in the county."""
    ShiftType.objects.create(
        unit=org.county, day_kind=DayKind.WORKDAY, name="白班", start=dt.time(8, 30), hours=9, standbys=1
    )
    ShiftType.objects.create(
        unit=org.county, day_kind=DayKind.WORKDAY, name="夜班", start=dt.time(17, 30), hours=15, standbys=1
    )
    for kind in (DayKind.WEEKEND, DayKind.HOLIDAY):
        ShiftType.objects.create(
            unit=org.county, day_kind=kind, name="全天班", start=dt.time(8, 30), hours=24, standbys=1
        )
    people = [make_person(org.county, f"值班员{i}", roles=[Role.DUTY_STAFF]) for i in range(8)]
    leaders = [make_person(org.county, f"县领导{i}", roles=[Role.LEADER]) for i in range(3)]
    for person in [*people, *leaders]:
        train(person, on=dt.date(2026, 9, 1))
    with time_machine.travel(dt.datetime(2026, 10, 1, 9, 0, tzinfo=SHANGHAI), tick=False):
        yield


def test_rule_B10_every_shift_of_a_sensitive_workday_gets_a_leader_and_the_solver_fills_them(
    org, day_and_night
):
    SensitivePeriod.objects.create(
        unit=org.city, name="全国两会期间", start=dt.date(2026, 10, 20), end=dt.date(2026, 10, 21)
    )
    shifts, problems = planning.planned_shifts(org.county, dt.date(2026, 10, 19), dt.date(2026, 10, 21))
    assert problems == []
    sensitive = [s for s in shifts if s.day.sensitive]
    assert {s.name for s in sensitive} == {"白班", "夜班"}
    assert all(s.posts.get("leader") == 1 for s in sensitive)  # B10: around the clock, every shift
    assert not any(s.posts.get("leader") for s in shifts if not s.day.sensitive)
    roster = make_roster(org.county, dt.date(2026, 10, 19), 3)
    result = planning.generate(roster, time_limit=5)
    assert result.status in ("optimal", "feasible"), result.reasons
    led = {(a.day, a.shift_name) for a in roster.assignments.filter(post="leader")}
    assert led == {(d, n) for d in (dt.date(2026, 10, 20), dt.date(2026, 10, 21)) for n in ("白班", "夜班")}
