"""Web throughput with gen_scale data, each page as a ratio to a bare Django view served the same way.

    .venv/bin/python bench/web.py [--units 500] [--people 20000] [--seconds 5] [--connections 16]

1. Builds a fresh SQLite database in a temporary var/ with `gen_scale`, and a signed-in session for the city
   duty-office administrator (who sees all 500 units).
2. Serves it with granian (WSGI, one worker: the other core is the load generator's), with the job runner
   beside it, as `make run` does.
3. Drives each URL for a fixed time with keep-alive connections from an asyncio client and prints
   requests/s, latency and the ratio to /healthz (a bare view through the same middleware) measured
   in the same run. Target (issues 3 and 5): every ratio >= 0.5.

With `gen_supervision` a year of events, reports, spot checks, weekly roll calls of 200 units and the
ledger is added, for the roll-call results and the statistics rows (issue 18).

With `gen_duty` a year of duty records is added (about 400,000 rows, the city's office busiest), and the
rows for 一口清, the call list and the call-entry save (a POST with every field, answered by a redirect)
measure the shift's pages at that scale.

A page asked for again is served from the per-process fragment cache (org.caching.GenerationCache,
valid until units, people, roles or contacts change); the "every query new (cold)" row sends distinct
searches, each once, and so measures the search itself.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def manage(env: dict, *args: str) -> str:
    result = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


SESSION_SNIPPET = """
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from zhiban.org.factors import session_for_tool
from zhiban.org.models import User
import time
user = User.objects.get(username="admin")
s = SessionStore()
s[SESSION_KEY] = str(user.pk); s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
s[HASH_SESSION_KEY] = user.get_session_auth_hash()
s.update(session_for_tool(user))  # signed in with both factors, as the login leaves a session
s["last_seen"] = int(time.time()) + 86400
s.create(); print(s.session_key)
"""

# Distinct searches as officers type them (full pinyin, initials, a name), each sent once: every one
# misses the fragment cache, so this row measures the search itself.
QUERIES_SNIPPET = """
import random
from pypinyin import lazy_pinyin, Style
from zhiban.org.models import Contact
names = sorted(set(Contact.objects.values_list("name", flat=True)))
queries = set()
for name in names:
    queries.update(("".join(lazy_pinyin(name)), "".join(lazy_pinyin(name, style=Style.FIRST_LETTER)), name))
queries = sorted(queries)
random.Random(7).shuffle(queries)
print(" ".join(q for q in queries if " " not in q))
"""

# The city's last roll call of every unit (gen_supervision calls 200 units each week).
ROLL_CALL_SNIPPET = """
from zhiban.supervision.models import RollCall
print(RollCall.objects.order_by("-started_at").values_list("id", flat=True).first())
"""

# A browser sends back the CSRF cookie it was given on its first page; without it every page would
# make a new secret, which no real user's request does.
CSRF_SECRET = "benchcsrfsecret0123456789abcdefg"

# The call an officer saves: every field of the record filled (A1.3/B11), as the form posts it.
CALL_FORM = urlencode(
    {
        "csrfmiddlewaretoken": CSRF_SECRET,
        "direction": "incoming",
        "at": "2026-03-05T09:10",
        "number": "0558-2222333",
        "name": "王建华",
        "organisation": "青石镇政府",
        "position": "党政办主任",
        "content": "青石镇S203线K12处山体滑坡，道路中断，暂无人员伤亡",
        "content_when": "今日8时50分",
        "content_where": "S203线K12处",
        "content_what": "山体滑坡，道路中断",
        "handling": "recorded",
    }
)


async def _worker(host, port, requests, deadline: float, latencies: list, errors: list) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < deadline:
            request = next(requests, None)
            if request is None:
                return
            start = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = head[9:12]
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            if length:
                await reader.readexactly(length)
            if status not in (b"200", b"302"):
                errors.append(status)
                return
            latencies.append(time.perf_counter() - start)
    finally:
        writer.close()


async def _load(host, port, paths, cookie, seconds, connections) -> tuple[float, list, list]:
    """`paths` is one path, requested over and over, or a list of paths each requested once (no warm-up)."""

    def request(path: str) -> bytes:
        htmx = "HX-Request: true\r\n" if path.startswith("HX:") else ""
        head = f"Cookie: sessionid={cookie}; csrftoken={CSRF_SECRET}\r\n{htmx}Connection: keep-alive\r\n"
        if path.startswith("POST:"):
            body = CALL_FORM.encode()
            return (
                f"POST {path.removeprefix('POST:')} HTTP/1.1\r\nHost: {host}:{port}\r\n{head}"
                f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n"
            ).encode() + body
        return f"GET {path.removeprefix('HX:')} HTTP/1.1\r\nHost: {host}:{port}\r\n{head}\r\n".encode()

    latencies, errors = [], []
    if isinstance(paths, str):
        requests = itertools.repeat(request(paths))
        # warm-up: the first requests fill caches and open database connections
        await asyncio.gather(
            *[
                _worker(host, port, requests, time.perf_counter() + 0.5, [], errors)
                for _ in range(connections)
            ]
        )
    else:
        requests = iter([request(p) for p in paths])
    start = time.perf_counter()
    await asyncio.gather(
        *[_worker(host, port, requests, start + seconds, latencies, errors) for _ in range(connections)]
    )
    return len(latencies) / (time.perf_counter() - start), latencies, errors


def wait_for_server(port: int) -> None:
    """Until the server started beside the bench answers on `port` (at most about 10 s)."""
    for _ in range(100):
        try:
            asyncio.run(asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 1))
            return
        except OSError:
            time.sleep(0.1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=500)
    parser.add_argument("--people", type=int, default=20000)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--days", type=int, default=365, help="days of duty records (gen_duty)")
    parser.add_argument("--reuse", help="a var/ directory an earlier run built: measure only")
    args = parser.parse_args()

    var = Path(args.reuse) if args.reuse else Path(tempfile.mkdtemp(prefix="zhiban-bench-"))
    env = {**os.environ, "ZHIBAN_VAR_DIR": str(var), "DEBUG": "0", "LOG_LEVEL": "WARNING"}
    env.pop("DATABASE_URL", None)
    t0 = time.perf_counter()
    manage(env, "migrate", "-v0")
    if not args.reuse:
        print(manage(env, "gen_scale", "--units", str(args.units), "--people", str(args.people)).strip())
        print(manage(env, "gen_duty", "--days", str(args.days)).strip())
        print(manage(env, "gen_supervision", "--days", str(args.days)).strip())
    print(f"data in {var}, built in {time.perf_counter() - t0:.1f} s")
    cookie = manage(env, "shell", "-c", SESSION_SNIPPET).strip().splitlines()[-1]
    queries = manage(env, "shell", "-c", QUERIES_SNIPPET).split()
    roll_call = manage(env, "shell", "-c", ROLL_CALL_SNIPPET).strip().splitlines()[-1]
    today = dt.date.today()
    year = {"start": (today - dt.timedelta(days=args.days)).isoformat(), "end": today.isoformat()}

    server = subprocess.Popen(
        [
            str(Path(PY).parent / "granian"),
            "--interface",
            "wsgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(args.port),
            "--workers",
            "1",
            "--blocking-threads",
            "1",
            "--log-level",
            "warning",
            "zhiban.wsgi:application",
        ],
        cwd=ROOT,
        env=env,
    )
    # The job runner runs beside the server as `make run` has it: it checkpoints SQLite's WAL (lib.jobs),
    # disk work the web process no longer does inside requests, here on the same machine.
    # Its backlog (reminders the generated year left due) is worked off first, so it runs as it would day
    # to day.
    manage(env, "runjobs", "--once")
    runner = subprocess.Popen([PY, "manage.py", "runjobs"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    try:
        wait_for_server(args.port)
        pages = [
            ("bare view /healthz (baseline)", "/healthz"),
            ("contacts search, pinyin 'zhang'", "/org/contacts/?q=" + quote("zhang")),
            ("contacts search, initials 'wjg'", "/org/contacts/?q=wjg"),
            ("contacts search, htmx fragment 'li'", "HX:/org/contacts/?q=li"),
            ("contacts search, every query new (cold)", [f"HX:/org/contacts/?q={quote(q)}" for q in queries]),
            ("unit tree page", "/org/units/"),
            ("unit tree children of the city", "/org/units/1/children/"),
            ("一口清 (city, a year of records)", "/duty/"),
            ("工作台, the desk (city administrator)", "/"),
            ("wall board poll (city, every 15 s)", "HX:/board/wall/poll/"),
            ("call records list (city)", "/intake/calls/"),
            ("call entry save (POST, then 302)", "POST:/intake/calls/new/"),
            ("roll-call results, 200 units", f"/supervision/roll-calls/{roll_call}/"),
            ("roll-call results poll, 200 units", f"HX:/supervision/roll-calls/{roll_call}/rows/"),
            ("statistics, the city over a year", "/supervision/statistics/?" + urlencode(year)),
        ]
        # The baseline runs first and again last; ratios are against the faster of the two, so a machine
        # that slowed down during the run cannot flatter the pages.
        results = []
        for label, path in [*pages, ("bare view /healthz (again, last)", "/healthz")]:
            rate, latencies, errors = asyncio.run(
                _load("127.0.0.1", args.port, path, cookie, args.seconds, args.connections)
            )
            if errors:
                sys.exit(f"{label}: HTTP {errors[0].decode()}")
            if not isinstance(path, str) and len(latencies) >= len(path) - args.connections:
                sys.exit(f"{label}: ran out of distinct queries ({len(path)}); shorten --seconds")
            results.append((label, rate, statistics.quantiles(latencies, n=100)))
        baseline = max(results[0][1], results[-1][1])
        print(f"\n{'page':40} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'ratio':>7}")
        for label, rate, q in results:
            print(f"{label:40} {rate:8.0f} {q[49] * 1000:8.2f} {q[98] * 1000:8.2f} {rate / baseline:7.2f}")
    finally:
        for process in (server, runner):
            process.terminate()
            process.wait(10)


if __name__ == "__main__":
    main()
