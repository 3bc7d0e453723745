"""Who holds a role where (B6/B8): the one way every workflow finds whom to tell or who may act.

A role is held in a unit; the duty roles of a unit above act for everything below it (the superior duty
office), while an approver (department head) acts for their own unit only."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from zhiban.org.models import Person, Role, RoleAssignment, Unit

# Roles held only for one's own unit: a department head approves their department's business.
OWN_UNIT_ROLES = {Role.APPROVER}


def holders(roles: Iterable[str], unit_ids: Iterable[int]) -> QuerySet[Person]:
    """The active people holding any of `roles` in any of the units `unit_ids`, each once."""
    return Person.objects.filter(
        active=True, roles__role__in=list(roles), roles__unit_id__in=list(unit_ids)
    ).distinct()


def role_holders(
    unit: Unit, roles: Iterable[str], *, nearest_above: bool = True, exclude: Iterable[Person | None] = ()
) -> list[Person]:
    """The active people holding any of `roles` in `unit`; where nobody there does (and `nearest_above`),
    those of the nearest unit above that has such people, so that a notice always reaches someone.
    `exclude`: people never counted (the applicant of what is to be approved)."""
    roles = list(roles)
    excluded = {p.pk for p in exclude if p is not None}
    chain = [unit.pk, *reversed(unit.ancestor_ids())] if nearest_above else [unit.pk]
    found: dict[int, list[Person]] = {}
    seen: set[tuple[int, int]] = set()
    rows = RoleAssignment.objects.filter(
        unit_id__in=chain, role__in=roles, person__active=True
    ).select_related("person__user")
    for row in rows.order_by("person__order", "person_id"):
        if row.person_id in excluded or (row.unit_id, row.person_id) in seen:
            continue
        seen.add((row.unit_id, row.person_id))
        found.setdefault(row.unit_id, []).append(row.person)
    return next((found[pk] for pk in chain if pk in found), [])


def acting_units(role: str, unit: Unit) -> list[int]:
    """Where `role` must be held to act on `unit`'s business: an approver in the unit itself, since that
    role reads only its own unit; the duty roles in the unit or any unit above."""
    return [unit.pk] if role in OWN_UNIT_ROLES else [*unit.ancestor_ids(), unit.pk]


def holds_role(person: Person | None, roles: Iterable[str], unit: Unit) -> bool:
    """Whether `person` holds one of `roles` where it acts on `unit`'s business (acting_units)."""
    if person is None:
        return False
    where = Q(pk__in=[])
    for role in roles:
        where |= Q(role=role, unit_id__in=acting_units(role, unit))
    return RoleAssignment.objects.filter(where, person=person).exists()
