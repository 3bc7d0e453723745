"""Less typing and plain words (issue 16): filters by date range, kind and importance on the lists;
handover suggestions prefilled from each matter's last progress; phone-notice recipients picked by
unit or as all duty offices below; values said in words."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from tests.factories import make_line, make_system_user
from tests.helpers import sign_in
from tests.incidents.helpers import open_event
from tests.shift_fixtures import at, travel
from zhiban.incidents.models import Event
from zhiban.intake import services as intake
from zhiban.intake.models import Call, Document, Instruction, Matter, PhoneNotice, Visit
from zhiban.org.models import DutyLine


def _call(org, moment, **extra):
    return Call.objects.create(
        unit=org.county,
        at=moment,
        name=extra.pop("name", "来电人"),
        content="内容",
        taken_by=org.officer,
        **extra,
    )


@pytest.mark.usefixtures("on_the_day")
def test_the_lists_filter_by_date_range_kind_and_importance(org, duty):
    _call(org, at(9, 0, dt.date(2026, 3, 1)), name="三月一日来电")
    _call(org, at(9, 0), name="今日重要来电", important=True)
    _call(org, at(10, 0), name="今日去电", direction=Call.Direction.OUTGOING)
    client = org.client(org.officer)
    with travel(at(11)):
        page = client.get("/intake/calls/?since=2026-03-05&until=2026-03-05").content.decode()
        assert "今日重要来电" in page and "今日去电" in page and "三月一日来电" not in page
        page = client.get("/intake/calls/?level=important").content.decode()
        assert "今日重要来电" in page and "今日去电" not in page
        page = client.get("/intake/calls/?kind=outgoing").content.decode()
        assert "今日去电" in page and "今日重要来电" not in page
        bad = client.get("/intake/calls/?since=2026-13-45").content.decode()
        assert "请输入正确的日期" in bad and "今日去电" in bad  # a bad date is said and ignored
        Document.objects.create(
            unit=org.county, sender="市应急局", title="防汛特急通知", urgency="extra", received_at=at(9)
        )
        Document.objects.create(unit=org.county, sender="市教育局", title="平件通知", received_at=at(9))
        page = client.get("/intake/documents/?level=extra").content.decode()
        assert "防汛特急通知" in page and "平件通知" not in page
        Visit.objects.create(
            unit=org.county,
            name="张来访",
            identity="村民",
            purpose="反映问题",
            arrived_at=at(8, 30, dt.date(2026, 3, 2)),
        )
        page = client.get("/intake/visits/?since=2026-03-03").content.decode()
        assert "张来访" not in page and "起始日期" in page
        intake.matter_open(
            org.county, org.officer, "热线工单事项", source=Matter.Source.HOTLINE, ticket_number="RX2026-1"
        )
        intake.matter_open(org.county, org.officer, "来电事项", source=Matter.Source.CALL)
        page = client.get("/intake/matters/?kind=hotline").content.decode()
        listed = page[page.index("<table>") :]
        assert "热线工单事项" in listed and "来电事项" not in listed
    event = open_event(org, known=(9, 0))
    Event.objects.filter(pk=event.pk).update(grade="IV")
    with travel(at(11)):
        assert event.title in client.get("/incidents/?level=IV&kind=natural").content.decode()
        assert event.title not in client.get("/incidents/?level=I").content.decode()
        assert event.title not in client.get("/incidents/?kind=health").content.decode()


@pytest.mark.usefixtures("on_the_day")
def test_rule_B11_B5_notices_and_instructions_filter_by_date_state_and_overdue_and_page_with_them(org, duty):
    """Phone notices by date and read-back (待复述 / 已全部复述), leader instructions by date, state and
    overdue feedback; each page's links keep the filters."""
    PhoneNotice.objects.bulk_create(
        PhoneNotice(unit=org.county, title=f"三月一日通知{i}", text="内容", at=at(9, i, dt.date(2026, 3, 1)))
        for i in range(55)
    )
    confirmed = PhoneNotice.objects.create(unit=org.county, title="已复述的通知", text="内容", at=at(9))
    Call.objects.create(
        unit=org.county, notice=confirmed, name="李镇长", read_back_by="李镇长", taken_by=org.officer
    )
    PhoneNotice.objects.create(unit=org.county, title="今日待复述通知", text="内容", at=at(9, 30))
    client = org.client(org.officer)
    with travel(at(11)):
        page = client.get("/intake/notices/?since=2026-03-05&kind=unfinished").content.decode()
        assert "今日待复述通知" in page and "已复述的通知" not in page and "三月一日通知" not in page
        page = client.get("/intake/notices/?kind=confirmed").content.decode()
        assert "已复述的通知" in page and "今日待复述通知" not in page and "复述核对" in page
        first = client.get("/intake/notices/?until=2026-03-01&kind=unfinished")
        assert first.context["page"].next_url == "?until=2026-03-01&kind=unfinished&page=2"
        second = client.get("/intake/notices/?until=2026-03-01&kind=unfinished&page=2").content.decode()
        assert second.count("三月一日通知") == 5 and "今日待复述通知" not in second

        relayed = intake.instruction_relay(
            Instruction(
                unit=org.county,
                leader=org.county_leader,
                text="三月三日批示",
                given_at=at(9, 0, dt.date(2026, 3, 3)),
                feedback_due_at=at(12, 0, dt.date(2026, 3, 3)),
            ),
            [org.deputy],
            org.officer,
        )
        intake.instruction_relay(
            Instruction(
                unit=org.county,
                leader=org.county_leader,
                text="今日批示",
                given_at=at(10),
                feedback_due_at=at(17),
            ),
            [org.deputy],
            org.officer,
        )
        page = client.get("/intake/instructions/?level=overdue").content.decode()
        listed = page[page.index("<table>") :]
        assert "三月三日批示" in listed and "今日批示" not in listed and "反馈已超时" in page
        page = client.get("/intake/instructions/?since=2026-03-04").content.decode()
        assert "今日批示" in page and "三月三日批示" not in page
        Instruction.objects.filter(pk=relayed.pk).update(state=Instruction.State.DONE)
        page = client.get("/intake/instructions/?kind=done").content.decode()
        listed = page[page.index("<table>") :]
        assert "三月三日批示" in listed and "今日批示" not in listed and "反馈时限" in page
        bad = client.get("/intake/instructions/?since=2026-02-30").content.decode()
        assert "请输入正确的日期" in bad and "今日批示" in bad
    assert "三月三日批示" not in org.client(org.sibling_officer).get("/intake/instructions/").content.decode()


@pytest.mark.usefixtures("on_the_day")
def test_rule_B14_the_handover_starts_from_each_matters_last_progress_with_its_number_time_and_owner(
    org, duty
):
    with travel(at(9)):
        matter = intake.matter_open(org.county, org.officer, "小区停水")
    with travel(at(10, 15)):
        intake.matter_progress(matter, org.officer, "自来水公司已派人抢修，预计下午恢复")
    with travel(at(17)):
        page = org.client(org.officer).get(f"/duty/shifts/{duty.day.pk}/handover/").content.decode()
    assert f"{matter.pk}号" in page and "3月5日" in page and org.officer.name in page
    assert "3月5日10:15办理进展：自来水公司已派人抢修，预计下午恢复。请接班人员继续跟进。" in page


@pytest.mark.usefixtures("on_the_day")
def test_rule_B11_notice_recipients_picked_by_unit_or_all_duty_offices_below(org, duty):
    make_line(org.township, DutyLine.Kind.HOTLINE_24H, "0558-7777777")
    with travel(at(9)):
        notice = PhoneNotice.objects.create(
            unit=org.county, title="防汛通知", text="请做好防汛准备", at=at(9), by=org.officer
        )
        client = org.client(org.officer)
        page = client.get(f"/intake/notices/{notice.pk}/").content.decode()
        assert "下级全部值班室" in page and 'data-picker data-name="units"' in page  # searched, not listed
        client.post(f"/intake/notices/{notice.pk}/units/", {"units": [org.township.pk]})
        recipient = notice.calls.get()
        assert recipient.organisation == org.township.duty_office and recipient.number == "0558-7777777"
        assert recipient.read_back_by == ""  # to be read back when phoned
        response = client.post(f"/intake/notices/{notice.pk}/units/", {"all_below": "on"})
        assert response.status_code == 302
        assert notice.calls.count() == 2  # the county's department added, the township not twice
        refused = client.post(f"/intake/notices/{notice.pk}/units/", {})
        assert refused.status_code == 400 and "请查找并选择要通知的单位" in refused.content.decode()
        forged = client.post(f"/intake/notices/{notice.pk}/units/", {"units": [org.sibling.pk]})
        assert forged.status_code == 400 and "请从查找结果中选择单位" in forged.content.decode()
        assert notice.calls.count() == 2  # nothing added by either
    with travel(at(9)):
        assert (
            org.client(org.sibling_officer)
            .post(f"/intake/notices/{notice.pk}/units/", {"all_below": "on"})
            .status_code
            == 404
        )


@pytest.mark.usefixtures("on_the_day")
def test_plain_words_minutes_in_hours_and_no_model_names_in_the_audit_log(org, duty):
    with travel(at(9)):
        page = org.client(org.county_admin).get("/org/policy/").content.decode()
    assert (
        "逾期未报记为漏报</td><td><strong>1天</strong>" in page
        and "1440" not in page
        and "（分钟）" not in page
    )
    auditor = make_system_user("audit_admin")
    client = Client()
    sign_in(client, auditor)
    log = client.get("/audit/").content.decode()
    assert "用户" in log and "org.user" not in log
