"""Who reads and does what in supervision (RULES §6).

A superior office supervises the units below it: its duty staff, duty-office administrators, leaders and
inspectors (督查, 纪工委) make spot checks and roll calls, inspect, draft circulars, enter and decide on
the ledger; its leaders sign circulars off. A unit reads what concerns itself (its checks, its roll
calls, its circulars once published, its rectifications, its ledger entries) and answers for itself:
it answers a roll call, reports its rectification, appeals its entry. Siblings see none of each other's."""

from __future__ import annotations

import datetime as dt
import functools

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Q
from django.http import Http404

from zhiban.org.access import Scope, duty_q, fetch, reads_duty_path, scope_for
from zhiban.org.models import Person, Role, RoleAssignment, Unit, User
from zhiban.supervision.models import (
    Appeal,
    Circular,
    Commendation,
    Evidence,
    Inspection,
    LedgerEntry,
    Rectification,
    RollCall,
    RollCallTarget,
    SpotCheck,
)

SUPERVISING_ROLES = (Role.DUTY_ADMIN, Role.DUTY_STAFF, Role.LEADER, Role.INSPECTOR)
OFFICE_ROLES = (Role.DUTY_ADMIN, Role.DUTY_STAFF, Role.LEADER)


def supervises(person: Person | None, office: Unit, roles=SUPERVISING_ROLES) -> bool:
    """Whether the person works in `office` as one who supervises the units below it: its duty office
    and, for inspections and the ledger, its inspectors (督查, 纪工委)."""
    return (
        person is not None
        and RoleAssignment.objects.filter(person=person, unit=office, role__in=roles).exists()
    )


def keeps_duty(person: Person | None, office: Unit) -> bool:
    """The duty office's own work (spot checks, roll calls, circulars): its duty staff, administrators
    and leaders; inspectors watch it."""
    return supervises(person, office, OFFICE_ROLES)


def supervising_office(request, roles=SUPERVISING_ROLES) -> Unit:
    """The unit the person works as, where they supervise: its subtree is what they check."""
    from zhiban.org.access import current_unit

    unit = current_unit(request)
    if unit is None or not supervises(scope_for(request.user).person, unit, roles):
        raise PermissionDenied("只有上级值班机构和督查人员可以进行")
    return unit


def spot_check_q(scope: Scope) -> Q:
    return duty_q(scope, "to_unit__") | duty_q(scope, "from_unit__")


def get_spot_check_for_user(user: User, pk) -> SpotCheck:
    return fetch(
        SpotCheck.objects.select_related("from_unit", "to_unit", "by"), pk, spot_check_q(scope_for(user))
    )


def roll_call_q(scope: Scope) -> Q:
    return duty_q(scope, "from_unit__")


def get_roll_call_for_user(user: User, pk) -> RollCall:
    return fetch(RollCall.objects.select_related("from_unit", "by"), pk, roll_call_q(scope_for(user)))


@functools.cache  # one database per process: the statement is the same on every poll
def _state_sql() -> str:
    call, target, unit = RollCall._meta, RollCallTarget._meta, Unit._meta
    q = connection.ops.quote_name
    answers = f"FROM {q(target.db_table)} t WHERE t.{q('roll_call_id')} = r.{q('id')}"
    return (
        f"SELECT u.{q('path')}, r.{q('closed_at')} IS NOT NULL, r.{q('due_at')} < %s, "
        f"(SELECT count(t.{q('answered_at')}) {answers}), (SELECT max(t.{q('answered_at')}) {answers}) "
        f"FROM {q(call.db_table)} r JOIN {q(unit.db_table)} u ON u.{q('id')} = r.{q('from_unit_id')} "
        f"WHERE r.{q('id')} = %s"
    )


def roll_call_state(user: User, pk: int, now: dt.datetime) -> tuple:
    """What a roll call's results depend on (closed, past due, answers so far, the last answer), read by
    one bare statement: every office watching polls the results every few seconds, and while nothing
    changes they are served whole from the cache. A call the person may not read is a 404, audited
    (get_roll_call_for_user)."""
    with connection.cursor() as cursor:
        cursor.execute(_state_sql(), [connection.ops.adapt_datetimefield_value(now), pk])  # nosec B608
        row = cursor.fetchone()
    if row is None:
        raise Http404
    path, closed, past_due, answered, last_answer = row
    if not reads_duty_path(scope_for(user), path):
        get_roll_call_for_user(user, pk)  # the refusal, audited
        raise Http404  # unreachable while both read the same rule
    return (pk, bool(closed), bool(past_due), answered, last_answer)


def get_target_for_user(user: User, pk) -> RollCallTarget:
    """A unit's place in a roll call: read (and answered) by the unit's own duty office."""
    scope = scope_for(user)
    return fetch(
        RollCallTarget.objects.select_related("roll_call__from_unit", "unit"),
        pk,
        Q(unit_id__in=scope.act_unit_ids) | duty_q(scope, "roll_call__from_unit__"),
    )


def inspection_q(scope: Scope) -> Q:
    return duty_q(scope, "office__") | duty_q(scope, "unit__")


def get_inspection_for_user(user: User, pk) -> Inspection:
    return fetch(Inspection.objects.select_related("office", "unit", "by"), pk, inspection_q(scope_for(user)))


def circular_q(scope: Scope) -> Q:
    """A circular is read by its office (and above); a unit it names reads it once published."""
    published = Q(state=Circular.State.PUBLISHED) & (
        duty_q(scope, "units__") | duty_q(scope, "problems__unit__")
    )
    return duty_q(scope, "office__") | published


def get_circular_for_user(user: User, pk) -> Circular:
    return fetch(Circular.objects.select_related("office").distinct(), pk, circular_q(scope_for(user)))


def rectification_q(scope: Scope) -> Q:
    return duty_q(scope, "unit__") | duty_q(scope, "problem__circular__office__")


def get_rectification_for_user(user: User, pk) -> Rectification:
    return fetch(
        Rectification.objects.select_related("unit", "owner", "problem__circular__office"),
        pk,
        rectification_q(scope_for(user)),
    )


def ledger_q(scope: Scope) -> Q:
    return duty_q(scope)


def get_entry_for_user(user: User, pk) -> LedgerEntry:
    return fetch(LedgerEntry.objects.select_related("unit", "person"), pk, ledger_q(scope_for(user)))


def get_appeal_for_user(user: User, pk) -> Appeal:
    return fetch(Appeal.objects.select_related("entry__unit"), pk, duty_q(scope_for(user), "entry__unit__"))


def commendation_q(scope: Scope) -> Q:
    return duty_q(scope, "office__") | duty_q(scope, "unit__") | duty_q(scope, "person__unit__")


def get_commendation_for_user(user: User, pk) -> Commendation:
    return fetch(Commendation.objects.all(), pk, commendation_q(scope_for(user)))


def get_evidence_for_user(user: User, pk) -> Evidence:
    """Evidence is read by whoever reads what it is evidence of."""
    scope = scope_for(user)
    q = (
        Q(item__isnull=False)
        & (duty_q(scope, "item__inspection__office__") | duty_q(scope, "item__inspection__unit__"))
        | Q(rectification__isnull=False) & rectification_q_prefixed(scope)
        | Q(entry__isnull=False) & duty_q(scope, "entry__unit__")
    )
    return fetch(Evidence.objects.all(), pk, q)


def rectification_q_prefixed(scope: Scope) -> Q:
    return duty_q(scope, "rectification__unit__") | duty_q(
        scope, "rectification__problem__circular__office__"
    )
