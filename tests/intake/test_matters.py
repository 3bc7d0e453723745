"""Matters (B12/A1.11): owned by their first receiver until closed with a result, moved only by transfer, reminded while open; the mayor's hotline tickets."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.shift_fixtures import DAY, at, call_data, travel
from zhiban.intake import services as intake
from zhiban.intake.jobs import try_remind_matter_one
from zhiban.intake.models import Call, Matter, MatterStep
from zhiban.notify.models import Notice
from zhiban.org.models import DutyPolicy


@pytest.mark.usefixtures("on_the_day")
def test_rule_B12_only_the_owner_or_a_duty_admin_or_leader_moves_a_matter(org, duty):
    matter = intake.matter_open(org.county, org.officer, "道路抢通")
    refused = org.client(org.deputy).post(
        f"/intake/matters/{matter.pk}/transfer/", {"t-to": org.deputy.pk, "t-reason": "我来办"}
    )
    assert refused.status_code == 400 and "只有首接责任人" in refused.content.decode()
    matter.refresh_from_db()
    assert matter.owner == org.officer
    org.client(org.county_admin).post(
        f"/intake/matters/{matter.pk}/transfer/",
        {"t-to": org.deputy.pk, "t-reason": "林海燕休假，改由单晓东办理"},
    )
    matter.refresh_from_db()
    assert matter.owner == org.deputy


@pytest.mark.usefixtures("on_the_day")
def test_a_closed_matter_takes_no_more_progress(org, duty):
    matter = intake.matter_open(org.county, org.officer, "道路抢通")
    intake.matter_close(matter, org.officer, "已抢通")
    response = org.client(org.officer).post(
        f"/intake/matters/{matter.pk}/progress/", {"p-text": "又一次进展"}
    )
    matter.refresh_from_db()
    assert matter.state == "closed" and matter.steps.filter(kind="closed").exists()
    assert response.status_code == 400 and matter.steps.filter(kind="progress").count() == 0


@pytest.mark.usefixtures("on_the_day")
@travel(at(9, 12))  # the times the test states have happened
def test_rule_B12_A1_11_the_first_receiver_owns_a_matter_until_closed_and_only_by_transfer(org, duty):
    client = org.client(org.officer)
    client.post("/intake/calls/new/", call_data(open_matter="on"))
    matter = Matter.objects.get()
    assert matter.owner == org.officer and matter.call == Call.objects.get()
    deputy = org.client(org.deputy)
    page = deputy.get(f"/intake/matters/{matter.pk}/").content.decode()  # forms he may use, and who may act
    assert "记录进展" in page and "移交责任人" not in page and "办结须由首接责任人林海燕办理" in page
    assert "移交责任人" in org.client(org.county_leader).get(f"/intake/matters/{matter.pk}/").content.decode()
    refused = deputy.post(f"/intake/matters/{matter.pk}/close/", {"x-result": "已处理"})
    assert "只有首接责任人可以办结事项" in refused.content.decode()
    no_reason = client.post(f"/intake/matters/{matter.pk}/transfer/", {"t-to": org.deputy.pk, "t-reason": ""})
    assert no_reason.status_code == 400
    matter.refresh_from_db()
    assert matter.owner == org.officer and matter.is_open
    client.post(
        f"/intake/matters/{matter.pk}/transfer/",
        {"t-to": org.deputy.pk, "t-reason": "本人调休，由单晓东接办"},
    )
    matter.refresh_from_db()
    assert matter.owner == org.deputy
    step = matter.steps.get(kind=MatterStep.Kind.TRANSFER)
    assert (step.by, step.to, step.text) == (org.officer, org.deputy, "本人调休，由单晓东接办")
    assert Notice.objects.filter(person=org.deputy, text__contains="事项移交给您").exists()


@pytest.mark.usefixtures("on_the_day")
def test_rule_B12_closing_a_matter_without_a_result_is_refused_and_nothing_changes(org, duty):
    matter = intake.matter_open(org.county, org.officer, "S203线道路中断")
    response = org.client(org.officer).post(f"/intake/matters/{matter.pk}/close/", {"x-result": "  "})
    assert response.status_code == 400 and "办结事项须填写办理结果" in response.content.decode()
    matter.refresh_from_db()
    assert matter.is_open and matter.closed_at is None and not matter.steps.filter(kind="closed").exists()


@pytest.mark.usefixtures("on_the_day")
def test_rule_B12_a_mayor_hotline_ticket_needs_its_number_due_date_and_reply(org, duty):
    client = org.client(org.officer)
    missing = client.post("/intake/matters/new/", {"title": "小区停水", "source": "hotline"})
    page = missing.content.decode()
    assert "县长热线事项须填写工单号" in page and "县长热线工单须填写办理时限" in page
    ticket = {"title": "小区停水", "source": "hotline", "ticket_number": "RX20260305001"}
    late = client.post(
        "/intake/matters/new/", {**ticket, "ticket_number": "RX20260304009", "due_at": "2026-03-04T17:00"}
    )
    late_ticket = Matter.objects.get(ticket_number="RX20260304009")  # entered late, its due date passed: kept
    assert late.status_code == 302 and late_ticket.overdue
    assert "已超时限" in client.get(f"/intake/matters/{late_ticket.pk}/").content.decode()
    client.post(
        "/intake/matters/new/",
        {
            "title": "小区停水",
            "source": "hotline",
            "ticket_number": "RX20260305001",
            "due_at": "2026-03-07T17:00",
        },
    )
    ticket = Matter.objects.get(ticket_number="RX20260305001")
    assert not ticket.overdue
    with travel(at(17, 1, DAY + dt.timedelta(days=2))):  # open past its due date: marked on the list
        # another person of the office, whose session is fresh on that day (one session per person)
        assert "已超时限" in org.client(org.deputy).get("/intake/matters/").content.decode()
    no_reply = client.post(f"/intake/matters/{ticket.pk}/close/", {"x-result": "已协调自来水公司"})
    assert "县长热线工单办结须填写答复内容" in no_reply.content.decode()
    client.post(
        f"/intake/matters/{ticket.pk}/close/", {"x-result": "已协调自来水公司", "x-reply": "已于当日恢复供水"}
    )
    ticket.refresh_from_db()
    assert not ticket.is_open and ticket.reply == "已于当日恢复供水"


@pytest.mark.usefixtures("on_the_day")
def test_rule_B12_the_owner_is_reminded_while_open_even_after_the_runner_was_down(org, duty):
    DutyPolicy.objects.create(unit=org.county, matter_reminder_hours=6)
    with travel(at(9)):
        matter = intake.matter_open(org.county, org.officer, "道路抢通")
    with travel(at(14, 59)):
        assert not try_remind_matter_one()
    with travel(at(20)):  # due at 15:00; the runner was down until 20:00
        assert try_remind_matter_one()
        assert not try_remind_matter_one()  # once, then the next one in 6 hours
    assert Notice.objects.filter(person=org.officer, text__contains="道路抢通").count() == 1
    matter.refresh_from_db()
    assert matter.remind_at == at(2) + dt.timedelta(days=1)
    with travel(at(21)):
        intake.matter_close(matter, org.officer, "已抢通")
    with travel(at(8, 0, DAY + dt.timedelta(days=2))):
        assert not try_remind_matter_one()
