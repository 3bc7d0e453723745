"""The embedded SQLite's upkeep. Web processes leave the WAL to grow (wal_autocheckpoint is high,
lib.env), and the runner copies it back into the database file every few seconds: a checkpoint
waits for the disk (fsync), and a request that happened to trigger one waited with it."""

from __future__ import annotations

from time import monotonic

from django.db import connection

CHECKPOINT_EVERY_SECONDS = 5.0
_last = [0.0]


def try_checkpoint_one() -> bool:
    """Never 'busy': the runner sleeps between two checkpoints as it would otherwise."""
    if monotonic() - _last[0] >= CHECKPOINT_EVERY_SECONDS:
        _last[0] = monotonic()
        checkpoint(connection)
    return False


def checkpoint(conn) -> tuple[int, int] | None:
    """A PASSIVE checkpoint on SQLite: blocks neither readers nor writers and copies what it can.
    Returns (pages in the WAL, pages copied), or None where there is nothing to do."""
    if conn.vendor != "sqlite" or conn.is_in_memory_db() or conn.in_atomic_block:
        return None  # PostgreSQL checkpoints itself; an in-memory database has no WAL
    with conn.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
        _busy, pages, copied = cursor.fetchone()
    return pages, copied


JOBS = [try_checkpoint_one]
