"""A2.3: remind the people on duty the day before and the policy's minutes before their shift.

Assignment.reminder_due_at is the deadline column; a reminder that fell due while the runner was
stopped is sent when it starts again, as long as the shift has not ended."""

from __future__ import annotations

import datetime as dt
import math

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from zhiban.notify.outbox import notify_people
from zhiban.org.policy import effective_policy
from zhiban.roster.background import try_solve_one  # an auto-solve asked for on a roster's page
from zhiban.roster.models import Assignment, Roster

DAY_BEFORE = dt.timedelta(days=1)


def try_remind_one() -> bool:
    now = timezone.now()
    due = (
        Assignment.objects.filter(roster__state=Roster.State.PUBLISHED, reminder_due_at__lte=now)
        .select_related("roster__unit", "person__user")
        .order_by("reminder_due_at", "id")
        .first()
    )
    if due is None:
        return False
    minutes = effective_policy(due.roster.unit).handover_reminder_minutes
    second = due.start - dt.timedelta(minutes=minutes)
    # the second reminder, unless the runner comes back after it too was due: then this one is the last
    following = second if due.reminders_sent == 0 and second > max(due.reminder_due_at, now) else None
    with transaction.atomic():
        claimed = Assignment.objects.filter(
            pk=due.pk, reminders_sent=due.reminders_sent, reminder_due_at=due.reminder_due_at
        ).update(reminders_sent=due.reminders_sent + 1, reminder_due_at=following)
        if claimed and now < due.end:
            notify_people(
                [due.person],
                reminder_text(due, now),
                link=reverse("duty_now"),
                subject="值班提醒",
                unit=due.roster.unit,
                group=False,
            )
    return True


def reminder_text(assignment: Assignment, now: dt.datetime) -> str:
    """The words follow the moment the reminder is sent: one sent late, after the runner was down,
    says that the shift has begun rather than "tomorrow"."""
    start = timezone.localtime(assignment.start)
    moment = f"{start.month}月{start.day}日 {start:%H:%M}"
    duty = f"您在{assignment.roster.unit.label}{assignment.shift_name}担任{assignment.get_post_display()}"
    if assignment.start <= now:
        return f"值班提醒：{duty}，本班已于{moment}开始，请立即到岗"
    left = math.ceil((assignment.start - now).total_seconds() / 60)
    days = (start.date() - timezone.localtime(now).date()).days
    when = f"{left}分钟后" if left <= 120 else {0: "今天", 1: "明天", 2: "后天"}.get(days, "")
    return f"值班提醒：{when}（{moment}）{duty}" if when else f"值班提醒：{moment}{duty}"


JOBS = [try_remind_one, try_solve_one]
