"""Leader instructions (A1.2/B5): relayed, acknowledged, fed back in time, and the result reported to the leader."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.shift_fixtures import DAY, at, travel
from zhiban.intake import services as intake
from zhiban.intake.jobs import try_remind_feedback_one
from zhiban.intake.models import Instruction
from zhiban.notify.models import Notice


@pytest.mark.usefixtures("on_the_day")
def test_rule_B5_a_feedback_deadline_before_the_instruction_is_refused(org, duty):
    with travel(at(10)):
        response = org.client(org.officer).post(
            "/intake/instructions/new/",
            {
                "leader": org.county_leader.pk,
                "given_at": "2026-03-05T10:00",
                "text": "立即组织抢通道路",
                "targets": [org.deputy.pk],
                "feedback_due_at": "2026-03-05T09:00",
            },
        )
    assert response.status_code == 200 and "反馈时限须晚于批示时间" in response.content.decode()
    assert "立即组织抢通道路" in response.content.decode()  # what was typed is kept
    assert not Instruction.objects.exists() and not Notice.objects.filter(person=org.deputy).exists()


@pytest.mark.usefixtures("on_the_day")
def test_rule_A1_2_open_matters_of_the_same_title_are_told_apart_on_the_instruction_form(org, duty):
    with travel(at(9)):
        intake.matter_open(org.county, org.officer, "交通事故")
    with travel(at(10)):
        intake.matter_open(org.county, org.deputy, "交通事故")
        form = org.client(org.officer).get("/intake/instructions/new/").content.decode()
    assert (
        "交通事故（2026-03-05 10:00受理，单晓东）" in form
        and "交通事故（2026-03-05 09:00受理，林海燕）" in form
    )


@pytest.mark.usefixtures("on_the_day")
def test_rule_A1_2_B5_an_instruction_is_relayed_acknowledged_fed_back_and_reported(org, duty):
    client = org.client(org.officer)
    with travel(at(10)):
        client.post(
            "/intake/instructions/new/",
            {
                "leader": org.county_leader.pk,
                "given_at": "2026-03-05T10:00",
                "text": "立即组织抢通道路",
                "targets": [org.deputy.pk],
            },
        )
    instruction = Instruction.objects.get()
    assert instruction.feedback_due_at == at(10) + dt.timedelta(hours=24)  # the policy's default
    assert Notice.objects.filter(person=org.deputy, text__contains="立即组织抢通道路").exists()
    deputy = org.client(org.deputy)
    deputy.post(f"/intake/instructions/{instruction.pk}/", {"acknowledge": "1"})
    target = instruction.targets.get()
    target.refresh_from_db()
    assert target.acknowledged_at is not None
    early = client.post(f"/intake/instructions/{instruction.pk}/report/", {"r-result": "正在组织抢通"})
    page = early.content.decode()  # refused before every target has fed back, the text kept
    assert early.status_code == 400 and "尚有落实人未反馈" in page and "正在组织抢通" in page
    with travel(at(11, 0, DAY + dt.timedelta(days=1))):  # overdue: reminded, to the person and the relayer
        assert try_remind_feedback_one()
    assert Notice.objects.filter(person=org.officer, text__contains="反馈已超时").exists()
    empty = deputy.post(f"/intake/instructions/{instruction.pk}/", {"feedback": ""})
    assert empty.status_code == 400 and "请填写落实情况" in empty.content.decode()
    deputy.post(f"/intake/instructions/{instruction.pk}/", {"feedback": "已调集两台挖掘机，12时抢通"})
    instruction.refresh_from_db()
    assert instruction.state == Instruction.State.DONE
    empty = client.post(f"/intake/instructions/{instruction.pk}/report/", {"r-result": " "})
    assert empty.status_code == 400 and "请填写落实结果" in empty.content.decode()
    client.post(f"/intake/instructions/{instruction.pk}/report/", {"r-result": "道路已于12时抢通"})
    instruction.refresh_from_db()
    assert instruction.state == Instruction.State.REPORTED
    assert Notice.objects.filter(person=org.county_leader, text__contains="道路已于12时抢通").exists()
