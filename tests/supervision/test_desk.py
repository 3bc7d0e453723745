"""工作台 (issue 16): the home page is what this person must do now; the alarm strip of every page
states each deadline of the person's duty offices within its warning time or past (B21)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import make_assignment, make_person, make_roster
from tests.incidents.helpers import open_event, township_event
from tests.shift_fixtures import DAY, at, travel
from zhiban.incidents import reporting
from zhiban.incidents.models import VerificationRequest
from zhiban.intake import services as intake
from zhiban.org.models import Role
from zhiban.roster.models import Roster, Swap


def _desk(org, person, moment):
    with travel(moment):
        response = org.client(person).get("/")
    assert response.status_code == 200
    return response.content.decode()


def _strip(org, person, moment):
    with travel(moment):
        response = org.client(person).get("/supervision/roll-calls/pending/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.usefixtures("on_the_day")
def test_rule_B7_the_officer_on_duty_sees_the_shift_the_handover_time_and_the_event_first(org, duty):
    event = open_event(org, known=(9, 0))
    with travel(at(9, 5)):
        intake.matter_open(org.county, org.officer, "小区停水，居民求助")
    html = _desk(org, org.officer, at(9, 10))
    assert "值班人员" in html and "我的值班" in html
    assert "我是<strong>主班</strong>" in html
    assert "交班时间" in html and "17:30" in html  # the day shift ends at 17:30
    assert "小区停水，居民求助" in html
    # the emergency comes before the person's own part, with its countdown
    assert html.index(event.title) < html.index("我的值班")
    assert 'class="countdown' in html and "data-due=" in html


@pytest.mark.usefixtures("on_the_day")
def test_rule_B21_the_leader_sees_the_report_waiting_for_signature_and_the_event_without_instruction(
    org, duty
):
    event = open_event(org, known=(9, 0))
    with travel(at(9, 20)):
        report = reporting.report_draft(
            event,
            org.officer,
            kind="first",
            channel="written",
            to_unit=org.city,
            signer=org.county_leader,
            happened_at_text="3月5日8时50分",
            place="青石镇",
            information_source="电话",
            cause_nature="降雨",
            course="滑坡",
            consequences="无伤亡",
            scope="S203",
            trend="仍有降雨",
            handling="绕行",
            measures="抢通",
            suggestions="无",
        )
    assert report.state == "pending"
    html = _desk(org, org.county_leader, at(9, 30))
    assert "带班领导" in html
    assert "待我签发的报告" in html and f"/incidents/reports/{report.pk}/" in html
    part = html[html.index("处置中尚无批示的事件") :]
    assert event.title in part


@pytest.mark.usefixtures("on_the_day")
def test_the_administrator_sees_days_without_a_roster_a_late_unit_below_and_a_swap_to_approve(org, duty):
    event, _ = township_event(org, known=(9, 0))
    other = make_person(org.county, "郑明", roles=[Role.DUTY_STAFF])
    roster = make_roster(org.county, DAY + dt.timedelta(days=3), 1, state=Roster.State.PUBLISHED)
    mine = make_assignment(roster, org.officer, DAY + dt.timedelta(days=3))
    theirs = make_assignment(roster, other, DAY + dt.timedelta(days=3), "deputy")
    swap = Swap.objects.create(
        applicant=org.officer,
        partner=other,
        shift=mine,
        partner_shift=theirs,
        reason="家中有事",
        state=Swap.State.AWAITING_OFFICE,
    )
    html = _desk(org, org.county_admin, at(10, 0))  # the township's phone report was due at 9:30
    assert "值班室管理员" in html
    assert "今后14天中有" in html  # the roster covers 5-6 March and the 8th only
    late = html[html.index("下级单位超时未报") :]
    assert org.township.label in late and event.title in late and "已超时" in late
    assert f"/roster/swaps/{swap.pk}/" in html and "待我审批" in html


@pytest.mark.usefixtures("on_the_day")
def test_the_inspector_sees_what_the_supervision_pages_will_show_and_no_duty_part(org, duty):
    html = _desk(org, org.inspector, at(10, 0))
    assert "督查人员" in html and "今日电话抽查" in html and "逾期未完成的整改" in html
    assert "我的值班" not in html and "待我签发" not in html


@pytest.mark.usefixtures("on_the_day")
def test_the_organisation_statistics_are_on_the_units_page(org, duty):
    with travel(at(10, 0)):
        html = org.client(org.county_admin).get("/org/units/").content.decode()
    assert "下属单位" in html and "在职人员" in html and "值班专用固定电话" in html


@pytest.mark.usefixtures("on_the_day")
def test_rule_B21_the_alarm_strip_counts_down_within_the_warning_time_then_alarms(org, duty):
    event = open_event(
        org, known=(9, 0)
    )  # the phone report is due by policy at 9:30, warned 5 minutes before
    phone_due = event.deadline_set.get(kind="phone").due_at
    warning = dt.timedelta(minutes=event.warning_minutes)
    before = _strip(org, org.officer, phone_due - warning - dt.timedelta(minutes=1))
    assert event.title not in before
    soon = _strip(org, org.officer, phone_due - warning + dt.timedelta(minutes=1))
    assert event.title in soon and "电话报告" in soon and "data-due=" in soon and "开启提示音" in soon
    past = _strip(org, org.officer, phone_due + dt.timedelta(minutes=1))
    assert (
        'class="badge bad alarm"' in past
        and "已超时" in past
        and timezone.localtime(phone_due).strftime("%H:%M") in past
    )
    # a sibling county's officer and the inspector (who acts for no duty office) see nothing of it
    assert event.title not in _strip(org, org.sibling_officer, phone_due + dt.timedelta(minutes=1))


@pytest.mark.usefixtures("on_the_day")
def test_rule_B21_the_alarm_strip_warns_of_a_verification_answer_owed(org, duty):
    with travel(at(9, 0)):
        asked = VerificationRequest.objects.create(
            from_unit=org.city,
            to_unit=org.county,
            question="请核实青石镇滑坡伤亡情况",
            asked_at=at(9, 0),
            phone_due_at=at(9, 30),
            written_due_at=at(10, 30),
        )
    html = _strip(org, org.officer, at(9, 31))
    assert "核报电话反馈" in html and "已超时" in html and f"/incidents/verifications/{asked.pk}/" in html
