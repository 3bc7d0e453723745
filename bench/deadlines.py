"""Deadline to alarm: how long after a phone-report deadline passes its alarm is in the outbox (issue 6),
with every event's deadlines drawn from the demo city's reporting rules by category and grade (issue 17).

    .venv/bin/python bench/deadlines.py [--open 100000] [--due 600] [--window 60]

1. Builds a fresh SQLite database in a temporary var/ (gen_scale with 50 units) and gives the duty-office
   administrators an email address, so every alarm writes outbox rows as well as in-app notices.
2. For each run: `--open` open events of random categories and grades (their phone and written minutes
   from the city's table, two deadline rows each) whose deadlines lie hours ahead, plus `--due` events
   whose phone deadlines fall evenly over the next `--window` seconds. Starts one (then two) `manage.py runjobs`
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
import datetime as dt, random, sys
from django.utils import timezone
from zhiban.incidents.demo_data import CITY_RULES
from zhiban.incidents.models import Deadline, Event, ReportingRule
from zhiban.incidents.rules import RuleTable
from zhiban.org.models import Unit
open_count, due_count, window, start_in, run = (int(a) for a in sys.argv[1:6])
units = list(Unit.objects.order_by("depth", "id"))
top = units[0]
if not ReportingRule.objects.exists():  # the demo city's table: minutes by category and grade
    for category, subkind, grade, phone, written, required, times, hours, basis in CITY_RULES:
        ReportingRule.objects.create(unit=top, category=category, subkind=subkind, grade=grade,
            phone_minutes=phone, written_minutes=written, required=required, followup_times=times,
            followup_hours=hours, basis=basis)
tables, rules = {}, {}
def rule_for(unit, category, grade):
    key = (unit.pk, category, grade)
    if key not in rules:
        table = tables.setdefault(unit.pk, RuleTable(unit))
        rules[key] = table.rule(category, "", grade)
    return rules[key]
pick = random.Random(run)
def event(i, phone_due, title):
    unit = units[i % len(units)]
    category = pick.choice(["natural", "accident", "health", "security"])
    grade = pick.choice(["I", "II", "III", "IV", ""])
    rule = rule_for(unit, category, grade)
    known = phone_due - dt.timedelta(minutes=rule.phone_minutes)
    return Event(unit=unit, title=title, category=category, grade=grade, known_at=known, place="基准",
                 summary="基准", phone_minutes=rule.phone_minutes, written_minutes=rule.written_minutes,
                 warning_minutes=5, missed_after_minutes=1440, rule_label=rule.describe()[:120])
def deadlines(events):
    rows = []
    for e in events:
        for kind, minutes in (("phone", e.phone_minutes), ("written", e.written_minutes)):
            due = e.known_at + dt.timedelta(minutes=minutes)
            # checked first at the deadline itself, as the bench always measured (a warning five
            # minutes earlier is another moment's work)
            rows.append(Deadline(event=e, kind=kind, reason="登记", starts_at=e.known_at, due_at=due,
                                 next_check_at=due, warned=True))
    Deadline.objects.bulk_create(rows, batch_size=5000)
now = timezone.now()
far = [event(i, now + dt.timedelta(hours=3, seconds=i % 3600), f"远期{run}-{i}") for i in range(open_count)]
deadlines(Event.objects.bulk_create(far, batch_size=5000))  # hours ahead: open, never due in the run
now = timezone.now()  # after the bulk insert, which takes seconds: the due ones count from here
due = [
    event(i, now + dt.timedelta(seconds=start_in + window * i / due_count), f"到期{run}-{i}")
    for i in range(due_count)
]
deadlines(Event.objects.bulk_create(due, batch_size=5000))
print(now.isoformat())
"""

MEASURE = """
import statistics, sys
from collections import Counter
from zhiban.incidents.models import Deadline, EventStep
from zhiban.notify.models import OutboxMessage
run = sys.argv[1]
phone = {d.event_id: d for d in Deadline.objects.filter(event__title__startswith=f"到期{run}-", kind="phone")
         .select_related("event")}
alarms = EventStep.objects.filter(event_id__in=list(phone), kind="alarm", text__startswith="电话报告").values_list(
    "event_id", "at")
twice = sum(n - 1 for n in Counter(e for e, _ in alarms).values() if n > 1)
first = {}
for event_id, at in alarms:
    first[event_id] = min(first.get(event_id, at), at)
outbox = {}
alarmed = OutboxMessage.objects.filter(body__contains=f"到期{run}-").filter(body__contains="电话报告已超过")
for body, created in alarmed.values_list("body", "created_at"):
    title = body.split("：", 1)[0].removeprefix("【告警】")
    outbox[title] = min(outbox.get(title, created), created)
delays = sorted(
    (outbox.get(d.event.title, first.get(pk)) - d.due_at).total_seconds()
    for pk, d in phone.items() if pk in first
)
print(len(phone), len(first), twice, " ".join(f"{d:.3f}" for d in delays))
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
