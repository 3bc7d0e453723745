"""Benchmark data, after gen_scale (and gen_duty): a city-year of emergency reporting and supervision.

Every unit below the city reports a few events a year (phone and written first reports, a follow-up; one
deadline in ten met late, one in fifty missed) and is asked to verify now and then; the city phones ten
duty rooms a day (one in twenty absent) and calls a roll of every unit each week (most answer within two
minutes); a circular each quarter with its rectifications. Ledger entries are written beside their
sources, as the signals would. Bulk inserts: about 100,000 rows in seconds."""

from __future__ import annotations

import datetime as dt
import random

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from zhiban.incidents.models import Deadline, Event, Lapse, Report, VerificationRequest
from zhiban.org.models import Person, Unit
from zhiban.supervision.models import (
    Circular,
    CircularProblem,
    LedgerEntry,
    Rectification,
    RollCall,
    RollCallTarget,
    SpotCheck,
)

BATCH = 5000


class Command(BaseCommand):
    help = "Generates a year of events, reports, spot checks, roll calls and the ledger (after gen_scale)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=365)
        parser.add_argument("--seed", type=int, default=18)

    def handle(self, *args, days: int, seed: int, **options):
        city = Unit.objects.filter(parent=None).order_by("id").first()
        if city is None:
            raise CommandError("run gen_scale first")
        if Event.objects.exists():
            raise CommandError("the database already has events")
        rng = random.Random(seed)
        now = timezone.now()
        units = list(Unit.objects.exclude(pk=city.pk).order_by("id"))
        staff = dict(Person.objects.order_by("unit_id", "-id").values_list("unit_id", "id"))
        with transaction.atomic():
            counts = _reports(city, units, staff, days, now, rng)
            counts |= _checks_and_calls(city, units, staff, days, now, rng)
            counts |= _circulars(city, units, staff, days, now, rng)
        self.stdout.write("generated " + ", ".join(f"{n} {what}" for what, n in counts.items()))


def _reports(city, units, staff, days, now, rng) -> dict[str, int]:
    events = []
    for unit in units:
        for _ in range(rng.randrange(2, 7)):
            known = now - dt.timedelta(days=rng.randrange(1, days), seconds=rng.randrange(86400))
            grade = rng.choice(["IV", "IV", "IV", "III", "II"])
            phone, written = (15, 30) if grade in ("I", "II") else (30, 60) if grade == "III" else (120, 240)
            events.append(
                Event(
                    unit=unit,
                    title="基准事件",
                    category=rng.choice(["natural", "accident", "health", "security"]),
                    grade=grade,
                    known_at=known,
                    place="基准",
                    summary="基准",
                    state="closed",
                    phone_minutes=phone,
                    written_minutes=written,
                    warning_minutes=5,
                    missed_after_minutes=1440,
                    rule_label="市政府规定",
                )
            )
    events = Event.objects.bulk_create(events, batch_size=BATCH)
    reports, deadlines, lapses, entries = [], [], [], []
    for event in events:
        person = staff.get(event.unit_id)
        late = rng.random() < 0.1
        missed = not late and rng.random() < 0.02
        for kind, channel, minutes in (
            ("first", "phone", event.phone_minutes),
            ("first", "written", event.written_minutes),
        ):
            due = event.known_at + dt.timedelta(minutes=minutes)
            made = (
                due + dt.timedelta(minutes=rng.randrange(1, 40))
                if late
                else due - dt.timedelta(minutes=rng.randrange(1, 10))
            )
            if not (missed and channel == "written"):
                reports.append(
                    Report(
                        event=event,
                        kind=kind,
                        channel=channel,
                        at=made,
                        recorded_at=made,
                        to_unit=city,
                        by_id=person,
                        phoned_whom="值班员",
                    )
                )
            deadlines.append(
                Deadline(
                    event=event,
                    kind=channel,
                    reason="登记",
                    starts_at=event.known_at,
                    due_at=due,
                    met_at=None if missed and channel == "written" else made,
                    late_minutes=int((made - due).total_seconds() // 60) if late else 0,
                    missed=missed and channel == "written",
                )
            )
        reports.append(
            Report(
                event=event,
                kind="final",
                channel="written",
                at=event.known_at + dt.timedelta(days=1),
                recorded_at=event.known_at + dt.timedelta(days=1),
                to_unit=city,
                by_id=person,
            )
        )
    Report.objects.bulk_create(reports, batch_size=BATCH)
    deadlines = Deadline.objects.bulk_create(deadlines, batch_size=BATCH)
    for deadline in deadlines:
        if deadline.late_minutes or deadline.missed:
            kind = "late" if deadline.late_minutes else "missed"
            lapses.append(
                Lapse(
                    unit_id=deadline.event.unit_id,
                    event=deadline.event,
                    deadline=deadline,
                    kind=kind,
                    what=deadline.kind,
                    minutes=deadline.late_minutes or 1440,
                    at=deadline.due_at,
                )
            )
    lapses = Lapse.objects.bulk_create(lapses, batch_size=BATCH)
    for lapse in lapses:  # as the ledger's signal writes them
        entries.append(
            LedgerEntry(
                unit_id=lapse.unit_id,
                person_id=staff.get(lapse.unit_id),
                kind="late_report" if lapse.kind == "late" else "missed_report",
                at=lapse.at,
                minutes=lapse.minutes,
                text="基准事件：报告迟报" if lapse.kind == "late" else "基准事件：逾期未报",
                lapse=lapse,
            )
        )
    LedgerEntry.objects.bulk_create(entries, batch_size=BATCH)
    asked = []
    for unit in rng.sample(units, min(len(units), 200)):
        at = now - dt.timedelta(days=rng.randrange(1, days))
        asked.append(
            VerificationRequest(
                from_unit=city,
                to_unit=unit,
                question="核实伤亡情况",
                asked_at=at,
                phone_due_at=at + dt.timedelta(minutes=15),
                written_due_at=at + dt.timedelta(minutes=30),
                phone_replied_at=at + dt.timedelta(minutes=rng.randrange(5, 20)),
                written_replied_at=at + dt.timedelta(minutes=rng.randrange(20, 40)),
            )
        )
    VerificationRequest.objects.bulk_create(asked, batch_size=BATCH)
    return {"events": len(events), "reports": len(reports), "ledger entries": len(entries)}


def _checks_and_calls(city, units, staff, days, now, rng) -> dict[str, int]:
    checks = []
    for day in range(days, 0, -1):
        for unit in rng.sample(units, min(10, len(units))):
            answered = rng.random() > 0.05
            checks.append(
                SpotCheck(
                    from_unit=city,
                    to_unit=unit,
                    at=now - dt.timedelta(days=day, seconds=rng.randrange(86400)),
                    number="0558-0000000",
                    answered=answered,
                    rings=rng.randrange(1, 4) if answered else None,
                    ring_limit=3,
                    absent=not answered,
                )
            )
    checks = SpotCheck.objects.bulk_create(checks, batch_size=BATCH)
    LedgerEntry.objects.bulk_create(
        (
            LedgerEntry(unit_id=c.to_unit_id, kind="absence", at=c.at, text="电话抽查无人接听", spot_check=c)
            for c in checks
            if c.absent
        ),
        batch_size=BATCH,
    )
    called = units[:200]
    targets = 0
    for week in range(days // 7, 0, -1):
        started = now - dt.timedelta(days=week * 7, hours=rng.randrange(24))
        call = RollCall.objects.create(
            from_unit=city,
            started_at=started,
            minutes=5,
            due_at=started + dt.timedelta(minutes=5),
            closed_at=started + dt.timedelta(minutes=5),
        )
        rows = []
        for unit in called:
            answered = rng.random() < 0.9
            rows.append(
                RollCallTarget(
                    roll_call=call,
                    unit=unit,
                    staffed=True,
                    answered_at=started + dt.timedelta(seconds=rng.randrange(20, 400)) if answered else None,
                    answered_by_id=staff.get(unit.pk) if answered else None,
                )
            )
        RollCallTarget.objects.bulk_create(rows, batch_size=BATCH)
        targets += len(rows)
    return {"spot checks": len(checks), "roll-call answers": targets}


def _circulars(city, units, staff, days, now, rng) -> dict[str, int]:
    fixes = 0
    for quarter in range(4):
        end = (now - dt.timedelta(days=quarter * 91)).date()
        circular = Circular.objects.create(
            office=city,
            title=f"第{4 - quarter}季度值班工作检查情况通报",
            period_start=end - dt.timedelta(days=90),
            period_end=end,
            body="基准",
            state="published",
            published_at=now - dt.timedelta(days=quarter * 91),
        )
        for unit in rng.sample(units, min(25, len(units))):
            problem = CircularProblem.objects.create(
                circular=circular, unit=unit, text="电话抽查无人接听", due_date=end + dt.timedelta(days=15)
            )
            Rectification.objects.create(
                problem=problem,
                unit=unit,
                owner_id=staff.get(unit.pk),
                due_date=problem.due_date,
                state="accepted" if rng.random() < 0.7 else "open",
            )
            fixes += 1
    return {"rectifications": fixes}
