"""Benchmark data, after gen_scale: a year of duty records for every unit, the city's office busiest.

Per day: the city 40 calls, 3 visits, 5 documents, a leader instruction, a day and a night shift with a
signed handover; every other unit 2 calls and now and then a visit or a document. One call in twenty
becomes a matter; those of the last three days are still open. The city has a published roster for
today, so 一口清 shows a shift in progress. Bulk inserts: about 400,000 rows in well under a minute."""

from __future__ import annotations

import datetime as dt
import random

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from zhiban.intake.models import Call, Document, Instruction, Matter, Visit
from zhiban.org.models import Person, Unit
from zhiban.roster.models import Assignment, Roster
from zhiban.shifts.demo_data import CALLERS, CONTENTS, DOCUMENTS
from zhiban.shifts.models import Handover, Shift

BATCH = 5000


class Command(BaseCommand):
    help = "Generates a year of calls, visits, documents, matters and shifts (after gen_scale)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=365)
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, days: int, seed: int, **options):
        city = Unit.objects.filter(parent=None).order_by("id").first()
        if city is None:
            raise CommandError("run gen_scale first")
        if Call.objects.exists():
            raise CommandError("the database already has calls")
        rng = random.Random(seed)
        now = timezone.now()
        units = list(Unit.objects.order_by("id"))
        staff = {u: p for u, p in Person.objects.order_by("unit_id", "id").values_list("unit_id", "id")}
        with transaction.atomic():
            counts = _records(units, city, staff, days, now, rng)
            counts["shifts"] = _city_shifts(city, days, now)
        self.stdout.write("generated " + ", ".join(f"{n} {what}" for what, n in counts.items()))


def _records(units, city, staff, days, now, rng) -> dict[str, int]:
    calls, visits, documents, matters, instructions = [], [], [], [], []
    counts = dict.fromkeys(("calls", "visits", "documents", "matters", "instructions"), 0)

    def flush(force=False):
        for rows, model, key in (
            (calls, Call, "calls"),
            (visits, Visit, "visits"),
            (documents, Document, "documents"),
            (matters, Matter, "matters"),
            (instructions, Instruction, "instructions"),
        ):
            if rows and (force or len(rows) >= BATCH):
                model.objects.bulk_create(rows, batch_size=BATCH)
                counts[key] += len(rows)
                rows.clear()

    leader = staff[city.pk]
    for day in range(days, -1, -1):
        base = now - dt.timedelta(days=day)
        for unit in units:
            busy = unit.pk == city.pk
            owner = staff.get(unit.pk)
            if owner is None:
                continue
            for _ in range(40 if busy else 2):
                at = base - dt.timedelta(seconds=rng.randrange(86400))
                organisation, position, name, number = rng.choice(CALLERS)
                content, what, important = rng.choice(CONTENTS)
                calls.append(
                    Call(
                        unit=unit,
                        at=at,
                        number=number,
                        name=name,
                        organisation=organisation,
                        position=position,
                        content=content,
                        content_what=what,
                        important=important,
                        taken_by_id=owner,
                        handling="direct",
                    )
                )
                if rng.random() < 0.05:
                    still_open = day <= 3
                    matters.append(
                        Matter(
                            unit=unit,
                            title=what or content[:40],
                            source="call",
                            owner_id=owner,
                            opened_at=at,
                            state="open" if still_open else "closed",
                            closed_at=None if still_open else at + dt.timedelta(hours=6),
                            result="" if still_open else "已办结",
                            remind_at=now if still_open else None,
                        )
                    )
            if busy or rng.random() < 0.1:
                at = base - dt.timedelta(seconds=rng.randrange(86400))
                visits.append(
                    Visit(
                        unit=unit,
                        name="来访群众",
                        identity="群众",
                        purpose="反映问题",
                        arrived_at=at,
                        received_by_id=owner,
                    )
                )
            for _ in range(5 if busy else int(rng.random() < 0.25)):
                at = base - dt.timedelta(seconds=rng.randrange(86400))
                sender, title, urgency, kind = rng.choice(DOCUMENTS)
                documents.append(
                    Document(
                        unit=unit,
                        kind=kind,
                        sender=sender,
                        title=title,
                        urgency=urgency,
                        received_at=at,
                        handler_id=owner,
                    )
                )
            if busy:
                at = base - dt.timedelta(seconds=rng.randrange(86400))
                instructions.append(
                    Instruction(
                        unit=unit,
                        leader_id=leader,
                        given_at=at,
                        text="请加强值守，及时报告",
                        feedback_due_at=at + dt.timedelta(hours=24),
                        state="relayed" if day <= 1 else "reported",
                        relayed_by_id=owner,
                    )
                )
        flush()
    flush(force=True)
    return counts


def _city_shifts(city, days, now) -> int:
    """A day and a night shift a day for a year, signed over; today's published so one is in progress."""
    local = timezone.localtime(now)
    today = local.date()
    people = list(Person.objects.filter(unit=city).order_by("id").values_list("id", flat=True)[:4])
    shifts = []
    for day in range(days, -1, -1):
        date = today - dt.timedelta(days=day)
        day_start = timezone.make_aware(dt.datetime.combine(date, dt.time(8, 30)))
        night_start = day_start + dt.timedelta(hours=9)
        for start, end, name in (
            (day_start, night_start, "白班"),
            (night_start, day_start + dt.timedelta(days=1), "夜班"),
        ):
            state = "closed" if end <= now else "open"
            shifts.append(Shift(unit=city, day=date, name=name, start=start, end=end, state=state))
    shifts = Shift.objects.bulk_create(shifts, batch_size=BATCH)
    Handover.objects.bulk_create(
        [
            Handover(
                shift=s,
                situation="平稳",
                prepared_by_id=people[0],
                outgoing_signer_id=people[i % 2],
                incoming_signer_id=people[(i + 1) % 2],
                signed_at=s.end,
            )
            for i, s in enumerate(shifts)
            if s.state == "closed"
        ],
        batch_size=BATCH,
    )
    roster = Roster.objects.create(
        unit=city,
        title="市政府本月值班表",
        start=today - dt.timedelta(days=1),
        end=today + dt.timedelta(days=1),
        state=Roster.State.PUBLISHED,
    )
    for s in shifts[-4:]:
        for post, person in (("primary", people[0]), ("deputy", people[1]), ("leader", people[2])):
            Assignment.objects.create(
                roster=roster,
                person_id=person,
                day=s.day,
                shift_name=s.name,
                start=s.start,
                end=s.end,
                post=post,
                night=s.name == "夜班",
            )
    return len(shifts)
