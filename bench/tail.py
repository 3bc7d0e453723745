"""The write tail: the call-entry save's latency with 16 writers at once, through a real server.

    .venv/bin/python bench/tail.py [--db sqlite|postgres] [--seconds 20] [--connections 16] [--workers 2]
                                   [--threads 4]

1. Builds a database (gen_scale with 100 units and 4,000 people, as bench/writes.py): SQLite in a
   temporary var/, or PostgreSQL in a database of its own (`zhiban_tail` on 127.0.0.1:5432, made and
   dropped here; never the test suite's).
2. Serves it with granian as `make run` does (2 workers, 4 threads each; `--workers` and `--threads` try
   other set-ups) with the job runner beside it, on loopback.
3. `--connections` keep-alive connections (bench/web.py's client) each post the call form (every field,
   as bench/web.py posts it) as fast as they are answered, for `--seconds`; then the same for the bare
   view /healthz, the baseline, in the same process. Prints saves/s and p50, p95, p99 and max latency.
Target (issue 15): p99 of the save ≤ 100 ms with 16 writers, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import web  # noqa: E402 - bench/web.py: the session snippet, the client, the call form

PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
PG_NAME = "zhiban_tail"


def pg_execute(statement: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute(statement)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="granian's blocking threads per worker")
    parser.add_argument("--port", type=int, default=8767)
    args = parser.parse_args()

    var = Path(tempfile.mkdtemp(prefix="zhiban-tail-"))
    env = {**os.environ, "ZHIBAN_VAR_DIR": str(var), "DEBUG": "0", "LOG_LEVEL": "WARNING"}
    env.pop("DATABASE_URL", None)
    if args.db == "postgres":
        pg_execute(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")
        pg_execute(f"CREATE DATABASE {PG_NAME}")
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_NAME}"
    web.manage(env, "migrate", "-v0")
    web.manage(env, "gen_scale", "--units", "100", "--people", "4000")
    cookie = web.manage(env, "shell", "-c", web.SESSION_SNIPPET).strip().splitlines()[-1]
    granian = str(Path(sys.executable).parent / "granian")
    server = subprocess.Popen(
        [granian, "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(args.port)]
        + ["--workers", str(args.workers), "--blocking-threads", str(args.threads), "--log-level", "warning"]
        + ["zhiban.wsgi:application"],
        cwd=ROOT,
        env=env,
    )
    runner = subprocess.Popen(
        [sys.executable, "manage.py", "runjobs"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL
    )
    load = os.getloadavg()
    try:
        web.wait_for_server(args.port)
        rows = []
        for label, path in [
            ("call entry save (POST, then 302)", "POST:/intake/calls/new/"),
            ("bare view /healthz", "/healthz"),
        ]:
            rate, latencies, errors = asyncio.run(
                web._load("127.0.0.1", args.port, path, cookie, args.seconds, args.connections)
            )
            if errors:
                sys.exit(f"{label}: HTTP {errors[0].decode()}")
            q = statistics.quantiles(latencies, n=100)
            rows.append((label, rate, q[49], q[94], q[98], max(latencies)))
    finally:
        for process in (server, runner):
            process.terminate()
            process.wait(10)
        if args.db == "postgres":
            pg_execute(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")
    print(
        f"{args.db}, {args.workers} workers, {args.connections} connections, {args.seconds:.0f} s each; "
        f"load average before {load[0]:.2f}, after {os.getloadavg()[0]:.2f}"
    )
    print(f"{'request':34} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7}")
    for label, rate, p50, p95, p99, top in rows:
        print(f"{label:34} {rate:7.0f} {p50 * 1e3:7.1f} {p95 * 1e3:7.1f} {p99 * 1e3:7.1f} {top * 1e3:7.1f}")
    print(f"target p99 of the save <= 100 ms: {'met' if rows[0][4] <= 0.1 else 'NOT met'}")


if __name__ == "__main__":
    main()
