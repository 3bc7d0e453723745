"""The roster as files: the usual 值班表 in Excel (out and in) and calendar feeds (iCal)."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections import defaultdict

from django.db import transaction
from django.utils import timezone
from icalendar import Calendar, Event
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, Side

from zhiban.audit.trail import record_update
from zhiban.lib.dates import date_cn
from zhiban.lib.xlsx import BadWorkbook, safe_text
from zhiban.org.imports import ImportResult
from zhiban.org.models import DutyLine
from zhiban.org.policy import effective_policy
from zhiban.roster import planning
from zhiban.roster.grid import month_bounds, months_between, weeks
from zhiban.roster.models import Assignment, Post, Roster

POST_COLUMNS = [
    (Post.LEADER, "带班领导"),
    (Post.PRIMARY, "主班"),
    (Post.DEPUTY, "副班"),
    (Post.STANDBY, "备班"),
]
HEADERS = ["日期", "星期", "班次", *(label for _, label in POST_COLUMNS), "主班电话"]
WEEKDAYS = "一二三四五六日"
_SIDE = Side(style="thin", color="000000")
THIN = Border(left=_SIDE, right=_SIDE, top=_SIDE, bottom=_SIDE)
NAME_SPLIT = re.compile(r"[、,，;；\s]+")


def export_xlsx(roster: Roster) -> bytes:
    """Title, the duty office's numbers, then one row per shift; every cell text, formulas escaped."""
    wb = Workbook()
    ws = wb.active
    ws.title = "值班表"
    lines = DutyLine.objects.filter(unit=roster.unit, active=True)
    ws.append([safe_text(roster.title)])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    ws["A1"].font, ws["A1"].alignment = Font(bold=True, size=16), Alignment(horizontal="center")
    numbers = "　".join(f"{line.get_kind_display()}：{line.number}" for line in lines)
    ws.append([safe_text(f"{roster.unit.duty_office}　{numbers}")])
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(HEADERS))
    ws.append(HEADERS)
    for cell in ws[3]:
        cell.font = Font(bold=True)
    by_shift: dict[tuple, list[Assignment]] = defaultdict(list)
    for a in roster.assignments.select_related("person"):
        by_shift[(a.start, a.day, a.shift_name)].append(a)
    for (_, day, name), people in sorted(by_shift.items()):
        cells = [day.isoformat(), f"星期{WEEKDAYS[day.weekday()]}", name]
        for post, _ in POST_COLUMNS:
            cells.append("、".join(a.person.name for a in people if a.post == post))
        cells.append(
            "、".join(
                a.person.office_phone or a.person.mobile
                for a in people
                if a.post == Post.PRIMARY and (a.person.office_phone or a.person.mobile)
            )
        )
        ws.append([safe_text(v) for v in cells])
    for row in ws.iter_rows(min_row=4):
        for cell in row:
            cell.number_format = "@"
    for letter, width in zip("ABCDEFGHI", (12, 8, 10, 12, 12, 16, 12, 16, 16), strict=False):
        ws.column_dimensions[letter].width = width
    for row in ws.iter_rows(min_row=3, max_col=len(HEADERS)):
        for cell in row:
            cell.border = THIN
    months = months_between(roster.start, roster.end)
    _page_setup(ws, pages_high=len(months), title_rows="1:3")
    _month_sheets(wb, roster, months)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _page_setup(ws, pages_high: int, title_rows: str) -> None:
    """A4 landscape, fit to the page's width (a month a page high), the title and header repeated on
    every printed page, centred."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = max(1, pages_high)
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.print_title_rows = title_rows


def _month_sheets(wb, roster: Roster, months: list[tuple[int, int]]) -> None:
    """One sheet per month as a calendar grid: the title, 星期一..星期日, a row per week, each day's
    shifts and people in its cell; one A4 landscape page each."""
    assignments = list(roster.assignments.select_related("person"))
    for year, month in months:
        ws = wb.create_sheet(f"{year}年{month}月")
        first, last = month_bounds(year, month)
        ws.append([safe_text(f"{roster.title}（{year}年{month}月）")])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=7)
        ws["A1"].font, ws["A1"].alignment = Font(bold=True, size=16), Alignment(horizontal="center")
        ws.append([f"星期{w}" for w in WEEKDAYS])
        for cell in ws[2]:
            cell.font, cell.alignment, cell.border = Font(bold=True), Alignment(horizontal="center"), THIN
        for week in weeks(roster.unit, assignments, first, last):
            cells = []
            for day in week:
                if not day.in_range:
                    cells.append("")
                    continue
                lines = [f"{day.date.day}日" + (f" {day.mark}" if day.mark else "")]
                if day.info is not None and day.info.sensitive is not None:
                    lines.append(f"（{day.info.sensitive.name}）")
                for shift in day.shifts:
                    if len(day.shifts) > 1:
                        lines.append(f"{shift.name}{timezone.localtime(shift.start):%H:%M}")
                    lines += [f"{word} {'、'.join(names)}" for _, word, names in shift.posts]
                cells.append("\n".join(lines))
            ws.append([safe_text(c) for c in cells])
            row = ws.max_row
            height = max((c.count("\n") + 1 for c in cells), default=1)
            ws.row_dimensions[row].height = max(60, 14 * height)
            for cell in ws[row]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                cell.border = THIN
                cell.number_format = "@"
        for letter in "ABCDEFG":
            ws.column_dimensions[letter].width = 19
        _page_setup(ws, pages_high=1, title_rows="1:2")


def import_xlsx(roster: Roster, data: bytes) -> ImportResult:
    """A hand-made roster in the export's layout, checked by the roster's rules. Any bad row (an
    unknown name, a double booking, an empty primary or standby, a person who may not be on duty)
    rejects the whole file, each error named by its row; nothing is saved."""
    result = ImportResult()
    if roster.is_published:
        return ImportResult(errors=["已发布的值班表不能整体导入，请逐项调整"])
    try:
        rows = _rows(data)
    except BadWorkbook as error:
        return ImportResult(errors=[str(error)])
    shifts, problems = planning.planned_shifts(roster.unit, roster.start, roster.end)
    result.errors += problems
    planned = {(s.day.date, s.name): s for s in shifts}
    people = planning.duty_people(roster.unit)
    policy = effective_policy(roster.unit)
    exempt = planning.exempted_days(list(people), roster.start, roster.end)  # once, not per name
    by_name = defaultdict(list)
    for person in people:
        by_name[person.name].append(person)
    placed: list[tuple[int, Assignment]] = []
    seen: set[tuple] = set()
    for number, values in rows:
        errors, assignments = _import_row(
            number, values, roster, planned, people, by_name, seen, exempt, policy.training_valid_months
        )
        result.errors += [f"第{number}行：{e}" for e in errors]
        placed += [(number, a) for a in assignments]
    result.errors += [f"第{n}行：{e}" for n, e in _double_bookings(placed, policy.rest_hours_after_night)]
    for key in sorted(set(planned) - seen):
        result.errors.append(f"缺少{key[0].month}月{key[0].day}日{key[1]}（文件中没有这一班）")
    if result.errors:
        return result
    with transaction.atomic():
        if not Roster.objects.select_for_update().filter(pk=roster.pk, state=Roster.State.DRAFT).exists():
            return ImportResult(errors=["值班表已发布，未导入"])
        before = roster.assignments.count()
        roster.assignments.all().delete()
        Assignment.objects.bulk_create(a for _, a in placed)
        roster.solver_status, roster.solver_note = "", "由 Excel 导入"
        roster.save(update_fields=["solver_status", "solver_note"])
        record_update(roster, {"assignments": before}, {"assignments": len(placed), "source": "Excel"})
    result.created = len(placed)
    return result


def _rows(data: bytes) -> list[tuple[int, dict[str, str]]]:
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is not a workbook
        raise BadWorkbook("无法读取文件，请上传 Excel（.xlsx）文件") from error
    header, rows = None, []
    for number, values in enumerate(wb.worksheets[0].iter_rows(values_only=True), start=1):
        texts = [_text(v) for v in values]
        if header is None:
            if "日期" in texts and "班次" in texts:
                header = texts
            continue
        if any(texts):
            rows.append((number, {h: t for h, t in zip(header, texts, strict=False) if h}))
    if header is None:
        raise BadWorkbook("找不到表头行（须含“日期”“班次”两列）")
    return rows


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    return text[1:] if text.startswith("'") else text


def _import_row(number, values, roster, planned, people, by_name, seen, exempt, valid_months):
    errors: list[str] = []
    try:
        day = dt.date.fromisoformat(values.get("日期", "").replace("/", "-"))
    except ValueError:
        return [f"日期“{values.get('日期', '')}”无法识别，应为 2026-10-01"], []
    shift = planned.get((day, values.get("班次", "")))
    if shift is None:
        if not roster.start <= day <= roster.end:
            return [f"{date_cn(day)}不在值班表期间内"], []
        return [f"{date_cn(day)}没有名为“{values.get('班次', '')}”的班次"], []
    if (day, shift.name) in seen:
        return [f"{date_cn(day)}{shift.name}重复出现"], []
    seen.add((day, shift.name))
    assignments = []
    for post, label in POST_COLUMNS:
        names = [n for n in NAME_SPLIT.split(values.get(label, "")) if n]
        need = shift.posts.get(post, 0)
        if len(names) < need:
            errors.append(f"{label}为空" if not names else f"{label}需要{need}人，只有{len(names)}人")
        for name in names:
            matches = by_name.get(name, [])
            if len(matches) != 1:
                errors.append(
                    f"“{name}”不是本单位值班人员" if not matches else f"“{name}”有重名，请在系统中调整"
                )
                continue
            person = matches[0]
            assignment = Assignment(
                roster=roster,
                day=day,
                shift_name=shift.name,
                start=shift.start,
                end=shift.end,
                night=shift.night,
                day_kind=shift.day.kind,
                post=post,
                person=person,
            )
            reason = planning.unavailable_reason(
                person,
                people[person],
                post,
                day,
                exempt.get(person.pk, set()),
                valid_months,
            )
            if reason:
                errors.append(reason)
            assignments.append(assignment)
    return errors, assignments


def _double_bookings(placed, rest_hours: int):
    """One post at a time, rest after nights: the same check as a hand edit, across the file's rows."""
    rest = dt.timedelta(hours=rest_hours)
    found = []
    by_person = defaultdict(list)
    for number, a in placed:
        by_person[a.person.pk].append((number, a))
    for rows in by_person.values():
        rows.sort(key=lambda r: r[1].start)
        for (_, first), (number, second) in zip(rows, rows[1:], strict=False):
            if second.start < first.end:
                found.append((number, f"{second.person.name}同一时间安排了两个岗位（重复排班）"))
            elif first.night and second.start < first.end + rest:
                found.append(
                    (number, f"{second.person.name}夜班后须休息{rest.seconds // 3600 + rest.days * 24}小时")
                )
    return sorted(found)


# --- calendar feeds -------------------------------------------------------------------------------

FEED_PAST, FEED_FUTURE = dt.timedelta(days=31), dt.timedelta(days=366)


def ical(assignments, name: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Zhiban//值班//ZH")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Asia/Shanghai")
    for a in assignments:
        event = Event()
        event.add("uid", f"assignment-{a.pk}@zhiban")
        event.add("summary", f"{a.roster.unit.label}{a.shift_name}{a.get_post_display()}：{a.person.name}")
        event.add("dtstart", timezone.localtime(a.start))
        event.add("dtend", timezone.localtime(a.end))
        event.add("dtstamp", timezone.now())
        calendar.add_component(event)
    # RFC 5545: every TZID used needs its VTIMEZONE, or strict clients read the times as floating
    calendar.add_missing_timezones()
    return calendar.to_ical()


def feed_assignments(**filters):
    now = timezone.now()
    return (
        Assignment.objects.filter(
            roster__state=Roster.State.PUBLISHED,
            start__gte=now - FEED_PAST,
            start__lte=now + FEED_FUTURE,
            **filters,
        )
        .select_related("roster__unit", "person")
        .order_by("start")
    )
