"""The job runner: runs until idle, stops cleanly, and several processes on PostgreSQL take each job once."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from zhiban.incidents.models import Deadline, Event, EventStep


def test_runjobs_once_exits_when_idle(db):
    from django.core.management import call_command

    call_command("runjobs", "--once")


ROOT = Path(__file__).resolve().parents[2]


def overdue_events(org, count: int) -> list[int]:
    now = timezone.now()
    due = now - dt.timedelta(minutes=1)
    events = Event.objects.bulk_create(
        Event(
            unit=org.county,
            title=f"事件{i}",
            category="natural",
            known_at=due - dt.timedelta(minutes=15),
            place="某地",
            summary="某事",
            phone_minutes=15,
            written_minutes=30,
            warning_minutes=5,
            missed_after_minutes=1440,
        )
        for i in range(count)
    )
    Deadline.objects.bulk_create(
        Deadline(event=e, kind=kind, reason="登记", starts_at=e.known_at, due_at=at, next_check_at=check)
        for e in events
        for kind, at, check in (("phone", due, due), ("written", now + dt.timedelta(hours=1), None))
    )
    return [e.pk for e in events]


def runner(*args: str) -> subprocess.Popen:
    settings = connection.settings_dict
    url = f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "ERROR"}
    return subprocess.Popen(
        [sys.executable, "manage.py", "runjobs", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def alarms_per_event(ids) -> dict[int, int]:
    counts = dict.fromkeys(ids, 0)
    for event_id in EventStep.objects.filter(event_id__in=ids, kind="alarm").values_list(
        "event_id", flat=True
    ):
        counts[event_id] += 1
    return counts


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="other processes cannot reach the in-memory SQLite test database",
)
def test_rule_B21_two_runner_processes_fire_each_alarm_exactly_once(org, transactional_db):
    ids = overdue_events(org, 200)
    first, second = runner("--once"), runner("--once")
    for process in (first, second):
        assert process.wait(120) == 0, process.stderr.read().decode()
    assert set(alarms_per_event(ids).values()) == {1}


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="other processes cannot reach the in-memory SQLite test database",
)
def test_rule_B21_a_runner_killed_mid_work_loses_no_alarm_and_fires_none_twice(org, transactional_db):
    ids = overdue_events(org, 400)
    killed = runner()
    deadline = time.monotonic() + 60
    while sum(alarms_per_event(ids).values()) < 20:  # waiting for another process, not for a deadline
        assert time.monotonic() < deadline and killed.poll() is None
        time.sleep(0.05)
    killed.send_signal(signal.SIGKILL)
    killed.wait(30)
    partial = sum(alarms_per_event(ids).values())
    assert partial < len(ids)  # it really was stopped mid-work
    restarted = runner("--once")
    assert restarted.wait(120) == 0, restarted.stderr.read().decode()
    assert set(alarms_per_event(ids).values()) == {1}
