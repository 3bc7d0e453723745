"""Roster solver on a generated unit of 100 people (12 leaders), as issue 4 asks.

    .venv/bin/python bench/roster.py [--seed 7]

A month must reach a proven optimum in <= 10 s; a whole year a proven gap <= 1 % in <= 60 s. Workdays have
a day shift (08:30-17:30: primary, deputy) and a night shift (17:30-08:30: leader, primary, deputy,
standby); weekends and holidays one 24-hour shift with a leader; a sensitive week doubles the staff.
Six people are exempted for three weeks each, and 40 requests to be off a given day are added. Prints time
to first feasible, status, gap and the fairness spread (most - fewest nights per person among staff),
and, as a baseline from the same run, the time of the month problem with one post a day.

The year is solved by solver.solve_by_months: a small model first plans how many shifts of each kind
each person holds in each month, as evenly over the year as can be (its optimum is a proven lower bound
on the year's fairness); then each month is solved to its planned counts. The gap is against that bound,
so it is a proven gap for the whole year, not a per-month one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from zhiban.lib.workdays import HOLIDAY, WORKDAY, kind_of  # noqa: E402
from zhiban.roster.solver import Person, Problem, Request, Shift, solve, solve_by_months  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")


def shifts_for(
    start: dt.date, days: int, sensitive: tuple[dt.date, dt.date] | None, simple=False
) -> list[Shift]:
    shifts = []
    for i in range(days):
        day = start + dt.timedelta(days=i)
        kind = kind_of(day)  # as the roster reads the official calendar
        workday, holiday = kind == WORKDAY, kind == HOLIDAY
        hot = sensitive is not None and sensitive[0] <= day <= sensitive[1]
        factor = 2 if hot else 1
        at = lambda h, m, d=day: dt.datetime.combine(d, dt.time(h, m), TZ)  # noqa: E731
        flags = {
            "weekend": not workday and not holiday,
            "holiday": holiday,
            "leader_required": holiday or hot,
        }

        def whole_day(posts, flags, day=day, at=at):
            return Shift(
                f"{day}/24h",
                day,
                "全天班",
                at(8, 30),
                at(8, 30) + dt.timedelta(days=1),
                True,
                posts=posts,
                **flags,
            )

        full = {"leader": 1, "primary": factor, "deputy": factor, "standby": 1}
        if simple:
            shifts.append(whole_day({"primary": 1}, {**flags, "leader_required": False}))
        elif workday:
            shifts.append(
                Shift(
                    f"{day}/day",
                    day,
                    "白班",
                    at(8, 30),
                    at(17, 30),
                    False,
                    posts={"primary": factor, "deputy": factor},
                    **{**flags, "leader_required": False},
                )
            )
            shifts.append(
                Shift(
                    f"{day}/night",
                    day,
                    "夜班",
                    at(17, 30),
                    at(8, 30) + dt.timedelta(days=1),
                    True,
                    posts=full,
                    **flags,
                )
            )
        else:
            shifts.append(whole_day(full, flags))
    return shifts


def people_for(rng: random.Random, start: dt.date, days: int) -> list[Person]:
    people = [Person(i, f"领导{i}", frozenset({"leader"}), pool="leader") for i in range(1, 13)]
    staff_posts = frozenset({"primary", "deputy", "standby"})
    for i in range(13, 101):
        away = frozenset()
        if i % 15 == 0:  # six people exempted for three weeks (A3.1)
            first = start + dt.timedelta(days=rng.randrange(max(1, days - 21)))
            away = frozenset(first + dt.timedelta(days=k) for k in range(21))
        people.append(Person(i, f"值班员{i}", staff_posts, pool="staff", unavailable=away))
    return people


def run(label: str, problem: Problem, method=solve) -> None:
    result = method(problem)
    nights: dict[int, int] = {p.id: 0 for p in problem.people if p.pool == "staff"}
    night_keys = {s.key for s in problem.shifts if s.night}
    for a in result.assignments:
        if a.person_id in nights and a.shift_key in night_keys:
            nights[a.person_id] += 1
    available = [
        n for pid, n in nights.items() if not next(p for p in problem.people if p.id == pid).unavailable
    ]
    gap = f"{result.gap * 100:.2f} %" if result.gap is not None else "-"
    first = f"{result.first_feasible_seconds:.2f}" if result.first_feasible_seconds is not None else "-"
    print(
        f"{label:34} {len(problem.shifts):6} {first:>9} {result.seconds:8.2f} {result.status:>10} {gap:>8} "
        f"{max(available) - min(available):>7}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    print(
        f"{'problem':34} {'shifts':>6} {'first s':>9} {'total s':>8} {'status':>10} {'gap':>8} {'spread':>7}"
    )

    month_start, month_days = dt.date(2026, 10, 1), 31  # National Day week, then a sensitive week
    people = people_for(rng, month_start, month_days)
    requests = [
        Request(rng.randrange(13, 101), month_start + dt.timedelta(days=rng.randrange(month_days)))
        for _ in range(40)
    ]
    run(
        "baseline: month, one post a day",
        Problem(
            people, shifts_for(month_start, month_days, None, simple=True), time_limit=10, seed=args.seed
        ),
    )
    sensitive = (dt.date(2026, 10, 20), dt.date(2026, 10, 26))
    run(
        "month (target: optimal <= 10 s)",
        Problem(
            people,
            shifts_for(month_start, month_days, sensitive),
            requests=requests,
            time_limit=10,
            seed=args.seed,
        ),
    )

    year_start, year_days = dt.date(2026, 1, 1), 365
    people = people_for(rng, year_start, year_days)
    requests = [
        Request(rng.randrange(13, 101), year_start + dt.timedelta(days=rng.randrange(year_days)))
        for _ in range(300)
    ]
    run(
        "year (target: gap <= 1 % <= 60 s)",
        Problem(
            people,
            shifts_for(year_start, year_days, (dt.date(2026, 9, 28), dt.date(2026, 10, 8))),
            requests=requests,
            time_limit=4,
            seed=args.seed,
        ),
        solve_by_months,
    )


if __name__ == "__main__":
    main()
