"""Page weight: every page of the URL configuration, opened by the city duty-office administrator with
city-scale data, measured for bytes, SQL queries and time.

    .venv/bin/python bench/pages.py [--units 500] [--people 20000] [--days 365]

1. Builds a fresh SQLite database in a temporary var/ as bench/web.py does (`migrate`, `gen_scale`,
   `gen_duty`) and adds the few objects that data has none of and a detail page needs: a phone notice
   with a recipient per county-level unit, a collection of a document, a swap, an exemption, a shift
   type, the city's calendar feed (as tests/site/conftest.py makes them), and by the project's services
   a 24-hour number filing, two events (the city's own, and a county's with its phone report to the
   city) and a verification request.
2. Walks django.urls.get_resolver() recursively through its includes (the API's too) and opens each
   pattern once, in this process, with django.test.Client signed in as `admin` (the session of
   bench/web.py: the city duty-office administrator, who sees all units). A parameter is filled with an
   object of the model the view looks up (PARAMS below, as tests/site/test_access.py maps them): the
   city's own, and of those the one with most rows behind it (the open matter with most steps, the
   roster with most assignments, the shift in progress); the filing and the report are a county's, to
   the city. A pattern needing an object the data has none of is opened with a placeholder id: answered
   405 it is POST-only and listed as skipped, as is logout (it would end the session).
   A search a page's script sends as one types (SEARCHES) is asked with the URL that page carries.
3. Each page: one warm-up request ("cold": it fills the per-process fragment cache, and a cache several
   pages share is paid by the first of them in URL order), then the best of 3 requests; the queries
   are those of the last of the 3 (django.test.utils.CaptureQueriesContext).
   Bytes are the body as sent (no compression). Word, Excel and iCal answers are marked as files.
4. Prints the patterns walked, the skipped ones with the reason, the answers other than 200, the
   heaviest, slowest and most-querying ten (with the statement each repeats most: an N+1 shows there),
   every page over target, and what fills the heavy HTML pages (large <select>s, table rows).
   Targets: every page <= 200 KB and <= 300 ms (best of 3); files are ranked with the pages but not
   counted. It is a report: the exit code is 0 whatever it finds, and the last line is
   "over target: N pages". The city scale takes some minutes, most of it building the data; the
   temporary var/ is removed at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import html
import io
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

TARGET_BYTES = 200 * 1024
TARGET_SECONDS = 0.3
ROUNDS = 3

# URL name -> the object each of its parameters names (a key of setup()'s dict, or "=value" for a
# literal). Worked out from the access getter each view calls, as tests/site/test_access.py maps them.
PARAMS: dict[str, dict[str, str]] = {
    "unit_detail": {"pk": "unit"},
    "unit_children": {"pk": "unit"},
    "unit_edit": {"pk": "unit"},
    "unit_move": {"pk": "unit"},
    "policy_unit": {"pk": "unit"},
    "policy_edit": {"pk": "unit"},
    "person_detail": {"pk": "person"},
    "person_edit": {"pk": "person"},
    "role_add": {"pk": "person"},
    "role_remove": {"pk": "person", "role_pk": "role"},
    "person_account": {"pk": "person"},
    "training_create": {"pk": "person"},
    "training_delete": {"pk": "training"},
    "contact_detail": {"pk": "contact"},
    "contact_edit": {"pk": "contact"},
    "contact_delete": {"pk": "contact"},
    "duty_line_edit": {"pk": "line"},
    "filing_detail": {"pk": "filing"},
    "filing_acknowledge": {"pk": "filing"},
    "roster_detail": {"pk": "roster"},
    "roster_generate": {"pk": "roster"},
    "roster_solving": {"pk": "roster"},
    "roster_solve_stop": {"pk": "roster"},
    "roster_publish": {"pk": "roster"},
    "roster_delete": {"pk": "roster"},
    "roster_file": {"pk": "roster"},
    "roster_export": {"pk": "roster"},
    "roster_import": {"pk": "roster"},
    "assignment_edit": {"pk": "assignment"},
    "duty_request_delete": {"pk": "duty_request"},
    "feed": {"token": "feed"},
    "swap_detail": {"pk": "swap"},
    "swap_step": {"pk": "swap"},
    "swap_docx": {"pk": "swap"},
    "setting_edit": {"kind": "=shift", "pk": "shift_type"},
    "setting_delete": {"kind": "=shift", "pk": "shift_type"},
    "exemption_detail": {"pk": "exemption"},
    "exemption_step": {"pk": "exemption"},
    "exemption_file": {"pk": "exemption", "which": "=record"},
    "call_detail": {"pk": "call"},
    "call_edit": {"pk": "call"},
    "call_material_received": {"pk": "call"},
    "phone_notice_detail": {"pk": "notice"},
    "visit_detail": {"pk": "visit"},
    "visit_edit": {"pk": "visit"},
    "document_detail": {"pk": "document"},
    "document_collection_add": {"pk": "document"},
    "document_collected": {"pk": "document", "collection_pk": "collection"},
    "matter_detail": {"pk": "matter"},
    "matter_transfer": {"pk": "matter"},
    "matter_close": {"pk": "matter"},
    "matter_progress": {"pk": "matter"},
    "instruction_detail": {"pk": "instruction"},
    "instruction_report": {"pk": "instruction"},
    "manual_unit": {"pk": "unit"},
    "procedure_edit": {"pk": "unit", "section": "=natural"},
    "event_detail": {"pk": "event"},
    "report_create": {"pk": "event"},
    "event_note": {"pk": "event"},
    "event_instruct": {"pk": "event"},
    "event_notify": {"pk": "event"},
    "report_detail": {"pk": "report"},
    "report_receive": {"pk": "report"},
    "report_forward": {"pk": "report"},
    "report_word": {"pk": "report"},
    "verification_detail": {"pk": "verification"},
    "shift_detail": {"pk": "shift"},
    "shift_log_docx": {"pk": "shift"},
    "shift_check_in": {"pk": "shift"},
    "leave_ask": {"pk": "shift"},
    "leave_back": {"pk": "shift", "leave_pk": "leave"},
    "entry_add": {"pk": "shift"},
    "handover": {"pk": "shift"},
    "handover_sign": {"pk": "shift"},
    "channel_delete": {"pk": "route"},
    "token_revoke": {"pk": "token"},
}
# The API (django-ninja) names its parameters after the model.
API_PARAMS = {
    "unit_id": "unit",
    "person_id": "person",
    "contact_id": "contact",
    "roster_id": "roster",
    "call_id": "call",
    "event_id": "event",
}
# A search a page's script sends as one types, asked as that page asks it: URL name -> (the page, the
# search's URL in that page, what is typed). "z" is the first keystroke, the search with most matches.
SEARCHES = {"person_pick": ("matter_detail", r'data-source="(/org/people/pick/\?src=[^"]+)"', "&q=z")}
NOT_OPENED = {"logout": "would end the session (POST only)"}
FILE_TYPES = ("officedocument", "text/calendar", "application/pdf", "octet-stream")


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


def build(var: Path, units: int, people: int, days: int) -> dict:
    env = {**os.environ, "ZHIBAN_VAR_DIR": str(var), "DEBUG": "0", "LOG_LEVEL": "WARNING"}
    env.pop("DATABASE_URL", None)
    t0 = time.perf_counter()
    manage(env, "migrate", "-v0")
    print(manage(env, "gen_scale", "--units", str(units), "--people", str(people)).strip())
    print(manage(env, "gen_duty", "--days", str(days)).strip())
    print(f"data built in {time.perf_counter() - t0:.1f} s")
    return env


def setup() -> dict:
    """The object each parameter is filled with: gen_scale's and gen_duty's where they have one, else
    one made here, by the project's service where it has one (what a duty office has on a busy day)."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import transaction
    from django.db.models import Count
    from django.utils import timezone

    from zhiban.incidents import services as incidents
    from zhiban.intake.models import Call, Collection, Document, Instruction, Matter, PhoneNotice, Visit
    from zhiban.org.models import Contact, DutyLine, Person, Role, RoleAssignment, Unit, User
    from zhiban.org.services import duty_number_change_file
    from zhiban.roster.models import CalendarFeed, Exemption, Roster, ShiftType, Swap
    from zhiban.shifts.models import Shift

    now = timezone.now()
    city = Unit.objects.get(parent=None)
    county = Unit.objects.filter(parent=city, kind=Unit.Kind.COUNTY).order_by("order").first()
    me = Person.objects.get(user=User.objects.get(username="admin"))
    city_people = list(Person.objects.filter(unit=city).order_by("id"))
    o = {"unit": city, "person": me}
    o["role"] = RoleAssignment.objects.filter(person=me).first()
    o["training"] = me.trainings.order_by("-date").first()
    o["contact"] = Contact.objects.filter(unit=city).annotate(n=Count("numbers")).order_by("-n", "id").first()
    o["line"] = DutyLine.objects.filter(unit=city, kind=DutyLine.Kind.FIXED).first()
    o["roster"] = Roster.objects.filter(unit=city).annotate(n=Count("assignments")).order_by("-n").first()
    o["assignment"] = o["roster"].assignments.order_by("start", "id").first()
    o["call"] = Call.objects.filter(unit=city).order_by("-at").first()
    o["visit"] = Visit.objects.filter(unit=city).order_by("-arrived_at").first()
    o["document"] = Document.objects.filter(unit=city).order_by("-received_at").first()
    o["matter"] = (
        Matter.objects.filter(unit=city, state="open")
        .annotate(n=Count("steps"))
        .order_by("-n", "-opened_at")
        .first()
    )
    o["instruction"] = (
        Instruction.objects.filter(unit=city).annotate(n=Count("targets")).order_by("-n", "-given_at").first()
    )
    o["shift"] = (
        Shift.objects.filter(unit=city, start__lte=now, end__gt=now).first()
        or Shift.objects.filter(unit=city).order_by("-start").first()
    )
    counties = list(Unit.objects.filter(parent=city).exclude(kind=Unit.Kind.DEPARTMENT).order_by("order"))
    with transaction.atomic():
        notice = PhoneNotice.objects.create(
            unit=city, title="防汛通知", text="各地做好防汛准备，值班人员在岗在位", by=me, at=now
        )
        Call.objects.bulk_create(
            Call(
                unit=city,
                direction=Call.Direction.OUTGOING,
                at=now,
                organisation=unit.duty_office,
                number=f"0558-{5000000 + i}",
                notice=notice,
                taken_by=me,
                read_back_by="值班员" if i % 2 else "",
                read_back_at=now if i % 2 else None,
            )
            for i, unit in enumerate(counties)
        )
        o["notice"] = notice
        o["collection"] = Collection.objects.create(document=o["document"], department="市应急局")
        if o["assignment"] is not None:
            partner = next(p for p in city_people if p.pk != o["assignment"].person_id)
            o["swap"] = Swap.objects.create(
                applicant=o["assignment"].person, partner=partner, shift=o["assignment"], reason="家中有事"
            )
        o["exemption"] = Exemption.objects.create(
            person=city_people[min(3, len(city_people) - 1)],
            start=timezone.localdate() + dt.timedelta(days=30),
            end=timezone.localdate() + dt.timedelta(days=40),
            reason="术后休养",
            hospital="规模市第一人民医院",
            hospital_record=SimpleUploadedFile("病历.pdf", b"%PDF-1.4 record"),
            rest_note=SimpleUploadedFile("休息证明.pdf", b"%PDF-1.4 note"),
        )
        o["shift_type"] = ShiftType.objects.create(
            unit=city, day_kind="workday", name="全天班", start=dt.time(8, 30), hours=24
        )
        county_admin = (
            Person.objects.filter(roles__unit=county, roles__role=Role.DUTY_ADMIN).first() if county else None
        )
        if county is not None:
            o["filing"] = duty_number_change_file(county, "0558-7777777", "值班室搬迁", county_admin)
        o["event"] = incidents.event_open(
            city,
            me,
            title="暴雨致城区内涝",
            category="natural",
            known_at=now - dt.timedelta(minutes=10),
            place="城区低洼路段",
            summary="多处路段积水，交通受阻",
        )
        if county is not None:
            county_event = incidents.event_open(
                county,
                county_admin,
                title="山体滑坡",
                category="natural",
                known_at=now - dt.timedelta(minutes=8),
                place="S203线K12处",
                summary="道路中断，暂无人员伤亡",
            )
            o["report"] = incidents.report_make(
                county_event,
                county_admin,
                kind="first",
                channel="phone",
                at=now - dt.timedelta(minutes=2),
                to_unit=city,
                phoned_whom="周建国",
            )
            o["verification"] = incidents.verification_ask(
                city, county, me, "核实滑坡伤亡", event=county_event
            )
        o["feed"] = CalendarFeed.renew(unit=city)
    return o


def walk(patterns, prefix: str = "", namespace: str = ""):
    """(name, route) for every pattern, through every include."""
    from django.urls import URLPattern, URLResolver

    for p in patterns:
        if isinstance(p, URLResolver):
            inner = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from walk(p.url_patterns, prefix + str(p.pattern), inner)
        elif isinstance(p, URLPattern):
            yield f"{namespace}{p.name or '?'}", prefix + str(p.pattern)


def fill(name: str, route: str, objects: dict) -> tuple[str, list[str]]:
    """The path, and the parameters no object was found for (filled with 0)."""
    wanted = PARAMS.get(name.split(":")[-1], {})
    missing = []

    def value(match: re.Match) -> str:
        param = match.group(2)
        key = wanted.get(param) or API_PARAMS.get(param)
        if key and key.startswith("="):
            return key[1:]
        found = objects.get(key) if key else None
        if found is None:
            missing.append(param)
            return "0"
        return str(getattr(found, "token", None) or found.pk)

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", value, route), missing


def anatomy(page: str) -> str:
    """What fills an HTML page: its large <select>s, table rows, checkboxes (the usual heavy parts)."""
    parts = []
    selects = [
        (re.search(r'name="([^"]*)"', attrs), inner)
        for attrs, inner in re.findall(r"<select\b([^>]*)>(.*?)</select>", page, re.S)
    ]
    for name, inner in sorted(selects, key=lambda s: -len(s[1])):
        options = inner.count("<option")
        if options >= 50:
            label = name.group(1) if name else "?"
            parts.append(f'<select name="{label}"> {options:,} options {len(inner) / 1024:,.0f} KB')
    for what, needle in (("table rows", "<tr"), ("checkboxes", 'type="checkbox"'), ("links", "<a ")):
        count = page.count(needle)
        if count >= 50:
            parts.append(f"{count:,} {what}")
    return "; ".join(parts) or "no large select, table or list"


def repeated(captured: list[dict]) -> tuple[int, str]:
    """The statement run most often, its literals taken out: how many times, and the statement."""
    shapes = Counter(
        re.sub(r"\((?:\?, )+\?\)", "(…)", re.sub(r"'[^']*'|\b\d+(?:\.\d+)?\b", "?", q["sql"]))
        for q in captured
    )
    return shapes.most_common(1)[0][::-1] if shapes else (0, "")


def measure(client, path: str) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def once():
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(path)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            seconds = time.perf_counter() - start
        response.close()
        return response, body, seconds, queries.captured_queries

    response, body, cold, captured = once()
    cold_queries = len(captured)
    row = {
        "status": response.status_code,
        "bytes": len(body),
        "cold": cold,
        "cold_queries": cold_queries,
        "type": response.get("Content-Type", ""),
        "location": response.get("Location", ""),
    }
    if response.status_code != 200:
        return row
    best = cold
    for _ in range(ROUNDS):
        _, body, seconds, captured = once()
        best = min(best, seconds)
    attachment = "attachment" in response.get("Content-Disposition", "")
    row.update(
        seconds=best,
        queries=len(captured),
        repeated=repeated(captured),
        bytes=len(body),
        file=attachment or any(t in row["type"] for t in FILE_TYPES),
        json="json" in row["type"],
    )
    if "html" in row["type"] and not row["file"]:
        row["anatomy"] = anatomy(body.decode(errors="replace"))
    return row


def short(path: str) -> str:
    return f"{path[:47]}…" if len(path) > 48 else f"{path:48}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=500)
    parser.add_argument("--people", type=int, default=20000)
    parser.add_argument("--days", type=int, default=365, help="days of duty records (gen_duty)")
    args = parser.parse_args()

    var = Path(tempfile.mkdtemp(prefix="zhiban-pages-"))
    env = build(var, args.units, args.people, args.days)
    os.environ.update({k: env[k] for k in ("ZHIBAN_VAR_DIR", "DEBUG", "LOG_LEVEL")})
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhiban.settings")
    import django

    django.setup()
    # the 405s and 403s of the walk are expected; a 500 is still logged
    logging.getLogger("django.request").setLevel(logging.ERROR)
    import web  # bench/web.py: the admin's session and the CSRF cookie a browser sends back
    from django.db import connection
    from django.test import Client
    from django.urls import get_resolver

    objects = setup()
    print(
        "objects: "
        + ", ".join(
            f"{k} #{getattr(v, 'pk', '?')}" for k, v in objects.items() if v is not None and k != "feed"
        )
    )
    session = {}
    with contextlib.redirect_stdout(io.StringIO()):  # it prints the session key for bench/web.py
        exec(web.SESSION_SNIPPET, session)  # noqa: S102 - the bench's own snippet
    client = Client()
    client.cookies["sessionid"] = session["s"].session_key
    client.cookies["csrftoken"] = web.CSRF_SECRET

    routes = dict(walk(get_resolver().url_patterns))
    searches = {}
    for name, (page, pattern, typed) in SEARCHES.items():
        found = re.search(pattern, client.get(fill(page, routes[page], objects)[0]).content.decode())
        searches[name] = html.unescape(found.group(1)) + typed if found else None

    rows, skipped, seen = [], [], {}
    t0 = time.perf_counter()
    for name, route in walk(get_resolver().url_patterns):
        path, missing = fill(name, route, objects)
        if name in NOT_OPENED:
            skipped.append((name, path, NOT_OPENED[name]))
            continue
        if name in searches:
            if searches[name] is None:
                skipped.append((name, path, f"no search of it found on {SEARCHES[name][0]}"))
                continue
            path = searches[name]
        if path in seen:  # the API serves several methods of one path as separate patterns
            skipped.append((name, path, f"same path as {seen[path]} (another HTTP method)"))
            continue
        seen[path] = name
        try:
            row = measure(client, path)
        except Exception as error:  # noqa: BLE001 - a 500 is a finding, reported with the others
            rows.append(
                {"name": name, "path": path, "status": 500, "error": f"{type(error).__name__}: {error}"}
            )
            continue
        if row["status"] == 405:
            placeholder = f"; {', '.join(missing)} a placeholder" if missing else ""
            skipped.append((name, path, f"POST only (GET answers 405{placeholder})"))
        elif missing:
            skipped.append((name, path, f"no object for {', '.join(missing)} (GET answers {row['status']})"))
        else:
            rows.append({"name": name, "path": path, **row})
    walked = time.perf_counter() - t0

    ok = [r for r in rows if r["status"] == 200]
    other = [r for r in rows if r["status"] != 200]
    print(
        f"\n{len(rows) + len(skipped)} URL patterns walked in {walked:.0f} s: {len(ok)} pages measured "
        f"(each: 1 cold request, then best of {ROUNDS}), {len(other)} other answers, {len(skipped)} skipped"
    )
    print(f"\nskipped ({len(skipped)}):")
    for name, path, reason in skipped:
        print(f"  {name:28} {short(path)} {reason}")
    if other:
        print(f"\nanswers other than 200 ({len(other)}):")
        for r in other:
            detail = r.get("error") or r.get("location") or r.get("type", "")
            print(f"  {r['name']:28} {short(r['path'])} {r['status']}  {detail}")

    def kind(r: dict) -> str:
        return "file" if r["file"] else "json" if r["json"] else "html"

    def table(title: str, chosen: list[dict]) -> None:
        print(f"\n{title}")
        print(
            f"  {'url name':28} {'path':48} {'kind':4} {'KB':>8} {'queries':>7} {'ms':>8}"
            f" {'cold ms':>8} {'cold q':>6}"
        )
        for r in chosen:
            print(
                f"  {r['name']:28} {short(r['path'])} {kind(r):4} {r['bytes'] / 1024:8.1f} {r['queries']:7d}"
                f" {r['seconds'] * 1000:8.1f} {r['cold'] * 1000:8.1f} {r['cold_queries']:6d}"
            )

    def over(r: dict) -> bool:
        return r["bytes"] > TARGET_BYTES or r["seconds"] > TARGET_SECONDS

    heavy = sorted(ok, key=lambda r: -r["bytes"])[:10]
    table("heaviest ten (bytes)", heavy)
    table(f"slowest ten (best of {ROUNDS})", sorted(ok, key=lambda r: -r["seconds"])[:10])
    table("most queries ten (after warm-up; N+1 shows here)", sorted(ok, key=lambda r: -r["queries"])[:10])
    table("most queries ten, cold (first request)", sorted(ok, key=lambda r: -r["cold_queries"])[:10])
    print("\nthe statement repeated most on the ten most-querying pages (literals as ?)")
    for r in sorted(ok, key=lambda r: -r["queries"])[:10]:
        times, sql = r["repeated"]
        sql = re.sub(r"^SELECT .*? FROM ", "SELECT … FROM ", sql.replace('"', ""))
        print(f"  {r['name']:28} {times:4d}x  {sql[:140] if times > 1 else '(no statement repeated)'}")

    pages_over = [r for r in ok if not r["file"] and over(r)]
    files_over = [r for r in ok if r["file"] and over(r)]
    cold_over = [r for r in ok if not r["file"] and not over(r) and r["cold"] > TARGET_SECONDS]
    limits = f"{TARGET_BYTES // 1024} KB or {TARGET_SECONDS * 1000:.0f} ms"
    table(f"pages over {limits} ({len(pages_over)})", sorted(pages_over, key=lambda r: -r["bytes"]))
    if files_over:
        table(f"files over {limits} (not counted)", sorted(files_over, key=lambda r: -r["bytes"]))
    if cold_over:
        table(
            f"within target warm, but the cold first request over {TARGET_SECONDS * 1000:.0f} ms", cold_over
        )

    explained = [r for r in ok if "anatomy" in r and (r in heavy or over(r))]
    print("\nwhat fills the heaviest and the over-target HTML pages")
    for r in sorted(explained, key=lambda r: -r["bytes"]):
        print(f"  {r['name']:28} {r['bytes'] / 1024:8.1f} KB  {r['anatomy']}")
    print(f"\nover target: {len(pages_over)} pages")
    connection.close()
    shutil.rmtree(var, ignore_errors=True)


if __name__ == "__main__":
    main()
