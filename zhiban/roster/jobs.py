"""A2.3: remind the people on duty the day before and the policy's minutes before their shift.

Assignment.reminder_due_at is the deadline column; a reminder that fell due while the runner was
stopped is sent when it starts again, as long as the shift has not ended."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from zhiban.notify.outbox import notify_people
from zhiban.org.policy import effective_policy
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
    following = second if due.reminders_sent == 0 and second > due.reminder_due_at else None
    with transaction.atomic():
        claimed = Assignment.objects.filter(
            pk=due.pk, reminders_sent=due.reminders_sent, reminder_due_at=due.reminder_due_at
        ).update(reminders_sent=due.reminders_sent + 1, reminder_due_at=following)
        if claimed and now < due.end:
            local = timezone.localtime(due.start)
            when = "明天" if following is not None else f"{minutes}分钟后"
            notify_people(
                [due.person],
                f"值班提醒：{when}（{local.month}月{local.day}日 {local:%H:%M}）"
                f"您在{due.roster.unit.label}{due.shift_name}担任{due.get_post_display()}",
                link=reverse("duty_now"),
                subject="值班提醒",
            )
    return True


JOBS = [try_remind_one]
