"""What a write costs in this stack: the call-entry save against the bare view and against the least an
audited write can do, all in one process, through Django's WSGI handler (issues 5 and 15).

    .venv/bin/python bench/writes.py [--rounds 15] [--batch 300] [--profile URL]

1. Builds a small SQLite database in a temporary var/ (gen_scale with 100 units) and signs in the city
   duty-office administrator, with the same session and CSRF cookie as bench/web.py.
2. Calls the WSGI application directly (no server, no network, no load generator): each row is the
   fastest of `--rounds` batches of `--batch` requests, so a busy neighbour on the machine cannot make a
   row look slower than its code is. Each batch ends with what the job runner would do for it, counted
   in its time: the search entries of the records it saved, then the WAL checkpoint.
   The baseline runs first and again last; the faster of the two counts.
3. Rows, each as a ratio to the bare view and to the floor (÷floor):
   - the bare view (/healthz, every middleware, the signed-in user loaded);
   - a POST of the call form answered by a redirect, writing nothing (CSRF, form parsing, redirect);
   - the floor: the save's five statements (the call; the audit head read and locked, the hash-chained
     entry, the head moved on; the unit's activity value) in one IMMEDIATE transaction straight on the
     sqlite3 connection, values put together by hand: the least any implementation that keeps the
     audit entry in the write's own transaction must do, below Django (request handling included, as
     in every row);
   - the least audited write: the same POST, one Call saved through the ORM in a transaction, with its
     hash-chained audit row and the unit's activity value, then a redirect (no form, no validation);
   - the call-entry save itself (/intake/calls/new/, as bench/web.py posts it).
The three middle rows are views this script adds to its own process only; the site has no such URLs.
`--profile URL` prints where one row's time goes (cProfile) instead of the figures.
Target (issue 15): the call-entry save >= 0.33 x the bare view.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import hmac
import io
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def build(var: Path) -> None:
    env = {**os.environ, "ZHIBAN_VAR_DIR": str(var), "DEBUG": "0", "LOG_LEVEL": "WARNING"}
    env.pop("DATABASE_URL", None)
    for args in (["migrate", "-v0"], ["gen_scale", "--units", "100", "--people", "4000"]):
        result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True)
        if result.returncode:
            sys.exit(result.stderr.decode())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--batch", type=int, default=300)
    parser.add_argument("--profile", metavar="URL", help="print where the time of one row's requests goes")
    args = parser.parse_args()

    var = Path(tempfile.mkdtemp(prefix="zhiban-writes-"))
    build(var)
    os.environ.update({"ZHIBAN_VAR_DIR": str(var), "DEBUG": "0", "LOG_LEVEL": "WARNING"})
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhiban.settings")
    import django

    django.setup()
    import web  # bench/web.py: the session, the CSRF secret and the form a browser posts
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection, transaction
    from django.http import HttpResponseBadRequest, HttpResponseRedirect
    from django.urls import clear_url_caches, path
    from django.utils import timezone

    import zhiban.urls
    from zhiban.archive.search import catch_up
    from zhiban.audit.models import AuditEntry
    from zhiban.intake.models import Call
    from zhiban.lib.jobs import checkpoint
    from zhiban.org.access import scope_for

    POSTED = ("direction", "number", "name", "organisation", "position", "content", "handling")

    def post_only(request):
        if not request.POST:  # parsed, as a form view would
            return HttpResponseBadRequest()
        return HttpResponseRedirect("/intake/calls/1/")

    def least_write(request):
        data = request.POST
        unit = scope_for(request.user).person.unit
        with transaction.atomic():
            call = Call(unit=unit, at=timezone.now(), **{k: data[k] for k in POSTED})
            call.save()
        return HttpResponseRedirect(f"/intake/calls/{call.pk}/")

    call_fields = [f for f in Call._meta.concrete_fields if not f.primary_key]
    call_insert = (
        f"INSERT INTO {Call._meta.db_table} ({', '.join(connection.ops.quote_name(f.column) for f in call_fields)}) "
        f"VALUES ({', '.join(['?'] * len(call_fields))}) RETURNING id"
    )
    entry_columns = [f.column for f in AuditEntry._meta.concrete_fields if not f.primary_key]
    entry_insert = (
        f"INSERT INTO {AuditEntry._meta.db_table} ({', '.join(connection.ops.quote_name(c) for c in entry_columns)}) "
        f"VALUES ({', '.join(['?'] * len(entry_columns))}) RETURNING id"
    )
    call_defaults = {f.column: f.get_db_prep_save(f.get_default(), connection) for f in call_fields}

    def raw_write(request):
        """The floor: the save's five statements (the call, the audit head read and locked, the entry,
        the head moved on, the unit's activity value) in one IMMEDIATE transaction, straight on the
        driver's connection, each row's values put together by hand, the entry's hash over the same
        fields as the audit trail's: the least any implementation that keeps the audit entry in the
        write's own transaction does, below Django."""
        data = request.POST
        unit_id = scope_for(request.user).person.unit_id
        now = timezone.now()
        stamp = connection.ops.adapt_datetimefield_value(now)
        row = {**call_defaults, "unit_id": unit_id, "at": stamp, "created_at": stamp}
        row.update({k: data[k] for k in POSTED})
        db = connection.connection
        db.execute("BEGIN IMMEDIATE")
        call_id = db.execute(call_insert, [row[c] for c in (f.column for f in call_fields)]).fetchone()[0]
        prev = db.execute(
            "INSERT INTO audit_audithead (id, last_hash, count, purged_count, purged_last_id, purged_last_hash) "
            "VALUES (1, ?, 0, 0, 0, ?) ON CONFLICT (id) DO UPDATE SET id = excluded.id RETURNING last_hash",
            ["0" * 64, "0" * 64],
        ).fetchone()[0]
        after = json.dumps({k: data[k] for k in POSTED}, ensure_ascii=False)
        body = json.dumps(
            [prev, stamp, request.user.pk, "create", "intake.call", call_id, after], ensure_ascii=False
        )
        digest = hmac.new(settings.AUDIT_HMAC_KEY, body.encode(), hashlib.sha256).hexdigest()  # keyed
        entry = {
            "at": stamp,
            "actor_id": request.user.pk,
            "actor_name": "bench",
            "action": "create",
            "model": "intake.call",
            "object_id": str(call_id),
            "object_repr": data["number"],
            "before": None,
            "after": after,
            "ip": "127.0.0.1",
            "prev_hash": prev,
            "hash": digest,
            "hash_version": 3,
        }
        db.execute(entry_insert, [entry[c] for c in entry_columns])
        db.execute("UPDATE audit_audithead SET last_hash = ?, count = count + 1 WHERE id = 1", [digest])
        db.execute(
            "INSERT INTO org_unitactivity (unit_id, value) VALUES (?, ?) "
            "ON CONFLICT (unit_id) DO UPDATE SET value = excluded.value",
            [unit_id, secrets.randbits(62) + 1],
        )
        db.execute("COMMIT")
        return HttpResponseRedirect(f"/intake/calls/{call_id}/")

    zhiban.urls.urlpatterns[:0] = [
        path("bench/post-only/", post_only),
        path("bench/raw-write/", raw_write),
        path("bench/least-write/", least_write),
    ]
    clear_url_caches()

    session = {}
    with contextlib.redirect_stdout(io.StringIO()):  # it prints the session key for bench/web.py
        exec(web.SESSION_SNIPPET, session)  # noqa: S102 - the bench's own snippet
    cookie = f"sessionid={session['s'].session_key}; csrftoken={web.CSRF_SECRET}"
    body = web.CALL_FORM.encode()
    app = WSGIHandler()

    def request(url: str, post: bool) -> str:
        environ = {
            "REQUEST_METHOD": "POST" if post else "GET",
            "PATH_INFO": url,
            "QUERY_STRING": "",
            "SCRIPT_NAME": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "HTTP_HOST": "127.0.0.1:8000",
            "HTTP_COOKIE": cookie,
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body if post else b""),
            "wsgi.errors": sys.stderr,
        }
        if post:
            environ.update(CONTENT_TYPE="application/x-www-form-urlencoded", CONTENT_LENGTH=str(len(body)))
        status = []
        response = app(environ, lambda s, headers, *rest: status.append(s))
        b"".join(response)
        response.close()
        return status[0]

    rows = [
        ("bare view /healthz (baseline)", "/healthz", False, "200 OK"),
        ("POST, parsed, redirect, no write", "/bench/post-only/", True, "302 Found"),
        ("floor: 5 statements on the driver", "/bench/raw-write/", True, "302 Found"),
        ("least audited write (ORM, no form)", "/bench/least-write/", True, "302 Found"),
        ("call entry save (form, then 302)", "/intake/calls/new/", True, "302 Found"),
    ]
    for label, url, post, expected in rows:
        status = request(url, post)
        if status != expected:
            sys.exit(f"{label}: {status}, expected {expected}")
        for _ in range(50):  # warm: caches, connections, the first audit head
            request(url, post)

    if args.profile:
        import cProfile
        import pstats

        row = next(r for r in rows if r[1] == args.profile)
        profiler = cProfile.Profile()
        profiler.runcall(lambda: [request(row[1], row[2]) for _ in range(args.batch)])
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(60)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
        return

    def fastest(url: str, post: bool) -> float:
        best = float("inf")
        for _ in range(args.rounds):
            start = time.perf_counter()
            for _ in range(args.batch):
                request(url, post)
            catch_up()  # the runner's share, counted here: the batch's search entries (archive.jobs)
            checkpoint(connection)  # and the WAL checkpoint (lib.jobs): work moved, not vanished
            best = min(best, (time.perf_counter() - start) / args.batch)
        return best

    # The baseline runs first and again last, and the faster of the two counts, as in bench/web.py.
    figures = [(label, fastest(url, post)) for label, url, post, _ in [*rows, rows[0]]]
    baseline = min(figures[0][1], figures.pop()[1])
    figures[0] = (figures[0][0], baseline)
    floor = dict(figures)["floor: 5 statements on the driver"]
    print(f"{'request':40} {'µs':>8} {'req/s':>8} {'ratio':>7} {'÷floor':>7}")
    for label, seconds in figures:
        print(
            f"{label:40} {seconds * 1e6:8.0f} {1 / seconds:8.0f} {baseline / seconds:7.2f} {floor / seconds:7.2f}"
        )
    save = figures[-1][1]
    print(f"target (issue 15) call entry save >= 0.33 x the bare view: {baseline / save:.2f}")


if __name__ == "__main__":
    main()
