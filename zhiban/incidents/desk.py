"""What 一口清 and a person's desk state first about emergencies (B7, B21): the unit's events in
progress with the deadline each owes next, its reports waiting for sign-off with the time left, the
chase-ups and verification requests from above not yet answered, and the reports come up from below
not yet received."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q

from zhiban.incidents import deadlines
from zhiban.incidents.models import ChaseUp, Deadline, Event, EventStep, Report, VerificationRequest
from zhiban.org.models import Person, Unit

LIMIT = 20
RECENT = dt.timedelta(days=2)  # reports from below older than this are the inbox's, not the desk's


@dataclass
class Emergencies:
    events: list[Event] = field(default_factory=list)
    awaiting_sign_off: list[Report] = field(default_factory=list)
    chase_ups: list[ChaseUp] = field(default_factory=list)
    requests: list[VerificationRequest] = field(default_factory=list)
    unreceived: int = 0
    missed: list[Deadline] = field(default_factory=list)  # reports never made, of the last two days
    instructions: list[EventStep] = field(default_factory=list)  # leaders' instructions on open events

    def __bool__(self) -> bool:
        return bool(
            self.events
            or self.awaiting_sign_off
            or self.chase_ups
            or self.requests
            or self.unreceived
            or self.missed
            or self.instructions
        )


def emergencies_of(unit: Unit, now: dt.datetime, signer: Person | None = None) -> Emergencies:
    """The unit's emergencies at `now`; with `signer`, also the reports that person is asked to sign."""
    events = list(
        Event.objects.filter(unit=unit, state=Event.State.OPEN)
        .prefetch_related(Prefetch("deadline_set", queryset=Deadline.objects.order_by("due_at")))
        .order_by("-known_at")[:LIMIT]
    )
    for event in events:
        open_rows = [d for d in event.deadline_set.all() if d.is_open]
        event.next_deadline = min(open_rows, key=lambda d: d.due_at) if open_rows else None
    returned = Q(event__unit=unit, state=Report.State.DRAFT, event__state=Event.State.OPEN) & ~Q(
        returned_note=""
    )
    waiting = Q(event__unit=unit, state__in=[Report.State.PENDING, Report.State.SIGNED]) | returned
    if signer is not None:
        waiting |= Q(signer=signer, state=Report.State.PENDING)
    reports = list(
        Report.objects.filter(waiting).select_related("event__unit", "by", "signer").order_by("id")[:LIMIT]
    )
    for report in reports:
        kind = "phone" if report.channel == "phone" and report.kind == "first" else None
        kind = kind or ("written" if report.kind == "first" else "follow_up")
        report.due = deadlines.current(report.event, kind)
    chases = [
        c
        for c in ChaseUp.objects.filter(to_unit=unit, at__gte=now - dt.timedelta(days=2))
        .select_related("from_unit", "event", "deadline__event", "request")
        .order_by("-at")[:LIMIT]
        if not c.answered
    ]
    requests = list(
        VerificationRequest.objects.filter(to_unit=unit)
        .filter(Q(phone_replied_at=None) | Q(written_replied_at=None))
        .select_related("from_unit")
        .order_by("phone_due_at")[:LIMIT]
    )
    unreceived = Report.objects.filter(
        to_unit=unit, state=Report.State.SENT, received_at=None, at__gte=now - RECENT
    ).count()
    missed = list(
        Deadline.objects.filter(event__unit=unit, missed=True, due_at__gte=now - RECENT)
        .select_related("event")
        .order_by("-due_at")[:LIMIT]
    )
    instructions = list(
        EventStep.objects.filter(
            event__unit=unit,
            event__state=Event.State.OPEN,
            kind=EventStep.Kind.INSTRUCTION,
            at__gte=now - RECENT,
        )
        .select_related("event", "by")
        .order_by("-at")[:LIMIT]
    )
    return Emergencies(events, reports, chases, requests, unreceived, missed, instructions)
