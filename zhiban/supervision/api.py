"""/api/v1/ for supervision: the superior's phone exchange records a spot check as it happens (the rings
before the answer, or none), judged by the checked unit's policy as one typed on screen (A2.5)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from zhiban.intake.forms import FIRST_YEAR, LAST_YEAR
from zhiban.org.access import get_unit_for_user, scope_for
from zhiban.supervision import services
from zhiban.supervision.access import get_roll_call_for_user, supervises
from zhiban.supervision.models import SpotCheck

router = Router(tags=["督查"])


class Error(Schema):
    detail: str


class SpotCheckIn(Schema):
    number: str = Field(min_length=1, max_length=50, description="所拨的值班电话号码")
    rang_at: dt.datetime = Field(description="开始振铃的时间")
    answered_at: dt.datetime | None = Field(None, description="接听时间；未接听则不带")
    rings: int | None = Field(None, ge=0, le=99, description="接听前响铃声数")
    answered_by: str = Field("", max_length=50)


class SpotCheckOut(Schema):
    id: int
    to_unit_id: int
    absent: bool
    verdict: str
    url: str


def _aware(moment: dt.datetime, field: str) -> dt.datetime:
    moment = moment if timezone.is_aware(moment) else timezone.make_aware(moment)
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise ValidationError({field: f"时间应在{FIRST_YEAR}年至{LAST_YEAR}年之间"})
    return moment


@router.post("/units/{unit_id}/spot-checks", response={201: SpotCheckOut, 400: Error, 403: Error, 404: Error})
def record_spot_check(request, unit_id: int, data: SpotCheckIn):
    """The checked unit in the path; the token's holder checks from their own unit, above it."""
    unit = get_unit_for_user(request.user, unit_id)
    scope = scope_for(request.user)
    office = scope.home_unit
    if office is None or not supervises(scope.person, office) or office.pk not in unit.ancestor_ids():
        raise PermissionDenied("该令牌不能抽查此单位")
    rang = _aware(data.rang_at, "rang_at")
    answered = data.answered_at is not None
    if answered and data.rings is None:
        raise ValidationError({"rings": "接听的须报响铃声数"})
    check = SpotCheck(
        from_unit=office,
        to_unit=unit,
        at=rang,
        number=data.number,
        answered=answered,
        rings=data.rings if answered else None,
        answered_by=data.answered_by,
        on_post=answered,
        source=SpotCheck.Source.EXCHANGE,
    )
    check = services.spot_check_record(check, scope.person)
    return Status(
        201,
        {
            "id": check.pk,
            "to_unit_id": unit.pk,
            "absent": check.absent,
            "verdict": check.verdict,
            "url": reverse("spot_check_detail", args=[check.pk]),
        },
    )


class RollCallTargetOut(Schema):
    unit_id: int
    unit: str
    result: str
    answered_at: dt.datetime | None
    seconds: int | None


class RollCallOut(Schema):
    id: int
    started_at: dt.datetime
    due_at: dt.datetime
    closed: bool
    targets: list[RollCallTargetOut]


@router.get("/roll-calls/{roll_call_id}", response={200: RollCallOut, 404: Error})
def get_roll_call(request, roll_call_id: int):
    call = get_roll_call_for_user(request.user, roll_call_id)
    now = timezone.now()
    return {
        "id": call.pk,
        "started_at": call.started_at,
        "due_at": call.due_at,
        "closed": call.closed_at is not None,
        "targets": [
            {
                "unit_id": t.unit_id,
                "unit": t.unit.label,
                "result": t.result(now),
                "answered_at": t.answered_at,
                "seconds": t.seconds,
            }
            for t in call.targets.select_related("unit", "roll_call")
        ],
    }
