"""Who may do what in the archive.

Volumes are read as the duty records in them (A2.7/B15: the duty roles of the unit and of the offices
above it) and compiled, sealed and re-edited by the unit's duty office or one above it.

Backups and restore drills belong to the system administrator (系统管理员, one of the three 三员): the
platform's database, not any unit's records. Nobody else sees the backup page (404: its existence is
nothing to a duty officer)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from zhiban.archive.models import Brief, Volume
from zhiban.org.access import Scope, check_act, duty_q, fetch, scope_for


def may_keep_backups(scope: Scope) -> bool:
    return bool(scope.write_all)


def require_backup_keeper(scope: Scope) -> None:
    if not may_keep_backups(scope):
        raise Http404


def volume_q(scope: Scope) -> Q:
    """A volume is read as the duty records in it are: by the duty roles of its unit and above."""
    return duty_q(scope)


def get_volume_for_user(user, pk, act: bool = False) -> Volume:
    """A volume over its unit; compiled, sealed and re-edited by its unit's duty office or one above."""
    scope = scope_for(user)
    volume = fetch(Volume.objects.select_related("unit", "supersedes"), pk, volume_q(scope))
    check_act(scope, volume.unit, act)
    return volume


def brief_q(scope: Scope) -> Q:
    """A brief not yet sent is its own office's (as a report is); a sent one is read over its unit and by
    the duty roles of the units it went to (the office above, the units chosen)."""
    sent = Q(state=Brief.State.SENT) & (duty_q(scope) | duty_q(scope, "to_units__"))
    if scope.all_units:
        return sent
    return sent | Q(unit_id__in=scope.act_unit_ids)


def get_brief_for_user(user, pk, act: bool = False) -> Brief:
    """Edited, checked, signed off and sent by its own unit's duty office (the checks of who may 核稿 and
    签发 are the workflow's)."""
    scope = scope_for(user)
    brief = fetch(
        Brief.objects.select_related("unit__parent", "signed_by", "checked_by").distinct(), pk, brief_q(scope)
    )
    if act and not scope.acts_as(brief.unit):
        raise PermissionDenied("只有编发单位的值班室可以办理")
    return brief
