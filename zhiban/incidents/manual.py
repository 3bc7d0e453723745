"""B23/B25: the duty manual (值班工作手册): the duty rules and a handling procedure for each category of
event, each section the unit's own or, where it has none, its nearest superior's (B29)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from zhiban.incidents.models import Procedure
from zhiban.org.models import Unit


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    procedure: Procedure | None  # the one that applies: own, inherited, or none written anywhere above
    unit_id: int  # the unit whose manual this is

    @property
    def inherited(self) -> bool:
        return self.procedure is not None and self.procedure.unit_id != self.unit_id


def manual_of(unit: Unit) -> list[Section]:
    """Every section of the unit's manual, in the order of Procedure.Section, with one query."""
    nearest_first = [unit.pk, *reversed(unit.ancestor_ids())]
    found: dict[str, Procedure] = {}
    for procedure in sorted(
        Procedure.objects.filter(unit_id__in=nearest_first).select_related("unit", "updated_by"),
        key=lambda p: nearest_first.index(p.unit_id),
    ):
        found.setdefault(procedure.section, procedure)
    return [Section(key, label, found.get(key), unit.pk) for key, label in Procedure.Section.choices]


def procedure_for(unit: Unit, category: str) -> Section:
    """The handling procedure that fits an event's category, as the event's unit has it."""
    return next(s for s in manual_of(unit) if s.key == category)


def procedure_save(unit: Unit, section: str, text: str, by) -> Procedure | None:
    """The unit writes its own section. Text left as the superior's (or blank) keeps the unit following
    the superior's section, so a later revision above reaches it; its own section, if any, is removed.
    Blank where no superior has the section is refused: it would leave the unit, and every unit below
    that follows it, without one."""
    text = normalise(text)
    with transaction.atomic():
        Unit.objects.select_for_update().filter(pk=unit.pk).first()  # one save of a unit's manual at a time
        above = procedure_for(unit.parent, section).procedure if unit.parent_id else None
        if not text and above is None:
            raise ValidationError({"text": "上级单位没有这一篇目可以沿用，请填写内容"})
        own = Procedure.objects.filter(unit=unit, section=section).first()
        if not text or (above is not None and text == normalise(above.text)):
            if own is not None:
                own.delete()
            return None
        if own is None:
            own = Procedure(unit=unit, section=section)
        own.text, own.updated_by = text, by
        own.save()
        return own


def normalise(text: str) -> str:
    """As stored and compared: browsers send a textarea's line breaks as CRLF."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()
