"""The fairness report: per person and period, shifts, hours, nights, weekends and holidays; the spread
within each group of interchangeable people; who is overloaded; and a quality score for a roster."""

from __future__ import annotations

from dataclasses import dataclass, field

from zhiban.roster.models import Assignment, DayKind, Post

CATEGORIES = (("shifts", "班次"), ("nights", "夜班"), ("weekends", "休息日"), ("holidays", "节假日"))


@dataclass
class PersonLoad:
    person: object
    group: str  # 带班领导 / 值班人员
    shifts: int = 0
    hours: float = 0.0
    nights: int = 0
    weekends: int = 0
    holidays: int = 0
    overloaded: bool = False


@dataclass
class Report:
    rows: list[PersonLoad]
    spreads: dict[str, dict[str, int]]  # group -> category -> most - fewest
    score: int = 100
    findings: list[str] = field(default_factory=list)


def report(
    assignments: list[Assignment],
    people: dict,
    violations: list | None = None,
    schedulable: set[int] | None = None,
) -> Report:
    """`people`: the unit's duty people and their posts (planning.duty_people), so that someone with no
    shift at all is in the report too. `schedulable`: the ids of those who could have been scheduled in
    the period (cleared, not exempted); the others are listed but not counted in averages and spreads,
    since a person who may not be on duty is not "unfairly spared"."""
    rows: dict[int, PersonLoad] = {}
    for person, posts in people.items():
        rows[person.pk] = PersonLoad(person, "带班领导" if Post.LEADER in posts else "值班人员")
    for a in assignments:
        row = rows.setdefault(
            a.person_id, PersonLoad(a.person, "带班领导" if a.post == Post.LEADER else "值班人员")
        )
        row.shifts += 1
        row.hours += (a.end - a.start).total_seconds() / 3600
        row.nights += a.night
        row.weekends += a.day_kind == DayKind.WEEKEND
        row.holidays += a.day_kind == DayKind.HOLIDAY
    groups: dict[str, list[PersonLoad]] = {}
    for row in rows.values():
        groups.setdefault(row.group, []).append(row)
    spreads, findings, score = {}, [], 100
    for group, listed in groups.items():
        members = [m for m in listed if m.shifts or schedulable is None or m.person.pk in schedulable]
        if not members:
            continue
        working = [m for m in members if m.shifts] or members
        spreads[group] = {
            name: max(getattr(m, name) for m in members) - min(getattr(m, name) for m in working)
            for name, _ in CATEGORIES
        }
        mean = sum(m.shifts for m in members) / len(members)
        for m in members:
            if m.shifts > mean + max(2, mean * 0.25):
                m.overloaded = True
                findings.append(f"{m.person.name}{m.shifts}个班次，明显多于{group}平均的{mean:.1f}个")
                score -= 5
        for name, label in CATEGORIES:
            if spreads[group][name] > 1:
                findings.append(f"{group}{label}最多与最少相差{spreads[group][name]}个")
                score -= 5 * (spreads[group][name] - 1)
    violations = violations or []
    gaps = [v for v in violations if not v.assignment_id]
    if gaps:
        findings.insert(0, f"覆盖检查有{len(gaps)}处空档")
        score -= 40
    preferences = [v for v in violations if getattr(v, "preference", False)]
    if preferences:
        findings.insert(0, f"{len(preferences)}处未满足两次值班的间隔")
        score -= min(20, 2 * len(preferences))
    others = len(violations) - len(gaps) - len(preferences)
    if others:
        findings.insert(0, f"{others}个安排违反规则")
        score -= min(50, 10 * others)
    order = {"带班领导": 0, "值班人员": 1}
    return Report(
        sorted(rows.values(), key=lambda r: (order[r.group], -r.shifts, r.person.name)),
        spreads,
        max(0, score),
        findings,
    )
