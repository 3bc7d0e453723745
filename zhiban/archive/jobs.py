"""The archive's part of `runjobs`: the nightly backup when its moment has come (once, however long the
runner was down), queued backups and restore drills asked for on the page, and rows a killed runner left
running."""

from __future__ import annotations

from zhiban.archive import services
from zhiban.archive.models import Backup, RestoreDrill


def try_nightly_backup_one() -> bool:
    return services.nightly_due() is not None  # queued here, taken by try_backup_one at once


def try_backup_one() -> bool:
    backup = Backup.objects.filter(state=Backup.State.QUEUED).order_by("requested_at", "id").first()
    if backup is None:
        return False
    services.run_backup(backup)
    return True


def try_drill_one() -> bool:
    drill = (
        RestoreDrill.objects.filter(state=RestoreDrill.State.QUEUED).order_by("requested_at", "id").first()
    )
    if drill is None:
        return False
    services.run_drill(drill)
    return True


def try_fail_stale_one() -> bool:
    return services.fail_stale() > 0


JOBS = [try_fail_stale_one, try_nightly_backup_one, try_backup_one, try_drill_one]
