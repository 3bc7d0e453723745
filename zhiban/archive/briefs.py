"""值班要情: what the day's (or the month's) brief says, drafted from the records.

A daily brief covers the 24 hours up to the unit's cut-off hour (policy: brief_cutoff_hour, inherited,
16:00 by default: 16:00 the day before to 16:00 today, as many offices count); a monthly summary the
calendar month. The draft lists the events of the unit and the units below it with their latest state,
the important calls and the documents received, the leaders' instructions with their results, and who
was on duty; the office edits it before it is checked and signed off. Classified records (events,
calls, documents, instructions) appear by their mark only."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.utils import timezone

from zhiban.incidents.models import Event, Report
from zhiban.intake.models import Call, Document, Instruction
from zhiban.lib.classification import is_classified
from zhiban.org.models import Unit
from zhiban.org.policy import effective_policy
from zhiban.shifts.models import Shift
from zhiban.shifts.services import people_of

NUMERALS = "一二三四五六七八九十"


def daily_period(unit: Unit, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The 24 hours ending at the unit's cut-off hour on `day`."""
    hour = effective_policy(unit).brief_cutoff_hour
    tz = timezone.get_current_timezone()
    until = dt.datetime.combine(day, dt.time(hour), tzinfo=tz)
    return until - dt.timedelta(days=1), until


def monthly_period(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    first = day.replace(day=1)
    after = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return dt.datetime.combine(first, dt.time(), tzinfo=tz), dt.datetime.combine(after, dt.time(), tzinfo=tz)


def _when(moment: dt.datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local.month}月{local.day}日{local:%H:%M}"


def events_of(unit: Unit, since: dt.datetime, until: dt.datetime):
    """Events of the unit and below known in the period, or still open with a report sent in it."""
    sent = Report.objects.filter(state=Report.State.SENT, at__gte=since, at__lt=until).values("event_id")
    return (
        Event.objects.filter(unit__path__startswith=unit.path, known_at__lt=until)
        .filter(Q(known_at__gte=since) | Q(state=Event.State.OPEN, pk__in=sent))
        .select_related("unit")
        .order_by("known_at")
    )


def _event_line(event: Event) -> str:
    if is_classified(event.classification):
        return f"{event.unit.label}{event.get_classification_display()}事件一起（内容不予显示，详见原件）。"
    grade = event.get_grade_display() if event.grade else "未定级"
    line = f"{event.unit.label}{event.title}（{event.get_category_display()}，{grade}）：{_when(event.known_at)}获知，{event.get_state_display()}。"
    latest = event.reports.filter(state=Report.State.SENT).order_by("-at").first()
    if latest is not None:
        figures = f"{latest.figures_text()}。" if latest.has_figures else ""
        line += f"最新报告为{latest.get_kind_display()}（{_when(latest.at)}）。{figures}"
    return line


def compose_daily(unit: Unit, since: dt.datetime, until: dt.datetime) -> str:
    sections = []
    events = [_event_line(e) for e in events_of(unit, since, until)]
    sections.append(("突发事件", events or ["本期无突发事件。"]))

    lines = []
    for call in Call.objects.filter(unit=unit, important=True, at__gte=since, at__lt=until).order_by("at"):
        who = f"{call.organisation}{call.name}".strip() or call.number or "来电人"
        lines.append(
            f"{_when(call.at)}，{who}{call.get_direction_display()}：{call.kept(call.content[:120])}"
        )
    for document in Document.objects.filter(
        unit=unit, received_at__gte=since, received_at__lt=until
    ).order_by("received_at"):
        title = document.title_for(reveal=False)
        lines.append(
            f"{_when(document.received_at)}，收到{document.sender}{document.get_kind_display()}《{title}》。"
        )
    sections.append(("重要来电和来文", lines or ["本期无重要来电和来文。"]))

    lines = []
    for instruction in (
        Instruction.objects.filter(unit=unit, given_at__gte=since, given_at__lt=until)
        .select_related("leader")
        .prefetch_related("targets__person")
        .order_by("given_at")
    ):
        results = [f"{t.person.name}：{t.feedback}" for t in instruction.targets.all() if t.feedback]
        result = "；".join(results) if results else "尚未反馈"
        leader = instruction.leader.name if instruction.leader_id else "领导"
        text = f"{instruction.kept(instruction.text[:120])}。落实情况：{instruction.kept(result)}"
        lines.append(f"{leader}{_when(instruction.given_at)}批示：{text}。")
    sections.append(("领导批示及落实", lines or ["本期无领导批示。"]))

    lines = []
    for shift in Shift.objects.filter(unit=unit, start__lt=until, end__gt=since).order_by("start"):
        people = people_of(shift)
        leaders = "、".join(a.person.name for a in people if a.post == "leader")
        staff = "、".join(a.person.name for a in people if a.post != "leader")
        lines.append(
            f"{shift.day.month}月{shift.day.day}日{shift.name}：带班领导{leaders or '—'}，值班人员{staff or '—'}。"
        )
    sections.append(("值班情况", lines or ["本期无值班安排。"]))
    return _join(sections)


def compose_monthly(unit: Unit, since: dt.datetime, until: dt.datetime) -> str:
    events = Event.objects.filter(unit__path__startswith=unit.path, known_at__gte=since, known_at__lt=until)
    by_category = events.values("category").annotate(n=Count("id")).order_by("category")
    categories = dict(Event.Category.choices)
    counts = "，".join(
        f"{categories.get(row['category'], row['category'])}{row['n']}起" for row in by_category
    )
    calls = Call.objects.filter(unit=unit, at__gte=since, at__lt=until).count()
    documents = Document.objects.filter(unit=unit, received_at__gte=since, received_at__lt=until).count()
    instructions = Instruction.objects.filter(unit=unit, given_at__gte=since, given_at__lt=until)
    answered = instructions.filter(targets__feedback_at__isnull=False).distinct().count()
    reports = Report.objects.filter(
        event__unit__path__startswith=unit.path, state=Report.State.SENT, at__gte=since, at__lt=until
    ).count()
    sections = [
        (
            "总体情况",
            [
                f"本月共接报突发事件{events.count()}起"
                + (f"（{counts}）" if counts else "")
                + f"，报送信息{reports}条；"
                f"登记电话{calls}个，收文{documents}件；领导批示{instructions.count()}件，已反馈落实{answered}件。"
            ],
        ),
        (
            "主要突发事件",
            [_event_line(e) for e in events.select_related("unit").order_by("known_at")[:30]]
            or ["本月无突发事件。"],
        ),
    ]
    return _join(sections)


def _join(sections: list[tuple[str, list[str]]]) -> str:
    parts = []
    for number, (heading, lines) in enumerate(sections):
        parts.append(f"{NUMERALS[number]}、{heading}")
        if len(lines) == 1 and lines[0].startswith("本"):
            parts.append(lines[0])
        else:
            parts += [f"{i}. {line}" for i, line in enumerate(lines, start=1)]
    return "\n".join(parts)
