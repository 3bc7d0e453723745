"""密级 (classification): the mark on a document or an event, and who may read what it marks.

One set of values for every record that carries one (documents, events, later reports and volumes);
秘密 and 机密 are the classified ones (A2.7/B15): their text stays with those cleared for it."""

from __future__ import annotations

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
