"""密级 (classification): the mark on a duty record, and who may read what it marks.

One set of values for every record that carries one (calls, visits, documents, matters, leader
instructions, duty log entries, events and, through them, reports); 秘密 and 机密 are the classified
ones (A2.7/B15): their text stays with those cleared for it. Who is cleared is org.access's business."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models


class Classification(models.TextChoices):
    PUBLIC = "public", "公开"
    INTERNAL = "internal", "内部"
    SECRET = "secret", "秘密"
    CONFIDENTIAL = "confidential", "机密"


# The values whose content is kept from anyone not cleared (A2.7/B15).
CLASSIFIED = (Classification.SECRET, Classification.CONFIDENTIAL)


# How far up the scale each value stands: a person cleared for one reads it and everything below it.
RANK = {value: rank for rank, value in enumerate(Classification.values)}


def cleared_for(clearance: str) -> list[str]:
    """The values a person with `clearance` may read (公开 and 内部 need none beyond the duty roles)."""
    top = max(RANK.get(clearance, 0), RANK[Classification.INTERNAL])
    return [value for value, rank in RANK.items() if rank <= top]


def may_read(clearance: str, value: str) -> bool:
    return value in cleared_for(clearance)


def is_classified(value: str) -> bool:
    return value in CLASSIFIED


def carries_mark(value: str) -> bool:
    """Whether a document made of the record prints a mark at its head (GB/T 9704: 公开 prints none)."""
    return bool(value) and value != Classification.PUBLIC


class ClassifiedRecord(models.Model):
    """A duty record that carries a classification (A2.7/B15): the field, chosen when it is recorded,
    and the words that stand in for its text wherever the reader may not read it (a list, the duty
    log, 一口清, a brief, a volume, a notice): "秘密电话记录（内容不予显示）"."""

    classification = models.CharField(
        "密级", max_length=15, choices=Classification.choices, default=Classification.PUBLIC
    )

    hidden_noun = "记录"  # what the record is called in its stand-in: 文件, 电话记录, 事项 …
    hidden_part = "内容"  # what of it is not shown

    class Meta:
        abstract = True

    @property
    def classified(self) -> bool:
        return is_classified(self.classification)

    @property
    def marked(self) -> bool:
        """It carries a mark (内部 and above): its page says so, and a document made of it prints it."""
        return carries_mark(self.classification)

    @property
    def hidden_label(self) -> str:
        return f"{self.get_classification_display()}{self.hidden_noun}（{self.hidden_part}不予显示）"

    def kept(self, text: str, reveal: bool = False) -> str:
        """`text` of the record for a reader cleared for it (`reveal`), else its stand-in."""
        return text if reveal or not self.classified else self.hidden_label

    def uncleared(self, people: Iterable) -> list:
        """Of `people` (each with a clearance), those not cleared for its level: a classified record is
        given to no one to act on who may not read it (an instruction's targets, a matter's new owner)."""
        if not self.classified:
            return []
        return [p for p in people if not may_read(p.clearance, self.classification)]

    def read_by(self, person_id: int) -> bool:
        """Whether the person reads it by their own part in it wherever they sit (a matter's owner, an
        instruction's leader or target), cleared for its level; by default no one beyond its unit."""
        return False
