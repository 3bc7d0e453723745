"""B13: the duty log of a shift, gathered from what the unit recorded in the shift's time window, and
B7's 一口清: the day stated at once.

A2.7/B15: each record carries `readable`, whether the reader (a Scope; none: no one cleared) may read
it; a classified one they may not stands by its mark ("秘密电话记录（内容不予显示）") on the page, in the
Word file and on 一口清. The classified records a log shows in full are audited as read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from zhiban.audit.trail import record_read
from zhiban.incidents.models import EventStep
from zhiban.intake.models import (
    Call,
    Document,
    Instruction,
    InstructionTarget,
    Matter,
    MatterStep,
    PhoneNotice,
    Visit,
)
from zhiban.lib.classification import RANK, ClassifiedRecord, may_read
from zhiban.org.access import Scope
from zhiban.org.models import Unit
from zhiban.roster.models import Assignment, Post
from zhiban.shifts.models import Equipment, EquipmentCheck, Handover, LogEntry, Shift
from zhiban.shifts.services import people_of


@dataclass
class DutyLog:
    shift: Shift
    people: list[Assignment]
    check_ins: list
    calls: list[Call]
    visits: list[Visit]
    documents: list[Document]
    matters_opened: list[Matter]
    matter_steps: list[MatterStep]
    instructions: list[Instruction]
    entries: list[LogEntry]
    emergencies: list[tuple[dt.datetime, str]]  # events' steps and emergency entries, in time order
    received: Handover | None  # the handover this shift took over
    handover: Handover | None  # the one it gave
    leaves: list = field(default_factory=list)
    emergency_entries: list[LogEntry] = field(default_factory=list)  # also among `emergencies`, as text
    reader: Scope | None = None  # whose log it is: what of it they may read (A2.7/B15)

    @property
    def revealed(self) -> list[ClassifiedRecord]:
        """The classified records the log shows its reader in full."""
        records = [*self.calls, *self.visits, *self.documents, *self.matters_opened, *self.instructions]
        records += [*self.entries, *self.emergency_entries]
        records += [s.matter for s in self.matter_steps]
        unique = {(type(r), r.pk): r for r in records if r.classified and r.readable}
        return list(unique.values())

    @property
    def classification(self) -> str:
        """The highest classification it shows in full (the page's watermark), "" for none."""
        return max((r.classification for r in self.revealed), key=RANK.get, default="")

    def audit_reads(self, where: str) -> None:
        """Each classified record shown in full is a read, audited as its own page's is (A2.7/B15)."""
        for record in self.revealed:
            record_read(record, f"{where}查阅{record.get_classification_display()}{record.hidden_noun}")

    def holders(self, post: str) -> list[str]:
        return [a.person.name for a in self.people if a.post == post]

    @property
    def leader(self) -> str:
        return "、".join(self.holders(Post.LEADER)) or "—"

    @property
    def staff(self) -> str:
        primary = "、".join(self.holders(Post.PRIMARY)) or "—"
        deputies = "、".join(self.holders(Post.DEPUTY))
        standby = "、".join(self.holders(Post.STANDBY))  # may be called in and may sign as the incoming side
        return (
            f"主班：{primary}"
            + (f"；副班：{deputies}" if deputies else "")
            + (f"；备班：{standby}" if standby else "")
        )


def window(
    shift: Shift, received: Handover | None, handover: Handover | None
) -> tuple[dt.datetime, dt.datetime]:
    """The time the shift really held the duty: from the handover it took (or its rostered start) to the
    one it gave (or its rostered end; while it stays on past the end for a late successor, until now)."""
    start = received.signed_at if received is not None and received.signed else shift.start
    if handover is not None and handover.signed:
        end = handover.signed_at
    elif shift.is_open:
        end = max(shift.end, timezone.now())
    else:
        end = shift.end
    return start, end


def readable(rows: Iterable, reader: Scope | None) -> list:
    """The rows, each marked with whether `reader` may read it (A2.7/B15); without a reader, only
    the unclassified ones."""
    rows = list(rows)
    for row in rows:
        row.readable = reader.reads(row) if reader is not None else not row.classified
        if isinstance(row, Document):
            row.shown_title = row.title_for(row.readable)
    return rows


def duty_log(shift: Shift, reader: Scope | None = None) -> DutyLog:
    """B13: everything the unit recorded while the shift held the duty; classified records in full only
    for a reader cleared for them (A2.7/B15)."""
    unit = shift.unit
    received = _received(shift)
    handover = (
        Handover.objects.filter(shift=shift).select_related("outgoing_signer", "incoming_signer").first()
    )
    start, end = window(shift, received, handover)

    def within(field: str) -> Q:
        return Q(**{f"{field}__gte": start, f"{field}__lt": end})

    entries = readable(shift.entries.select_related("by"), reader)
    emergency_entries = [e for e in entries if e.emergency]
    steps = list(
        MatterStep.objects.filter(within("at"), matter__unit=unit)
        .exclude(kind=MatterStep.Kind.OPENED)
        .select_related("matter", "by", "to")
    )
    readable([s.matter for s in steps], reader)
    return DutyLog(
        shift=shift,
        people=people_of(shift),
        check_ins=list(shift.check_ins.select_related("person")),
        calls=readable(
            Call.objects.filter(within("at"), unit=unit).select_related("taken_by", "leader").order_by("at"),
            reader,
        ),
        visits=readable(
            Visit.objects.filter(within("arrived_at"), unit=unit)
            .select_related("reported_to")
            .order_by("arrived_at"),
            reader,
        ),
        documents=readable(
            Document.objects.filter(within("received_at"), unit=unit)
            .select_related("handler")
            .order_by("received_at"),
            reader,
        ),
        matters_opened=readable(
            Matter.objects.filter(within("opened_at"), unit=unit)
            .select_related("owner")
            .order_by("opened_at"),
            reader,
        ),
        matter_steps=steps,
        instructions=readable(
            Instruction.objects.filter(within("given_at"), unit=unit)
            .select_related("leader")
            .order_by("given_at"),
            reader,
        ),
        entries=[e for e in entries if not e.emergency],
        emergencies=_emergencies(unit, within("at"), emergency_entries, reader),
        received=received,
        handover=handover,
        leaves=list(shift.leaves.select_related("person", "approved_by")),
        emergency_entries=emergency_entries,
        reader=reader,
    )


def _emergencies(
    unit, within: Q, entries: list[LogEntry], reader: Scope | None
) -> list[tuple[dt.datetime, str]]:
    """B13: emergencies logged step by step in time order: every step of the unit's events (opened,
    reported, alarms, late) in the shift's window, what its office did on events of units below
    (received, forwarded), with the officers' own emergency entries. A classified event's steps stand
    by its mark for a reader not cleared for it (events travel up the chain: org.access.cleared_q)."""
    rows = [(e.at, f"{e.kept(e.text, e.readable)}（{e.by.name if e.by else ''}）") for e in entries]
    steps = EventStep.objects.filter(within, Q(event__unit=unit) | Q(acting_unit=unit)).select_related(
        "event", "by"
    )
    for s in steps:
        event = s.event
        shown = (
            reader is not None and not reader.all_units and may_read(reader.clearance, event.classification)
        )
        text = f"，{s.text}" if shown or not event.classified else ""
        by = f"（{s.by.name}）" if s.by else ""
        rows.append((s.at, f"{event.kept(event.title, shown)}：{s.get_kind_display()}{text}{by}"))
    return sorted(rows, key=lambda row: row[0])


def _received(shift: Shift) -> Handover | None:
    """The handover this shift signed for as the incoming side."""
    return (
        Handover.objects.filter(incoming=shift).select_related("outgoing_signer", "incoming_signer").first()
    )


LISTED = 50  # rows of each list on 一口清; the cards count them all


@dataclass
class Summary:
    """一口清 (B7): who is on duty, calls and visits with the important ones, open matters, pending
    instructions, equipment."""

    unit: Unit
    at: dt.datetime
    shift: Shift | None
    people: list[Assignment]
    calls_in: int
    calls_out: int
    visits: int
    documents: int
    important: list[Call]
    urgent_documents: list[Document]
    open_matters: list[Matter]  # the first LISTED of each, oldest first; the counts are of all
    open_matter_count: int
    pending_instructions: list[Instruction]
    pending_instruction_count: int
    overdue_targets: list[InstructionTarget]
    overdue_target_count: int
    notice_count: int  # phone notices of the day or shift
    unfinished_notices: list[PhoneNotice]  # B11: any not yet read back, however old, like open matters
    unfinished_notice_count: int
    equipment: list[tuple[Equipment, EquipmentCheck | None]]

    @property
    def matters_not_listed(self) -> int:
        return self.open_matter_count - len(self.open_matters)

    @property
    def instructions_not_listed(self) -> int:
        return self.pending_instruction_count - len(self.pending_instructions)

    @property
    def notices_not_listed(self) -> int:
        return self.unfinished_notice_count - len(self.unfinished_notices)

    @property
    def overdue_not_listed(self) -> int:
        return self.overdue_target_count - len(self.overdue_targets)

    @property
    def overdue_people(self) -> list[str]:
        """Each person late with feedback once, with how many instructions when more than one."""
        counts: dict[str, int] = {}
        for target in self.overdue_targets:
            counts[target.person.name] = counts.get(target.person.name, 0) + 1
        return [f"{name}（{n}项）" if n > 1 else name for name, n in counts.items()]


def summary(
    unit: Unit, shift: Shift | None, at: dt.datetime | None = None, reader: Scope | None = None
) -> Summary:
    at = at or timezone.now()
    local = timezone.localtime(at)
    day_start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    since = min(shift.start, day_start) if shift else day_start
    calls = Call.objects.filter(unit=unit, at__gte=since, at__lte=at)
    counts = {d: n for d, n in _count_by(calls, "direction")}
    last_check = (
        Handover.objects.filter(shift__unit=unit, signed_at__isnull=False).order_by("-signed_at").first()
    )
    checks = {c.equipment_id: c for c in last_check.equipment_checks.all()} if last_check else {}
    open_matters = Matter.objects.filter(unit=unit, state=Matter.State.OPEN)
    pending = Instruction.objects.filter(unit=unit).exclude(state=Instruction.State.REPORTED)
    overdue = InstructionTarget.objects.filter(
        instruction__unit=unit, feedback_at=None, instruction__feedback_due_at__lt=at
    )
    unfinished = PhoneNotice.objects.filter(unit=unit, at__lte=at).unfinished()
    return Summary(
        unit=unit,
        at=at,
        shift=shift,
        people=people_of(shift) if shift else [],
        calls_in=counts.get(Call.Direction.INCOMING, 0),
        calls_out=counts.get(Call.Direction.OUTGOING, 0),
        visits=Visit.objects.filter(unit=unit, arrived_at__gte=since, arrived_at__lte=at).count(),
        documents=Document.objects.filter(unit=unit, received_at__gte=since, received_at__lte=at).count(),
        important=readable(calls.filter(important=True).order_by("-at")[:10], reader),
        urgent_documents=readable(
            Document.objects.filter(unit=unit, received_at__gte=since, received_at__lte=at)
            .exclude(urgency=Document.Urgency.NORMAL)
            .order_by("-received_at")[:10],
            reader,
        ),
        open_matters=readable(open_matters.select_related("owner").order_by("opened_at")[:LISTED], reader),
        open_matter_count=open_matters.count(),
        pending_instructions=readable(
            pending.select_related("leader").order_by("feedback_due_at")[:LISTED], reader
        ),
        pending_instruction_count=pending.count(),
        overdue_targets=list(overdue.select_related("person", "instruction")[:LISTED]),
        overdue_target_count=overdue.count(),
        notice_count=PhoneNotice.objects.filter(unit=unit, at__gte=since, at__lte=at).count(),
        unfinished_notices=list(unfinished.with_progress().order_by("-at", "-id")[:LISTED]),
        unfinished_notice_count=unfinished.count(),
        equipment=[(e, checks.get(e.pk)) for e in Equipment.objects.filter(unit=unit, active=True)],
    )


def _count_by(queryset, field_name: str):
    from django.db.models import Count

    return queryset.order_by().values_list(field_name).annotate(n=Count("id"))
