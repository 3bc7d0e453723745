"""The solver alone (no database): small problems whose optimum is known, and infeasible ones whose
reason must be named."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from zhiban.roster.solver import Person, Pin, Problem, Request, Shift, Weights, solve, solve_by_months

TZ = ZoneInfo("Asia/Shanghai")


START = dt.date(2026, 3, 2)  # a Monday


def day_shifts(days: int, posts: dict[str, int], **flags) -> list[Shift]:
    shifts = []
    for i in range(days):
        day = START + dt.timedelta(days=i)
        start = dt.datetime.combine(day, dt.time(8, 30), TZ)
        shifts.append(
            Shift(
                key=f"{day}/24h",
                day=day,
                name="全天班",
                start=start,
                end=start + dt.timedelta(hours=24),
                night=True,
                weekend=day.weekday() >= 5,
                posts=dict(posts),
                **flags,
            )
        )
    return shifts


def staff(n: int, **extra) -> list[Person]:
    return [
        Person(id=i + 1, name=f"值班员{i + 1}", posts=frozenset({"primary", "standby"}), **extra)
        for i in range(n)
    ]


def by_person(result) -> dict[int, int]:
    counts: dict[int, int] = {}
    for a in result.assignments:
        counts[a.person_id] = counts.get(a.person_id, 0) + 1
    return counts


def test_rule_A1_1_every_post_of_every_day_filled_and_spread_evenly():
    result = solve(
        Problem(people=staff(8), shifts=day_shifts(4, {"primary": 1, "standby": 1}), min_days_between=0)
    )
    assert result.status == "optimal"
    assert len(result.assignments) == 8
    filled = {(a.shift_key, a.post) for a in result.assignments}
    assert filled == {(s.key, p) for s in day_shifts(4, {}) for p in ("primary", "standby")}
    assert sorted(by_person(result).values()) == [1] * 8 and result.objective == 0


def test_known_optimum_with_an_uneven_load():
    """4 days, 3 people, one primary a day: the best is 2-1-1, a spread of 1 shift and 1 night."""
    weights = Weights(shifts=100, nights=60, weekends=0, holidays=0, spacing=0)
    result = solve(Problem(people=staff(3), shifts=day_shifts(4, {"primary": 1}), weights=weights))
    assert result.status == "optimal"
    assert result.objective == 160 and result.gap == 0
    assert sorted(by_person(result).values()) == [1, 1, 2]


def test_rest_after_a_night_shift_is_kept():
    """Two people, four 24-hour days, a day's rest after each: they must alternate."""
    result = solve(Problem(people=staff(2), shifts=day_shifts(4, {"primary": 1}), rest_hours_after_night=24))
    order = [a.person_id for a in sorted(result.assignments, key=lambda a: a.shift_key)]
    assert result.status == "optimal" and order in ([1, 2, 1, 2], [2, 1, 2, 1])


def test_rule_A3_1_exempted_person_is_never_placed():
    people = staff(3)
    away = frozenset(START + dt.timedelta(days=i) for i in range(4))
    people[0] = Person(id=1, name="值班员1", posts=frozenset({"primary"}), unavailable=away)
    result = solve(Problem(people=people, shifts=day_shifts(4, {"primary": 1})))
    assert result.status == "optimal" and 1 not in by_person(result)


def test_rule_B10_leader_required_without_leader_post_is_named():
    shifts = day_shifts(1, {"primary": 1}, holiday=True, leader_required=True)
    result = solve(Problem(people=staff(2), shifts=shifts))
    assert result.status == "infeasible"
    assert result.reasons == ["3月2日全天班：节假日和敏感时期须有带班领导，班次未设带班领导岗位"]


def test_infeasible_post_names_the_day_shift_and_why():
    people = [Person(id=1, name="甲", posts=frozenset({"primary"}), unavailable=frozenset({START}))]
    result = solve(Problem(people=people, shifts=day_shifts(1, {"primary": 1})))
    assert result.status == "infeasible"
    assert result.reasons == ["3月2日全天班主班：需要1人，合格人员均已免值班、未通过培训或不可值班"]


def test_infeasible_when_rest_cannot_be_kept():
    result = solve(Problem(people=staff(1), shifts=day_shifts(2, {"primary": 1}), rest_hours_after_night=24))
    assert result.status == "infeasible" and result.reasons


def test_pins_are_kept_and_requests_respected():
    shifts = day_shifts(4, {"primary": 1})
    result = solve(
        Problem(
            people=staff(4),
            shifts=shifts,
            pins=[Pin(3, shifts[0].key, "primary")],
            requests=[Request(1, START + dt.timedelta(days=1), weight=50)],
        )
    )
    assert (3, shifts[0].key) in {(a.person_id, a.shift_key) for a in result.assignments}
    assert (1, shifts[1].key) not in {(a.person_id, a.shift_key) for a in result.assignments}


def test_history_evens_out_a_year():
    """Person 1 already did three more nights than the others: this month they get fewer."""
    people = [
        Person(id=1, name="甲", posts=frozenset({"primary"}), history={"shifts": 3, "nights": 3}),
        *staff(3)[1:],
    ]
    weights = Weights(weekends=0)
    result = solve(Problem(people=people, shifts=day_shifts(9, {"primary": 1}), weights=weights))
    # 9 days: 1 + 4 + 4 leaves everyone at 4 shifts and 4 nights in total
    assert result.status == "optimal" and by_person(result) == {1: 1, 2: 4, 3: 4} and result.objective == 0


def test_same_problem_and_seed_gives_the_same_roster():
    problem = Problem(people=staff(10), shifts=day_shifts(14, {"primary": 1, "standby": 1}), seed=3)
    assert solve(problem).assignments == solve(problem).assignments


def test_month_by_month_carries_history_and_rest_across_the_border():
    """Two 'months' of 24-hour shifts (Mar 30-31, Apr 1-2), two people with a day's rest after each
    shift: whoever has Mar 31 may not have Apr 1, and the four shifts end 2-2."""
    start = dt.date(2026, 3, 30)
    shifts = []
    for i in range(4):
        day = start + dt.timedelta(days=i)
        begin = dt.datetime.combine(day, dt.time(8, 30), TZ)
        shifts.append(
            Shift(
                key=f"{day}/24h",
                day=day,
                name="全天班",
                start=begin,
                end=begin + dt.timedelta(hours=24),
                night=True,
                posts={"primary": 1},
            )
        )
    result = solve_by_months(Problem(people=staff(2), shifts=shifts, weights=Weights(weekends=0)))
    order = [a.person_id for a in sorted(result.assignments, key=lambda a: a.shift_key)]
    assert order in ([1, 2, 1, 2], [2, 1, 2, 1])
    assert result.status == "optimal" and result.objective == result.bound == 0


def test_too_few_people_to_rest_after_nights_is_named():
    """Two 24-hour days needing a primary and a standby each, three people: after the first night its
    two must rest, so the second day has one person for two posts."""
    result = solve(Problem(people=staff(3), shifts=day_shifts(2, {"primary": 1, "standby": 1})))
    assert result.status == "infeasible"
    assert result.reasons == ["3月2日全天班与3月3日全天班：夜班后须休息24小时，两班共需4人，可值班的只有3人"]


def border_days(first: dt.date, days: int) -> list[Shift]:
    shifts = []
    for i in range(days):
        day = first + dt.timedelta(days=i)
        start = dt.datetime.combine(day, dt.time(8, 30), TZ)
        shifts.append(
            Shift(
                f"{day}/24h",
                day,
                "全天班",
                start,
                start + dt.timedelta(hours=24),
                True,
                posts={"primary": 1, "standby": 1},
            )
        )
    return shifts


def test_a_long_period_is_planned_whole_so_someone_back_from_leave_catches_up():
    """Mar 26 - Apr 6, a primary and a standby a day: 24 posts for 6 people. Person 6 is away until
    Mar 29, so can hold at most Mar 30/31 then Apr 1-6 with a day's rest after each: the plan of the
    whole period still gives them 4 like everyone else, and the bound it proves is met."""
    first = dt.date(2026, 3, 26)
    away = frozenset(first + dt.timedelta(days=i) for i in range(4))
    people = staff(5) + [Person(6, "值班员6", frozenset({"primary", "standby"}), unavailable=away)]
    result = solve_by_months(Problem(people=people, shifts=border_days(first, 12), min_days_between=0))
    assert result.status == "optimal" and result.objective == result.bound == 0
    assert by_person(result) == {pid: 4 for pid in range(1, 7)}


def test_a_long_period_whose_pools_share_posts_is_still_solved_month_by_month():
    """Leaders who may also stand by share a post with the staff, so no pool's counts can be planned
    alone: each month then counts the months before as history."""
    first = dt.date(2026, 3, 27)
    people = staff(4) + [Person(9, "领导9", frozenset({"standby"}), pool="leader")]
    result = solve_by_months(Problem(people=people, shifts=border_days(first, 8), min_days_between=0))
    assert result.status in ("optimal", "feasible")
    assert len(result.assignments) == 16 and result.objective >= result.bound
