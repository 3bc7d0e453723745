"""The information base (B26) with a city-year of records: 20 typical searches by the city's duty officer.

    .venv/bin/python bench/search.py [--units 500] [--people 20000] [--days 365] [--postgres URL]

1. Builds a fresh database (SQLite in a temporary var/, or the PostgreSQL database given) with gen_scale
   and gen_duty (about 400,000 duty records), then `search_index` (timed).
2. In one process, as the city's duty officer (whose scope is the whole city, the widest there is): each
   of 20 typical searches (a two-character word, a longer phrase, a name in pinyin and in initials, a
   phone number's digits, filters by kind and by date) run 7 times; prints each search's median, and the
   median and 95th percentile over all.
3. Baseline, in the same process: the naive search, a LIKE '%word%' over the same entries' text with the
   same scope filter; the ratio says what the full-text index buys.
Target (issue 19): p95 < 300 ms on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable

QUERIES = [
    ("停水", {}),
    ("滑坡", {}),
    ("暴雨", {}),
    ("泄洪", {}),
    ("交通事故", {}),
    ("秸秆", {}),
    ("火情", {}),
    ("防汛物资", {}),
    ("安全生产", {}),
    ("值班", {}),  # in most records: the heaviest
    ("通知", {"kind": "document"}),
    ("来访", {"kind": "visit"}),
    ("停水", {"kind": "call"}),
    ("暴雨", {"recent_days": 30}),
    ("王建华", {}),
    ("wangjianhua", {}),
    ("wjh", {}),
    ("2222333", {}),
    ("0558", {}),  # every fixed line of the city: the heaviest number
    ("山体 滑坡", {}),
]

RUN = """
import statistics, sys, time, datetime as dt
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from zhiban.archive import search
from zhiban.archive.models import SearchEntry
from zhiban.org.access import scope_for
from zhiban.org.models import Person
queries = QUERIES
officer = Person.objects.get(user__username="admin")  # the city's duty-office administrator (gen_scale)
scope = scope_for(officer.user)
print(f"entries: {SearchEntry.objects.count()}, searching as {officer.name} of {officer.unit.name}")
def timed(fn, n=7):
    times = []
    for _ in range(n):
        t = time.perf_counter(); result = fn(); times.append(time.perf_counter() - t)
    return times, result
every, naive = [], []
for text, options in queries:
    since = timezone.now() - dt.timedelta(days=options["recent_days"]) if "recent_days" in options else None
    times, (hits, total) = timed(lambda: search.search(scope, text, kind=options.get("kind", ""), since=since))
    every += times
    word = text.split()[0]
    rows = SearchEntry.objects.filter(search.visible_q(scope)).filter(Q(title__contains=word) | Q(excerpt__contains=word))
    if options.get("kind"):
        rows = rows.filter(kind=options["kind"])
    if since:
        rows = rows.filter(at__gte=since)
    base, _ = timed(lambda: (list(rows.order_by("-at").values_list("id", flat=True)[:20]), rows.count()), 3)
    naive += base
    print(f"  {text!r:14} {str(options):22} {total:7d} hits  median {statistics.median(times)*1000:7.1f} ms   naive LIKE {statistics.median(base)*1000:8.1f} ms")
every.sort(); naive.sort()
p95 = every[int(len(every) * 0.95) - 1]
print(f"all searches: median {statistics.median(every)*1000:.1f} ms, p95 {p95*1000:.1f} ms (target p95 < 300 ms)")
print(f"naive LIKE baseline: median {statistics.median(naive)*1000:.1f} ms, p95 {naive[int(len(naive)*0.95)-1]*1000:.1f} ms")
print(f"ratio (naive median / search median): {statistics.median(naive)/statistics.median(every):.1f} x")
"""


def manage(env: dict, *args: str) -> str:
    result = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=500)
    parser.add_argument("--people", type=int, default=20000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--postgres", help="postgres://… of an empty database (createdb first) to fill")
    parser.add_argument(
        "--reuse", help="a var/ directory an earlier run built: search only (with --postgres, its database)"
    )
    args = parser.parse_args()
    var = Path(args.reuse) if args.reuse else Path(tempfile.mkdtemp(prefix="zhiban-bench-"))
    env = {**os.environ, "ZHIBAN_VAR_DIR": str(var), "DEBUG": "0", "LOG_LEVEL": "WARNING"}
    env.pop("DATABASE_URL", None)
    if args.postgres:
        env["DATABASE_URL"] = args.postgres
    if not args.reuse:
        t0 = time.perf_counter()
        manage(env, "migrate", "-v0")
        print(manage(env, "gen_scale", "--units", str(args.units), "--people", str(args.people)).strip())
        print(manage(env, "gen_duty", "--days", str(args.days)).strip())
        print(f"data built in {time.perf_counter() - t0:.1f} s")
        print(manage(env, "search_index").strip())
    print(f"data in {var}")
    print(f"database: {'PostgreSQL' if args.postgres else 'SQLite'}")
    code = f"QUERIES = {QUERIES!r}\n" + RUN
    print(manage(env, "shell", "-c", code).strip())


if __name__ == "__main__":
    main()
