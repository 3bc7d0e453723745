"""A1.12: compiling a unit's duty records of a period into a volume, sealing it, and finding what changed.

Every kind of duty record the office keeps is listed in KINDS with where it is found and when it
happened; a volume holds them in time order. Each item keeps the SHA-256 of its record's content as
compiled (the stored fields, and those of its parts: a matter's steps, an instruction's targets with
their feedback, a handover's items), so `breaks()` names any record edited or deleted since. Classified
records enter the volume by kind, time and mark only: their content stays in the record, read under its
own access rule (A2.7/B15)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import models
from django.db.models import Q
from django.utils import timezone

from zhiban.archive.models import Volume, VolumeItem
from zhiban.audit.trail import label as audit_label
from zhiban.audit.trail import snapshot
from zhiban.incidents.models import Event, Report
from zhiban.intake.models import Call, Document, Instruction, Matter, PhoneNotice, Visit
from zhiban.lib.classification import Classification, is_classified
from zhiban.lib.dates import local_minute
from zhiban.shifts.models import Handover, LogEntry


@dataclass(frozen=True)
class Kind:
    code: str
    words: str
    model: type[models.Model]
    unit_path: str  # how the record reaches its unit
    at: str  # when it happened
    title: Callable[[models.Model], str]
    parts: tuple[str, ...] = ()  # related sets whose rows belong to the record's content
    # a record that carries a classification (lib.classification.ClassifiedRecord) says it itself
    classified: Callable[[models.Model], bool] = lambda record: getattr(record, "classified", False)
    also: Q = Q()
    # fields the kind gained after volumes were sealed, with the value every older record took: left out
    # of the digest while they hold it, so an upgrade does not make each sealed record read as changed
    later: tuple[tuple[str, object], ...] = ()

    def shown_title(self, record: models.Model) -> str:
        """Its title as a volume or the search shows it: a classified record's by its mark (A2.7/B15)."""
        if self.classified(record) and hasattr(record, "hidden_label"):
            return record.hidden_label
        return self.title(record) or self.words


CLASSIFIED_LATER = (("classification", Classification.PUBLIC),)  # intake 0006, shifts 0004

KINDS = (
    Kind("log", "值班记事", LogEntry, "shift__unit", "at", lambda r: r.text[:60], later=CLASSIFIED_LATER),
    Kind(
        "call",
        "电话记录",
        Call,
        "unit",
        "at",
        lambda r: f"{r.get_direction_display()} {r.name or r.number} {r.content[:40]}".strip(),
        later=CLASSIFIED_LATER,
    ),
    Kind("notice", "电话通知", PhoneNotice, "unit", "at", lambda r: r.title),
    Kind(
        "visit",
        "来访登记",
        Visit,
        "unit",
        "arrived_at",
        lambda r: f"{r.name} {r.purpose[:40]}".strip(),
        later=CLASSIFIED_LATER,
    ),
    Kind("document", "来文来电", Document, "unit", "received_at", lambda r: r.title),
    Kind(
        "matter",
        "事项",
        Matter,
        "unit",
        "opened_at",
        lambda r: r.title,
        parts=("steps",),
        later=CLASSIFIED_LATER,
    ),
    Kind(
        "instruction",
        "领导批示及落实",
        Instruction,
        "unit",
        "given_at",
        lambda r: r.text[:60],
        parts=("targets",),
        later=CLASSIFIED_LATER,
    ),
    Kind("event", "突发事件", Event, "unit", "known_at", lambda r: r.title),
    Kind(
        "report",
        "信息报送",
        Report,
        "event__unit",
        "at",
        lambda r: (
            f"{r.event.get_classification_display()}事件的报告（内容不予显示）"
            if is_classified(r.event.classification)
            else f"{r.event.title} {r.get_kind_display()}"
        ),
        classified=lambda r: is_classified(r.event.classification),
        also=Q(state=Report.State.SENT),
    ),
    Kind(
        "handover",
        "交接班",
        Handover,
        "shift__unit",
        "signed_at",
        lambda r: f"{r.shift} 交接班",
        parts=("items",),
    ),
)
BY_CODE = {kind.code: kind for kind in KINDS}
BY_MODEL = {audit_label(kind.model): kind for kind in KINDS}


def bounds(volume: Volume) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    since = dt.datetime.combine(volume.start, dt.time(), tzinfo=tz)
    return since, dt.datetime.combine(volume.end(), dt.time(), tzinfo=tz)


def records(volume: Volume) -> list[tuple[Kind, models.Model]]:
    """Every duty record of the volume's unit and period, in time order."""
    since, until = bounds(volume)
    found = []
    for kind in KINDS:
        rows = kind.model.objects.filter(
            kind.also, **{kind.unit_path: volume.unit, f"{kind.at}__gte": since, f"{kind.at}__lt": until}
        )
        if kind.model is Report:
            rows = rows.select_related("event")
        found += [(kind, row) for row in rows.prefetch_related(*kind.parts)]
    found.sort(key=lambda pair: (getattr(pair[1], pair[0].at), pair[0].code, pair[1].pk))
    return found


def digest(kind: Kind, record: models.Model) -> str:
    """The SHA-256 of the record's stored content and its parts', in a fixed order."""
    fields = snapshot(record)
    for name, value in kind.later:
        if fields.get(name) == value:
            del fields[name]
    content = {
        "record": fields,
        "parts": {
            name: sorted(
                (snapshot(row) for row in getattr(record, name).all()), key=lambda d: str(d.get("id"))
            )
            for name in kind.parts
        },
    }
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def fill(volume: Volume, person) -> None:
    volume.compiled_at = timezone.now()
    volume.compiled_by = person
    volume.compiled_by_name = person.name if person else ""
    volume.save()
    volume.items.all().delete()
    VolumeItem.objects.bulk_create(
        VolumeItem(
            volume=volume,
            seq=seq,
            kind=kind.code,
            model=audit_label(kind.model),
            object_id=str(record.pk),
            at=getattr(record, kind.at),
            title=kind.shown_title(record)[:300],
            digest=digest(kind, record),
        )
        for seq, (kind, record) in enumerate(records(volume), start=1)
    )


@dataclass(frozen=True)
class Break:
    item: VolumeItem
    words: str


def breaks(volume: Volume) -> list[Break]:
    """Each record of a sealed volume whose content differs from what was sealed, or that is gone."""
    if not volume.sealed:
        return []
    items = list(volume.items.all())
    found = []
    by_model: dict[str, list[VolumeItem]] = {}
    for item in items:
        by_model.setdefault(item.model, []).append(item)
    for model, its in by_model.items():
        kind = BY_MODEL[model]
        rows = kind.model.objects.filter(pk__in=[int(i.object_id) for i in its]).prefetch_related(*kind.parts)
        if kind.model is Report:
            rows = rows.select_related("event")
        current = {str(row.pk): row for row in rows}
        for item in its:
            row = current.get(item.object_id)
            what = f"第{item.seq}项 {kind.words}（{local_minute(item.at)}）“{item.title}”"
            if row is None:
                found.append(Break(item, f"{what}封卷后已被删除"))
            elif digest(kind, row) != item.digest:
                found.append(Break(item, f"{what}封卷后被修改"))
    return sorted(found, key=lambda b: b.item.seq)


def period_start(period: str, day: dt.date) -> dt.date:
    if period == Volume.Period.MONTH:
        return day.replace(day=1)
    if period == Volume.Period.YEAR:
        return day.replace(month=1, day=1)
    return day


def kinds_in(items: Iterable[VolumeItem]) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for item in items:
        counts[item.kind] = counts.get(item.kind, 0) + 1
    return [(kind.words, counts[kind.code]) for kind in KINDS if kind.code in counts]
