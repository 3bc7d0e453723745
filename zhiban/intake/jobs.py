"""B12: the owner of an open matter is reminded every `matter_reminder_hours` until it is closed.
A1.2/B5: overdue feedback on a leader's instruction is reminded, to the person and to whoever relayed it.

Each function finds one due row, claims it with a conditional update on its deadline column, and acts
inside the same transaction; a reminder due while the runner was down is sent when it starts."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from zhiban.intake.models import InstructionTarget, Matter
from zhiban.notify.outbox import notify_people
from zhiban.org.policy import effective_policy


def try_remind_matter_one() -> bool:
    now = timezone.now()
    due = (
        Matter.objects.filter(state=Matter.State.OPEN, remind_at__lte=now)
        .select_related("unit", "owner__user")
        .order_by("remind_at", "id")
        .first()
    )
    if due is None:
        return False
    following = now + dt.timedelta(hours=effective_policy(due.unit).matter_reminder_hours)
    with transaction.atomic():
        if Matter.objects.filter(pk=due.pk, remind_at=due.remind_at, state=Matter.State.OPEN).update(
            remind_at=following
        ):
            opened = timezone.localtime(due.opened_at)
            notify_people(
                [due.owner],
                f"您首接的事项尚未办结：{due.kept(due.title)}（{opened:%m月%d日%H:%M}受理）",
                link=reverse("matter_detail", args=[due.pk]),
                subject="未办结事项提醒",
                unit=due.unit,
                group=False,
            )
    return True


def try_remind_feedback_one() -> bool:
    now = timezone.now()
    due = (
        InstructionTarget.objects.filter(feedback_at=None, remind_at__lte=now)
        .select_related("instruction__unit", "instruction__relayed_by__user", "person__user")
        .order_by("remind_at", "id")
        .first()
    )
    if due is None:
        return False
    instruction = due.instruction
    following = now + dt.timedelta(hours=effective_policy(instruction.unit).instruction_feedback_hours)
    with transaction.atomic():
        if InstructionTarget.objects.filter(pk=due.pk, remind_at=due.remind_at, feedback_at=None).update(
            remind_at=following
        ):
            notify_people(
                [due.person, instruction.relayed_by],
                f"领导批示落实反馈已超时：{due.person.name}，“{instruction.kept(instruction.text[:40])}”",
                link=reverse("instruction_detail", args=[instruction.pk]),
                subject="批示反馈超时",
                unit=instruction.unit,
                group=False,
            )
    return True


JOBS = [try_remind_matter_one, try_remind_feedback_one]
