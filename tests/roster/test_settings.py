"""Roster settings: shift types, the official holiday calendar and its entries, sensitive periods (B9/B10)."""

from __future__ import annotations

import datetime as dt

import time_machine

from tests.clock import SHANGHAI
from tests.factories import (
    make_exemption,
    make_roster,
    make_shift_types,
)
from tests.roster.helpers import NATIONAL_DAY
from zhiban.audit.models import AuditEntry
from zhiban.lib.management.commands.runjobs import run_until_idle
from zhiban.org.models import Role
from zhiban.roster import planning
from zhiban.roster.calendar import days_between, next_year_warning
from zhiban.roster.jobs import try_solve_one
from zhiban.roster.models import Holiday, Roster, SensitivePeriod, ShiftType


def test_rule_B10_a_year_without_holidays_is_said_on_the_roster_and_asked_before_solving(org, october):
    with time_machine.travel(dt.datetime(2026, 12, 2, 9, 0, tzinfo=SHANGHAI), tick=False):
        roster = make_roster(org.county, dt.date(2027, 1, 1), 3)
        admin = org.client(org.county_admin)
        page = admin.get(f"/roster/{roster.pk}/").content.decode()
        assert "2027年的法定节假日尚未录入" in page and "仍要先行自动排班的理由" in page
        refused = admin.post(f"/roster/{roster.pk}/generate/", follow=True).content.decode()
        assert "2027年的法定节假日尚未录入" in refused
        roster.refresh_from_db()
        assert roster.solver_status == "" and not roster.assignments.exists()
        admin.post(f"/roster/{roster.pk}/generate/", {"confirmation": "放假通知未发布，先排后调"})
        run_until_idle([try_solve_one])
        roster.refresh_from_db()
        assert roster.assignments.exists()
        assert AuditEntry.objects.filter(
            model="roster.roster", after__solve_confirmed="放假通知未发布，先排后调"
        )
        help_page = admin.get("/roster/shifts/").content.decode()
        assert "国务院办公厅" in help_page and "2027年的法定节假日尚未录入" in help_page
        Holiday.objects.create(date=dt.date(2027, 1, 1), kind=Holiday.Kind.HOLIDAY, name="元旦")
        page = admin.get(f"/roster/{roster.pk}/").content.decode()
        assert "尚未录入" not in page, page[page.index("尚未录入") - 300 : page.index("尚未录入") + 50]
        assert "元旦" in page


def test_rule_B10_a_national_holiday_entry_applies_to_every_unit(org):
    Holiday.objects.create(date=dt.date(2027, 1, 1), kind=Holiday.Kind.HOLIDAY, name="元旦")
    Holiday.objects.create(date=dt.date(2027, 1, 4), kind=Holiday.Kind.WORKDAY, name="调休上班")
    from zhiban.roster.calendar import days_between

    days = {d.date: d for d in days_between(org.township, dt.date(2027, 1, 1), dt.date(2027, 1, 4))}
    assert (days[dt.date(2027, 1, 1)].kind, days[dt.date(2027, 1, 1)].name) == ("holiday", "元旦")
    assert days[dt.date(2027, 1, 4)].kind == "workday" and days[dt.date(2027, 1, 2)].kind == "weekend"


def test_rule_B9_an_overlapping_sensitive_period_is_refused_next_to_the_field(org, october):
    SensitivePeriod.objects.create(
        unit=org.county, name="国庆安保", start=dt.date(2026, 10, 1), end=dt.date(2026, 10, 7)
    )
    admin = org.client(org.county_admin)
    fields = {"name": "国庆安保", "start": "2026-10-05", "end": "2026-10-08", "staff_factor": 2}
    response = admin.post("/roster/sensitive/new/", fields)
    assert "与已有的敏感时期“国庆安保”（2026-10-01至2026-10-07）重叠" in response.content.decode()
    assert SensitivePeriod.objects.filter(unit=org.county).count() == 1
    fields.update(start="2026-10-08", end="2026-10-09", name="重大活动")
    assert admin.post("/roster/sensitive/new/", fields).status_code == 302
    assert SensitivePeriod.objects.filter(unit=org.county).count() == 2


def test_bad_settings_input_is_a_message_not_an_error(org, county):
    client = org.client(org.county_admin)
    Holiday.objects.create(date=dt.date(2026, 11, 16), kind="holiday", name="县庆", unit=org.county)
    again = client.post("/roster/holidays/new/", {"date": "2026-11-16", "kind": "holiday", "name": "县庆"})
    assert again.status_code == 200 and "这一天已有安排" in again.content.decode()
    page = client.post("/roster/new/", {"title": "古代值班表", "start": "0001-01-01", "end": "0001-01-02"})
    assert "2000年至2100年" in page.content.decode()
    assert client.get("/roster/on-duty/", {"at": "0001-01-01T00:00"}).status_code == 200
    exemption = make_exemption(org.officer, dt.date(2026, 10, 20), dt.date(2026, 10, 21))
    exemption.hospital_record.storage.delete(exemption.hospital_record.name)
    assert org.client(org.officer).get(f"/roster/exemptions/{exemption.pk}/record/").status_code == 404
    no_standby = client.post(
        "/roster/shifts/new/",
        {
            "day_kind": "workday",
            "name": "白班",
            "start": "08:30",
            "hours": 9,
            "leaders": 0,
            "primaries": 1,
            "deputies": 0,
            "standbys": 0,
            "order": 0,
        },
    )
    assert "至少要有一名备班" in no_standby.content.decode()


def test_national_holidays_are_listed_on_the_settings_page(org):
    Holiday.objects.create(date=dt.date(2027, 1, 1), kind="holiday", name="元旦（2027）")
    assert "元旦（2027）" in org.client(org.county_admin).get("/roster/shifts/").content.decode()


def test_rule_B10_holidays_come_from_the_official_calendar_and_have_a_leader(
    org, county_duty, before_national_day
):
    days = {d.date: d for d in days_between(org.county, dt.date(2026, 9, 30), dt.date(2026, 10, 9))}
    assert days[NATIONAL_DAY].kind == "holiday" and days[NATIONAL_DAY].name == "国庆节"
    assert days[dt.date(2026, 10, 9)].kind == "workday"  # a Friday after the holiday
    roster = make_roster(org.county, NATIONAL_DAY, 3)
    planning.generate(roster)
    leaders = {a.day for a in roster.assignments.filter(post="leader")}
    assert leaders == {NATIONAL_DAY, dt.date(2026, 10, 2), dt.date(2026, 10, 3)}
    leaders = set(roster.assignments.filter(post="leader").values_list("person__roles__role", flat=True))
    assert leaders == {Role.LEADER}


def test_rule_B10_holiday_table_overrides_the_calendar_for_its_subtree(org):
    Holiday.objects.create(
        date=dt.date(2026, 11, 16), kind=Holiday.Kind.HOLIDAY, name="县庆", unit=org.county
    )
    county_day = days_between(org.township, dt.date(2026, 11, 16), dt.date(2026, 11, 16))[0]
    sibling_day = days_between(org.sibling, dt.date(2026, 11, 16), dt.date(2026, 11, 16))[0]
    assert county_day.kind == "holiday" and county_day.name == "县庆"
    assert sibling_day.kind == "workday"


def test_rule_B10_next_year_without_data_warns_from_december(db):
    assert next_year_warning(dt.date(2026, 11, 30)) is None
    assert "2027年的法定节假日尚未录入" in next_year_warning(dt.date(2026, 12, 1))
    Holiday.objects.create(date=dt.date(2027, 1, 1), kind=Holiday.Kind.HOLIDAY, name="元旦")
    assert next_year_warning(dt.date(2026, 12, 1)) is None


def test_holiday_roster_filed_with_the_superior_who_sees_who_has_not(org, county_duty, before_national_day):
    roster = make_roster(org.county, NATIONAL_DAY, 7, state=Roster.State.PUBLISHED, version=1)
    city = org.client(org.city_admin)

    def filings() -> str:
        text = city.get("/roster/filings/", {"start": "2026-10-01", "end": "2026-10-07"}).content.decode()
        return text[text.index("<table") :]

    # without dates the page takes the next holiday by itself: the Mid-autumn Festival, 25 September
    assert "9月25日" in city.get("/roster/filings/").content.decode()
    assert filings().count("未报备") == 3  # both counties and the township
    assert org.client(org.county_admin).post(f"/roster/{roster.pk}/file/").status_code == 302
    roster.refresh_from_db()
    assert roster.filed_at is not None
    assert org.city_admin.notices.filter(text__contains="报备").exists()
    assert filings().count("未报备") == 2
    assert org.client(org.sibling_officer).post(f"/roster/{roster.pk}/file/").status_code == 404


def test_settings_are_edited_by_their_unit_and_checked(org):

    make_shift_types(org.county)
    mine = ShiftType.objects.filter(unit=org.county).first()
    client = org.client(org.county_admin)
    response = client.post(
        f"/roster/settings/shift/{mine.pk}/edit/",
        {
            "day_kind": "workday",
            "name": "全天班",
            "start": "08:30",
            "hours": 24,
            "leaders": 0,
            "primaries": 0,
            "deputies": 1,
            "standbys": 1,
            "order": 0,
        },
    )
    assert "每个班次至少要有一名主班" in response.content.decode()  # A1.1, next to the field
    mine.refresh_from_db()
    assert mine.primaries == 1
    bad = client.post(
        "/roster/sensitive/new/",
        {"name": "汛期", "start": "2026-07-01", "end": "2026-06-01", "staff_factor": 2},
    )
    assert "结束日期不能早于开始日期" in bad.content.decode()
    assert not SensitivePeriod.objects.exists()
    city_holiday = Holiday.objects.create(date=dt.date(2027, 1, 1), kind="holiday", name="元旦")  # national
    assert client.post(f"/roster/settings/holiday/{city_holiday.pk}/delete/").status_code == 403
