"""Who reads and works a shift: its duty log is a duty record (A2.7/B15), read over its unit and kept
by the people of its duty office or one above it. A classified entry of the log (秘密, 机密) is read by
its unit's own duty staff cleared for it; a refused attempt and every granted read are audited."""

from __future__ import annotations

from django.db.models import Q

from zhiban.org.access import Scope, check_act, classified_q, duty_q, fetch, fetch_classified, scope_for
from zhiban.org.models import User
from zhiban.shifts.models import LogEntry, Shift


def shift_q(scope: Scope) -> Q:
    return duty_q(scope)


def get_shift_for_user(user: User, pk, act: bool = False) -> Shift:
    scope = scope_for(user)
    shift = fetch(Shift.objects.select_related("unit"), pk, shift_q(scope))
    check_act(scope, shift.unit, act)
    return shift


def get_entry_for_user(user: User, pk) -> LogEntry:
    """An entry of the duty log, read with its shift's log; a classified one as classified_q says."""
    scope = scope_for(user)
    return fetch_classified(
        LogEntry.objects.select_related("shift__unit", "by"),
        pk,
        duty_q(scope, "shift__unit__"),
        classified_q(scope, unit="shift__unit_id"),
    )
