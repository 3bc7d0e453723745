"""The archive's part of `runjobs`: the search entries of records just saved, each day's brief drafted
at each unit's cut-off hour (and last month's summary on the 1st), the nightly backup when its moment
has come (once, however long the runner was down), queued backups and restore drills asked for on the
page, and rows a killed runner left running."""

from __future__ import annotations

import datetime as dt
import threading

from django.utils import timezone

from zhiban.archive import search, services
from zhiban.archive.models import Backup, Brief, RestoreDrill
from zhiban.org.models import Unit
from zhiban.org.policy import effective_policies
from zhiban.shifts.models import Shift

# The day whose briefs this process has drafted for every unit on duty: no query until tomorrow.
_briefs_done_for: dt.date | None = None


def forget() -> None:
    """A fresh process's memory (tests that travel in time start each as a new runner would)."""
    global _briefs_done_for
    _briefs_done_for = None


def try_brief_one() -> bool:
    """Drafts one brief that is due: the daily brief of a unit on duty in the last day, once its
    cut-off hour has come; on the 1st, the month before's summary of the same units."""
    global _briefs_done_for
    now = timezone.now()
    today = timezone.localdate(now)
    if _briefs_done_for == today:
        return False
    on_duty = Unit.objects.filter(
        pk__in=Shift.objects.filter(start__lt=now, end__gt=now - dt.timedelta(days=1)).values("unit_id")
    )
    policies = effective_policies(on_duty)
    waiting = False
    for unit in on_duty:
        if timezone.localtime(now).hour < policies[unit.pk].brief_cutoff_hour:
            waiting = True
            continue
        if services.draft_brief(unit, Brief.Kind.DAILY, today, now) is not None:
            return True
        if today.day == 1 and services.draft_brief(
            unit, Brief.Kind.MONTHLY, today - dt.timedelta(days=1), now
        ):
            return True
    if not waiting:
        _briefs_done_for = today
    return False


def try_index_one() -> bool:
    """The search entries of records saved since the last pass, in a batch (search.drain) small enough
    that the write lock it holds on SQLite (about 10 ms) does not keep the writers of calls waiting."""
    return search.drain(limit=50) > 0


def try_nightly_backup_one() -> bool:
    return services.nightly_due() is not None  # queued here, taken by try_backup_one at once


def try_backup_one() -> bool:
    backup = Backup.objects.filter(state=Backup.State.QUEUED).order_by("requested_at", "id").first()
    if backup is None:
        return False
    _meanwhile_others(lambda: services.run_backup(backup))
    return True


def try_drill_one() -> bool:
    drill = (
        RestoreDrill.objects.filter(state=RestoreDrill.State.QUEUED).order_by("requested_at", "id").first()
    )
    if drill is None:
        return False
    _meanwhile_others(lambda: services.run_drill(drill))
    return True


HEAVY = {"try_backup_one", "try_drill_one", "try_solve_one"}


def _meanwhile_others(work) -> None:
    """A backup or a drill of a city's database takes minutes: it runs in a thread of its own (with its
    own database connection) while this runner goes on with every other job, so no report deadline waits
    for a dump (the roster solve does the same)."""
    from django.db import connection, connections

    from zhiban.lib.management.commands.runjobs import all_jobs, others_while

    if connection.in_atomic_block or (connection.vendor == "sqlite" and connection.is_in_memory_db()):
        # inside a transaction (a test's) another connection would not see the queued row; an in-memory
        # database (the tests') is shared between connections with table locks, not WAL: here, inline
        work()
        return
    failure: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as error:  # raised in the runner's thread below
            failure.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, name="archive-job", daemon=True)
    thread.start()
    others = [job for job in all_jobs() if job.__name__ not in HEAVY]
    while thread.is_alive():
        thread.join(0.5)
        others_while(thread, others)
    if failure:
        raise failure[0]


def try_fail_stale_one() -> bool:
    return services.fail_stale() > 0


JOBS = [
    try_index_one,
    try_brief_one,
    try_fail_stale_one,
    try_nightly_backup_one,
    try_backup_one,
    try_drill_one,
]
