"""Who may do what in the archive.

Backups and restore drills belong to the system administrator (系统管理员, one of the three 三员): the
platform's database, not any unit's records. Nobody else sees the backup page (404: its existence is
nothing to a duty officer)."""

from __future__ import annotations

from django.http import Http404

from zhiban.org.access import Scope


def may_keep_backups(scope: Scope) -> bool:
    return bool(scope.write_all)


def require_backup_keeper(scope: Scope) -> None:
    if not may_keep_backups(scope):
        raise Http404
