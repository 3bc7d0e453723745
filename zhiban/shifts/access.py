"""Who reads and works a shift: its duty log is a duty record (A2.7/B15), read over its unit and kept
by the people of its duty office or one above it."""

from __future__ import annotations

from django.db.models import Q

from zhiban.org.access import Scope, check_act, duty_q, fetch, scope_for
from zhiban.org.models import User
from zhiban.shifts.models import Shift


def shift_q(scope: Scope) -> Q:
    return duty_q(scope)


def get_shift_for_user(user: User, pk, act: bool = False) -> Shift:
    scope = scope_for(user)
    shift = fetch(Shift.objects.select_related("unit"), pk, shift_q(scope))
    check_act(scope, shift.unit, act)
    return shift
