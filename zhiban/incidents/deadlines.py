"""An event's reporting deadlines as rows (B21, B19 续报): started when it opens and again when it is
upgraded, met by the reports sent, followed by the next scheduled follow-up, and closed with the event.

Each function runs inside the caller's transaction (the event's row locked by the caller)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from zhiban.incidents.models import Deadline, Event, EventStep, Lapse, Report
from zhiban.lib.dates import CLOCK_SKEW, minutes_words

LABEL = {Deadline.Kind.PHONE: "电话报告", Deadline.Kind.WRITTEN: "书面报告", Deadline.Kind.FOLLOW_UP: "续报"}


def start(event: Event, at: dt.datetime, reason: str) -> list[Deadline]:
    """The phone and written reports owed from `at` by the event's rule, if it must be reported, and,
    once a first report has gone up (an upgrade), the rule's first scheduled follow-up. An unmet
    deadline of the same kind due later than the new one is superseded by it (moved to the new moment,
    from the new start), so one report is owed once, by the earlier time."""
    if not event.report_required:
        return []
    made = []
    for kind, minutes in (
        (Deadline.Kind.PHONE, event.phone_minutes),
        (Deadline.Kind.WRITTEN, event.written_minutes),
    ):
        due = at + dt.timedelta(minutes=minutes)
        later = event.deadline_set.filter(kind=kind, met_at=None, missed=False, due_at__gt=due).first()
        if later is not None:
            made.append(_move(later, reason, at, due))
        else:
            made.append(_add(event, kind, reason, at, due))
    if event.reports.filter(kind=Report.Kind.FIRST, state=Report.State.SENT).exists():
        # upgraded after the first report: the new row's follow-ups are owed from the upgrade on
        made.append(first_follow_up(event, at))
    return [d for d in made if d is not None]


def _move(deadline: Deadline, reason: str, starts: dt.datetime, due: dt.datetime) -> Deadline:
    """An unmet deadline owed afresh: from `starts`, by `due`, warned and alarmed again."""
    deadline.reason, deadline.starts_at, deadline.due_at = reason, starts, due
    deadline.warned = deadline.alarmed = False
    deadline.next_check_at = deadline.first_check(timezone.now())
    deadline.save(update_fields=["reason", "starts_at", "due_at", "warned", "alarmed", "next_check_at"])
    return deadline


def _add(event: Event, kind: str, reason: str, starts: dt.datetime, due: dt.datetime) -> Deadline | None:
    if Deadline.objects.filter(event=event, kind=kind, starts_at=starts, due_at=due).exists():
        return None  # the same deadline is owed once, however it came to be asked twice
    deadline = Deadline(event=event, kind=kind, reason=reason, starts_at=starts, due_at=due)
    deadline.next_check_at = deadline.first_check(timezone.now())
    deadline.save()
    return deadline


def open_deadlines(event: Event):
    return event.deadline_set.filter(met_at=None, missed=False)


def meet(event: Event, report: Report) -> int:
    """A sent report meets every open deadline it answers (B21): on time, or late by its minutes; a late
    one turns a missed record into a late one. A report stated on time but entered after the deadline
    had passed is marked as entered late (时限后补录). Then the next follow-up, if the event has a
    schedule. Returns the minutes late of the deadline of the report's own kind."""
    own = Deadline.Kind.PHONE if report.channel == Report.Channel.PHONE else Deadline.Kind.WRITTEN
    late_own, follow_up_met = 0, None
    for deadline in event.deadline_set.filter(met_at=None).order_by("due_at"):
        if not deadline.met_by(report):
            continue
        if deadline.kind == Deadline.Kind.FOLLOW_UP:
            if follow_up_met is not None:
                continue  # one report answers one follow-up: a late one does not stand for the next
            follow_up_met = deadline
        late = _meet_one(event, deadline, report)
        if deadline.kind in (own, Deadline.Kind.FOLLOW_UP):
            late_own = max(late_own, late)
    if report.kind == Report.Kind.FINAL:
        return late_own  # the watch ends: nothing more is owed
    if follow_up_met is not None:
        schedule = event.follow_up_schedule()
        if schedule and event.report_required:
            starts, due = schedule.next_window(follow_up_met.due_at, report.at)
            owed = event.deadline_set.filter(kind=Deadline.Kind.FOLLOW_UP, met_at=None, alarmed=False).first()
            if schedule.hours and owed is not None:
                _move(owed, str(schedule), starts, due)  # counted from this report, not the one missed
            else:
                _add(event, Deadline.Kind.FOLLOW_UP, str(schedule), starts, due)
    elif report.kind == Report.Kind.FIRST:
        first_follow_up(event, report.at)
    return late_own


def _meet_one(event: Event, deadline: Deadline, report: Report) -> int:
    from zhiban.incidents.services import minutes_late, step

    late = minutes_late(report.at, deadline.due_at)
    deadline.met_at, deadline.report, deadline.late_minutes, deadline.next_check_at = (
        report.at,
        report,
        late,
        None,
    )
    deadline.save(update_fields=["met_at", "report", "late_minutes", "next_check_at"])
    label = LABEL[deadline.kind]
    if late:
        Lapse.objects.filter(deadline=deadline, kind=Lapse.Kind.MISSED).delete()
        Lapse.objects.update_or_create(
            deadline=deadline,
            kind=Lapse.Kind.LATE,
            defaults={"unit": event.unit, "event": event, "what": deadline.kind, "minutes": late},
        )
        step(event, EventStep.Kind.LATE, f"{label}迟报{minutes_words(late)}", report.by, report.at)
    elif report.recorded_at > deadline.due_at + CLOCK_SKEW:
        # stated on time, but entered once the deadline had passed; a 漏报 already recorded stands:
        # nothing was entered by the cut-off, whatever is stated now
        report.backfilled = True
        missed = Lapse.objects.filter(deadline=deadline, kind=Lapse.Kind.MISSED).exists()
        step(
            event,
            EventStep.Kind.BACKFILLED,
            f"{label}时限后补录：称{hm(report.at)}报出，{hm(report.recorded_at)}才登记（时限{hm(deadline.due_at)}）"
            + ("；此前已记为漏报，予以保留" if missed else ""),
            report.by,
            report.recorded_at,
        )
    return late


def first_follow_up(event: Event, first_report_at: dt.datetime) -> Deadline | None:
    """The first scheduled follow-up after the first report, unless one is owed already or the event
    has no schedule (B19 续报: 较大以上每日8时、17时前续报, or every few hours)."""
    schedule = event.follow_up_schedule()
    if not schedule or not event.is_open or not event.report_required:
        return None
    if event.deadline_set.filter(kind=Deadline.Kind.FOLLOW_UP, met_at=None).exists():
        return None
    due = schedule.first_due(first_report_at, dt.timedelta(minutes=event.written_minutes))
    return _add(event, Deadline.Kind.FOLLOW_UP, str(schedule), first_report_at, due)


def next_slot(event: Event, passed: Deadline) -> Deadline | None:
    """When a follow-up time passes without one, the schedule goes on: the next time of day, or so many
    hours on, is owed too. A runner back after a long stop owes the next one from now, once, not one
    for every time that passed while it was down."""
    schedule = event.follow_up_schedule()
    if not schedule or not event.is_open or not event.report_required:
        return None
    moment = max(passed.due_at, timezone.now())
    if schedule.hours:
        due = moment + dt.timedelta(hours=schedule.hours)
    else:
        due = schedule.slot_after(moment + dt.timedelta(seconds=1))
    return _add(event, Deadline.Kind.FOLLOW_UP, str(schedule), passed.due_at, due)


def close(event: Event) -> None:
    """The final report ends the watch: nothing open is checked again."""
    event.deadline_set.filter(met_at=None).update(next_check_at=None)


def current(event: Event, kind: str) -> Deadline | None:
    """The deadline of a kind that a page shows for the event: the earliest still open, else the last."""
    rows = [d for d in event.deadline_set.all() if d.kind == kind]
    open_rows = [d for d in rows if d.is_open]
    if open_rows:
        return min(open_rows, key=lambda d: d.due_at)
    return max(rows, key=lambda d: d.due_at) if rows else None


def hm(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%d日%H时%M分}"
