"""The roster as a calendar (issue 16): a month as weeks of days, each day with its shifts and each
post's people, the day's kind (holiday, 调休 workday, weekend) and a sensitive period marked; a week the
same way. Used by the calendar pages, "my duty" and the Excel export's month sheets."""

from __future__ import annotations

import calendar as cal
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from zhiban.org.models import Unit
from zhiban.roster.calendar import CalendarDay, days_between
from zhiban.roster.models import Assignment, DayKind, Post

POST_SHORT = {Post.LEADER: "带班", Post.PRIMARY: "主班", Post.DEPUTY: "副班", Post.STANDBY: "备班"}
WEEKDAYS = "一二三四五六日"


@dataclass
class GridShift:
    name: str
    start: dt.datetime
    posts: list[tuple[str, str, list[str]]]  # (post, its short word, names)


@dataclass
class GridDay:
    date: dt.date
    in_range: bool  # in the month (or week) shown, not a neighbour's day filling the first or last week
    today: bool
    info: CalendarDay | None
    shifts: list[GridShift] = field(default_factory=list)

    @property
    def mark(self) -> str:
        """What the day is, when not an ordinary workday: 春节, 调休上班, 休息日."""
        info = self.info
        if info is None:
            return ""
        if info.kind == DayKind.HOLIDAY:
            return info.name or "节假日"
        if info.kind == DayKind.WORKDAY and self.date.weekday() >= 5:
            return "调休上班"
        return ""

    @property
    def css(self) -> str:
        classes = []
        if not self.in_range:
            classes.append("outside")
        if self.today:
            classes.append("today")
        if self.info is not None:
            if self.info.kind == DayKind.HOLIDAY:
                classes.append("holiday")
            elif self.info.kind == DayKind.WEEKEND:
                classes.append("weekend")
            elif self.date.weekday() >= 5:
                classes.append("adjusted")
            if self.info.sensitive is not None:
                classes.append("sensitive")
        return " ".join(classes)


def _shifts(assignments: list[Assignment]) -> dict[dt.date, list[GridShift]]:
    by_day: dict[dt.date, dict[tuple, list[Assignment]]] = defaultdict(lambda: defaultdict(list))
    for a in assignments:
        by_day[a.day][(a.start, a.shift_name)].append(a)
    found: dict[dt.date, list[GridShift]] = {}
    for day, shifts in by_day.items():
        found[day] = [
            GridShift(
                name,
                start,
                [
                    (post, POST_SHORT[post], [a.person.name for a in people if a.post == post])
                    for post in Post.values
                    if any(a.post == post for a in people)
                ],
            )
            for (start, name), people in sorted(shifts.items())
        ]
    return found


def weeks(
    unit: Unit, assignments: list[Assignment], first: dt.date, last: dt.date, today: dt.date | None = None
) -> list[list[GridDay]]:
    """Whole weeks, Monday first, covering `first`..`last`; days outside are shown empty and greyed."""
    start = first - dt.timedelta(days=first.weekday())
    end = last + dt.timedelta(days=6 - last.weekday())
    info = {d.date: d for d in days_between(unit, start, end)}
    shifts = _shifts([a for a in assignments if first <= a.day <= last])
    days = []
    day = start
    while day <= end:
        inside = first <= day <= last
        days.append(GridDay(day, inside, day == today, info.get(day), shifts.get(day, []) if inside else []))
        day += dt.timedelta(days=1)
    return [days[i : i + 7] for i in range(0, len(days), 7)]


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, month, 1), dt.date(year, month, cal.monthrange(year, month)[1])


def months_between(first: dt.date, last: dt.date) -> list[tuple[int, int]]:
    months, y, m = [], first.year, first.month
    while (y, m) <= (last.year, last.month):
        months.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months
