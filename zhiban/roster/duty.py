"""Who is on duty at a moment (published rosters only: a draft binds nobody)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.utils import timezone

from zhiban.org.access import Scope
from zhiban.org.models import DutyLine, Role, Unit
from zhiban.org.roles import role_holders
from zhiban.roster.models import Assignment, Post, Roster

POST_ORDER = {post: i for i, post in enumerate(Post.values)}


def on_duty(scope: Scope, unit: Unit, at: dt.datetime, subtree: bool = False) -> list[dict]:
    """Per unit (the unit, or its whole subtree that the person may read): the people on duty at `at`,
    in post order, with the duty office's phone numbers."""
    units = Unit.objects.filter(scope.unit_q())
    units = units.filter(path__startswith=unit.path) if subtree else units.filter(pk=unit.pk)
    units = list(units.order_by("path"))
    rows = Assignment.objects.filter(
        roster__unit__in=units, roster__state=Roster.State.PUBLISHED, start__lte=at, end__gt=at
    ).select_related("person", "roster")
    by_unit: dict[int, list[Assignment]] = defaultdict(list)
    for a in rows:
        by_unit[a.roster.unit_id].append(a)
    lines: dict[int, list[DutyLine]] = defaultdict(list)
    for line in DutyLine.objects.filter(unit__in=units, active=True):
        lines[line.unit_id].append(line)
    return [
        {
            "unit": u,
            "people": sorted(by_unit.get(u.pk, []), key=lambda a: (POST_ORDER[a.post], a.person.name)),
            "lines": lines.get(u.pk, []),
        }
        for u in units
    ]


def leaders_on_duty(unit: Unit, at: dt.datetime | None = None) -> list:
    """The leader on duty (B6/A1.4): whoever holds the leader post of the unit's published shift at `at`
    (default now), or, on a shift without one (most workdays), the unit's leaders, or those of the
    nearest unit above that has any. Every alert that names "the leader" asks this."""
    at = at or timezone.now()
    return people_on_duty(unit, at, (Post.LEADER,)) or role_holders(unit, [Role.LEADER])


def people_on_duty(unit: Unit, at: dt.datetime, posts) -> list:
    """The people holding these posts in the unit's published shifts at `at` (leader, primary, ...)."""
    return [
        a.person
        for a in Assignment.objects.filter(
            roster__unit=unit, roster__state=Roster.State.PUBLISHED, post__in=posts, start__lte=at, end__gt=at
        ).select_related("person__user")
    ]
