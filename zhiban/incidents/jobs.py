"""B21/B20: warnings before, alarms at, and missed-report records after each reporting deadline.

1. Find one deadline (or verification request) whose next check is due; claim it by moving next_check_at
   on with a conditional update, so two runners never act twice.
2. For the deadline not yet met, look at where the clock stands now (not at what was due when the runner
   was last up): before the deadline, a warning; past it, the alarm; past the cut-off, a missed report.
   Each is written once (its timeline step or lapse row is the record), so a runner that comes back late
   fires the alarm that fell due meanwhile, and only the ones still true.
3. Warnings and alarms go to the primary, the leader on duty and the duty-office administrators, in the
   app (always) and by email through the outbox."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from zhiban.incidents import deadlines
from zhiban.incidents.models import Deadline, EventStep, Lapse, VerificationRequest
from zhiban.incidents.services import duty_people, office_people, step
from zhiban.lib.dates import minutes_words
from zhiban.notify.outbox import notify_people

LABEL = {"phone": "电话报告", "written": "书面报告"}


def try_deadline_one() -> bool:
    now = timezone.now()
    due = (
        Deadline.objects.filter(next_check_at__lte=now)
        .select_related("event__unit")
        .order_by("next_check_at")
        .first()
    )
    if due is None:
        return False
    with transaction.atomic():
        if not Deadline.objects.filter(pk=due.pk, next_check_at=due.next_check_at).update(
            next_check_at=due.next_check(now) if due.event.is_open else None
        ):
            return True  # another runner took it
        if due.event.is_open and due.met_at is None:
            _check(due, now)
    return True


def _check(deadline: Deadline, now: dt.datetime) -> None:
    event = deadline.event
    label = deadlines.LABEL[deadline.kind]
    local = timezone.localtime(deadline.due_at)
    link = reverse("event_detail", args=[event.pk])
    people = duty_people(event.unit, now)
    if now < deadline.due_at:
        if now >= deadline.due_at - dt.timedelta(minutes=event.warning_minutes) and not deadline.warned:
            left = minutes_words(max(1, int((deadline.due_at - now).total_seconds() // 60)))
            Deadline.objects.filter(pk=deadline.pk).update(warned=True)
            step(event, EventStep.Kind.WARNING, f"{label}还剩{left}（{local:%H:%M}截止）")
            notify_people(
                people,
                f"【预警】{event.title}：{label}须在{local:%H:%M}前报出，还剩{left}",
                link=link,
                subject=f"报告时限预警：{event.title}",
                unit=event.unit,
            )
        return
    if not deadline.alarmed:
        Deadline.objects.filter(pk=deadline.pk).update(alarmed=True)
        step(event, EventStep.Kind.ALARM, f"{label}已超过时限（{local:%H:%M}）")
        notify_people(
            people,
            f"【告警】{event.title}：{label}已超过{local:%H:%M}的时限，请立即报告",
            link=link,
            subject=f"报告超时：{event.title}",
            unit=event.unit,
        )
        if deadline.kind == Deadline.Kind.FOLLOW_UP:
            deadlines.next_slot(event, deadline)  # the schedule goes on: the next time is owed too
    if now >= deadline.due_at + dt.timedelta(minutes=event.missed_after_minutes) and not deadline.missed:
        minutes = int((now - deadline.due_at).total_seconds() // 60)
        Deadline.objects.filter(pk=deadline.pk).update(missed=True)
        _, made = Lapse.objects.get_or_create(
            deadline=deadline,
            kind=Lapse.Kind.MISSED,
            defaults={"unit": event.unit, "event": event, "what": deadline.kind, "minutes": minutes},
        )
        if made:
            step(event, EventStep.Kind.MISSED, f"{label}逾期未报，记为漏报")


def try_verification_one() -> bool:
    """B20: an overdue verification reply alarms both sides and is recorded as late."""
    now = timezone.now()
    due = (
        VerificationRequest.objects.filter(next_check_at__lte=now)
        .select_related("from_unit", "to_unit")
        .order_by("next_check_at")
        .first()
    )
    if due is None:
        return False
    pending = [
        (what, deadline)
        for what, deadline, done in (
            ("phone", due.phone_due_at, due.phone_replied_at),
            ("written", due.written_due_at, due.written_replied_at),
        )
        if done is None
    ]
    later = [d for _, d in pending if d > now]
    with transaction.atomic():
        if not VerificationRequest.objects.filter(pk=due.pk, next_check_at=due.next_check_at).update(
            next_check_at=min(later) if later else None
        ):
            return True
        for what, deadline in pending:
            if deadline < now:
                _, made = Lapse.objects.get_or_create(
                    unit=due.to_unit, request=due, what=what, kind=Lapse.Kind.LATE, defaults={"minutes": 0}
                )
                if made:
                    notify_people(
                        office_people(due.to_unit) + office_people(due.from_unit),
                        f"【核报超时】{due.to_unit.label}{LABEL[what].replace('报告', '反馈')}已超过时限："
                        f"{due.question[:60]}",
                        link=reverse("verification_detail", args=[due.pk]),
                        subject="核报反馈超时",
                        unit=due.to_unit,
                    )
    return True


JOBS = [try_deadline_one, try_verification_one]
