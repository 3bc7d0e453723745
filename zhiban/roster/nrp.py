"""A reader for the shift scheduling benchmark's instances (Curtois & Qu, "Shift Scheduling Benchmark
Data", University of Nottingham; format in ../shared/bench-data/nrp/README.md) that builds the roster
solver's own problem (solver.Problem), so the benchmark measures the model the units use, not a second one.

How the format's rules land on the solver's:
- each day's shift type is a solver Shift (starting 08:00, lasting its minutes), with one post named after
  the type and the cover (requirement, weight under, weight over) as a soft cover (`Shift.cover`);
- at most one shift a day: the day's shifts all start at 08:00, so they overlap (one post at a time);
- a shift type that cannot follow another: `Problem.successions`;
- per-type maxima: a person may hold the post of a type only when the maximum is above 0
  (`Person.posts`), and `Limits.max_of_shift`;
- minutes, consecutive shifts, consecutive days off, weekends: `Limits`, per person;
- days off: `Person.unavailable`;
- requests on and off a shift: `Request(wanted=…, shift_name=…)` with their weights.
Fairness and spacing weigh nothing here: the benchmark's objective is the requests and the cover alone."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from zhiban.roster.solver import Limits, Person, Problem, Request, Shift, Weights

TZ = ZoneInfo("Asia/Shanghai")
MONDAY = dt.date(2024, 1, 1)  # day 0 of every instance is a Monday

# the best known objective of each instance (README of the data)
BEST_KNOWN = {1: 607, 2: 828, 3: 1001, 4: 1716, 5: 1143, 6: 1950, 7: 1056, 8: 1300, 9: 439, 10: 4631}
BEST_KNOWN |= {11: 3443, 12: 4040}
OPTIMAL = {1, 2, 3}


def sections(text: str) -> dict[str, list[list[str]]]:
    found: dict[str, list[list[str]]] = {}
    current = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("SECTION_"):
            current = found.setdefault(line, [])
            continue
        if current is None:
            raise ValueError(f"data before any section: {line!r}")
        current.append([part.strip() for part in line.split(",")])
    return found


def read(path: str | Path) -> Problem:
    """The instance as the solver's problem: people numbered from 1 in the file's order."""
    found = sections(Path(path).read_text(encoding="utf-8"))
    horizon = int(found["SECTION_HORIZON"][0][0])
    days = [MONDAY + dt.timedelta(days=i) for i in range(horizon)]
    minutes: dict[str, int] = {}
    successions = set()
    for row in found["SECTION_SHIFTS"]:
        name, length = row[0], int(row[1])
        minutes[name] = length
        followers = row[2] if len(row) > 2 else ""
        successions |= {(name, after) for after in followers.split("|") if after}
    ids: dict[str, int] = {}
    staff = []
    for row in found["SECTION_STAFF"]:
        key, maxima = row[0], row[1]
        most = {}
        for part in maxima.split("|"):
            if part:
                shift, count = part.split("=")
                most[shift] = int(count)
        ids[key] = len(ids) + 1
        limits = Limits(
            max_minutes=int(row[2]),
            min_minutes=int(row[3]),
            max_consecutive_days=int(row[4]),
            min_consecutive_days=int(row[5]),
            min_days_off=int(row[6]),
            max_weekends=int(row[7]),
            max_of_shift={s: n for s, n in most.items() if 0 < n < horizon},
        )
        staff.append((key, frozenset(s for s, n in most.items() if n > 0), limits))
    off: dict[str, set[dt.date]] = {}
    for row in found.get("SECTION_DAYS_OFF", []):
        off.setdefault(row[0], set()).update(days[int(d)] for d in row[1:] if d)
    people = [
        Person(
            id=ids[key],
            name=key,
            posts=posts,
            pool=f"nurse {key}",  # each alone: no fairness between them in this objective
            unavailable=frozenset(off.get(key, ())),
            limits=limits,
        )
        for key, posts, limits in staff
    ]
    requests = []
    for section, wanted in (("SECTION_SHIFT_ON_REQUESTS", True), ("SECTION_SHIFT_OFF_REQUESTS", False)):
        for key, day, shift, weight in found.get(section, []):
            requests.append(Request(ids[key], days[int(day)], int(weight), shift_name=shift, wanted=wanted))
    cover = {(int(r[0]), r[1]): (int(r[2]), int(r[3]), int(r[4])) for r in found.get("SECTION_COVER", [])}
    shifts = []
    for i, day in enumerate(days):
        start = dt.datetime.combine(day, dt.time(8, 0), TZ)
        for name, length in minutes.items():
            need, under, over = cover.get((i, name), (0, 0, 0))
            shifts.append(
                Shift(
                    key=f"{day}/{name}",
                    day=day,
                    name=name,
                    start=start,
                    end=start + dt.timedelta(minutes=length),
                    night=False,
                    weekend=day.weekday() >= 5,
                    posts={name: need},
                    cover=(under, over),
                )
            )
    return Problem(
        people=people,
        shifts=shifts,
        rest_hours_after_night=0,
        min_days_between=0,
        requests=requests,
        weights=Weights(shifts=0, nights=0, weekends=0, holidays=0, spacing=0, quota=0),
        successions=frozenset(successions),
    )


def objective(problem: Problem, assignments) -> int:
    """The benchmark's objective of a roster, counted independently of the model (requests and cover)."""
    shifts = {s.key: s for s in problem.shifts}
    held = {(a.person_id, shifts[a.shift_key].day, shifts[a.shift_key].name) for a in assignments}
    on_day = {(pid, day) for pid, day, _ in held}
    total = 0
    for r in problem.requests:
        hit = (r.person_id, r.day, r.shift_name) in held if r.shift_name else (r.person_id, r.day) in on_day
        total += r.weight if hit != r.wanted else 0
    count: dict[str, int] = {}
    for a in assignments:
        count[a.shift_key] = count.get(a.shift_key, 0) + 1
    for shift in problem.shifts:
        need = sum(shift.posts.values())
        under, over = shift.cover or (0, 0)
        have = count.get(shift.key, 0)
        total += under * max(0, need - have) + over * max(0, have - need)
    return total


def breaches(problem: Problem, assignments) -> list[str]:
    """The benchmark's hard rules a roster breaks, checked independently of the model: one shift a day,
    days off, successions, shifts of a type, minutes, days on and off in a row (runs touching either end
    of the horizon are not held to the fewest) and weekends."""
    shifts = {s.key: s for s in problem.shifts}
    days = sorted({s.day for s in problem.shifts})
    found = []
    for person in problem.people:
        limits = person.limits or Limits()
        mine = [shifts[a.shift_key] for a in assignments if a.person_id == person.id]
        on = {}
        for shift in mine:
            if shift.day in on:
                found.append(f"{person.name}: two shifts on {shift.day}")
            on[shift.day] = shift.name
            if shift.day in person.unavailable:
                found.append(f"{person.name}: on duty on a day off {shift.day}")
            if shift.name not in person.posts:
                found.append(f"{person.name}: may not work {shift.name}")
        for day, name in on.items():
            after = on.get(day + dt.timedelta(days=1))
            if after is not None and (name, after) in problem.successions:
                found.append(f"{person.name}: {after} may not follow {name} on {day}")
        for name, most in limits.max_of_shift.items():
            if sum(s.name == name for s in mine) > most:
                found.append(f"{person.name}: more than {most} of {name}")
        minutes = sum(s.minutes for s in mine)
        if not (limits.min_minutes or 0) <= minutes <= (limits.max_minutes or minutes):
            found.append(f"{person.name}: {minutes} minutes")
        flags = [day in on for day in days]
        for working in (True, False):
            least = limits.min_consecutive_days if working else limits.min_days_off
            start = 0
            while start < len(flags):
                end = start
                while end < len(flags) and flags[end] == flags[start]:
                    end += 1
                length, inner = end - start, start > 0 and end < len(flags)
                if flags[start] == working:
                    if working and limits.max_consecutive_days and length > limits.max_consecutive_days:
                        found.append(f"{person.name}: {length} days on in a row from {days[start]}")
                    if inner and least and length < least:
                        found.append(
                            f"{person.name}: {length} days {'on' if working else 'off'} from {days[start]}"
                        )
                start = end
        weekends = {day.isocalendar()[:2] for day in on if day.weekday() >= 5}
        if limits.max_weekends is not None and len(weekends) > limits.max_weekends:
            found.append(f"{person.name}: {len(weekends)} weekends")
    return found
