"""The live shifts: made from the published roster a day ahead, and at each start, whether the
incoming primary has checked in (A2.3): if not, the outgoing shift is told to stay on and the leader on
duty is alerted. `Shift.arrival_check_at` is the deadline column; one that fell due while the runner was
stopped is checked when it starts, as long as the shift has not ended."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from zhiban.intake.services import updated
from zhiban.notify.outbox import notify_people
from zhiban.roster.duty import leaders_on_duty
from zhiban.roster.models import Post
from zhiban.shifts.models import Shift
from zhiban.shifts.services import people_of, shift_before, shift_open, unopened_assignments

OPEN_AHEAD = dt.timedelta(days=1)


def try_open_shift_one() -> bool:
    assignment = unopened_assignments(timezone.now() + OPEN_AHEAD).order_by("start", "id").first()
    if assignment is None:
        return False
    shift_open(assignment)
    return True


def try_watch_arrival_one() -> bool:
    now = timezone.now()
    due = (
        Shift.objects.filter(arrival_check_at__lte=now)
        .select_related("unit")
        .order_by("arrival_check_at")
        .first()
    )
    if due is None:
        return False
    with transaction.atomic():
        if not Shift.objects.filter(pk=due.pk, arrival_check_at=due.arrival_check_at).update(
            arrival_check_at=None
        ):
            return True
        if now >= due.end:
            return True
        people = people_of(due)
        primaries = [a.person for a in people if a.post == Post.PRIMARY]
        arrived = set(due.check_ins.values_list("person_id", flat=True))
        missing = [p for p in primaries if p.pk not in arrived]
        if not missing:
            return True
        Shift.objects.filter(pk=due.pk).update(absent_alerted_at=now)
        updated(due, due.unit_id, absent_alerted_at=now)
        names = "、".join(p.name for p in missing)
        before = shift_before(due)
        outgoing = [a.person for a in people_of(before)] if before else []
        # the leader on duty of the shift, or, when it has none, the unit's leader on duty or leaders
        leaders = [a.person for a in people if a.post == Post.LEADER] or leaders_on_duty(due.unit, now)
        link = reverse("shift_detail", args=[due.pk])
        notify_people(
            outgoing,
            f"接班主班{names}尚未到岗签到，请继续在岗，不得离开，直至完成交接",
            link=link,
            subject="接班人员未到岗，请继续在岗",
            unit=due.unit,
            group=False,  # the group hears it once, in the alert below
        )
        notify_people(
            leaders + missing,
            f"{due.unit.label}{due.name}主班{names}交接班时间已到仍未签到，已通知上一班继续在岗",
            link=link,
            subject="值班人员未按时到岗",
            unit=due.unit,
        )
    return True


JOBS = [try_open_shift_one, try_watch_arrival_one]
