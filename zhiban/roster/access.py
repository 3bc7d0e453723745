"""Who reads and writes rosters, their settings, exemptions and swaps (built on org's scope).

A roster and its assignments are read over their unit and written by its duty-office administrators.
An exemption is also read by its applicant, a swap by its applicant and partner, wherever they sit."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q

from zhiban.org.access import Scope, check_write, fetch, scope_for
from zhiban.org.models import User
from zhiban.roster.models import Assignment, Exemption, Roster, Swap


def roster_q(scope: Scope) -> Q:
    return scope.unit_q("unit__")


def get_roster_for_user(user: User, pk, write: bool = False) -> Roster:
    scope = scope_for(user)
    roster = fetch(Roster.objects.select_related("unit"), pk, roster_q(scope))
    check_write(scope, roster.unit, write)
    return roster


def get_assignment_for_user(user: User, pk, write: bool = False) -> Assignment:
    scope = scope_for(user)
    assignment = fetch(
        Assignment.objects.select_related("roster__unit", "person"), pk, scope.unit_q("roster__unit__")
    )
    check_write(scope, assignment.roster.unit, write)
    return assignment


def exemption_q(scope: Scope) -> Q:
    """Exemptions of the people whose unit one reads, and one's own."""
    q = scope.unit_q("person__unit__")
    if scope.person is not None:
        q |= Q(person=scope.person)
    return q


def get_exemption_for_user(user: User, pk) -> Exemption:
    return fetch(Exemption.objects.select_related("person__unit"), pk, exemption_q(scope_for(user)))


def swap_q(scope: Scope) -> Q:
    """Swaps on the rosters one reads, and those one applied for or was named in."""
    q = scope.unit_q("shift__roster__unit__")
    if scope.person is not None:
        q |= Q(applicant=scope.person) | Q(partner=scope.person)
    return q


def get_swap_for_user(user: User, pk) -> Swap:
    return fetch(
        Swap.objects.select_related("shift__roster__unit", "partner_shift", "applicant", "partner"),
        pk,
        swap_q(scope_for(user)),
    )


def get_roster_setting_for_user(user: User, model: type[Model], pk, write: bool = False):
    """A shift type, holiday entry or sensitive period (roster settings, each owned by a unit). A national
    holiday entry (no unit) is read by all and written only by the system administrator."""
    scope = scope_for(user)
    q = scope.unit_q("unit__")
    if model._meta.get_field("unit").null:
        q |= Q(unit=None)
    obj = fetch(model.objects.select_related("unit"), pk, q)
    if write:
        if obj.unit is None and not scope.write_all:
            raise PermissionDenied("全国性节假日安排只能由系统管理员修改")
        if obj.unit is not None:
            check_write(scope, obj.unit)
    return obj
