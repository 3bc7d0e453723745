"""Acceptance fixes (issue 14), gathered here until they join their capability modules."""

from __future__ import annotations

import datetime as dt
import io

import docx
import pytest
import time_machine

from tests.factories import make_person, make_roster, train
from zhiban.org.models import Role
from zhiban.roster import planning
from zhiban.roster.models import DayKind, SensitivePeriod, ShiftType

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def day_and_night(org):
    """The city's pattern on workdays: a day shift and a night shift, neither with a leader post; a
    24-hour shift on other days. Eight trained staff and three leaders in the county."""
    ShiftType.objects.create(
        unit=org.county, day_kind=DayKind.WORKDAY, name="白班", start=dt.time(8, 30), hours=9, standbys=1
    )
    ShiftType.objects.create(
        unit=org.county, day_kind=DayKind.WORKDAY, name="夜班", start=dt.time(17, 30), hours=15, standbys=1
    )
    for kind in (DayKind.WEEKEND, DayKind.HOLIDAY):
        ShiftType.objects.create(
            unit=org.county, day_kind=kind, name="全天班", start=dt.time(8, 30), hours=24, standbys=1
        )
    people = [make_person(org.county, f"值班员{i}", roles=[Role.DUTY_STAFF]) for i in range(8)]
    leaders = [make_person(org.county, f"县领导{i}", roles=[Role.LEADER]) for i in range(3)]
    for person in [*people, *leaders]:
        train(person, on=dt.date(2026, 9, 1))
    with time_machine.travel(dt.datetime(2026, 10, 1, 9, 0, tzinfo=SHANGHAI), tick=False):
        yield


def test_rule_B10_every_shift_of_a_sensitive_workday_gets_a_leader_and_the_solver_fills_them(
    org, day_and_night
):
    SensitivePeriod.objects.create(
        unit=org.city, name="全国两会期间", start=dt.date(2026, 10, 20), end=dt.date(2026, 10, 21)
    )
    shifts, problems = planning.planned_shifts(org.county, dt.date(2026, 10, 19), dt.date(2026, 10, 21))
    assert problems == []
    sensitive = [s for s in shifts if s.day.sensitive]
    assert {s.name for s in sensitive} == {"白班", "夜班"}
    assert all(s.posts.get("leader") == 1 for s in sensitive)  # B10: around the clock, every shift
    assert not any(s.posts.get("leader") for s in shifts if not s.day.sensitive)
    roster = make_roster(org.county, dt.date(2026, 10, 19), 3)
    result = planning.generate(roster, time_limit=5)
    assert result.status in ("optimal", "feasible"), result.reasons
    led = {(a.day, a.shift_name) for a in roster.assignments.filter(post="leader")}
    assert led == {(d, n) for d in (dt.date(2026, 10, 20), dt.date(2026, 10, 21)) for n in ("白班", "夜班")}


# --- point 2: a preference shown as one, marked in its cell, confirmed before publishing ------------------

from tests.factories import make_assignment, make_shift_types  # noqa: E402
from zhiban.audit.models import AuditEntry  # noqa: E402
from zhiban.org.models import DutyPolicy  # noqa: E402
from zhiban.roster.models import Holiday, Roster, RosterChange  # noqa: E402


@pytest.fixture
def october(org):
    make_shift_types(org.county)
    staff = [make_person(org.county, f"值班员{i}", roles=[Role.DUTY_STAFF]) for i in range(6)]
    for person in staff:
        train(person, on=dt.date(2026, 9, 1))
    with time_machine.travel(dt.datetime(2026, 10, 1, 9, 0, tzinfo=SHANGHAI), tick=False):
        yield staff


def _three_days(org, staff, primaries):
    """A complete three-day roster from 10月12日: the primaries given, a deputy and a standby each day."""
    roster = make_roster(org.county, dt.date(2026, 10, 12), 3)
    for i, person in enumerate(primaries):
        day = dt.date(2026, 10, 12) + dt.timedelta(days=i)
        make_assignment(roster, person, day, "primary")
        make_assignment(roster, staff[3 + i], day, "standby")
    return roster


def test_rule_B9_shifts_closer_than_the_spacing_are_marked_and_publishing_asks_a_recorded_confirmation(
    org, october
):
    DutyPolicy.objects.create(unit=org.county, min_days_between_shifts=3)
    a, b = october[0], october[1]
    roster = _three_days(org, october, [a, b, a])  # a on the 12th and the 14th: 2 days apart, 3 asked
    violations = planning.check(roster)
    notes = [v for v in violations if v.preference]
    assert [v for v in violations if v.blocks_publishing] == []
    assert len(notes) == 1 and "10月14日全天班主班" in notes[0].message and "不足3天" in notes[0].message
    admin = org.client(org.county_admin)
    page = admin.get(f"/roster/{roster.pk}/").content.decode()
    assert 'class="preference"' in page and "不足3天" in page and "确认发布的理由" in page
    refused = admin.post(f"/roster/{roster.pk}/publish/", follow=True).content.decode()
    assert "发布前须确认" in refused
    roster.refresh_from_db()
    assert roster.state == Roster.State.DRAFT
    admin.post(f"/roster/{roster.pk}/publish/", {"confirmation": "人手紧张，已与本人商定"})
    roster.refresh_from_db()
    assert roster.state == Roster.State.PUBLISHED
    change = RosterChange.objects.get(roster=roster)
    assert "人手紧张，已与本人商定" in change.summary and "两次值班尽量间隔3天" in change.summary
    assert AuditEntry.objects.filter(model="roster.roster", after__publish_confirmed="人手紧张，已与本人商定")


def test_rule_B9_a_solved_roster_far_from_its_optimum_asks_for_confirmation(org, october):
    roster = make_roster(org.county, dt.date(2026, 10, 12), 3)
    Roster.objects.filter(pk=roster.pk).update(solver_gap=0.3)
    roster.refresh_from_db()
    from zhiban.roster import services

    warnings = services.publish_warnings(roster, [])
    assert warnings == ["自动排班与最优的差距可能达30.0%，超过规则允许的5%，可再次自动排班或逐项调整"]
    DutyPolicy.objects.create(unit=org.county, max_solver_gap_percent=40)
    assert services.publish_warnings(roster, []) == []


# --- point 3: a year whose holidays nobody entered ----------------------------------------------------------


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


# --- point 4: drafts can be deleted, and a draft in the way is named -----------------------------------------


def test_a_draft_roster_is_deleted_and_one_in_the_way_is_named(org, october):
    from zhiban.roster.models import Assignment

    forgotten = make_roster(org.county, dt.date(2026, 10, 12), 3)
    Roster.objects.filter(pk=forgotten.pk).update(title="东湖县10月值班表（旧草稿）")
    for day in range(3):
        for person in october:
            make_assignment(forgotten, person, dt.date(2026, 10, 12) + dt.timedelta(days=day), "deputy")
    roster = make_roster(org.county, dt.date(2026, 10, 12), 3)
    result = planning.generate(roster, time_limit=2)
    assert result.status == "infeasible"
    assert any(
        "《东湖县10月值班表（旧草稿）》（草稿）已安排" in r and "请删除它" in r for r in result.reasons
    )
    admin = org.client(org.county_admin)
    assert "删除草稿" in admin.get(f"/roster/{forgotten.pk}/").content.decode()
    admin.post(f"/roster/{forgotten.pk}/delete/")
    assert not Roster.objects.filter(pk=forgotten.pk).exists()
    assert Roster.objects.filter(pk=roster.pk).exists() and not Assignment.objects.filter(
        roster_id=forgotten.pk
    )
    assert planning.generate(roster, time_limit=5).status in ("optimal", "feasible")
    Roster.objects.filter(pk=roster.pk).update(state=Roster.State.PUBLISHED)
    refused = admin.post(f"/roster/{roster.pk}/delete/", follow=True).content.decode()
    assert "已发布的值班表不能删除" in refused and Roster.objects.filter(pk=roster.pk).exists()
    sibling = org.client(org.sibling_officer).post(f"/roster/{roster.pk}/delete/")
    assert sibling.status_code == 404


# --- point 5: the fairness panel counts only those who could be scheduled ------------------------------------


def test_fairness_leaves_out_people_who_could_not_be_scheduled(org, october):
    for i in range(4):
        make_person(org.county, f"未培训{i}", roles=[Role.DUTY_STAFF])
    roster = make_roster(org.county, dt.date(2026, 10, 12), 14)  # 42 posts for 6 people who may serve
    assert planning.generate(roster, time_limit=10).status in ("optimal", "feasible")
    page = org.client(org.county_admin).get(f"/roster/{roster.pk}/")
    report = page.context["fairness"]
    assert not any("明显多于" in f for f in report.findings), report.findings
    assert {r.person.name for r in report.rows} >= {"未培训0", "值班员0"}  # listed, not counted
    assert report.score >= 90


def test_rule_B10_a_national_holiday_entry_applies_to_every_unit(org):
    Holiday.objects.create(date=dt.date(2027, 1, 1), kind=Holiday.Kind.HOLIDAY, name="元旦")
    Holiday.objects.create(date=dt.date(2027, 1, 4), kind=Holiday.Kind.WORKDAY, name="调休上班")
    from zhiban.roster.calendar import days_between

    days = {d.date: d for d in days_between(org.township, dt.date(2027, 1, 1), dt.date(2027, 1, 4))}
    assert (days[dt.date(2027, 1, 1)].kind, days[dt.date(2027, 1, 1)].name) == ("holiday", "元旦")
    assert days[dt.date(2027, 1, 4)].kind == "workday" and days[dt.date(2027, 1, 2)].kind == "weekend"


# --- point 6: one person per approval step; a partner who can keep duty; no double sensitive periods ---------

from tests.factories import make_exemption  # noqa: E402
from zhiban.roster.models import Exemption  # noqa: E402


def test_rule_A3_1_one_person_cannot_sign_two_steps_of_an_exemption(org):
    both = make_person(org.county, "兼任负责人", roles=[Role.APPROVER, Role.LEADER])
    exemption = make_exemption(org.officer, dt.date(2026, 10, 10), dt.date(2026, 10, 20))
    client = org.client(both)
    assert client.post(f"/roster/exemptions/{exemption.pk}/step/", {"decision": "approve"}).status_code == 302
    exemption.refresh_from_db()
    assert exemption.state == Exemption.State.HEAD_APPROVED and exemption.head_by == both
    assert not exemption.may_act(both) and exemption.may_act(org.county_leader)
    assert both not in exemption.actors() and org.county_leader in exemption.actors()
    assert client.post(f"/roster/exemptions/{exemption.pk}/step/", {"decision": "approve"}).status_code == 403
    org.client(org.county_leader).post(f"/roster/exemptions/{exemption.pk}/step/", {"decision": "approve"})
    exemption.refresh_from_db()
    assert exemption.state == Exemption.State.LEADER_APPROVED and exemption.leader_by == org.county_leader


def test_rule_A3_2_the_swap_partners_offered_are_those_who_keep_duty_on_the_roster(org, october):
    roster = make_roster(org.county, dt.date(2026, 10, 12), 3)
    make_assignment(roster, october[0], dt.date(2026, 10, 12))
    Roster.objects.filter(pk=roster.pk).update(state=Roster.State.PUBLISHED)
    make_person(org.county, "县督查", roles=[Role.INSPECTOR])
    page = org.client(october[0]).get("/roster/swaps/new/")
    offered = {p.name for p in page.context["form"].fields["partner"].queryset}
    assert {"值班员1", "值班员5", org.officer.name, org.county_leader.name} <= offered
    assert "值班员0" not in offered and "县督查" not in offered and org.county_admin.name not in offered


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


# --- point 7: the iCal feed carries its time zone ---------------------------------------------------------


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


# --- points 8, 9, 24: one rule for a personal number; every duty room found; e-mail editable ----------------

from tests.factories import listed_contacts, make_contact  # noqa: E402
from zhiban.org.models import Contact, Person  # noqa: E402


@pytest.fixture
def leader_mobile(org):
    """The county leader's mobile, internal-only in the directory (A1.7)."""
    make_contact(
        org.county,
        org.county_leader.name,
        person=org.county_leader,
        numbers=(("office", "0558-3000001", False), ("mobile", org.county_leader.mobile, True)),
    )
    return org.county_leader.mobile


def test_rule_A1_7_an_internal_mobile_is_hidden_outside_its_unit_on_every_page_api_and_export(
    org, leader_mobile
):
    from openpyxl import load_workbook

    city = org.client(org.city_admin)  # the superior duty office reads the county
    listing = city.get("/org/people/?scope=all&q=zengzhiqiang").content.decode()
    assert org.county_leader.name in listing and "仅本单位可见" in listing and leader_mobile not in listing
    page = city.get(f"/org/people/{org.county_leader.pk}/").content.decode()
    assert (
        "仅本单位人员可见" in page and leader_mobile not in page and "0558" not in page.split("手机")[1][:40]
    )
    api = city.get(f"/api/v1/people/{org.county_leader.pk}").json()
    assert api["name"] == org.county_leader.name and api["mobile"] == ""
    listed = city.get("/api/v1/people?limit=100").json()["items"]
    assert {p["name"]: p["mobile"] for p in listed}[org.county_leader.name] == ""
    assert city.get(f"/org/people/?scope=all&q={leader_mobile}").context["page"].rows == []
    sheet = load_workbook(io.BytesIO(city.get("/org/people/export.xlsx?scope=all").content)).active
    rows = {r[0]: r[5] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert org.county_leader.name in rows and rows[org.county_leader.name] in ("", None)
    # inside the county it is shown, as in the directory
    county = org.client(org.officer).get(f"/org/people/{org.county_leader.pk}/").content.decode()
    assert leader_mobile in county
    # the superior's edit form neither shows nor overwrites it
    form = city.get(f"/org/people/{org.county_leader.pk}/edit/").content.decode()
    assert leader_mobile not in form and "个人号码仅对本单位人员显示" in form


def test_rule_B21_every_duty_officer_finds_every_units_duty_room(org):
    make_contact(
        org.sibling,
        "西山县人民政府值班室",
        kind=Contact.Kind.DUTY_OFFICE,
        numbers=(("duty", "0558-5519999", False), ("mobile", "13900000099", True)),
    )
    make_contact(org.sibling, "西山县县长", numbers=(("mobile", "13900000088", True),))
    response = org.client(org.officer).get("/org/contacts/?q=西山")
    names = set(listed_contacts(response).values())
    assert "西山县人民政府值班室" in names and "西山县县长" not in names
    body = response.content.decode()
    assert "0558-5519999" in body and "13900000099" not in body


def test_a_persons_email_is_entered_on_their_page_for_the_email_channel(org):
    admin = org.client(org.county_admin)
    form = admin.get(f"/org/people/{org.officer.pk}/edit/").context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k != "email"}
    data.update(unit=org.officer.unit_id, email="not-an-address")
    refused = admin.post(f"/org/people/{org.officer.pk}/edit/", data).content.decode()
    assert "请填写有效的电子邮箱地址" in refused and 'value="not-an-address"' in refused
    data["email"] = "linhaiyan@donghu.gov.cn"
    assert admin.post(f"/org/people/{org.officer.pk}/edit/", data).status_code == 302
    org.officer.user.refresh_from_db()
    assert org.officer.user.email == "linhaiyan@donghu.gov.cn"
    assert Person.objects.get(pk=org.officer.pk).mobile == org.officer.mobile


# --- point 10: the top of the system reports to an office named by hand ------------------------------------

from zhiban.incidents import services as incidents  # noqa: E402
from zhiban.incidents.models import ELEMENTS, Event, Report  # noqa: E402

FULL = {name: f"{label}内容" for name, label in ELEMENTS}


def test_rule_B21_the_city_reports_its_own_event_to_an_office_outside_the_system(org):
    with time_machine.travel(dt.datetime(2026, 10, 5, 9, 0, tzinfo=SHANGHAI), tick=False):
        known = dt.datetime(2026, 10, 5, 8, 50, tzinfo=SHANGHAI)
        event = incidents.event_open(
            org.city,
            org.city_admin,
            title="化工园区火灾",
            category="accident",
            known_at=known,
            place="化工园区",
            summary="厂房起火",
        )
        client = org.client(org.city_admin)
        page = client.get(f"/incidents/{event.pk}/").content.decode()
        assert "报送的上级值班机构" in page and "省政府总值班室" in page
        fields = {
            "r-kind": "first",
            "r-channel": "phone",
            "r-at": "2026-10-05T08:58",
            "r-phoned_whom": "王处长",
        }
        refused = client.post(f"/incidents/{event.pk}/reports/", fields)
        assert refused.status_code == 400 and "请填写报送的上级值班机构" in refused.content.decode()
        assert not Report.objects.exists()
        fields["r-to_office"] = "省政府总值班室"
        assert client.post(f"/incidents/{event.pk}/reports/", fields).status_code == 302
        report = Report.objects.get()
        assert (report.to_unit, report.to_office, report.late_minutes) == (None, "省政府总值班室", 0)
        event.refresh_from_db()
        assert event.phone_reported_at == dt.datetime(2026, 10, 5, 8, 58, tzinfo=SHANGHAI)
        assert "省政府总值班室" in client.get(f"/incidents/{event.pk}/").content.decode()
        word = docx.Document(io.BytesIO(client.get(f"/incidents/reports/{report.pk}/report.docx").content))
        assert any(p.text == "省政府总值班室：" for p in word.paragraphs)
        detail = client.get(f"/incidents/reports/{report.pk}/").content.decode()
        assert "省政府总值班室（系统外）" in detail and "逐级转报" not in detail
        # a county still reports within the system: an office typed by hand is not taken for it
        county_event = incidents.event_open(
            org.county,
            org.officer,
            title="山洪",
            category="natural",
            known_at=known,
            place="某村",
            summary="x",
        )
        with pytest.raises(Exception, match="请选择报送的上级单位"):
            incidents.report_make(
                county_event,
                org.officer,
                kind="first",
                channel="phone",
                at=known,
                to_office="省政府总值班室",
                phoned_whom="王处长",
            )
        assert Event.objects.count() == 2


# --- points 11, 12, 13: events paged; a leader always hears the alarm; no raw codes ---------------------------

from tests.shift_fixtures import at, travel  # noqa: E402
from zhiban.incidents.jobs import try_deadline_one, try_verification_one  # noqa: E402
from zhiban.notify.models import Notice  # noqa: E402


def _open(org, title="山体滑坡", known=(9, 0)):
    with travel(at(*known)):
        return incidents.event_open(
            org.county,
            org.officer,
            title=title,
            category="natural",
            known_at=at(*known),
            place="某村",
            summary="道路中断",
        )


@pytest.mark.usefixtures("on_the_day")
def test_rule_B21_A1_4_deadline_alarms_reach_the_units_leaders_on_a_shift_without_a_leader_post(org, duty):
    duty.roster.assignments.filter(post="leader").delete()  # a workday: no leader post on the shift
    event = _open(org)
    with travel(at(9, 15)):
        while try_deadline_one():
            pass
    assert event.steps.filter(kind="alarm").count() == 1
    for person in (org.officer, org.county_leader, org.county_admin):
        assert Notice.objects.filter(person=person, text__startswith="【告警】").count() == 1, person.name


@pytest.mark.usefixtures("on_the_day")
def test_the_events_list_is_paged(org, duty):
    for i in range(52):
        _open(org, title=f"事件{i:02d}")
    client = org.client(org.officer)
    first = client.get("/incidents/")
    assert len(first.context["page"]) == 50 and "下一页" in first.content.decode()
    second = client.get("/incidents/?page=2")
    assert len(second.context["page"]) == 2 and "上一页" in second.content.decode()
    assert client.get("/incidents/?page=x").context["page"].number == 1


@pytest.mark.usefixtures("on_the_day")
def test_rule_B20_an_overdue_verification_reply_is_named_in_words(org, duty):
    with travel(at(10)):
        asked = incidents.verification_ask(org.city, org.county, org.city_admin, "核实有无人员伤亡")
    with travel(at(10, 31)):
        while try_verification_one():
            pass
    page = org.client(org.city_admin).get(f"/incidents/verifications/{asked.pk}/").content.decode()
    assert "迟报（电话反馈）" in page and "迟报（书面反馈）" in page
    assert "phone" not in page.split("超时记录")[1][:200]


# --- point 14: control characters refused at every input, and no export fails on what is stored -------------

from django.test import Client  # noqa: E402

from tests.shift_fixtures import call_data  # noqa: E402
from zhiban.intake.models import Call  # noqa: E402
from zhiban.org.models import ApiToken  # noqa: E402


@pytest.mark.usefixtures("on_the_day")
def test_control_characters_are_refused_on_the_pages_next_to_the_field_and_nothing_is_saved(org, duty):
    client = org.client(org.officer)
    with travel(at(9, 20)):
        response = client.post("/intake/calls/new/", call_data(content="滑坡\x01\x0b阻断"))
    body = response.content.decode()
    assert (
        "含有不可见的控制字符" in body and "滑坡" in body
    )  # the entry is kept, the field says what is wrong
    assert not Call.objects.exists()
    with travel(at(9, 20)):
        saved = client.post("/intake/calls/new/", call_data(content="滑坡\n阻断\t道路"))  # new lines stay
    assert saved.status_code == 302 and Call.objects.get().content == "滑坡\n阻断\t道路"


@pytest.mark.usefixtures("on_the_day")
def test_control_characters_are_refused_by_the_api_with_the_field_named(org, duty):
    headers = {"Authorization": f"Bearer {ApiToken.issue(org.officer.user, 'CTI')[1]}"}
    client = Client()
    with travel(at(9, 20)):
        refused = client.post(
            f"/api/v1/units/{org.county.pk}/calls",
            {"number": "0558\u0006", "rang_at": "2026-03-05T09:10:00+08:00"},
            content_type="application/json",
            headers=headers,
        )
        event = client.post(
            f"/api/v1/units/{org.county.pk}/events",
            {
                "title": "火灾\u0001",
                "category": "accident",
                "known_at": "2026-03-05T09:10:00+08:00",
                "place": "某地",
                "summary": "x",
            },
            content_type="application/json",
            headers=headers,
        )
        search = client.get("/api/v1/people?q=%07", headers=headers)
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "number"
    assert "控制字符" in refused.json()["errors"][0]["message"]
    assert event.status_code == 400 and event.json()["errors"][0]["field"] == "title"
    assert search.status_code == 400 and not Call.objects.exists() and not Event.objects.exists()


@pytest.mark.usefixtures("on_the_day")
def test_what_was_stored_before_never_breaks_the_duty_log_the_report_or_the_excel_exports(org, duty):
    with travel(at(9, 20)):
        Call.objects.create(
            unit=org.county, at=at(9, 10), number="0558\x06", name="王\x01建华", content="x\x0by"
        )
        event = _open(org, title="火灾\x01")
        report = incidents.report_make(
            event,
            org.officer,
            kind="first",
            channel="written",
            at=at(9, 15),
            to_unit=org.city,
            unverified=True,
            course="起火\x0b蔓延",
        )
    client = org.client(org.officer)
    log = client.get(f"/duty/shifts/{duty.day.pk}/log.docx")
    assert log.status_code == 200
    text = "\n".join(
        c.text for t in docx.Document(io.BytesIO(log.content)).tables for r in t.rows for c in r.cells
    )
    assert "王建华" in text and "0558" in text
    word = docx.Document(io.BytesIO(client.get(f"/incidents/reports/{report.pk}/report.docx").content))
    assert "关于火灾的首报" in [p.text for p in word.paragraphs] and "起火蔓延" in [
        p.text for p in word.paragraphs
    ]
    make_contact(org.county, "县应急\x01局")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(client.get("/org/contacts/export.xlsx").content)).active
    assert "县应急局" in [row[2] for row in sheet.iter_rows(values_only=True)]


# --- point 28: the duty log and the swap form in the GB/T 9704 layout, named in Chinese -----------------------


def _layout(word):
    """(page number field in the footer, every run black, no Word heading or title style used)."""
    footer = word.sections[0].footer
    runs = [r for p in word.paragraphs for r in p.runs]
    styles = {p.style.name for p in word.paragraphs}
    return (
        "PAGE" in footer._element.xml and footer.paragraphs[0].text.startswith("— "),
        all(r.font.color.rgb == docx.shared.RGBColor(0, 0, 0) for r in runs if r.text.strip()),
        not styles & {"Title", "Heading 1", "Heading 2"},
    )


@pytest.mark.usefixtures("on_the_day")
def test_the_duty_log_is_an_official_document_named_for_its_day_and_shift(org, duty):
    response = org.client(org.officer).get(f"/duty/shifts/{duty.day.pk}/log.docx")
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    from urllib.parse import unquote

    assert unquote(response["Content-Disposition"].split("''")[1]) == "值班日志-2026年3月5日全天班.docx"
    word = docx.Document(io.BytesIO(response.content))
    assert _layout(word) == (True, True, True)
    title = word.paragraphs[0]
    assert title.text == "值班日志" and title.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.CENTER
    assert title.runs[0].font.size.pt == 22 and title.runs[0].font.name == "方正小标宋简体"
    headings = [p for p in word.paragraphs if p.text.startswith(("一、", "二、", "三、"))]
    assert len(headings) == 3 and all(h.runs[0].font.name == "黑体" for h in headings)
    widths = [round(c.width.cm, 1) for c in word.tables[0].columns]
    assert widths == [3.2, 12.4]  # the content column is wide: it does not wrap every 13 characters


def test_the_swap_form_has_signature_lines_page_numbers_and_no_rule_codes(org, october):
    from zhiban.roster import services
    from zhiban.roster.models import Assignment

    roster = make_roster(org.county, dt.date(2026, 10, 12), 2)
    mine = make_assignment(roster, october[0], dt.date(2026, 10, 12))
    theirs = make_assignment(roster, october[1], dt.date(2026, 10, 13))
    Roster.objects.filter(pk=roster.pk).update(state=Roster.State.PUBLISHED)
    swap = services.swap_apply(october[0], october[1], Assignment.objects.get(pk=mine.pk), theirs, "家中有事")
    response = org.client(october[0]).get(f"/roster/swaps/{swap.pk}/form.docx")
    from urllib.parse import unquote

    assert (
        unquote(response["Content-Disposition"].split("''")[1])
        == "值班换班申请报告-值班员0-10月12日全天班.docx"
    )
    word = docx.Document(io.BytesIO(response.content))
    assert _layout(word) == (True, True, True)
    text = "\n".join(
        [p.text for p in word.paragraphs] + [c.text for t in word.tables for r in t.rows for c in r.cells]
    )
    for role in ("申请人", "换班人", "部门负责人", "值班室"):
        assert any(r.cells[0].text == role and "签字：" in r.cells[1].text for r in word.tables[1].rows), role
    assert "　　年　　月　　日" in text and "A3.2" not in text and "家中有事" in text


# --- points 15, 16, 17: bounds on the API, one limit per field said plainly, refusals without tracebacks -------


@pytest.mark.parametrize(
    "url, field",
    [
        ("/api/v1/people?limit=99999999999999999999", "limit"),
        ("/api/v1/units?limit=99999999999999999999", "limit"),
        ("/api/v1/contacts?offset=99999999999999999999", "offset"),
        ("/api/v1/people?limit=0", "limit"),
    ],
)
def test_api_integer_parameters_have_bounds_and_answer_in_chinese(org, url, field):
    headers = {"Authorization": f"Bearer {ApiToken.issue(org.county_admin.user, 't')[1]}"}
    response = Client(raise_request_exception=False).get(url, headers=headers)
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == field and error["message"] in ("数值太大", "数值太小")


def test_api_not_found_is_said_in_chinese(org):
    headers = {"Authorization": f"Bearer {ApiToken.issue(org.county_admin.user, 't')[1]}"}
    client = Client()
    missing = client.get("/api/v1/people/99999999999999999999", headers=headers)
    assert missing.status_code == 404 and missing.json()["detail"] == "没有找到，或不在您可以查看的范围内"
    sibling = client.get(f"/api/v1/people/{org.sibling_officer.pk}", headers=headers)
    assert sibling.status_code == 404 and "没有找到" in sibling.json()["detail"]
    nowhere = client.get("/api/v1/no-such-thing", headers=headers)
    assert nowhere.status_code == 404 and "没有这个接口" in nowhere.json()["detail"]
    assert client.get(f"/api/v1/people/{org.officer.pk}", headers=headers).json()["name"] == org.officer.name


@pytest.mark.usefixtures("on_the_day")
def test_one_limit_per_field_on_the_page_and_the_api_said_plainly(org, duty):
    from zhiban.lib.text import TEXT_LIMIT

    client = org.client(org.officer)
    with travel(at(9, 20)):
        long = client.post("/intake/calls/new/", call_data(content="滑" * (TEXT_LIMIT + 1)))
        visit = client.post(
            "/intake/visits/new/",
            {
                "name": "刘大伟",
                "identity": "群众",
                "people": "0",
                "purpose": "反映",
                "arrived_at": "2026-03-05T09:10",
            },
        )
    body = long.content.decode()
    assert f"最多{TEXT_LIMIT}个字，现在有{TEXT_LIMIT + 1}个字" in body and "确保" not in body
    assert "来访人数至少为1人" in visit.content.decode() and not Call.objects.exists()
    headers = {"Authorization": f"Bearer {ApiToken.issue(org.officer.user, 'CTI')[1]}"}
    with travel(at(9, 20)):
        event = Client().post(
            f"/api/v1/units/{org.county.pk}/events",
            {
                "title": "火灾",
                "category": "accident",
                "known_at": "2026-03-05T09:10:00+08:00",
                "place": "某地",
                "summary": "滑" * (TEXT_LIMIT + 1),
            },
            content_type="application/json",
            headers=headers,
        )
    assert event.status_code == 422 and event.json()["errors"][0]["field"] == "summary"


def test_a_refused_request_is_logged_without_its_traceback(org, caplog):
    client = org.client(org.inspector)  # reads, never writes
    with caplog.at_level("WARNING", logger="django.request"):
        response = client.post("/org/units/new/", {"name": "x"})
    assert response.status_code == 403
    records = [r for r in caplog.records if r.name == "django.request"]
    assert records and all(r.exc_info is None for r in records)
    assert "Forbidden" in records[0].getMessage()


# --- points 18–22: health records, classified documents, refusals and reads audited, the chain's end, edits ---

from tests.factories import make_system_user  # noqa: E402
from zhiban.audit.trail import verify_chain  # noqa: E402
from zhiban.intake.models import Document  # noqa: E402


def test_rule_A3_1_A2_7_medical_records_are_read_by_applicant_approvers_and_office_only_and_audited(org):
    exemption = make_exemption(org.officer, dt.date(2026, 10, 10), dt.date(2026, 10, 20))
    head = make_person(org.county, "部门负责人", roles=[Role.APPROVER])
    plain = make_person(org.county, "普通干部")
    url = f"/roster/exemptions/{exemption.pk}/record/"
    for person in (org.officer, head, org.county_leader, org.county_admin):
        response = org.client(person).get(url)
        assert response.status_code == 200 and b"%PDF-1.4 record" in b"".join(response.streaming_content)
    for person in (plain, org.inspector, org.deputy):
        assert org.client(person).get(url).status_code in (403, 404), person.name
    admin = make_system_user("system_admin")
    from django.test import Client as PlainClient

    system = PlainClient()
    system.force_login(admin)
    assert system.get(url).status_code in (403, 404)
    reads = AuditEntry.objects.filter(model="roster.exemption", action="read")
    assert reads.count() == 4 and {e.actor_name for e in reads} >= {org.officer.name, head.name}
    refused = AuditEntry.objects.filter(model="roster.exemption", action="refused")
    assert {e.actor_name for e in refused} >= {plain.name, org.inspector.name}
    page = org.client(org.deputy).get(f"/roster/exemptions/{exemption.pk}/").content.decode()
    assert (
        "仅申请人、审批人和值班室管理员可查看" in page
        and f"/roster/exemptions/{exemption.pk}/record/" not in page
    )


@pytest.mark.usefixtures("on_the_day")
def test_rule_A2_7_B15_a_secret_document_is_read_by_its_own_units_duty_staff_only_and_refusals_are_audited(
    org, duty
):
    with travel(at(9, 30)):
        secret = Document.objects.create(
            unit=org.city,
            sender="省政府办公厅",
            title="涉密部署事项",
            classification="secret",
            handler=org.city_admin,
        )
    assert (
        "涉密部署事项" in org.client(org.city_admin).get(f"/intake/documents/{secret.pk}/").content.decode()
    )
    inspector = org.client(org.inspector)  # reads the city's duty records, not its classified ones
    assert inspector.get(f"/intake/documents/{secret.pk}/").status_code == 404
    listing = inspector.get("/intake/documents/").content.decode()
    assert "涉密部署事项" not in listing and "收文" in listing
    refusal = AuditEntry.objects.get(action="refused", model="intake.document")
    assert refusal.object_id == str(secret.pk) and refusal.actor_name == org.inspector.name
    assert "涉密部署事项" not in refusal.object_repr


def test_rule_A2_7_the_audit_chain_breaks_when_its_newest_rows_or_all_are_deleted_or_ip_edited(org):
    from django.core.management import CommandError, call_command
    from django.db import connection

    admin = org.client(org.county_admin)
    for name in ("改名一", "改名二", "改名三"):
        admin.post(f"/org/people/{org.officer.pk}/edit/", {**_person_data(org), "name": name})
    count, broken = verify_chain()
    assert broken is None and count == AuditEntry.objects.count() >= 3
    table = AuditEntry._meta.db_table
    newest = AuditEntry.objects.order_by("-id").first()
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET ip = %s WHERE id = %s", ["10.0.0.9", newest.pk])
    assert verify_chain()[1].pk == newest.pk
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [newest.pk])
    count, broken = verify_chain()
    assert broken.pk is None and "最新的1条记录被删除" in broken.message
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")
    assert verify_chain()[1] is not None
    with pytest.raises(CommandError, match="newest entries"):
        call_command("audit_verify")


def _person_data(org):
    p = org.officer
    return {
        "name": p.name,
        "gender": p.gender,
        "unit": p.unit_id,
        "mobile": p.mobile,
        "order": 0,
        "is_established": "on",
        "duty_eligible": "on",
        "active": "on",
    }


@pytest.mark.usefixtures("on_the_day")
def test_a_superior_reads_a_units_call_and_visit_records_but_is_offered_no_edit_and_cannot_post_one(
    org, duty
):
    with travel(at(9, 20)):
        org.client(org.officer).post("/intake/calls/new/", call_data())
    call = Call.objects.get()
    city_leader = make_person(org.city, "市领导", roles=[Role.LEADER])
    client = org.client(city_leader)
    detail = client.get(f"/intake/calls/{call.pk}/").content.decode()
    assert "王建华" in detail and f"/intake/calls/{call.pk}/edit/" not in detail
    assert client.get(f"/intake/calls/{call.pk}/edit/").status_code == 403
    with travel(at(9, 30)):
        assert client.post(f"/intake/calls/{call.pk}/edit/", call_data(content="改了")).status_code == 403
    assert Call.objects.get().content == call.content
    own = org.client(org.deputy).get(f"/intake/calls/{call.pk}/").content.decode()
    assert f"/intake/calls/{call.pk}/edit/" in own  # the county's own duty office changes it


@pytest.mark.usefixtures("on_the_day")
def test_rule_A2_5_the_exchange_cannot_report_a_ring_or_an_answer_that_has_not_happened(org, duty):
    headers = {"Authorization": f"Bearer {ApiToken.issue(org.officer.user, 'CTI')[1]}"}
    url = f"/api/v1/units/{org.county.pk}/calls"
    client = Client()
    with travel(at(9, 20)):
        rings_ahead = client.post(
            url,
            {"number": "0558-1", "rang_at": "2026-03-05T10:20:00+08:00"},
            content_type="application/json",
            headers=headers,
        )
        answered_ahead = client.post(
            url,
            {
                "number": "0558-1",
                "rang_at": "2026-03-05T09:19:00+08:00",
                "answered_at": "2026-03-05T09:40:00+08:00",
            },
            content_type="application/json",
            headers=headers,
        )
        within_skew = client.post(
            url,
            {"number": "0558-1", "rang_at": "2026-03-05T09:21:00+08:00"},
            content_type="application/json",
            headers=headers,
        )
    assert rings_ahead.status_code == 400 and rings_ahead.json()["errors"] == {"rang_at": ["不能晚于现在"]}
    assert answered_ahead.status_code == 400 and list(answered_ahead.json()["errors"]) == ["answered_at"]
    assert (
        within_skew.status_code == 201 and Call.objects.count() == 1
    )  # a clock a minute fast is not refused


# --- 29. rule codes stay in the code ------------------------------------------------------------------------------
import re  # noqa: E402

from django.urls import NoReverseMatch, reverse  # noqa: E402

from tests.test_access import OBJECT_URLS, POST_ONLY, UNSCOPED_BY_ID, objects  # noqa: E402, F401

RULE_CODE = re.compile(r"(?<![A-Za-z0-9_])[AB][0-9]{1,2}(?:\.[0-9]+)?(?![0-9A-Za-z_])")


def _words(response) -> str:
    if "wordprocessingml" in response.get("Content-Type", ""):
        word = docx.Document(io.BytesIO(response.content))
        cells = [c.text for t in word.tables for row in t.rows for c in row.cells]
        return "\n".join([p.text for p in word.paragraphs] + cells)
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_no_rule_code_is_shown_on_any_page_or_in_any_document(org, objects):  # noqa: F811
    client = org.client(org.county_admin)
    pages = [reverse(n, args=OBJECT_URLS[n][0](objects)) for n in sorted(OBJECT_URLS) if n not in POST_ONLY]
    for name in sorted(UNSCOPED_BY_ID - {"logout", "healthz"}):
        try:
            pages.append(reverse(name))
        except NoReverseMatch:  # a page that needs an argument is reached through the object pages
            continue
    shown = {}
    for url in pages:
        response = client.get(url)
        if response.status_code == 200 and response.get("Content-Type", "").split(";")[0] in (
            "text/html",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ):
            found = [
                _words(response)[max(0, m.start() - 40) : m.end() + 10]
                for m in RULE_CODE.finditer(_words(response))
            ]
            if found:
                shown[url] = found
    assert len(pages) > 100
    assert shown == {}, "\n".join(f"{u} {c}" for u, c in shown.items())


# --- 30. a person sees only what they may do ---------------------------------------------------------------------
BUTTON = re.compile(
    r'<a\b[^>]*class="button[^"]*"[^>]*href="([^"#]+)"|<a\b[^>]*href="([^"#]+)"[^>]*class="button'
)
POST_FORM = re.compile(
    r'<form\b[^>]*method="post"[^>]*action="([^"]+)"|<form\b[^>]*action="([^"]+)"[^>]*method="post"'
)


def _offered(client, pages):
    """Every button (a link styled as one) and every form posting somewhere, on the pages a person opens."""
    links, forms = set(), set()
    for url in pages:
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        links |= {a or b for a, b in BUTTON.findall(html)}
        forms |= {a or b for a, b in POST_FORM.findall(html)}
        if re.search(r'<form\b(?![^>]*action=)[^>]*method="post"', html):
            forms.add(url)  # a form posting to its own page
    return {u.replace("&amp;", "&") for u in links}, {u.replace("&amp;", "&") for u in forms}


def _pages(objects):  # noqa: F811
    pages = [reverse(n, args=OBJECT_URLS[n][0](objects)) for n in sorted(OBJECT_URLS) if n not in POST_ONLY]
    for name in sorted(UNSCOPED_BY_ID - {"logout", "healthz"}):
        try:
            pages.append(reverse(name))
        except NoReverseMatch:
            continue
    return pages


EVERYONES = {"/logout/", "/password/", "/switch-unit/", "/notices/read-all/"}


@pytest.mark.parametrize("who", ["inspector", "officer", "county_leader", "deputy"])
def test_no_one_is_offered_a_button_or_form_that_refuses_them(org, objects, who):  # noqa: F811
    client = org.client(getattr(org, who))
    links, forms = _offered(client, _pages(objects))
    refused = {u for u in links if client.get(u).status_code == 403}
    refused |= {u for u in forms - EVERYONES if client.post(u, {}).status_code == 403}
    assert links and refused == set(), "\n".join(sorted(refused))


def test_the_navigation_shows_each_person_the_parts_they_work_in(org):
    from zhiban.org.models import User

    auditor = User.objects.create_user("auditor", password="x", system_role=User.SystemRole.AUDIT_ADMIN)
    nav = {}
    for who, user in (("auditor", auditor), ("officer", org.officer.user)):
        client = Client()
        client.force_login(user)
        html = client.get("/").content.decode()
        nav[who] = re.findall(r"<nav[^>]*>(.*?)</nav>", html, re.S)[0]
    assert "审计" in nav["auditor"] and not any(w in nav["auditor"] for w in ("来电来访", "突发事件", "排班"))
    assert "来电来访" in nav["officer"] and "审计" not in nav["officer"]
    assert not any(w in nav["officer"] for w in ("督查", "归档"))  # no placeholder for what is not built


def test_rule_B8_the_demo_has_a_leader_on_every_shift_and_the_city_leader_sees_their_duty(db, monkeypatch):
    from django.core.management import call_command

    from zhiban.roster import demo_data
    from zhiban.roster.models import Assignment, Post, Roster

    monkeypatch.setattr(demo_data, "DEMO_SOLVER_SECONDS", 0.5)
    call_command("demo")
    published = Assignment.objects.filter(roster__state=Roster.State.PUBLISHED)
    shifts = set(published.values_list("roster_id", "day", "start"))
    led = set(published.filter(post=Post.LEADER).values_list("roster_id", "day", "start"))
    assert shifts and led == shifts
    client = Client()
    client.force_login(Person.objects.get(user__username="city_leader").user)
    page = client.get("/roster/mine/").content.decode()
    assert published.filter(person__user__username="city_leader").exists() and "带班" in page
