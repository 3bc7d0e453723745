"""/api/v1/ for rosters: who is on duty (for a switchboard, a screen, a superior's system) and a roster."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from ninja import Router, Schema

from zhiban.org.access import get_unit_for_user, scope_for
from zhiban.roster.access import get_roster_for_user
from zhiban.roster.duty import on_duty

router = Router(tags=["排班"])


class OnDutyPerson(Schema):
    person_id: int
    name: str
    post: str
    post_label: str
    shift: str
    start: dt.datetime
    end: dt.datetime


class DutyLineOut(Schema):
    kind: str
    number: str


class UnitOnDuty(Schema):
    unit_id: int
    unit: str
    duty_office: str
    lines: list[DutyLineOut]
    people: list[OnDutyPerson]


class AssignmentOut(Schema):
    id: int
    day: dt.date
    shift: str
    start: dt.datetime
    end: dt.datetime
    post: str
    person_id: int
    person: str


class RosterOut(Schema):
    id: int
    unit_id: int
    title: str
    start: dt.date
    end: dt.date
    state: str
    version: int
    assignments: list[AssignmentOut]


class Error(Schema):
    detail: str


def _person(a) -> dict:
    return {
        "person_id": a.person_id,
        "name": a.person.name,
        "post": a.post,
        "post_label": a.get_post_display(),
        "shift": a.shift_name,
        "start": a.start,
        "end": a.end,
    }


@router.get("/units/{unit_id}/on-duty", response={200: list[UnitOnDuty], 404: Error})
def units_on_duty(request, unit_id: int, at: dt.datetime | None = None, subtree: bool = False):
    """Who is on duty at `at` (default: now) in the unit, or in every unit of its subtree one may read."""
    unit = get_unit_for_user(request.user, unit_id)
    moment = at or timezone.now()
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    rows = on_duty(scope_for(request.user), unit, moment, subtree=subtree)
    return [
        {
            "unit_id": r["unit"].pk,
            "unit": r["unit"].name,
            "duty_office": r["unit"].duty_office,
            "lines": [{"kind": line.kind, "number": line.number} for line in r["lines"]],
            "people": [_person(a) for a in r["people"]],
        }
        for r in rows
    ]


@router.get("/rosters/{roster_id}", response={200: RosterOut, 404: Error})
def get_roster(request, roster_id: int):
    roster = get_roster_for_user(request.user, roster_id)
    return {
        "id": roster.pk,
        "unit_id": roster.unit_id,
        "title": roster.title,
        "start": roster.start,
        "end": roster.end,
        "state": roster.state,
        "version": roster.version,
        "assignments": [
            {
                "id": a.pk,
                "day": a.day,
                "shift": a.shift_name,
                "start": a.start,
                "end": a.end,
                "post": a.post,
                "person_id": a.person_id,
                "person": a.person.name,
            }
            for a in roster.assignments.select_related("person")
        ],
    }
