"""The organisation's workflows, called from views, the API and imports alike; each writes in one
transaction."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from zhiban.org.models import DutyLine, DutyNumberFiling, Person, Unit, User


def unit_reorder(unit: Unit, direction: str) -> None:
    """Swap places with the sibling above (direction "up") or below; siblings are renumbered 0, 10, 20 …
    so that a later insertion never needs to move them all."""
    siblings = list(Unit.objects.filter(parent=unit.parent_id).order_by("order", "id"))
    index = siblings.index(unit)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(siblings):
        return
    siblings[index], siblings[other] = siblings[other], siblings[index]
    with transaction.atomic():
        for position, sibling in enumerate(siblings):
            if sibling.order != position * 10:
                sibling.order = position * 10
                sibling.save(update_fields=["order"])


def account_set(person: Person, username: str, password: str) -> User:
    """Create or reset a person's login: the username and a first password their owner then changes."""
    with transaction.atomic():
        user = person.user or User()
        user.username = username
        user.set_password(password)
        user.must_change_password = True  # its owner sets their own at the next login
        user.save()
        if person.user_id != user.pk:
            person.user = user
            person.save(update_fields=["user", "search_text"])
    return user


def duty_number_change_file(unit: Unit, new_number: str, reason: str, by: Person | None) -> DutyNumberFiling:
    """B23: the new 24-hour number takes effect together with its filing with the superior duty office;
    the old line is kept, inactive, with the day it was replaced."""
    with transaction.atomic():
        current = unit.duty_lines.filter(kind=DutyLine.Kind.HOTLINE_24H, active=True).first()
        old_number = current.number if current else ""
        if current:
            current.active = False
            current.note = f"{timezone.localdate():%Y-%m-%d}停用，改为{new_number}"
            current.save()
        DutyLine.objects.create(unit=unit, kind=DutyLine.Kind.HOTLINE_24H, number=new_number)
        return DutyNumberFiling.objects.create(
            unit=unit,
            old_number=old_number,
            new_number=new_number,
            reason=reason,
            filed_by=by,
            superior=unit.parent,
        )
