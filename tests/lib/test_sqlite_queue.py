"""SQLite writers queue on a lock file instead of polling the database lock (zhiban.lib.sqlite): a
transaction holds the queue from BEGIN to COMMIT or ROLLBACK, and a process killed inside one leaves
it free and its writes undone. Real processes on a real database file; they wait on pipes, never on
a clock."""

from __future__ import annotations

import fcntl
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# A process that opens a transaction, writes a row, says so, and ends it as told on stdin.
WRITER = """
import django, sys
django.setup()
from django.db import connection, transaction
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE IF NOT EXISTS t (x INTEGER)")
try:
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO t VALUES (1)")
        print("in", flush=True)
        if sys.stdin.readline().strip() == "rollback":
            raise RuntimeError
except RuntimeError:
    pass
print("out", flush=True)
sys.stdin.readline()
"""


@pytest.fixture
def writer(tmp_path):
    env = {**os.environ, "ZHIBAN_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "zhiban.settings"}
    env.pop("DATABASE_URL", None)
    started = []

    def start() -> subprocess.Popen:
        process = subprocess.Popen(
            [sys.executable, "-c", WRITER],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        started.append(process)
        assert process.stdout.readline() == "in\n"
        return process

    yield start
    for process in started:
        process.kill()
        process.wait()


def queue_is_free(tmp_path) -> bool:
    fd = os.open(tmp_path / "zhiban.sqlite3-writers", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


def rows(tmp_path) -> int:
    with sqlite3.connect(tmp_path / "zhiban.sqlite3") as db:
        return db.execute("SELECT count(*) FROM t").fetchone()[0]


@pytest.mark.parametrize("end", ["commit", "rollback"])
def test_a_transaction_holds_the_writers_queue_until_it_ends(tmp_path, writer, end):
    process = writer()
    assert not queue_is_free(tmp_path)  # a second writer would sleep in flock, not poll SQLite's lock
    process.stdin.write(f"{end}\n")
    process.stdin.flush()
    assert process.stdout.readline() == "out\n"
    assert queue_is_free(tmp_path)
    assert rows(tmp_path) == (1 if end == "commit" else 0)


def test_a_writer_killed_inside_a_transaction_frees_the_queue_and_leaves_nothing_written(tmp_path, writer):
    process = writer()
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert queue_is_free(tmp_path)
    assert rows(tmp_path) == 0
