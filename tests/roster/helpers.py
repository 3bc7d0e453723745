"""Constants and helpers the roster tests share."""

from __future__ import annotations

import datetime as dt

from zhiban.roster.models import Roster

TRAINED_ON = dt.date(2026, 9, 1)


NATIONAL_DAY = dt.date(2026, 10, 1)


def posts_by_day(roster: Roster) -> dict[dt.date, list[str]]:
    days: dict[dt.date, list[str]] = {}
    for a in roster.assignments.all():
        days.setdefault(a.day, []).append(a.post)
    return days
