"""Deadline to alarm: how long after a phone-report deadline passes its alarm is in the outbox (issue 6).

    .venv/bin/python bench/deadlines.py [--open 100000] [--due 600] [--window 60]

1. Builds a fresh SQLite database in a temporary var/ (gen_scale with 50 units) and gives the duty-office
   administrators an email address, so every alarm writes outbox rows as well as in-app notices.
2. For each run: `--open` open events whose deadlines lie hours ahead, plus `--due` events whose phone
   deadlines fall evenly over the next `--window` seconds. Starts one (then two) `manage.py runjobs`
   processes, exactly as production runs them (default idle sleep), and waits until every due alarm is
   written.
3. Prints, per run, the delay from each deadline to its alarm's first outbox row: median, 99th percentile
   and maximum, and a check that no alarm was written twice. The baseline is the same measurement with no
   other open events, in the same process; the ratio shows what 100,000 open deadlines cost.
Target (issue 6): median <= 2 s, p99 <= 5 s, with one runner and with two.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable

SETUP = """
from zhiban.org.models import Person, Role, User
admins = Person.objects.filter(roles__role=Role.DUTY_ADMIN).values_list("user_id", flat=True)
User.objects.filter(pk__in=list(admins)).update(email="duty@bench.example.gov.cn")
"""

SEED = """
import datetime as dt, sys
from django.utils import timezone
from zhiban.incidents.models import Event
from zhiban.org.models import Unit
open_count, due_count, window, start_in, run = (int(a) for a in sys.argv[1:6])
units = list(Unit.objects.order_by("id").values_list("id", flat=True))
now = timezone.now()
rows = []
def event(i, due, title):
    known = due - dt.timedelta(minutes=15)
    return Event(unit_id=units[i % len(units)], title=title, category="natural", known_at=known, place="基准",
                 summary="基准", phone_minutes=15, written_minutes=30, warning_minutes=5,
                 missed_after_minutes=1440, phone_due_at=due, written_due_at=due + dt.timedelta(hours=6),
                 next_check_at=due)
for i in range(open_count):  # hours ahead: open, never due during the run
    rows.append(event(i, now + dt.timedelta(hours=3, seconds=i % 3600), f"远期{run}-{i}"))
Event.objects.bulk_create(rows, batch_size=5000)
now = timezone.now()  # after the bulk insert, which takes seconds: the due ones count from here
due = [
    event(i, now + dt.timedelta(seconds=start_in + window * i / due_count), f"到期{run}-{i}")
    for i in range(due_count)
]
Event.objects.bulk_create(due, batch_size=5000)
print(now.isoformat())
"""

MEASURE = """
import statistics, sys
from collections import Counter
from zhiban.incidents.models import Event, EventStep
from zhiban.notify.models import OutboxMessage
run = sys.argv[1]
due = {e.pk: e for e in Event.objects.filter(title__startswith=f"到期{run}-")}
alarms = EventStep.objects.filter(event_id__in=list(due), kind="alarm").values_list("event_id", "at")
twice = sum(n - 1 for n in Counter(e for e, _ in alarms).values() if n > 1)
first = {}
for event_id, at in alarms:
    first[event_id] = min(first.get(event_id, at), at)
outbox = {}
for body, created in OutboxMessage.objects.filter(body__contains=f"到期{run}-").values_list("body", "created_at"):
    title = body.split("：", 1)[0].removeprefix("【告警】")
    outbox[title] = min(outbox.get(title, created), created)
delays = sorted(
    (outbox.get(e.title, first.get(pk)) - e.phone_due_at).total_seconds()
    for pk, e in due.items() if pk in first
)
print(len(due), len(first), twice, " ".join(f"{d:.3f}" for d in delays))
"""


def manage(env, *args) -> str:
    result = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def shell(env, code: str, *argv) -> str:
    result = subprocess.run(
        [PY, "-c", f"import django, sys; django.setup(); sys.argv = ['x', *{list(argv)!r}]\n{code}"],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "zhiban.settings"},
        capture_output=True,
        text=True,
    )
    if result.returncode:
        sys.exit(result.stderr[-3000:])
    return result.stdout.strip()


def runner(env) -> subprocess.Popen:
    return subprocess.Popen([PY, "manage.py", "runjobs"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL)


def run(
    env, label: str, runners: int, open_count: int, due: int, window: int, number: int, kill: bool = False
) -> list[float]:
    """With `kill`, the runner is killed with SIGKILL halfway through the window and started again ten
    seconds later: every alarm that fell due meanwhile must still be written, and none twice."""
    start_in = 5
    shell(env, SEED, str(open_count), str(due), str(window), str(start_in), str(number))
    processes = [runner(env) for _ in range(runners)]
    try:
        started = time.time()
        if kill:
            time.sleep(start_in + window / 2)
            processes[0].kill()  # SIGKILL: no chance to finish the step it is in
            processes[0].wait()
            time.sleep(10)
            processes[0] = runner(env)
        while time.time() < started + start_in + window + 60:
            time.sleep(2)
            total, alarmed = shell(env, MEASURE, str(number)).split(" ", 3)[:2]
            if int(alarmed) >= int(total):
                break
    finally:
        for p in processes:
            p.terminate()
        for p in processes:
            p.wait(30)
    total, alarmed, twice, *rest = shell(env, MEASURE, str(number)).split(" ", 3)
    delays = [float(d) for d in (rest[0].split() if rest else [])]
    q = statistics.quantiles(delays, n=100) if len(delays) > 1 else [0] * 99
    print(
        f"{label:44} {runners:7} {open_count:7} {alarmed:>5}/{total:<5} {twice:>6} "
        f"{statistics.median(delays):8.2f} {q[98]:8.2f} {max(delays):8.2f}"
    )
    return delays


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=600)
    parser.add_argument("--window", type=int, default=60)
    args = parser.parse_args()
    var = Path(tempfile.mkdtemp(prefix="zhiban-deadlines-"))
    env = {**os.environ, "ZHIBAN_VAR_DIR": str(var), "DEBUG": "0", "LOG_LEVEL": "WARNING"}
    env.pop("DATABASE_URL", None)
    manage(env, "migrate", "-v0")
    manage(env, "gen_scale", "--units", "50", "--people", "2000")
    shell(env, SETUP)
    print(
        f"{'run':44} {'runners':>7} {'open':>7} {'alarms':>11} {'twice':>6} {'p50 s':>8} {'p99 s':>8} {'max s':>8}"
    )
    base = run(env, "baseline: no other open deadlines", 1, 0, args.due, args.window, 1)
    one = run(env, f"{args.open:,} open deadlines, one runner", 1, args.open, args.due, args.window, 2)
    two = run(env, f"{args.open:,} more open deadlines, two runners", 2, args.open, args.due, args.window, 3)
    run(env, "one runner SIGKILLed mid-run, back 10 s later", 1, 0, args.due, args.window, 4, kill=True)
    b = statistics.median(base)
    print(
        f"\nratio of medians to the baseline: one runner {statistics.median(one) / b:.2f}, "
        f"two runners {statistics.median(two) / b:.2f}"
    )


if __name__ == "__main__":
    main()
