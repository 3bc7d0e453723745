"""The accountability ledger fills itself (A2.8, B28): nobody types a late report twice.

- A late or missed report or verification reply (incidents' Lapse) becomes an entry as it is recorded,
  follows it when its minutes change, and goes with it when it is undone (a missed report made after
  all turns into a late one).
- A late check-in (shifts' CheckIn) is the person's no-show at the shift, with its minutes.
- A spot check or a roll call judged absent is entered by the supervision workflows themselves.
- What no signal carries (a shift whose primary never arrived by the handover, an instruction whose
  feedback is overdue) is found by supervision.jobs and entered once (one entry per source row).

Who is named: the person who made the late report, else the primary on duty when it was due."""

from __future__ import annotations

import datetime as dt

from django.db.models.signals import post_save

from zhiban.incidents.models import Lapse
from zhiban.lib.dates import minutes_words
from zhiban.lib.text import clip
from zhiban.org.models import Person, Unit
from zhiban.roster.duty import people_on_duty
from zhiban.roster.models import Post
from zhiban.shifts.models import CheckIn
from zhiban.supervision.models import LedgerEntry


def on_duty(unit: Unit, at: dt.datetime) -> Person | None:
    primaries = people_on_duty(unit, at, (Post.PRIMARY,))
    return primaries[0] if primaries else None


def _lapse_entry(lapse: Lapse) -> dict:
    """What a lapse says in the ledger: its kind, moment, minutes, person and words."""
    if lapse.request_id:
        request = lapse.request
        due = request.phone_due_at if lapse.what == "phone" else request.written_due_at
        person = (
            request.phone_replied_by if lapse.what == "phone" else request.written_replied_by
        ) or on_duty(lapse.unit, due)
        words = f"核报“{clip(request.question, 40)}”{lapse.what_label}超时" + (
            minutes_words(lapse.minutes) if lapse.minutes else ""
        )
        return {"kind": LedgerEntry.Kind.LATE_VERIFICATION, "at": due, "person": person, "text": words}
    deadline = lapse.deadline
    due = deadline.due_at if deadline else lapse.at
    made = deadline.report if deadline and deadline.report_id else None
    person = (made.by if made else None) or on_duty(lapse.unit, due)
    title = lapse.event.title if lapse.event_id else ""
    if lapse.kind == Lapse.Kind.LATE:
        return {
            "kind": LedgerEntry.Kind.LATE_REPORT,
            "at": due,
            "person": person,
            "text": f"{title}：{lapse.what_label}迟报{minutes_words(lapse.minutes)}",
        }
    return {
        "kind": LedgerEntry.Kind.MISSED_REPORT,
        "at": due,
        "person": person,
        "text": f"{title}：{lapse.what_label}逾期未报",
    }


def lapse_saved(sender, instance: Lapse, **kwargs) -> None:
    fields = _lapse_entry(instance)
    LedgerEntry.objects.update_or_create(
        lapse=instance, defaults={"unit": instance.unit, "minutes": instance.minutes, **fields}
    )


def check_in_saved(sender, instance: CheckIn, created: bool, **kwargs) -> None:
    if not instance.minutes_late:
        return
    shift = instance.shift
    LedgerEntry.objects.update_or_create(
        shift=shift,
        person=instance.person,
        defaults={
            "unit": shift.unit,
            "kind": LedgerEntry.Kind.NO_SHOW,
            "at": instance.due_at,
            "minutes": instance.minutes_late,
            "check_in": instance,
            "text": f"{shift.name}（{shift.day.month}月{shift.day.day}日）迟到{minutes_words(instance.minutes_late)}到岗",
        },
    )


def connect() -> None:
    post_save.connect(lapse_saved, sender=Lapse, dispatch_uid="ledger-lapse", weak=False)
    post_save.connect(check_in_saved, sender=CheckIn, dispatch_uid="ledger-check-in", weak=False)
