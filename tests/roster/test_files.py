"""The roster's files: the Excel layout exported and imported back, every bad row named, the iCal feeds."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.test import Client
from icalendar import Calendar
from openpyxl import Workbook, load_workbook

from tests.clock import SHANGHAI
from tests.factories import (
    make_assignment,
    make_person,
    make_roster,
    make_shift_types,
    make_system_user,
    train,
)
from tests.helpers import sign_in
from zhiban.org.models import Role
from zhiban.roster import files, planning
from zhiban.roster.models import (
    CalendarFeed,
    Roster,
)


def test_the_calendar_feed_defines_the_time_zone_it_names(org, october):
    from icalendar import Calendar

    from zhiban.roster.models import CalendarFeed

    roster = make_roster(org.county, dt.date(2026, 10, 12), 1)
    Roster.objects.filter(pk=roster.pk).update(state=Roster.State.PUBLISHED)
    make_assignment(roster, org.officer, dt.date(2026, 10, 12))
    feed = CalendarFeed.renew(person=org.officer)
    body = org.client(org.officer).get(f"/roster/feeds/{feed.token}.ics").content
    calendar = Calendar.from_ical(body)
    zones = calendar.walk("VTIMEZONE")
    assert [str(z["tzid"]) for z in zones] == ["Asia/Shanghai"]
    assert b"DTSTART;TZID=Asia/Shanghai:20261012T083000" in body
    assert zones[0].walk("STANDARD")[0]["tzoffsetto"].to_ical() == "+0800"


def test_a_user_without_a_person_cannot_touch_unit_feeds(org):
    feed = CalendarFeed.objects.create(unit=org.sibling, token="sibling-token")
    auditor = make_system_user("audit_admin")

    client = Client()
    sign_in(client, auditor)
    assert client.post("/roster/feeds/", {}).status_code == 302  # no `which`: a message, nothing made
    feed.refresh_from_db()
    assert feed.token == "sibling-token"


@pytest.fixture
def county(org):
    make_shift_types(org.county)
    staff = [org.officer, org.deputy] + [
        make_person(org.county, f"值班员{i}", roles=[Role.DUTY_STAFF]) for i in range(4)
    ]
    for person in [*staff, org.county_leader]:
        train(person, on=dt.date(2026, 9, 1))
    with time_machine.travel(dt.datetime(2026, 10, 1, 9, 0, tzinfo=SHANGHAI), tick=False):
        yield staff


def workbook(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["东湖县值班表"])
    ws.append(files.HEADERS)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_export_is_the_usual_roster_layout_with_text_cells(org, county):
    roster = make_roster(org.county, dt.date(2026, 10, 12), 3)
    planning.generate(roster)
    org.officer.name = '=HYPERLINK("x")'  # a hostile name must not become a formula
    org.officer.save()
    ws = load_workbook(io.BytesIO(files.export_xlsx(roster))).active
    assert ws["A1"].value == roster.title and ws["A3"].value == "日期"
    rows = list(ws.iter_rows(min_row=4, values_only=True))
    assert [r[0] for r in rows] == ["2026-10-12", "2026-10-13", "2026-10-14"]
    assert rows[0][1] == "星期一" and all(r[4] for r in rows)  # a primary on every row
    assert not any(str(c).startswith("=") for r in rows for c in r if c)


def test_exported_roster_imports_back_unchanged(org, county):
    roster = make_roster(org.county, dt.date(2026, 10, 12), 3)
    planning.generate(roster)
    before = sorted(roster.assignments.values_list("start", "post", "person"))
    result = files.import_xlsx(roster, files.export_xlsx(roster))
    assert result.ok, result.errors
    assert sorted(roster.assignments.values_list("start", "post", "person")) == before


def test_bad_import_names_every_row_and_saves_nothing(org, county):
    roster = make_roster(org.county, dt.date(2026, 10, 12), 3)
    a, b, c, d, e, f = county
    content = workbook(
        [
            ["2026-10-12", "星期一", "全天班", "", a.name, b.name, c.name],
            ["2026-10-13", "星期二", "全天班", "", "", d.name, e.name],  # a gap: no primary
            ["2026-10-14", "星期三", "全天班", "", "张无名", f.name, f.name],  # unknown, and a double booking
        ]
    )
    result = files.import_xlsx(roster, content)
    assert not result.ok
    assert "第4行：主班为空" in result.errors
    assert "第5行：“张无名”不是本单位值班人员" in result.errors
    assert any(e.startswith("第5行：") and "重复排班" in e for e in result.errors)
    assert not roster.assignments.exists()


def test_import_applies_the_roster_rules(org, county):
    roster = make_roster(org.county, dt.date(2026, 10, 12), 2)
    novice = make_person(org.county, "新同志", roles=[Role.DUTY_STAFF])
    a, b, c, d, *_ = county
    result = files.import_xlsx(
        roster,
        workbook(
            [
                ["2026-10-12", "", "全天班", "", novice.name, a.name, b.name],
                ["2026-10-13", "", "全天班", "", a.name, c.name, d.name],  # a worked the 12th: no rest
            ]
        ),
    )
    assert "第3行：新同志尚未通过岗前培训" in result.errors
    assert any(e.startswith("第4行：") and "须休息" in e for e in result.errors)


def test_import_reports_a_missing_day(org, county):
    roster = make_roster(org.county, dt.date(2026, 10, 12), 2)
    a, b, c, *_ = county
    result = files.import_xlsx(roster, workbook([["2026-10-12", "", "全天班", "", a.name, b.name, c.name]]))
    assert result.errors == ["缺少10月13日全天班（文件中没有这一班）"]


def test_import_page_lists_errors_and_keeps_the_roster(org, county):
    roster = make_roster(org.county, dt.date(2026, 10, 12), 1)
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("r.xlsx", workbook([["2026-10-12", "", "全天班", "", "张无名", "", ""]]))
    page = (
        org.client(org.county_admin).post(f"/roster/{roster.pk}/import/", {"file": upload}).content.decode()
    )
    assert "“张无名”不是本单位值班人员" in page and "未导入任何数据" in page


def test_calendar_feeds_for_a_person_and_a_unit(org, county):
    roster = make_roster(org.county, dt.date(2026, 10, 12), 2, state=Roster.State.PUBLISHED)
    make_assignment(roster, org.officer, dt.date(2026, 10, 12))
    make_assignment(roster, org.deputy, dt.date(2026, 10, 13))
    org.client(org.officer).post("/roster/feeds/", {"which": "person"})
    org.client(org.county_admin).post("/roster/feeds/", {"which": "unit"})
    mine = CalendarFeed.objects.get(person=org.officer)
    unit = CalendarFeed.objects.get(unit=org.county)
    anonymous = org.client(org.officer).__class__()
    events = Calendar.from_ical(anonymous.get(f"/roster/feeds/{mine.token}.ics").content).walk("VEVENT")
    assert [str(e["summary"]) for e in events] == ["东湖县全天班主班：林海燕"]
    assert events[0].decoded("dtstart").hour == 8
    unit_events = Calendar.from_ical(anonymous.get(f"/roster/feeds/{unit.token}.ics").content).walk("VEVENT")
    assert len(unit_events) == 2
    assert anonymous.get("/roster/feeds/not-a-token.ics").status_code == 404
    # an officer cannot make the unit's feed
    assert org.client(org.officer).post("/roster/feeds/", {"which": "unit"}).status_code == 403
