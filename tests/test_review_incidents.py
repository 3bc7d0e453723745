"""Holes a review of emergency information found, each closed, each with its regression."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.shift_fixtures import at, travel
from tests.test_incidents import ELEMENTS, open_event, phone_first, run_jobs, steps, township_event
from zhiban.incidents import services
from zhiban.incidents.models import EventStep, Lapse, Report, VerificationRequest
from zhiban.notify.models import ChannelRoute, OutboxMessage

pytestmark = pytest.mark.usefixtures("on_the_day")


def test_rule_B20_only_the_unit_asked_answers_its_verification_request(org, duty):
    with travel(at(10)):
        asked = services.verification_ask(org.city, org.county, org.city_admin, "核实伤亡")
        response = org.client(org.city_admin).post(
            f"/incidents/verifications/{asked.pk}/", {"channel": "phone", "reply": "市里自己填的"}
        )
    assert response.status_code == 403
    asked.refresh_from_db()
    assert asked.phone_replied_at is None


def test_rule_A2_1_only_the_office_a_report_went_to_receives_and_forwards_it(org, duty):
    event, officer = township_event(org)
    with travel(at(9, 6)):
        report = services.report_make(
            event, officer, kind="first", channel="written", at=at(9, 5), to_unit=org.county, **ELEMENTS
        )
        city = org.client(org.city_admin)
        assert (
            city.post(f"/incidents/reports/{report.pk}/forward/", {"to_unit": org.city.pk}).status_code == 403
        )
        assert city.post(f"/incidents/reports/{report.pk}/receive/").status_code == 403
        # nor may a superior report in the township's name and so clear its deadlines
        county = org.client(org.officer)
        filed = county.post(
            f"/incidents/{event.pk}/reports/",
            {
                "r-kind": "first",
                "r-channel": "phone",
                "r-at": "2026-03-05T09:06",
                "r-to_unit": org.city.pk,
                "r-phoned_whom": "周建国",
            },
        )
    assert filed.status_code == 403
    report.refresh_from_db()
    assert report.received_at is None and Report.objects.count() == 1


def test_rule_B21_a_final_report_is_written_and_closing_stops_every_check(org, duty):
    event = open_event(org)
    with travel(at(9, 5)):
        phone_first(event, org.officer, at(9, 5), org.city)
        with pytest.raises(Exception, match="终报须书面报告"):
            services.report_make(
                event,
                org.officer,
                kind="final",
                channel="phone",
                at=at(9, 5),
                to_unit=org.city,
                phoned_whom="周建国",
            )
    with travel(at(9, 20)):
        services.report_make(
            event, org.officer, kind="final", channel="written", at=at(9, 20), to_unit=org.city, **ELEMENTS
        )
    with travel(at(9, 31) + dt.timedelta(days=2)):
        run_jobs()
    assert steps(event, EventStep.Kind.ALARM) == [] and not Lapse.objects.exists()


def test_rule_B21_a_report_made_while_the_runner_is_behind_keeps_the_alarm_it_owes(org, duty):
    event = open_event(org)
    with travel(at(9, 15) + dt.timedelta(seconds=5)):  # the 9:15 phone check not yet taken by the runner
        services.report_make(
            event,
            org.officer,
            kind="first",
            channel="written",
            at=(at(9, 15) + dt.timedelta(seconds=5)),
            to_unit=org.city,
            **ELEMENTS,
        )
        run_jobs()
    event.refresh_from_db()
    assert event.phone_reported_at == (at(9, 15) + dt.timedelta(seconds=5))
    assert Lapse.objects.get(event=event, what="phone").minutes == 1  # late, by five seconds
    assert event.next_check_at is None or event.next_check_at > (at(9, 15) + dt.timedelta(seconds=5))


def test_rule_B21_a_written_report_in_time_meets_the_phone_deadline_too(org, duty):
    event = open_event(org)
    with travel(at(9, 8)):
        services.report_make(
            event, org.officer, kind="first", channel="written", at=at(9, 8), to_unit=org.city, **ELEMENTS
        )
    with travel(at(9, 16) + dt.timedelta(days=1)):
        run_jobs()
    assert steps(event, EventStep.Kind.ALARM) == [] and not Lapse.objects.exists()


def test_rule_B21_a_report_after_it_was_recorded_missed_is_late_not_both(org, duty):
    event = open_event(org)
    with travel(at(9, 31) + dt.timedelta(days=1)):
        run_jobs()
        assert set(Lapse.objects.values_list("what", "kind")) == {("phone", "missed"), ("written", "missed")}
        services.report_make(
            event,
            org.officer,
            kind="first",
            channel="phone",
            at=at(9, 31) + dt.timedelta(days=1),
            to_unit=org.city,
            phoned_whom="周建国",
        )
    assert set(Lapse.objects.values_list("what", "kind")) == {("phone", "late"), ("written", "missed")}


def test_rule_B20_a_reply_at_the_deadline_is_on_time_whenever_the_runner_ran(org, duty):
    with travel(at(10)):
        asked = services.verification_ask(org.city, org.county, org.city_admin, "核实伤亡")
    with travel(at(10, 15)):
        run_jobs()
        services.verification_reply(asked, org.officer, "phone", "无伤亡")
    assert not Lapse.objects.filter(request=asked, what="phone").exists()


def test_a_huge_id_in_a_multiple_choice_is_refused_not_a_500(org, duty):
    event = open_event(org)
    client = org.client(org.officer)
    with travel(at(9, 5)):
        assert (
            client.post(f"/incidents/{event.pk}/notify/", {"u-units": "99999999999999999999"}).status_code
            < 500
        )
        response = client.post(
            f"/incidents/{event.pk}/instructions/",
            {"i-leader": org.county_leader.pk, "i-text": "x", "i-targets": "99999999999999999999"},
        )
        assert response.status_code == 400
        assert (
            client.post(
                "/intake/instructions/new/",
                {
                    "leader": org.county_leader.pk,
                    "given_at": "2026-03-05T09:00",
                    "text": "x",
                    "targets": "9" * 20,
                },
            ).status_code
            == 200
        )


def test_rule_B22_a_message_waiting_for_a_busy_robot_is_not_held_claimed(org, duty, monkeypatch):
    from zhiban.notify import jobs

    monkeypatch.setattr(jobs, "_robot_busy", lambda message, now: True)
    message = OutboxMessage.objects.create(
        channel="dingtalk",
        recipient="http://127.0.0.1:9/robot",
        url="http://127.0.0.1:9/robot",
        subject="s",
        body="b",
        state=OutboxMessage.State.SENDING,
        claimed_at=at(7),
        next_attempt_at=at(7),
    )
    assert jobs.try_deliver_one()
    message.refresh_from_db()
    assert message.state == OutboxMessage.State.PENDING and message.next_attempt_at > at(8)
    assert not jobs.try_deliver_one()  # it waits: the runner may sleep


def test_a_robots_webhook_key_is_shown_to_the_units_admins_only(org, duty):
    ChannelRoute.objects.create(
        unit=org.county, channel="wecom", url="http://10.0.0.1/cgi-bin/webhook/send?key=SECRET-KEY"
    )
    assert "SECRET-KEY" in org.client(org.county_admin).get("/notices/channels/").content.decode()
    assert "SECRET-KEY" not in org.client(org.officer).get("/notices/channels/").content.decode()
    assert "SECRET-KEY" not in org.client(org.inspector).get("/notices/channels/").content.decode()


def test_rule_B20_a_refused_verification_request_keeps_what_was_typed(org, duty):
    response = org.client(org.city_admin).post(
        "/incidents/verifications/new/", {"question": "核实青石镇山洪有无人员伤亡"}
    )
    page = response.content.decode()
    assert response.status_code == 400 and "核实青石镇山洪有无人员伤亡" in page
    assert "这个字段是必填项" in page
    assert not VerificationRequest.objects.exists()


def test_rule_B21_a_refused_notice_to_related_units_keeps_its_text(org, duty):
    event = open_event(org)
    response = org.client(org.officer).post(
        f"/incidents/{event.pk}/notify/", {"u-text": "请做好S203线绕行引导"}
    )
    page = response.content.decode()
    assert response.status_code == 400 and "请做好S203线绕行引导" in page and "这个字段是必填项" in page
