"""The solver's limits a unit's policy may set and the shift-scheduling benchmark uses (issue 21): days on
duty and off in a row, weekends, minutes, shifts of a kind, forbidden successions, soft cover, requests
for a shift; and the benchmark's reader building the solver's own problem."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.roster.test_solver import START, TZ
from zhiban.roster import nrp
from zhiban.roster.solver import Limits, Person, Problem, Request, Shift, Weights, solve

QUIET = Weights(shifts=0, nights=0, weekends=0, holidays=0, spacing=0)


def day_shift(day: dt.date, name="白班", need=1, hours=8, **extra) -> Shift:
    start = dt.datetime.combine(day, dt.time(8, 0), TZ)
    return Shift(
        key=f"{day}/{name}",
        day=day,
        name=name,
        start=start,
        end=start + dt.timedelta(hours=hours),
        night=False,
        weekend=day.weekday() >= 5,
        posts={"primary": need},
        **extra,
    )


def days(n: int) -> list[dt.date]:
    return [START + dt.timedelta(days=i) for i in range(n)]


def people(n: int, **extra) -> list[Person]:
    return [Person(i + 1, f"值班员{i + 1}", frozenset({"primary"}), **extra) for i in range(n)]


def on_days(result, person_id: int) -> list[dt.date]:
    return sorted(
        dt.date.fromisoformat(a.shift_key[:10]) for a in result.assignments if a.person_id == person_id
    )


def runs(dates: list[dt.date], period: list[dt.date], working: bool) -> list[tuple[int, bool, bool]]:
    """(length, touches the start, touches the end) of each run of days on duty (or off)."""
    flags = [(d in dates) == working for d in period]
    found, i = [], 0
    while i < len(flags):
        if flags[i]:
            j = i
            while j < len(flags) and flags[j]:
                j += 1
            found.append((j - i, i == 0, j == len(flags)))
            i = j
        else:
            i += 1
    return found


def test_most_days_on_duty_in_a_row():
    # two people, one post a day for 6 days: without a limit one could take them all
    problem = Problem(
        people=people(2),
        shifts=[day_shift(d) for d in days(6)],
        weights=QUIET,
        requests=[Request(2, d, 5) for d in days(6)],  # person 2 would rather never be on
        limits=Limits(max_consecutive_days=2),
        min_days_between=0,
    )
    result = solve(problem)
    assert result.status == "optimal"
    assert all(length <= 2 for length, *_ in runs(on_days(result, 1), days(6), True))
    assert result.objective == 5 * 2  # person 1 takes 4 of 6 days at most (2 on, 1 off, ...): 6 - 4 = 2


def test_fewest_days_in_a_row_on_and_off_except_at_the_ends():
    period = days(10)
    problem = Problem(
        people=people(3),
        shifts=[day_shift(d) for d in period],
        weights=Weights(shifts=10, nights=0, weekends=0, holidays=0, spacing=0),
        limits=Limits(min_consecutive_days=3, min_days_off=2),
        min_days_between=0,
    )
    result = solve(problem)
    assert result.status in ("optimal", "feasible")
    for person in problem.people:
        mine = on_days(result, person.id)
        for length, first, last in runs(mine, period, True):
            assert length >= 3 or first or last
        for length, first, last in runs(mine, period, False):
            assert length >= 2 or first or last


def test_most_weekends_and_minutes_and_shifts_of_a_kind():
    period = days(14)  # two weekends
    shifts = [day_shift(d) for d in period] + [day_shift(d, "夜班", hours=4) for d in period]
    person = Person(
        1,
        "值班员1",
        frozenset({"primary"}),
        limits=Limits(max_weekends=1, max_minutes=10 * 60 * 8, max_of_shift={"夜班": 2}),
    )
    others = people(4)[1:]
    problem = Problem(
        people=[person, *others],
        shifts=shifts,
        weights=QUIET,
        requests=[Request(p.id, d, 3) for p in others for d in period],  # the others would rather not
        min_days_between=0,
    )
    result = solve(problem)
    assert result.status == "optimal"
    mine = [a for a in result.assignments if a.person_id == 1]
    weekend = {
        dt.date.fromisoformat(a.shift_key[:10]).isocalendar()[1]
        for a in mine
        if dt.date.fromisoformat(a.shift_key[:10]).weekday() >= 5
    }
    assert len(weekend) <= 1
    assert sum(1 for a in mine if a.shift_key.endswith("夜班")) <= 2
    minutes = sum(480 if a.shift_key.endswith("白班") else 240 for a in mine)
    assert minutes <= 4800


def test_fewest_minutes_is_a_hard_floor():
    problem = Problem(
        people=[Person(1, "甲", frozenset({"primary"}), limits=Limits(min_minutes=5 * 480)), *people(3)[1:]],
        shifts=[day_shift(d, need=1) for d in days(7)],
        weights=QUIET,
        requests=[Request(1, d, 1) for d in days(7)],  # 甲 would rather not, but must do five days
        min_days_between=0,
    )
    result = solve(problem)
    assert len(on_days(result, 1)) == 5 and result.objective == 5


def test_a_shift_that_may_not_follow_another_on_the_next_day():
    period = days(4)
    shifts = [day_shift(d, "夜班", hours=4) for d in period] + [day_shift(d, "早班", hours=4) for d in period]
    problem = Problem(
        people=people(1),
        shifts=shifts,
        weights=QUIET,
        successions=frozenset({("夜班", "早班")}),
        requests=[Request(1, d, 1, shift_name="夜班", wanted=True) for d in period]
        + [Request(1, d, 1, shift_name="早班", wanted=True) for d in period],
        min_days_between=0,
    )
    for s in problem.shifts:
        s.posts["primary"] = 1
    problem.shifts[:] = [
        Shift(
            **{
                **s.__dict__,
                "cover": (0, 0),
                "start": s.start + dt.timedelta(hours=8 if s.name == "夜班" else 0),
                "end": s.end + dt.timedelta(hours=8 if s.name == "夜班" else 0),
            }
        )
        for s in problem.shifts
    ]
    result = solve(problem)
    held = {(a.shift_key[:10], a.shift_key[11:]) for a in result.assignments}
    for a, b in zip(period, period[1:], strict=False):
        assert not ((str(a), "夜班") in held and (str(b), "早班") in held)
    assert result.status == "optimal"


def test_soft_cover_pays_for_each_person_short_or_over():
    problem = Problem(
        people=people(2),
        shifts=[
            day_shift(START, need=3, cover=(100, 1)),
            day_shift(START + dt.timedelta(days=1), need=0, cover=(100, 1)),
        ],
        weights=QUIET,
        requests=[Request(1, START + dt.timedelta(days=1), 7, wanted=True)],
        min_days_between=0,
    )
    result = solve(problem)
    # the first day: two of three, one short (100); the second: person 1 wanted it, one over (1) < 7
    assert result.status == "optimal" and result.objective == 101


TINY = """SECTION_HORIZON
7

SECTION_SHIFTS
D,480,
N,480,D

SECTION_STAFF
A,D=7|N=2,3360,960,5,1,1,1
B,D=7|N=0,3360,960,5,1,1,1

SECTION_DAYS_OFF
B,2

SECTION_SHIFT_ON_REQUESTS
A,0,N,4

SECTION_SHIFT_OFF_REQUESTS
B,1,D,2

SECTION_COVER
0,D,1,100,1
1,D,2,100,1
2,D,2,100,1
0,N,1,100,1
"""


def test_the_benchmark_reader_builds_the_solvers_own_problem(tmp_path: Path):
    path = tmp_path / "Instance0.txt"
    path.write_text(TINY, encoding="utf-8")
    problem = nrp.read(path)
    assert [p.name for p in problem.people] == ["A", "B"]
    a, b = problem.people
    assert b.posts == frozenset({"D"}) and a.limits.max_of_shift == {"N": 2}
    assert b.unavailable == {START.replace(year=2024, month=1, day=3)}
    assert problem.successions == {("N", "D")}
    assert len(problem.shifts) == 14 and problem.shifts[0].cover == (100, 1)
    result = solve(problem)
    # day 0: A on N (wanted), so D is short unless B takes it: B does; day 1: A cannot take D after N,
    # B asked off D (2) but cover short costs 100 a person: B on D, one short (100) + 2; day 2: B is
    # off, A on D, one short (100). Weekends: none worked.
    assert result.status == "optimal"
    assert result.objective == nrp.objective(problem, result.assignments) == 202


DATA = Path(__file__).resolve().parents[3] / "shared" / "bench-data" / "nrp" / "Instance1.txt"


@pytest.mark.skipif(not DATA.exists(), reason="the benchmark's data is not beside the checkout")
def test_benchmark_instance_1_reaches_its_optimum():
    problem = nrp.read(DATA)
    problem.time_limit, problem.workers, problem.presolve = 30, 2, True
    result = solve(problem)
    assert nrp.objective(problem, result.assignments) == result.objective == nrp.BEST_KNOWN[1] == 607


def test_rule_B29_a_units_roster_limits_are_held_by_the_solver_and_checked_on_a_hand_made_roster(
    org, county_duty, before_national_day
):
    from tests.factories import make_assignment, make_roster
    from zhiban.org.models import DutyPolicy
    from zhiban.roster import planning
    from zhiban.roster.models import DayKind

    DutyPolicy.objects.create(
        unit=org.county, max_duty_hours_per_month=340, max_consecutive_duty_days=2, max_weekends_per_month=4
    )
    roster = make_roster(org.county, dt.date(2026, 10, 1), 31)
    problem, _, _ = planning.build_problem(roster)
    assert problem.limits == Limits(max_consecutive_days=2, max_weekends=4, max_minutes=340 * 60)
    assert planning.generate(roster, time_limit=10).status in ("optimal", "feasible")
    assert not [v for v in planning.check(roster) if v.blocks_publishing]
    hours: dict[int, float] = {}
    for a in roster.assignments.all():
        hours[a.person_id] = hours.get(a.person_id, 0) + (a.end - a.start).total_seconds() / 3600
    assert max(hours.values()) <= 340

    # by hand: three day shifts in a row, five weekends, too many hours
    november = make_roster(org.county, dt.date(2026, 11, 1), 30)
    person = county_duty[0]
    for day in (2, 3, 4):
        make_assignment(november, person, dt.date(2026, 11, day), hours=8)
    for day in (1, 7, 14, 21, 28):
        a = make_assignment(november, person, dt.date(2026, 11, day), hours=8)
        a.day_kind = DayKind.WEEKEND
        a.save()
    messages = [v.message for v in planning.check(november) if v.blocks_publishing]
    assert any(f"{person.name}连续值班3天，超过规则规定的2天" in m for m in messages)
    assert any(f"{person.name}本月第5个周末值班，超过规则规定的4个" in m for m in messages)
    DutyPolicy.objects.filter(unit=org.county).update(max_duty_hours_per_month=60)
    messages = [v.message for v in planning.check(november) if v.blocks_publishing]
    assert any(f"{person.name}本月值班累计64小时，超过规则规定的60小时" in m for m in messages)


def test_symmetry_breaking_between_interchangeable_people_keeps_the_optimum():
    from tests.roster.test_solver import day_shifts, staff

    problem = Problem(people=staff(5), shifts=day_shifts(7, {"primary": 1, "standby": 1}), time_limit=20)
    plain = solve(problem)
    broken = solve(Problem(**{**problem.__dict__, "symmetry": True}))
    assert plain.status == broken.status == "optimal" and plain.objective == broken.objective
    first = min(a.shift_key for a in broken.assignments)
    assert {a.person_id for a in broken.assignments if a.shift_key == first} == {1, 2}
