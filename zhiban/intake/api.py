"""/api/v1/ for the phone exchange (CTI): a call is created as it rings or is answered, with the ring
time, the answer time (none when missed) and the rings before answering (kept for supervision, A2.5);
the officer then completes the record on the call page."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from zhiban.intake.access import get_call_for_user
from zhiban.intake.forms import in_range, not_later_than_now
from zhiban.intake.models import Call
from zhiban.org.access import get_unit_for_user, scope_for

router = Router(tags=["来电"])


class Error(Schema):
    detail: str


class CallIn(Schema):
    number: str = Field("", max_length=30, description="来电号码（交换机识别）")
    direction: str = Field("incoming", pattern="^(incoming|outgoing)$")
    rang_at: dt.datetime = Field(description="振铃时间")
    answered_at: dt.datetime | None = Field(None, description="接听时间；未接听为空")
    rings: int | None = Field(None, ge=0, le=100, description="接听前响铃声数")


class CallOut(Schema):
    id: int
    unit_id: int
    direction: str
    number: str
    at: dt.datetime
    rang_at: dt.datetime | None
    answered_at: dt.datetime | None
    rings: int | None
    name: str
    organisation: str
    content: str
    complete: bool
    url: str


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is not None and timezone.is_naive(moment):
        return timezone.make_aware(moment)
    return moment


def _out(call: Call) -> dict:
    return {
        "id": call.pk,
        "unit_id": call.unit_id,
        "direction": call.direction,
        "number": call.number,
        "at": call.at,
        "rang_at": call.rang_at,
        "answered_at": call.answered_at,
        "rings": call.rings,
        "name": call.name,
        "organisation": call.organisation,
        "content": call.content,
        "complete": not call.incomplete,
        "url": reverse("call_edit" if call.incomplete else "call_detail", args=[call.pk]),
    }


@router.post("/units/{unit_id}/calls", response={201: CallOut, 400: Error, 403: Error, 404: Error})
def create_call(request, unit_id: int, data: CallIn):
    """The exchange reports a call of the unit's duty line; the token's holder must act for the unit."""
    unit = get_unit_for_user(request.user, unit_id)
    if not scope_for(request.user).acts_for_unit(unit):
        raise PermissionDenied("该令牌不能为此单位登记来电")
    rang_at, answered_at = _aware(data.rang_at), _aware(data.answered_at)
    for name, moment in (("rang_at", rang_at), ("answered_at", answered_at)):
        try:  # the same clock rule as the call form: a moment that has happened, within the years kept
            in_range(moment)
            not_later_than_now(moment)
        except forms.ValidationError as refused:
            raise ValidationError({name: refused.messages[0]}) from None
    if answered_at is not None and answered_at < rang_at:
        raise ValidationError({"answered_at": "接听时间不能早于振铃时间"})
    if not data.number.strip():
        raise ValidationError({"number": "请提供来电号码"})
    call = Call.objects.create(
        unit=unit,
        direction=data.direction,
        number=data.number.strip(),
        at=answered_at or rang_at,
        rang_at=rang_at,
        answered_at=answered_at,
        rings=data.rings,
        from_exchange=True,
    )
    return Status(201, _out(call))


@router.get("/calls/{call_id}", response={200: CallOut, 404: Error})
def get_call(request, call_id: int):
    return _out(get_call_for_user(request.user, call_id))
