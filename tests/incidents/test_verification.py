"""Verification requests (B20): the superior asks, the unit asked answers by phone and in writing in time, or its lateness is recorded and named."""

from __future__ import annotations

import pytest

from tests.incidents.helpers import run_jobs
from tests.shift_fixtures import at, travel
from zhiban.incidents import services
from zhiban.incidents import services as incidents
from zhiban.incidents.jobs import try_verification_one
from zhiban.incidents.models import Lapse, VerificationRequest
from zhiban.notify.models import Notice


@pytest.mark.usefixtures("on_the_day")
def test_rule_B20_a_verification_request_is_answered_in_time_or_its_lateness_recorded(org, duty):
    with travel(at(10)):
        asked = services.verification_ask(org.city, org.county, org.city_admin, "核实S203线滑坡有无人员伤亡")
    assert (asked.phone_due_at, asked.written_due_at) == (at(10, 15), at(10, 30))
    assert Notice.objects.filter(person=org.officer, text__contains="核报").exists()
    client = org.client(org.officer)
    with travel(at(10, 12)):
        client.post(
            f"/incidents/verifications/{asked.pk}/", {"channel": "phone", "reply": "经核实无人员伤亡"}
        )
        client.post(
            f"/incidents/verifications/{asked.pk}/",
            {"channel": "written", "delay_reason": "现场通信中断，书面材料稍后报送"},
        )
    with travel(at(10, 31)):
        run_jobs()
    lapse = Lapse.objects.get(request=asked)
    assert (lapse.kind, lapse.what) == (Lapse.Kind.LATE, "written")
    assert Notice.objects.filter(person=org.city_admin, text__contains="核报超时").exists()
    with travel(at(10, 40)):
        client.post(
            f"/incidents/verifications/{asked.pk}/", {"channel": "written", "reply": "书面核实材料已报送"}
        )
    lapse.refresh_from_db()
    asked.refresh_from_db()
    assert lapse.minutes == 10 and asked.delay_reason.startswith("现场通信中断")
    assert asked.phone_replied_at == at(10, 12) and asked.next_check_at is None
    # each channel keeps its own reply and who gave it: the written one does not replace the phone one
    assert (asked.phone_reply, asked.phone_replied_by) == ("经核实无人员伤亡", org.officer)
    assert (asked.written_reply, asked.written_replied_by) == ("书面核实材料已报送", org.officer)
    page = client.get(f"/incidents/verifications/{asked.pk}/").content.decode()
    assert "经核实无人员伤亡" in page and "书面核实材料已报送" in page


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


@pytest.mark.usefixtures("on_the_day")
def test_rule_B20_only_the_unit_asked_answers_its_verification_request(org, duty):
    with travel(at(10)):
        asked = services.verification_ask(org.city, org.county, org.city_admin, "核实伤亡")
        response = org.client(org.city_admin).post(
            f"/incidents/verifications/{asked.pk}/", {"channel": "phone", "reply": "市里自己填的"}
        )
        answered = org.client(org.officer).post(  # the unit asked answers
            f"/incidents/verifications/{asked.pk}/", {"channel": "phone", "reply": "无人员伤亡"}
        )
    assert response.status_code == 403 and answered.status_code == 302
    asked.refresh_from_db()
    assert asked.phone_replied_at == at(10) and asked.phone_reply == "无人员伤亡"


@pytest.mark.usefixtures("on_the_day")
def test_rule_B20_a_reply_at_the_deadline_is_on_time_whenever_the_runner_ran(org, duty):
    with travel(at(10)):
        asked = services.verification_ask(org.city, org.county, org.city_admin, "核实伤亡")
    with travel(at(10, 15)):
        run_jobs()
        services.verification_reply(asked, org.officer, "phone", "无伤亡")
    asked.refresh_from_db()
    assert asked.phone_replied_at == at(10, 15) == asked.phone_due_at  # answered at the deadline itself
    assert not Lapse.objects.filter(request=asked, what="phone").exists()


@pytest.mark.usefixtures("on_the_day")
def test_rule_B20_a_refused_verification_request_keeps_what_was_typed(org, duty):
    response = org.client(org.city_admin).post(
        "/incidents/verifications/new/", {"question": "核实青石镇山洪有无人员伤亡"}
    )
    page = response.content.decode()
    assert response.status_code == 400 and "核实青石镇山洪有无人员伤亡" in page
    assert "这个字段是必填项" in page
    assert not VerificationRequest.objects.exists()
