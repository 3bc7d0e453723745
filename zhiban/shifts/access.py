"""Who reads and works a shift: its duty log is a duty record (A2.7/B15), read over its unit and kept
by the people of its duty office or one above it. A classified entry of the log (秘密, 机密) is read by
its unit's own duty staff cleared for it; a refused attempt and every granted read are audited."""

from __future__ import annotations

from django.db.models import Q

from zhiban.lib.classification import Classification
from zhiban.org.access import (
    Scope,
    check_act,
    check_write,
    classified_q,
    duty_q,
    fetch,
    fetch_classified,
    scope_for,
)
from zhiban.org.models import Unit, User
from zhiban.shifts.models import LogEntry, Shift, WallDisplay


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


def get_wall_display_for_user(user: User, pk) -> WallDisplay:
    """A wall display is its unit's duty office's to keep: read over its unit (404 to anyone else),
    revoked by the unit's duty-office administrators or those above (403 to the other readers)."""
    scope = scope_for(user)
    display = fetch(WallDisplay.objects.select_related("unit"), pk, duty_q(scope))
    check_write(scope, display.unit)
    return display


def display_scope(unit: Unit) -> Scope:
    """What a wall display reads: the duty records of its unit and the units below, as the unit's duty
    room does, and no classified one (nobody is cleared at a screen on the wall)."""
    return Scope(
        user=None,
        read_paths={unit.path},
        read_unit_ids={unit.pk},
        member_unit_ids={unit.pk},
        member_paths={unit.path},
        root_paths={unit.path},
        home_unit_id=unit.pk,
        home_unit=unit,
        clearance=Classification.INTERNAL,
    )
