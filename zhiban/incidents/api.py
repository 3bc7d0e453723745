"""/api/v1/ for emergency information: an outside system (a superior's platform, a monitoring centre)
opens an event at a unit; its deadlines run from the moment known, as for one opened on screen."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from zhiban.incidents import deadlines, services
from zhiban.incidents.access import get_event_for_user
from zhiban.incidents.models import Deadline, Event
from zhiban.intake.forms import FIRST_YEAR, LAST_YEAR
from zhiban.lib.text import TEXT_LIMIT
from zhiban.org.access import get_unit_for_user, scope_for

router = Router(tags=["突发事件"])


class Error(Schema):
    detail: str


class EventIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    category: str = Field(
        pattern="^(natural|accident|health|security)$", description="自然灾害/事故灾难/公共卫生/社会安全"
    )
    subkind: str = Field(
        "", max_length=30, description="法律法规另有报告时限的具体类型，须是报告时限规定中已有的"
    )
    grade: str = Field("", pattern="^(|I|II|III|IV)$")
    sensitive: bool = False
    known_at: dt.datetime = Field(description="获知时间：报告时限从此起算")
    place: str = Field(min_length=1, max_length=200)
    summary: str = Field(min_length=1, max_length=TEXT_LIMIT)


class DeadlineOut(Schema):
    kind: str = Field(description="phone 电话报告 / written 书面报告 / follow_up 续报")
    reason: str
    starts_at: dt.datetime
    due_at: dt.datetime
    met_at: dt.datetime | None
    late_minutes: int
    missed: bool


class EventOut(Schema):
    id: int
    unit_id: int
    title: str
    category: str
    subkind: str
    grade: str
    sensitive: bool
    state: str
    known_at: dt.datetime
    report_required: bool
    rule: str = Field(description="时限依据")
    phone_due_at: dt.datetime | None = Field(description="当前电话报告时限（最早未报的，否则最后一个）")
    written_due_at: dt.datetime | None
    phone_reported_at: dt.datetime | None
    written_reported_at: dt.datetime | None
    deadlines: list[DeadlineOut]
    url: str


def _out(event: Event) -> dict:
    rows = list(event.deadline_set.order_by("due_at", "id"))
    phone = deadlines.current(event, Deadline.Kind.PHONE)
    written = deadlines.current(event, Deadline.Kind.WRITTEN)
    fields = ("id", "unit_id", "title", "category", "subkind", "grade", "sensitive", "state", "known_at")
    return {
        **{f: getattr(event, f) for f in fields},
        "report_required": event.report_required,
        "rule": event.rule_label,
        "phone_due_at": phone.due_at if phone else None,
        "written_due_at": written.due_at if written else None,
        "phone_reported_at": phone.met_at if phone else None,
        "written_reported_at": written.met_at if written else None,
        "deadlines": [
            {
                "kind": d.kind,
                "reason": d.reason,
                "starts_at": d.starts_at,
                "due_at": d.due_at,
                "met_at": d.met_at,
                "late_minutes": d.late_minutes,
                "missed": d.missed,
            }
            for d in rows
        ],
        "url": reverse("event_detail", args=[event.pk]),
    }


@router.post("/units/{unit_id}/events", response={201: EventOut, 400: Error, 403: Error, 404: Error})
def create_event(request, unit_id: int, data: EventIn):
    unit = get_unit_for_user(request.user, unit_id)
    scope = scope_for(request.user)
    if not scope.acts_for_unit(unit):
        raise PermissionDenied("该令牌不能为此单位登记突发事件")
    known_at = data.known_at if timezone.is_aware(data.known_at) else timezone.make_aware(data.known_at)
    if not FIRST_YEAR <= known_at.year <= LAST_YEAR:
        raise ValidationError({"known_at": f"时间应在{FIRST_YEAR}年至{LAST_YEAR}年之间"})
    fields = data.dict()
    fields["known_at"] = known_at
    event = services.event_open(unit, scope.person, source=Event.Source.API, **fields)
    return Status(201, _out(event))


@router.get("/events/{event_id}", response={200: EventOut, 404: Error})
def get_event(request, event_id: int):
    return _out(get_event_for_user(request.user, event_id))
