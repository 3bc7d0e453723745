"""Supervision's part of `runjobs`: each finds one due row, claims it with a conditional update, acts.

- A roll call whose minutes are up is closed: the silent are absent (A2.8), the office is told.
- A scheduled roll call starts at its random moment of the night, and the next one is drawn; a runner
  back after the window has passed does not call a night roll at noon, it draws the next night's.
- A shift whose primary never checked in by the handover, and an instruction whose feedback is
  overdue, are entered in the ledger once each (no signal carries them).
- A rectification's owner is reminded two days before it is due, and each day it is overdue."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from zhiban.incidents.services import office_people
from zhiban.intake.models import InstructionTarget
from zhiban.notify.outbox import notify_people
from zhiban.roster.models import Post
from zhiban.shifts.models import Shift
from zhiban.shifts.services import people_of
from zhiban.supervision import services
from zhiban.supervision.models import LedgerEntry, Rectification, RollCall, RollCallSchedule


def try_close_roll_call_one() -> bool:
    now = timezone.now()
    call = (
        RollCall.objects.filter(closed_at=None, due_at__lte=now)
        .select_related("from_unit")
        .order_by("due_at")
        .first()
    )
    if call is None:
        return False
    with transaction.atomic():
        if not RollCall.objects.filter(pk=call.pk, closed_at=None).update(closed_at=now):
            return True
        call.closed_at = now
        missed = services.roll_call_close(call)
        targets = call.targets.all()
        answered = targets.filter(answered_at__isnull=False, answered_at__lte=call.due_at).count()
        unstaffed = targets.filter(staffed=False, answered_at=None).count()
        notify_people(
            office_people(call.from_unit),
            f"点名结束：{targets.count()}个单位，按时应答{answered}个，未应答{missed}个，未报备{unstaffed}个",
            link=reverse("roll_call_detail", args=[call.pk]),
            subject="点名结果",
            unit=call.from_unit,
            group=False,
        )
    return True


def next_moment(schedule: RollCallSchedule, after: dt.datetime) -> dt.datetime:
    """A random moment in the next window that starts after `after` (local time)."""
    local = timezone.localtime(after)
    day = local.date()
    start = timezone.make_aware(dt.datetime.combine(day, schedule.window_start))
    if start <= local:
        start += dt.timedelta(days=1)
    end = start.replace(hour=schedule.window_end.hour, minute=schedule.window_end.minute)
    if end <= start:
        end += dt.timedelta(days=1)
    span = int((end - start).total_seconds())
    return start + dt.timedelta(seconds=random.SystemRandom().randrange(max(span, 1)))


def try_scheduled_roll_call_one() -> bool:
    now = timezone.now()
    schedule = (
        RollCallSchedule.objects.filter(active=True, next_at__lte=now)
        .select_related("unit")
        .order_by("next_at")
        .first()
    )
    if schedule is None:
        return False
    with transaction.atomic():
        later = next_moment(schedule, now)
        if not RollCallSchedule.objects.filter(pk=schedule.pk, next_at=schedule.next_at).update(
            next_at=later
        ):
            return True
        local = timezone.localtime(now)
        window_end = timezone.make_aware(dt.datetime.combine(local.date(), schedule.window_end))
        if now - schedule.next_at < dt.timedelta(hours=1) or now <= window_end:
            services.roll_call_start(schedule.unit, None, scheduled=True)
    return True


def try_no_show_one() -> bool:
    """A shift whose primary had not checked in when the handover came (shifts alerted it)."""
    shift = (
        Shift.objects.filter(absent_alerted_at__isnull=False)
        .exclude(pk__in=LedgerEntry.objects.filter(shift__isnull=False).values("shift_id"))
        .select_related("unit")
        .order_by("absent_alerted_at")
        .first()
    )
    if shift is None:
        return False
    with transaction.atomic():
        arrived = set(
            shift.check_ins.filter(at__lte=shift.absent_alerted_at).values_list("person_id", flat=True)
        )
        missing = [
            a.person for a in people_of(shift) if a.post == Post.PRIMARY and a.person_id not in arrived
        ]
        for person in missing or [None]:
            LedgerEntry.objects.get_or_create(
                shift=shift,
                person=person,
                defaults={
                    "unit": shift.unit,
                    "kind": LedgerEntry.Kind.NO_SHOW,
                    "at": shift.start,
                    "text": f"{shift.name}（{timezone.localtime(shift.start):%m月%d日}）交接班时间已到仍未到岗",
                },
            )
    return True


def try_overdue_instruction_one() -> bool:
    """B28 落实不力: feedback on a leader's instruction past its time limit."""
    now = timezone.now()
    target = (
        InstructionTarget.objects.filter(feedback_at=None, instruction__feedback_due_at__lt=now)
        .exclude(
            pk__in=LedgerEntry.objects.filter(instruction_target__isnull=False).values(
                "instruction_target_id"
            )
        )
        .select_related("instruction__unit", "instruction__leader", "person")
        .order_by("instruction__feedback_due_at")
        .first()
    )
    if target is None:
        return False
    instruction = target.instruction
    LedgerEntry.objects.get_or_create(
        instruction_target=target,
        defaults={
            "unit": instruction.unit,
            "person": target.person,
            "kind": LedgerEntry.Kind.POOR_EXECUTION,
            "at": instruction.feedback_due_at,
            "text": f"{instruction.leader.name}批示“{instruction.kept(instruction.text[:30])}”超过反馈时限未反馈",
        },
    )
    return True


def try_rectification_reminder_one() -> bool:
    now = timezone.now()
    item = (
        Rectification.objects.filter(remind_at__lte=now)
        .exclude(state=Rectification.State.ACCEPTED)
        .select_related("unit", "owner", "problem")
        .order_by("remind_at")
        .first()
    )
    if item is None:
        return False
    tomorrow = item.remind_at + dt.timedelta(days=1)
    with transaction.atomic():
        if not Rectification.objects.filter(pk=item.pk, remind_at=item.remind_at).update(remind_at=tomorrow):
            return True
        late = item.overdue(timezone.localdate())
        words = "已超过整改期限" if late else f"整改期限为{item.due_date:%m月%d日}"
        notify_people(
            [item.owner] if item.owner else office_people(item.unit),
            f"整改提醒：{item.problem.text[:40]}，{words}，请报送整改情况",
            link=reverse("rectification_detail", args=[item.pk]),
            subject="整改提醒",
            unit=item.unit,
            group=False,
        )
    return True


JOBS = [
    try_close_roll_call_one,
    try_scheduled_roll_call_one,
    try_no_show_one,
    try_overdue_instruction_one,
    try_rectification_reminder_one,
]
