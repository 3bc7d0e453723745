"""The job runner (DESIGN.md): loops over the small try_<thing>_one() functions of every app's jobs.py;
sleeps a little when none had anything to do; stops cleanly on SIGTERM/SIGINT between two steps."""

from __future__ import annotations

import logging
import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from zhiban.lib.checks import refuse_to_start_unsafely
from zhiban.lib.registry import app_modules

log = logging.getLogger("zhiban.jobs")


def all_jobs() -> list:
    """Every app's JOBS, lowest app first."""
    return [job for module in app_modules("jobs") for job in getattr(module, "JOBS", [])]


def run_until_idle(jobs=None, limit: int = 10_000) -> int:
    """Run the jobs until none has anything to do; the number of steps taken (tests use this)."""
    jobs = jobs if jobs is not None else all_jobs()
    steps = 0
    while steps < limit:
        busy = False
        for job in jobs:
            if job():
                busy = True
                steps += 1
        if not busy:
            break
    return steps


def others_while(thread, jobs) -> None:
    """The runner's other jobs, until none has anything to do or `thread` (a long piece of work: a roster
    solve, a backup) is over; one failing job stops neither the work nor the others."""
    busy = True
    while busy and thread.is_alive():
        busy = False
        for job in jobs:
            try:
                busy = job() or busy
            except Exception:
                log.exception("job %s failed", job.__name__)


class Command(BaseCommand):
    help = "Runs the background jobs: reminders, deadlines, outbox delivery."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run until idle, then exit")
        parser.add_argument("--idle-sleep", type=float, default=1.5)

    def handle(self, *args, once: bool, idle_sleep: float, **options):
        refuse_to_start_unsafely()  # production: no DEBUG, no superuser, every check passing
        jobs = all_jobs()
        stopping = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
        signal.signal(signal.SIGINT, lambda *_: stopping.append(True))
        self.stdout.write(
            f"runjobs: {len(jobs)} jobs: " + ", ".join(j.__module__ + "." + j.__name__ for j in jobs)
        )
        while not stopping:
            close_old_connections()
            busy = False
            for job in jobs:
                if stopping:
                    break
                try:
                    busy = job() or busy
                except Exception:  # one failing job must not stop the others
                    log.exception("job %s failed", job.__name__)
            if once and not busy:
                break
            if not busy:
                time.sleep(idle_sleep)
        self.stdout.write("runjobs: stopped")
