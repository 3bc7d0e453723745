"""SQLite whose writers queue in the kernel instead of polling the database lock.

Every transaction here is IMMEDIATE (it takes SQLite's write lock at BEGIN, lib.env), and a writer that
finds the lock taken is left to SQLite's busy handler, which sleeps 1, 2, 5 … up to 100 ms between
tries: under 16 concurrent writers the save's p99 was 400–460 ms, its maximum about 2 s, against a
transaction that holds the lock for under a millisecond. Here each transaction first takes an exclusive
`flock` on a file beside the database (`<name>-writers`), shared by every thread and process that opens
it, and lets it go at COMMIT or ROLLBACK: a waiting writer sleeps in the kernel and wakes the moment
the one before it ends. A process killed inside a transaction loses the lock with its file descriptor,
so nothing is left locked. Writes made outside a transaction (autocommit) do not take it and still
meet the busy handler, as before. An in-memory database (the test suite's) has one connection and no
file: nothing to queue."""

from __future__ import annotations

import fcntl
import os

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    _queue_fd: int | None = None
    _queued = False

    def _start_transaction_under_autocommit(self):
        if not self.is_in_memory_db():
            if self._queue_fd is None:
                self._queue_fd = os.open(
                    f"{self.settings_dict['NAME']}-writers", os.O_RDWR | os.O_CREAT, 0o600
                )
            fcntl.flock(self._queue_fd, fcntl.LOCK_EX)
            self._queued = True
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._leave_queue()
            raise

    def _leave_queue(self) -> None:
        if self._queued:
            self._queued = False
            fcntl.flock(self._queue_fd, fcntl.LOCK_UN)

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._leave_queue()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._leave_queue()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._leave_queue()
            if self._queue_fd is not None:
                os.close(self._queue_fd)
                self._queue_fd = None
