"""Many processes at once: 50 duty officers of 50 units for 10 minutes on the production set-up.

    .venv/bin/python bench/load.py [--db postgres|sqlite] [--minutes 10] [--officers 50]
                                   [--workers N] [--runners 2] [--blocking-threads N]

1. Builds a fresh database: on PostgreSQL (127.0.0.1:5432, user postgres, trust) a database of its own,
   `zhiban_load`, made and dropped through the `postgres` maintenance database (never `test`, the
   suite's); on SQLite a temporary ZHIBAN_VAR_DIR as bench/web.py has it. `migrate`, `gen_scale` with one
   unit more than officers (the city, whose office gen_duty keeps busy, is not played), `gen_duty` (a
   year of duty records).
2. Gives each of the units played a duty officer on duty now: its own 24-hour shift type starting on the
   hour 1-2 hours before now (so no handover falls in the run), a 30-day roster from that shift on,
   rotating its seven duty staff over primary, deputy and standby (24 hours' rest after each shift),
   published through roster.services.roster_publish as an administrator would; the officer (the
   primary now) gets an account, checks in, and has a session made as in bench/web.py, with the CSRF
   cookie a browser keeps.
   Each unit's duty policy (B29, a DutyPolicy of its own) sets the report deadlines short enough for
   them to fall due in the run: for 10 minutes phone 3 and written 6 minutes (instead of 15/30), and a
   warning 1 minute ahead (instead of 5); `--phone-minutes`, `--written-minutes` change them.
3. Runs what the README's 生产部署 section runs: granian --interface wsgi --workers N (4 on PostgreSQL,
   2 on SQLite; 4 blocking threads each, as the README has it, unless --blocking-threads), and `--runners`
   `manage.py runjobs` processes, after one `runjobs --once` for the backlog the data leaves due.
4. Plays the officers on loopback, one keep-alive connection each, from an asyncio client: between two
   actions a think time of 2-6 s, and a second or two of typing before a form is saved, as a person
   works. The actions, by weight: 一口清, the wall board and its htmx poll (every 5 s, 2-4 times), a call
   saved (the form, the POST, the record it redirects to), the call list, a phone notice with a
   recipient's read-back, a matter opened, progressed or closed, the matter list, the event list, the
   roster month. Each officer registers two events, at random in the first 30% and the next 30% of the
   window, and then either reports everything on time (phone and written first reports, then a final
   report), phones only, reports in writing only, or reports nothing: the deadlines left unmet are the
   alarms the job runners must raise.
5. Checks every request: a page is 200, a form saved is 302 (a form shown again with its errors is a
   failure, its first error printed). Prints per request kind count, errors, p50/p95/p99/max, the
   overall figures, the offered rate, the load average at start and end, where the machine's CPU time
   went (granian, the runners, PostgreSQL, this client, anything else: a shared machine shows here),
   on PostgreSQL the most connections the database had, and the end of the first traceback in the
   server's or runners' log, if any. Then, from the database: for each deadline that fell due at least a
   minute before the end of the window and was not met, exactly one alarm (its timeline step) within
   the window, none for a deadline met, none twice, no in-app alarm notice twice, despite two runners.
Targets (issue "many processes"): 0 errors, p95 <= 300 ms, every alarm due in the window fired exactly
once; on PostgreSQL with 4 workers and on SQLite with 2. Stops everything (SIGTERM, wait) at the end.

Nobody has an e-mail address and no unit has a channel, so alarms are in-app notices only: the outbox
and its delivery are bench/deadlines.py's.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import re
import resource
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
HOST = "127.0.0.1"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_NAME = "zhiban_load"
LOCAL = ZoneInfo("Asia/Shanghai")  # settings.TIME_ZONE: the forms take local minutes
CSRF_SECRET = "benchcsrfsecret0123456789abcdefg"  # as bench/web.py: the cookie a browser sends back
TIMEOUT = 30.0  # a request not answered in this many seconds counts as an error

SETUP = """
import datetime as dt, json, sys, time
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from zhiban.org.factors import session_for_tool
from django.utils import timezone
from zhiban.org.caching import bump_data_generation
from zhiban.org.models import DutyPolicy, Person, Role, Unit, User
from zhiban.roster.models import Assignment, DayKind, Roster, ShiftType
from zhiban.roster.services import roster_publish
from zhiban.shifts.services import check_in, shift_at

count, phone, written, warning = (int(a) for a in sys.argv[1:5])
now = timezone.localtime()
# the shift in progress began on the hour 1-2 hours ago and runs 24 hours: no handover during the run
current = (now - dt.timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
hour, today = current.hour, current.date()
days = [today + dt.timedelta(days=i) for i in range(30)]  # from the shift in progress on
admin = User.objects.get(username="admin")
rows = []
for unit in Unit.objects.exclude(parent=None).order_by("path")[:count]:
    staff = list(Person.objects.filter(roles__unit=unit, roles__role=Role.DUTY_STAFF).order_by("id"))
    if len(staff) < 7:
        sys.exit(f"{unit}: {len(staff)} duty staff, the rotation needs 7")
    DutyPolicy.objects.update_or_create(
        unit=unit,
        defaults={
            "phone_report_minutes": phone,
            "written_report_minutes": written,
            "deadline_warning_minutes": warning,
        },
    )
    for kind in DayKind.values:
        ShiftType.objects.create(
            unit=unit, day_kind=kind, name="全天班", start=dt.time(hour), hours=24,
            primaries=1, deputies=1, standbys=1,
        )
    roster = Roster.objects.create(
        unit=unit, title=f"{unit.label}{today.month}月值班表", start=days[0], end=days[-1]
    )
    assignments = []
    for i, day in enumerate(days):
        begin = timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))
        # person k: standby on day k-4, deputy on k-2, primary on k (mod 7): shifts 2 or 3 days apart
        for post, offset in (("primary", 0), ("deputy", 2), ("standby", 4)):
            assignments.append(
                Assignment(
                    roster=roster, person=staff[(i + offset) % 7], day=day, shift_name="全天班",
                    start=begin, end=begin + dt.timedelta(hours=24), night=hour > 0, post=post,
                )
            )
    Assignment.objects.bulk_create(assignments)
    if not roster_publish(roster, admin, confirmation="压测值班表，按规则手工排定"):
        sys.exit(f"{roster} was not published")
    officer = staff[0]
    user = User.objects.create(username=f"load{unit.pk}")
    user.set_unusable_password()
    user.save()
    officer.user = user
    officer.save(update_fields=["user"])
    bump_data_generation()
    check_in(shift_at(unit), officer)
    s = SessionStore()
    s[SESSION_KEY] = str(user.pk)
    s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    s[HASH_SESSION_KEY] = user.get_session_auth_hash()
    s.update(session_for_tool(user))  # both factors, as the login leaves a session; last_seen is touched
    # once a minute by the session policy, as a live session is
    s.create()
    rows.append(
        {"unit": unit.pk, "label": unit.label, "parent": unit.parent_id, "roster": roster.pk,
         "person": officer.pk, "name": officer.name, "session": s.session_key}
    )
print(json.dumps(rows))
"""

CHECK = """
import datetime as dt, json, sys
from collections import Counter, defaultdict
from zhiban.incidents.models import Event, EventStep, Report
from zhiban.notify.models import Notice
tag, start, end = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
start, end = (dt.datetime.fromtimestamp(t, dt.UTC) for t in (start, end))
cutoff = end - dt.timedelta(minutes=1)
events = {e.pk: e for e in Event.objects.filter(title__contains=tag)}
steps = {"alarm": defaultdict(list), "warning": defaultdict(list)}
for event_id, kind, text, at in EventStep.objects.filter(
    event_id__in=list(events), kind__in=["alarm", "warning"]
).values_list("event_id", "kind", "text", "at"):
    what = "phone" if text.startswith("电话报告") else "written" if text.startswith("书面报告") else text
    steps[kind][(event_id, what)].append(at)
# when each deadline was met, as entered: any first report meets the phone deadline, a written one both
met = {}
for event_id, channel, recorded in Report.objects.filter(
    event_id__in=list(events), forwarded_from=None
).values_list("event_id", "channel", "recorded_at"):
    for what in ("phone", "written") if channel == "written" else ("phone",):
        key = (event_id, what)
        met[key] = min(met.get(key, recorded), recorded)
out = Counter()
delays, problems = [], []
for pk, event in events.items():
    for what, due, _ in event.deadlines():
        key = (pk, what)
        alarms = steps["alarm"].get(key, [])
        out["deadlines"] += 1
        if len(alarms) > 1:
            out["duplicates"] += len(alarms) - 1
            times = ", ".join(f"{a:%H:%M:%S}" for a in alarms)
            problems.append(f"{event.title} {what}: {len(alarms)} alarms at {times}")
        if len(steps["warning"].get(key, [])) > 1:
            out["warning_duplicates"] += len(steps["warning"][key]) - 1
        entered = met.get(key)
        if entered is not None and entered <= due:
            out["met"] += 1
            if alarms:
                out["false_alarms"] += 1
                problems.append(
                    f"{event.title} {what}: met at {entered:%H:%M:%S}, due {due:%H:%M:%S}, "
                    f"alarm at {alarms[0]:%H:%M:%S}"
                )
            continue
        if due > cutoff:
            out["due_later"] += 1
            continue
        if entered is not None and entered < due + dt.timedelta(minutes=1):
            out["met_late"] += 1  # the runner may rightly have found it met: at most one alarm, no more
            continue
        out["due"] += 1
        fired = [a for a in alarms if a <= end]
        if fired:
            out["fired"] += 1
            delays.append((min(fired) - due).total_seconds())
        else:
            out["missing"] += 1
            problems.append(f"{event.title} {what}: due {due:%H:%M:%S}, no alarm in the window")
notices = Counter(
    Notice.objects.filter(text__startswith="【告警】", text__contains=tag).values_list("person_id", "text")
)
out["alarm_notices"] = sum(notices.values())
out["notice_duplicates"] = sum(n - 1 for n in notices.values() if n > 1)
out["events"] = len(events)
out["closed"] = sum(1 for e in events.values() if e.state == "closed")
print(json.dumps({"counts": out, "delays": sorted(delays), "problems": problems[:20]}))
"""


# --- processes ------------------------------------------------------------------------------------------
def manage(env: dict, *args: str) -> str:
    result = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def shell(env: dict, code: str, *argv: str) -> str:
    result = subprocess.run(
        [PY, "-c", f"import django, sys; django.setup(); sys.argv = ['x', *{list(argv)!r}]\n{code}"],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "zhiban.settings"},
        capture_output=True,
        text=True,
    )
    if result.returncode:
        sys.exit(result.stderr[-3000:])
    return result.stdout.strip().splitlines()[-1]


def pg(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql)


def pg_connections() -> int:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        return conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [PG_NAME]).fetchone()[
            0
        ]


def cpu_times() -> tuple[float, float]:
    """The machine's busy and total CPU seconds so far (/proc/stat), all cores together."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    ticks = os.sysconf("SC_CLK_TCK")
    return (sum(fields) - fields[3] - fields[4]) / ticks, sum(fields) / ticks


def process_cpu(roots: list[subprocess.Popen]) -> tuple[float, float]:
    """CPU seconds so far of the processes under `roots` (the server with its workers, the runners) and
    of the PostgreSQL server's processes, from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    table = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # gone meanwhile
        name, rest = text[text.index("(") + 1 : text.rindex(")")], text[text.rindex(")") + 2 :].split()
        table[int(stat.parent.name)] = (int(rest[1]), name, (int(rest[11]) + int(rest[12])) / ticks)
    ours = {p.pid for p in roots}
    for _ in range(3):  # server → workers → their threads' processes, if any
        ours |= {pid for pid, (parent, _, _) in table.items() if parent in ours}
    mine = sum(cpu for pid, (_, _, cpu) in table.items() if pid in ours)
    database = sum(cpu for _, name, cpu in table.values() if name.startswith("postgres"))
    return mine, database


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            print(f"pid {process.pid} did not stop in 30 s after SIGTERM; killed")
            process.kill()
            process.wait()


# --- the HTTP client --------------------------------------------------------------------------------
class Connection:
    """One browser's keep-alive connection, with its cookies (session, CSRF, flash messages)."""

    def __init__(self, port: int, cookies: dict[str, str]):
        self.port = port
        self.cookies = dict(cookies)
        self.reader = self.writer = None
        self.reconnects = 0

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def send(self, method: str, path: str, form: dict | None = None, htmx: bool = False):
        body = urlencode(form).encode() if form is not None else b""
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\nCookie: {cookie}\r\n"
            "User-Agent: zhiban-bench-load\r\nAccept: text/html\r\nConnection: keep-alive\r\n"
        )
        if htmx:
            head += "HX-Request: true\r\nHX-Target: board-rows\r\n"
        if form is not None:
            head += f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n"
        data = (head + "\r\n").encode() + body
        for attempt in (0, 1):
            fresh = self.writer is None
            if fresh:
                self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
            try:
                self.writer.write(data)
                await self.writer.drain()
                return await self._response()
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                if fresh or attempt:
                    raise
                self.reconnects += 1  # the server closed an idle connection: again, as a browser does
        raise AssertionError("unreachable")

    async def _response(self) -> tuple[int, dict[str, str], bytes]:
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                name, value = name.strip().lower(), value.strip()
                if name == "set-cookie":
                    self._cookie(value)
                headers[name] = value
        if headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                chunks.append(await self.reader.readexactly(size + 2))
                if size == 0:
                    break
            body = b"".join(c[:-2] for c in chunks)
        else:
            body = await self.reader.readexactly(int(headers.get("content-length", 0)))
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, headers, body

    def _cookie(self, value: str) -> None:
        pair, *attributes = value.split(";")
        name, _, content = pair.strip().partition("=")
        gone = any(a.strip().lower() == "max-age=0" for a in attributes) or content in ("", '""')
        if gone:
            self.cookies.pop(name, None)
        else:
            self.cookies[name] = content


# --- the officers -----------------------------------------------------------------------------------
class Stats:
    def __init__(self):
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: Counter = Counter()
        self.samples: list[str] = []
        self.plans: Counter = Counter()
        self.skipped_reports = 0
        self.alarm_verdict = ""

    def record(self, kind: str, seconds: float, error: str | None = None) -> None:
        self.latencies[kind].append(seconds)
        if error:
            self.errors[kind] += 1
            if len(self.samples) < 15:
                self.samples.append(f"{kind}: {error}")


def local_minute(moment: float | None = None) -> str:
    """Now (or an epoch moment) as a datetime-local field holds it."""
    return dt.datetime.fromtimestamp(moment or time.time(), LOCAL).strftime("%Y-%m-%dT%H:%M")


def first_error(body: bytes) -> str:
    found = re.findall(r'class="error"[^>]*>([^<]+)<', body.decode("utf-8", "replace"))
    return "; ".join(found[:3]) or body[:200].decode("utf-8", "replace")


ELEMENTS = {
    "happened_at_text": "今日获知",
    "place": "S203线K12处",
    "information_source": "镇政府电话报告",
    "cause_nature": "连日降雨引发山体滑坡，自然灾害",
    "course": "8时50分山体滑坡，道路中断",
    "consequences": "暂无人员伤亡，道路中断约200米",
    "scope": "S203线青石镇至白河镇路段",
    "trend": "降雨持续，仍有滑坡可能",
    "handling": "交警已封闭道路，设置绕行",
    "measures": "组织抢通，监测周边山体",
    "suggestions": "请市交通运输局支援抢险机械",
}
CALLERS = [
    ("0558-2222333", "王建华", "青石镇政府", "党政办主任"),
    ("0558-6120110", "李志刚", "县公安局指挥中心", "值班长"),
    ("0558-6013119", "赵海峰", "县消防救援大队", "值班员"),
    ("13905581234", "周敏", "", "群众"),
    ("0558-6601234", "孙立新", "县应急管理局", "副局长"),
]
CONTENTS = [
    ("青石镇S203线K12处山体滑坡，道路中断，暂无人员伤亡", "今日8时50分", "S203线K12处", "山体滑坡，道路中断"),
    ("城区和平路一居民楼起火，已有消防车赶到", "刚才", "和平路18号", "居民楼火灾"),
    ("反映小区停水两天，询问何时恢复", "本周一起", "阳光小区", "停水"),
    ("报告河道水位上涨，接近警戒水位", "今日6时", "白河大桥", "水位上涨"),
]
EVENTS = [
    ("natural", "山体滑坡", "S203线K12处"),
    ("accident", "道路交通事故", "G206国道"),
    ("accident", "居民楼火灾", "和平路18号"),
    ("health", "疑似食物中毒", "第三中学食堂"),
    ("security", "群体性聚集", "县政府门前"),
]
# (action, weight): what an officer does next, when no report of an event is due
ACTIONS = [
    ("desk", 14),
    ("board", 8),
    ("call", 18),
    ("call_list", 10),
    ("notice", 6),
    ("matter_open", 5),
    ("matter_progress", 7),
    ("matter_close", 3),
    ("matter_list", 4),
    ("roster", 5),
    ("event_list", 4),
]


class Officer:
    def __init__(self, info: dict, index: int, args, stats: Stats, tag: str, start: float, end: float):
        self.info, self.args, self.stats, self.tag = info, args, stats, tag
        self.rng = random.Random(index)
        self.end = end
        self.connection = Connection(args.port, {"sessionid": info["session"], "csrftoken": CSRF_SECRET})
        self.matters: list[int] = []
        self.events = 0
        window = end - start
        # (when, what to do): two events, in the first 30% and in the next 30% of the window
        self.tasks: list[tuple[float, object]] = [
            (start + window * self.rng.uniform(0.02, 0.3), self.event_register),
            (start + window * self.rng.uniform(0.3, 0.6), self.event_register),
        ]

    # requests
    async def _request(self, kind: str, method: str, path: str, form=None, htmx=False):
        started = time.perf_counter()
        try:
            status, headers, body = await asyncio.wait_for(
                self.connection.send(method, path, form, htmx), TIMEOUT
            )
        except (OSError, asyncio.IncompleteReadError, TimeoutError) as error:
            self.connection.close()
            self.stats.record(kind, time.perf_counter() - started, f"{path}: {type(error).__name__} {error}")
            return None, {}, b""
        seconds = time.perf_counter() - started
        expected = 302 if method == "POST" else 200
        error = None
        if status != expected:
            error = f"{method} {path}: HTTP {status}"
            if status in (200, 400):
                error += f" {first_error(body)}"
            elif status == 302:
                error += f" to {headers.get('location')}"
        self.stats.record(kind, seconds, error)
        return status if not error else None, headers, body

    async def get(self, kind: str, path: str, htmx: bool = False) -> bool:
        status, _, _ = await self._request(kind, "GET", path, htmx=htmx)
        return status is not None

    async def post(self, kind: str, path: str, fields: dict) -> str | None:
        """The page redirected to, after a form saved; None (and an error) otherwise."""
        form = {"csrfmiddlewaretoken": self.connection.cookies.get("csrftoken", CSRF_SECRET), **fields}
        status, headers, _ = await self._request(kind, "POST", path, form)
        return headers.get("location") if status else None

    async def save(self, kind: str, path: str, fields: dict, page: str) -> str | None:
        """POST a form, then open the page it redirects to, as a browser does."""
        location = await self.post(f"{kind} (POST, 302)", path, fields)
        if location:
            await self.get(page, location)
        return location

    async def pause(self, low: float, high: float) -> None:
        """Think or type for a while, but no longer than until the next task or the end."""
        until = min([time.time() + self.rng.uniform(low, high), self.end, *(t for t, _ in self.tasks)])
        await asyncio.sleep(max(0.0, until - time.time()))

    # the loop
    async def run(self) -> None:
        await asyncio.sleep(self.rng.uniform(0, self.args.think_max))
        while time.time() < self.end:
            self.tasks.sort(key=lambda t: t[0])
            if self.tasks and self.tasks[0][0] <= time.time():
                _, task = self.tasks.pop(0)
                await task()
            else:
                names, weights = zip(*ACTIONS, strict=True)
                await getattr(self, self.rng.choices(names, weights)[0])()
            await self.pause(self.args.think_min, self.args.think_max)
        self.connection.close()

    # actions
    async def desk(self):
        await self.get("一口清 /duty/", "/duty/")

    async def board(self):
        if await self.get("board /incidents/board/", "/incidents/board/"):
            for _ in range(self.rng.randint(2, 4)):
                await asyncio.sleep(5)
                if time.time() >= self.end or (self.tasks and min(t for t, _ in self.tasks) <= time.time()):
                    return
                await self.get("board poll (htmx, every 5 s)", "/incidents/board/rows/", htmx=True)

    async def call(self):
        await self.get("call form", "/intake/calls/new/")
        await self.pause(1, 3)
        number, name, organisation, position = self.rng.choice(CALLERS)
        content, when, where, what = self.rng.choice(CONTENTS)
        fields = {
            "direction": "incoming",
            "at": local_minute(),
            "number": number,
            "name": name,
            "organisation": organisation,
            "position": position,
            "content": content,
            "content_when": when,
            "content_where": where,
            "content_what": what,
            "handling": "recorded",
        }
        if self.rng.random() < 0.1:
            fields["open_matter"] = "on"
        await self.save("call save", "/intake/calls/new/", fields, "call record page")

    async def call_list(self):
        await self.get("call list", "/intake/calls/")

    async def notice(self):
        await self.get("notice form", "/intake/notices/new/")
        await self.pause(1, 3)
        fields = {
            "title": "防汛通知",
            "text": "请各单位加强值守，落实24小时值班，发现险情及时报告",
            "at": local_minute(),
        }
        page = await self.save("notice save", "/intake/notices/new/", fields, "notice page")
        if page:
            await self.pause(1, 3)
            at = local_minute()
            recipient = {
                "organisation": "青石镇政府",
                "name": "王建华",
                "position": "党政办主任",
                "number": "0558-2222333",
                "at": at,
                "read_back_by": "王建华",
                "read_back_at": at,
            }
            await self.save("notice recipient", page, recipient, "notice page")

    async def matter_open(self):
        await self.get("matter form", "/intake/matters/new/")
        await self.pause(1, 3)
        fields = {"title": "协调抢通S203线", "detail": "联系交通、公路部门组织抢通", "source": "other"}
        page = await self.save("matter save", "/intake/matters/new/", fields, "matter page")
        if page and (found := re.search(r"/intake/matters/(\d+)/", page)):
            self.matters.append(int(found.group(1)))

    async def matter_progress(self):
        if not self.matters:
            return await self.matter_open()
        pk = self.rng.choice(self.matters)
        await self.get("matter page", f"/intake/matters/{pk}/")
        await self.pause(1, 3)
        fields = {"p-text": "已联系县公路段，抢险机械正在赶赴现场"}
        await self.save("matter progress", f"/intake/matters/{pk}/progress/", fields, "matter page")

    async def matter_close(self):
        if len(self.matters) < 2:  # one stays open, as most shifts have one
            return await self.matter_progress()
        pk = self.matters.pop(0)
        await self.get("matter page", f"/intake/matters/{pk}/")
        await self.pause(1, 3)
        fields = {"x-result": "道路已抢通，恢复通行", "x-reply": ""}
        await self.save("matter close", f"/intake/matters/{pk}/close/", fields, "matter page")

    async def matter_list(self):
        await self.get("matter list", "/intake/matters/")

    async def roster(self):
        await self.get("roster month", f"/roster/{self.info['roster']}/")

    async def event_list(self):
        await self.get("event list", "/incidents/")

    async def event_register(self):
        await self.get("event form", "/incidents/new/")
        await self.pause(1, 3)
        category, title, place = self.rng.choice(EVENTS)
        self.events += 1
        known = local_minute()
        fields = {
            "title": f"{title}（{self.tag}-{self.info['unit']}-{self.events}）",
            "category": category,
            "grade": "",
            "classification": "public",
            "known_at": known,
            "place": place,
            "summary": f"{place}发生{title}，情况正在核实",
        }
        page = await self.save("event save", "/incidents/new/", fields, "event page")
        found = re.search(r"/incidents/(\d+)/", page or "")
        if not found:
            return
        pk = int(found.group(1))
        known_at = dt.datetime.strptime(known, "%Y-%m-%dT%H:%M").replace(tzinfo=LOCAL).timestamp()
        phone_due = known_at + self.args.phone_minutes * 60
        written_due = known_at + self.args.written_minutes * 60
        plan = self.rng.choices(["all", "phone only", "written only", "none"], [40, 20, 10, 30])[0]
        self.stats.plans[plan] += 1
        now = time.time()
        phone_at = max(now + 5, phone_due - self.rng.uniform(0.3, 0.7) * self.args.phone_minutes * 60)
        written_at = max(
            phone_at + 10, written_due - self.rng.uniform(0.2, 0.45) * self.args.written_minutes * 60
        )
        if plan in ("all", "phone only"):
            self.tasks.append((phone_at, lambda: self.report(pk, "phone", "first", phone_due)))
        if plan in ("all", "written only"):
            self.tasks.append((written_at, lambda: self.report(pk, "written", "first", written_due)))
        if plan == "all":
            final_at = written_at + self.rng.uniform(20, 60)
            self.tasks.append((final_at, lambda: self.report(pk, "written", "final", None)))

    async def report(self, pk: int, channel: str, kind: str, due: float | None) -> None:
        """A report, on time or not at all: one that could not be sent 20 s before its deadline is
        left unmade (the check then wants its alarm)."""
        if due is not None and time.time() > due - 20:
            self.stats.skipped_reports += 1
            return
        await self.get("event page", f"/incidents/{pk}/")
        fields = {"r-kind": kind, "r-channel": channel, "r-at": local_minute()}
        if self.info["parent"]:
            fields["r-to_unit"] = self.info["parent"]
        else:
            fields["r-to_office"] = "省政府总值班室"
        if channel == "phone":
            fields["r-phoned_whom"] = "张主任"
        else:
            fields.update({f"r-{name}": text for name, text in ELEMENTS.items()})
        label = {"phone": "phone report", "written": "written report"}[channel]
        label = "final report" if kind == "final" else label
        await self.save(label, f"/incidents/{pk}/reports/", fields, "event page")


async def wait_healthy(port: int, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        connection = Connection(port, {})
        try:
            status, _, _ = await asyncio.wait_for(connection.send("GET", "/healthz"), 2)
            if status == 200:
                return
        except (OSError, asyncio.IncompleteReadError, TimeoutError):
            pass
        finally:
            connection.close()
        await asyncio.sleep(0.2)
    sys.exit("the server did not answer /healthz in 60 s")


async def play(officers: list[Officer], args, peak: list[int]) -> None:
    async def sample() -> None:
        while True:
            peak[0] = max(peak[0], await asyncio.to_thread(pg_connections))
            await asyncio.sleep(5)

    sampler = asyncio.create_task(sample()) if args.db == "postgres" else None
    await asyncio.gather(*(o.run() for o in officers))
    if sampler:
        sampler.cancel()


# --- report ----------------------------------------------------------------------------------------------
def quantiles(values: list[float]) -> tuple[float, float, float, float]:
    if len(values) < 2:
        v = values[0] if values else 0.0
        return v, v, v, v
    q = statistics.quantiles(values, n=100, method="inclusive")
    return q[49], q[94], q[98], max(values)


def first_traceback(text: str, lines: int = 14) -> str:
    """The end of the first traceback in a log: the frames nearest the error, and the error."""
    rest = text[text.index("Traceback") :].splitlines()
    block = [rest[0]]
    for line in rest[1:]:
        block.append(line)
        if line and not line[0].isspace():
            break
    return "\n".join(block[-lines:])


def print_results(stats: Stats, seconds: float, args) -> tuple[int, float]:
    print(
        f"\n{'request':34} {'count':>6} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}"
    )
    everything = []
    for kind in sorted(stats.latencies, key=lambda k: -len(stats.latencies[k])):
        values = stats.latencies[kind]
        everything += values
        p50, p95, p99, top = quantiles(values)
        print(
            f"{kind:34} {len(values):6} {stats.errors[kind]:6} {p50 * 1000:8.1f} {p95 * 1000:8.1f} "
            f"{p99 * 1000:8.1f} {top * 1000:8.1f}"
        )
    errors = sum(stats.errors.values())
    p50, p95, p99, top = quantiles(everything)
    print(
        f"{'all requests':34} {len(everything):6} {errors:6} {p50 * 1000:8.1f} {p95 * 1000:8.1f} "
        f"{p99 * 1000:8.1f} {top * 1000:8.1f}"
    )
    print(
        f"\noffered load: {args.officers} officers, think {args.think_min:g}-{args.think_max:g} s, "
        f"{len(everything) / seconds:.1f} requests/s over {seconds:.0f} s"
    )
    if stats.samples:
        print("first errors:")
        for sample in stats.samples:
            print(f"  {sample}")
    return errors, p95


def print_alarms(check: dict, stats: Stats) -> bool:
    """What the database holds of the events and their alarms; whether every alarm came exactly once."""
    counts, delays = Counter(check["counts"]), check["delays"]
    print(
        f"\nevents registered: {counts['events']} (plans: "
        + ", ".join(f"{k} {v}" for k, v in sorted(stats.plans.items()))
        + f"; {counts['closed']} closed by a final report; reports left unmade, too late to send: "
        f"{stats.skipped_reports})"
    )
    print(
        f"deadlines: {counts['deadlines']}, met on time {counts['met']}, due after the window's last "
        f"minute {counts['due_later']}, met late {counts['met_late']}"
    )
    print(
        f"alarms due in the window: {counts['due']}, fired {counts['fired']}, missing {counts['missing']}, "
        f"duplicates {counts['duplicates']}, false (deadline met) {counts['false_alarms']}; "
        f"warnings twice {counts['warning_duplicates']}; in-app alarm notices {counts['alarm_notices']}, "
        f"twice {counts['notice_duplicates']}"
    )
    if delays:
        print(f"alarm after its deadline: median {statistics.median(delays):.1f} s, max {max(delays):.1f} s")
    for problem in check["problems"]:
        print(f"  {problem}")
    bad = counts["missing"] + counts["duplicates"] + counts["false_alarms"] + counts["notice_duplicates"]
    verdict = (
        f"{counts['fired']}/{counts['due']}, {counts['duplicates']} twice, {counts['false_alarms']} false"
    )
    stats.alarm_verdict = verdict + ("" if counts["due"] else "; none due: run longer")
    return not bad


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--officers", type=int, default=50)
    parser.add_argument("--workers", type=int, help="granian workers (default 4 on PostgreSQL, 2 on SQLite)")
    parser.add_argument("--blocking-threads", type=int, default=4, help="granian's per worker (README: 4)")
    parser.add_argument("--runners", type=int, default=2)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--think-min", type=float, default=2.0)
    parser.add_argument("--think-max", type=float, default=6.0)
    parser.add_argument(
        "--phone-minutes", type=int, help="policy for the bench's units (default: 30%% of the run)"
    )
    parser.add_argument("--written-minutes", type=int, help="(default: twice the phone minutes)")
    parser.add_argument("--days", type=int, default=365, help="days of duty records (gen_duty)")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database afterwards")
    args = parser.parse_args()
    args.workers = args.workers or (4 if args.db == "postgres" else 2)
    args.phone_minutes = args.phone_minutes or max(1, min(15, round(args.minutes * 0.3)))
    args.written_minutes = args.written_minutes or max(
        args.phone_minutes + 1, min(30, 2 * args.phone_minutes)
    )
    warning = 1

    var = Path(tempfile.mkdtemp(prefix="zhiban-load-"))
    env = {
        **os.environ,
        "ZHIBAN_VAR_DIR": str(var),
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "SECRET_KEY": secrets.token_urlsafe(50),
    }
    env.pop("DATABASE_URL", None)
    if args.db == "postgres":
        pg(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")
        pg(f"CREATE DATABASE {PG_NAME}")
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_NAME}"
    print(
        f"{args.db}: {args.workers} granian workers, {args.runners} job runners, {args.officers} officers, "
        f"{args.minutes:g} minutes; report deadlines {args.phone_minutes}/{args.written_minutes} min, "
        f"warning {warning} min before; var {var}"
    )
    processes: list[subprocess.Popen] = []
    try:
        t0 = time.perf_counter()
        manage(env, "migrate", "-v0")
        print(
            manage(
                env, "gen_scale", "--units", str(args.officers + 1), "--people", str((args.officers + 1) * 40)
            ).strip()
        )
        print(manage(env, "gen_duty", "--days", str(args.days)).strip())
        officers_info = json.loads(
            shell(
                env,
                SETUP,
                str(args.officers),
                str(args.phone_minutes),
                str(args.written_minutes),
                str(warning),
            )
        )
        manage(env, "runjobs", "--once")  # the backlog the data leaves due (reminders, shifts to open)
        print(f"data built in {time.perf_counter() - t0:.1f} s: {len(officers_info)} officers on duty")

        server_log = open(var / "granian.log", "w")  # noqa: SIM115 (open while the server runs)
        runner_log = open(var / "runjobs.log", "w")  # noqa: SIM115
        command = [
            str(Path(PY).parent / "granian"),
            "--interface",
            "wsgi",
            "--host",
            HOST,
            "--port",
            str(args.port),
        ]
        command += ["--workers", str(args.workers), "--log-level", "warning"]
        if args.blocking_threads:
            command += ["--blocking-threads", str(args.blocking_threads)]
        command.append("zhiban.wsgi:application")
        processes.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=server_log, stderr=server_log))
        for _ in range(args.runners):
            processes.append(
                subprocess.Popen(
                    [PY, "manage.py", "runjobs"],
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=runner_log,
                )
            )
        asyncio.run(wait_healthy(args.port))
        time.sleep(1)
        if any(p.poll() is not None for p in processes):
            sys.exit("a process exited at start; see " + str(var))

        tag = f"压测{int(time.time()) % 100000}"
        stats = Stats()
        load_start = os.getloadavg()
        machine_start = cpu_times()
        server_start, runners_start = process_cpu(processes[:1]), process_cpu(processes[1:])
        client_start = resource.getrusage(resource.RUSAGE_SELF)
        start = time.time()
        end = start + args.minutes * 60
        officers = [Officer(info, i, args, stats, tag, start, end) for i, info in enumerate(officers_info)]
        peak = [0]
        asyncio.run(play(officers, args, peak))
        seconds = time.time() - start
        load_end = os.getloadavg()
        machine_end, client_end = cpu_times(), resource.getrusage(resource.RUSAGE_SELF)
        server_end, runners_end = process_cpu(processes[:1]), process_cpu(processes[1:])
        died = [p.args[-1] for p in processes if p.poll() is not None]
        stop(processes)
        processes.clear()
        server_log.close()
        runner_log.close()

        errors, p95 = print_results(stats, seconds, args)
        if died:
            print(f"exited during the run: {', '.join(died)}")
        print(f"keep-alive connections reopened: {sum(o.connection.reconnects for o in officers)}")
        print(
            f"load average (1, 5, 15 min): start {' '.join(f'{v:.2f}' for v in load_start)}, "
            f"end {' '.join(f'{v:.2f}' for v in load_end)} ({os.cpu_count()} cores)"
        )
        busy, total = (machine_end[i] - machine_start[i] for i in (0, 1))
        server, database = (server_end[i] - server_start[i] for i in (0, 1))
        runners = runners_end[0] - runners_start[0]
        client = sum(getattr(client_end, f) - getattr(client_start, f) for f in ("ru_utime", "ru_stime"))
        others = busy - server - runners - database - client
        print(
            f"CPU over the run: machine {100 * busy / total:.0f}% busy ({busy:.0f} of {total:.0f} core-s): "
            f"granian {server:.0f}, job runners {runners:.0f}, PostgreSQL (all its processes) "
            f"{database:.0f}, this client {client:.0f}, anything else on the machine "
            f"{others:.0f} core-s"
        )
        if args.db == "postgres":
            print(f"PostgreSQL connections to {PG_NAME}, most seen: {peak[0]}")
        server_errors = (var / "granian.log").read_text(errors="replace")
        runner_errors = (var / "runjobs.log").read_text(errors="replace")
        for warning_line in dict.fromkeys(
            line for line in server_errors.splitlines() if line.startswith("[WARNING]")
        ):
            print(f"granian: {warning_line[:160]}{'…' if len(warning_line) > 160 else ''}")
        for name, text in (("server", server_errors), ("job runners", runner_errors)):
            if "Traceback" in text:
                count = text.count("Traceback")
                print(f"{name} log: {count} tracebacks; the first ends:\n{first_traceback(text)}")

        alarms_ok = print_alarms(json.loads(shell(env, CHECK, tag, str(start), str(end))), stats)
        print()
        print(f"{'PASS' if errors == 0 else 'FAIL'}  0 errors ({errors})")
        print(f"{'PASS' if p95 <= 0.3 else 'FAIL'}  p95 <= 300 ms ({p95 * 1000:.0f} ms)")
        print(
            f"{'PASS' if alarms_ok else 'FAIL'}  every alarm due in the window fired exactly once "
            f"({stats.alarm_verdict})"
        )
    finally:
        stop(processes)
        if args.db == "postgres" and not args.keep:
            pg(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")


if __name__ == "__main__":
    main()
