"""The roster as a calendar (issue 16): the month grid with each day's people, holidays, 调休 and
sensitive periods marked, the week view, "my duty" as a calendar, and the Excel export set up to print
each month on one A4 landscape page (B10)."""

from __future__ import annotations

import datetime as dt
import io
import re

from openpyxl import load_workbook

from tests.factories import make_assignment, make_roster
from zhiban.roster.models import Roster, SensitivePeriod


def _october(org):
    roster = make_roster(org.county, dt.date(2026, 9, 28), 14, state=Roster.State.PUBLISHED)
    make_assignment(roster, org.county_leader, dt.date(2026, 10, 1), "leader")
    make_assignment(roster, org.officer, dt.date(2026, 10, 1), "primary")
    make_assignment(roster, org.deputy, dt.date(2026, 10, 1), "deputy")
    make_assignment(roster, org.officer, dt.date(2026, 10, 10), "primary")
    SensitivePeriod.objects.create(
        unit=org.county, name="国庆安保", start=dt.date(2026, 10, 1), end=dt.date(2026, 10, 3)
    )
    return roster


def _cell(html: str, day: int) -> str:
    cells = re.findall(
        r"<td class=\"([^\"]*)\"[^>]*>\s*<div class=\"day\"><span class=\"num\">(\d+)</span>(.*?)</td>",
        html,
        re.S,
    )
    found = [(css, body) for css, num, body in cells if int(num) == day and "outside" not in css]
    assert len(found) == 1, found
    return " ".join(found[0])


def test_rule_B10_the_month_grid_shows_each_days_people_and_marks_holidays_adjusted_days_and_sensitive_periods(
    org, october
):
    roster = _october(org)
    html = org.client(org.county_admin).get(f"/roster/{roster.pk}/calendar/?month=2026-10").content.decode()
    assert "2026年10月" in html and html.count("<tr>") >= 6  # the header and five weeks
    first = _cell(html, 1)
    assert "holiday" in first and "sensitive" in first and "国庆" in first and "国庆安保" in first
    assert "带班" in first and org.county_leader.name in first and org.officer.name in first
    assert "主班" in first and org.deputy.name in first
    tenth = _cell(html, 10)
    assert "调休上班" in tenth and "adjusted" in tenth
    week = org.client(org.county_admin).get(f"/roster/{roster.pk}/calendar/?view=week&week=2026-10-01")
    text = week.content.decode()
    assert "9月28日至10月4日" in text and org.county_leader.name in text and "上一周" in text


def test_my_duty_is_a_calendar_of_my_shifts(org, october):
    roster = _october(org)
    html = org.client(org.officer).get("/roster/mine/?month=2026-10").content.decode()
    assert "我的值班月历" in html
    assert org.officer.name in _cell(html, 1) and org.officer.name in _cell(html, 10)
    assert org.deputy.name not in html  # only my own shifts
    assert roster.pk


def test_the_excel_export_prints_a_month_on_one_a4_landscape_page(org, october):
    roster = _october(org)
    data = org.client(org.county_admin).get(f"/roster/{roster.pk}/export.xlsx").content
    wb = load_workbook(io.BytesIO(data))
    listing = wb.worksheets[0]
    assert listing.title == "值班表"  # the sheet the import reads stays first
    assert listing.page_setup.orientation == "landscape" and listing.page_setup.paperSize == 9  # A4
    assert listing.sheet_properties.pageSetUpPr.fitToPage and listing.page_setup.fitToWidth == 1
    assert listing.print_title_rows == "$1:$3"  # the title and the header on every page
    assert listing["A4"].border.left.style == "thin"
    assert [ws.title for ws in wb.worksheets[1:]] == ["2026年9月", "2026年10月"]
    month = wb["2026年10月"]
    assert month.page_setup.orientation == "landscape" and month.page_setup.fitToHeight == 1
    assert month["A1"].value == f"{roster.title}（2026年10月）"
    assert [c.value for c in month[2]] == [
        "星期一",
        "星期二",
        "星期三",
        "星期四",
        "星期五",
        "星期六",
        "星期日",
    ]
    texts = [c.value or "" for row in month.iter_rows(min_row=3) for c in row]
    first = next(t for t in texts if t.startswith("1日"))
    assert "国庆" in first and f"带班 {org.county_leader.name}" in first and "国庆安保" in first
    assert not any("求解" in t or "差距" in t for t in texts)
