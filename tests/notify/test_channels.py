"""B22 channels against a real local HTTP server that plays the SMS gateway and the group robots and records what it got: retries with backoff, the next channel after a failing one, DingTalk's signature, batching and its 20-a-minute limit, the idempotency key, the delivery log shown to its readers."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
import time_machine
from django.core import mail

from tests.clock import at_nine
from tests.shift_fixtures import at
from zhiban.notify.jobs import try_deliver_one
from zhiban.notify.models import ChannelRoute, DeliveryAttempt, OutboxMessage
from zhiban.notify.outbox import notify_people

SECRET = "SECdemo0123456789"


def deliver_all() -> int:
    sent = 0
    while try_deliver_one():
        sent += 1
    return sent


def test_rule_B22_a_failing_sms_gateway_is_retried_then_the_next_channel_is_used(org, gateway):
    ChannelRoute.objects.create(
        unit=org.county, order=1, channel="sms", url=f"{gateway.base}/sms", template="T001"
    )
    ChannelRoute.objects.create(unit=org.county, order=2, channel="email")
    org.officer.user.email = "linhaiyan@dh.example.gov.cn"
    org.officer.user.save()
    gateway.statuses["/sms"] = [500]
    with time_machine.travel(at_nine(0), tick=False) as clock:
        notify_people(
            [org.officer], "【告警】山体滑坡：电话报告已超过时限", subject="报告超时", unit=org.township
        )
        deliver_all()  # attempt 1 fails; the retry waits 2 minutes
        clock.move_to(at_nine(1, 59))
        deliver_all()
        assert [r["path"] for r in gateway.received] == ["/sms"]
        clock.move_to(at_nine(2))
        deliver_all()  # attempt 2
        clock.move_to(at_nine(6))
        deliver_all()  # attempt 3, then the email channel at_nine once
    sms = OutboxMessage.objects.get(channel="sms")
    assert sms.state == OutboxMessage.State.FAILED and sms.recipient == org.officer.mobile
    assert [r["json"] for r in gateway.received] == [  # each retry with the same idempotency key
        {
            "mobile": org.officer.mobile,
            "content": "【告警】山体滑坡：电话报告已超过时限",
            "template": "T001",
            "msgid": str(sms.key),
        }
    ] * 3
    log = list(DeliveryAttempt.objects.filter(message=sms).values_list("ok", "detail"))
    assert log == [(False, "对方返回错误（HTTP 500）")] * 3 + [(False, "改用下一渠道：电子邮件")]
    email = OutboxMessage.objects.get(channel="email")
    assert email.state == OutboxMessage.State.SENT and mail.outbox[0].to == ["linhaiyan@dh.example.gov.cn"]
    assert DeliveryAttempt.objects.get(message=email).ok


def test_rule_B22_dingtalk_is_signed_batched_and_kept_to_twenty_a_minute(org, gateway):
    ChannelRoute.objects.create(
        unit=org.county, channel="dingtalk", url=f"{gateway.base}/robot/send?access_token=t", secret=SECRET
    )
    with time_machine.travel(at_nine(0), tick=False) as clock:
        for i in range(230):
            notify_people([org.officer], f"第{i}条告警", subject=f"告警{i}", unit=org.county)
        deliver_all()
        assert len(gateway.received) == 20  # the limit for the minute; the rest wait their turn
        assert OutboxMessage.objects.filter(channel="dingtalk", state="sent").count() == 200  # ten a send
        clock.move_to(at_nine(1, 1))
        deliver_all()
    assert len(gateway.received) == 23 and not OutboxMessage.objects.filter(channel="dingtalk").exclude(
        state="sent"
    )
    first = gateway.received[0]
    timestamp, sign = first["query"]["timestamp"], first["query"]["sign"]
    expected = base64.b64encode(
        hmac.new(SECRET.encode(), f"{timestamp}\n{SECRET}".encode(), hashlib.sha256).digest()
    )
    assert sign == expected.decode() and first["query"]["access_token"] == "t"
    assert first["json"]["msgtype"] == "text" and "第0条告警" in first["json"]["text"]["content"]


def test_rule_B22_wecom_gets_the_duty_group_message_once_per_notice(org, gateway):
    ChannelRoute.objects.create(
        unit=org.city, channel="wecom", url=f"{gateway.base}/cgi-bin/webhook/send?key=k"
    )
    with time_machine.travel(at_nine(0), tick=False):
        notify_people(
            [org.officer, org.deputy], "青石镇山洪：请立即报告", subject="突发事件", unit=org.township
        )
        deliver_all()
    assert len(gateway.received) == 1  # inherited from the city; one group message, not one per person
    assert gateway.received[0]["json"] == {
        "msgtype": "text",
        "text": {"content": "突发事件\n青石镇山洪：请立即报告"},
        "msgid": str(OutboxMessage.objects.get(channel="wecom").key),
    }
    assert org.officer.notices.count() == 1 and org.deputy.notices.count() == 1  # the in-app notice always


def test_channel_settings_are_the_duty_admins_and_refuse_a_robot_without_an_address(org):
    admin = org.client(org.county_admin)
    bad = admin.post("/notices/channels/", {"channel": "dingtalk", "order": 1})
    assert bad.status_code == 400 and "短信网关和群机器人须填写地址" in bad.content.decode()
    admin.post(
        "/notices/channels/", {"channel": "sms", "order": 1, "url": "10.1.2.3:8080/sms", "active": "on"}
    )
    route = ChannelRoute.objects.get()
    assert route.url == "http://10.1.2.3:8080/sms" and route.unit == org.county
    assert (
        org.client(org.officer).post("/notices/channels/", {"channel": "email", "order": 2}).status_code
        == 403
    )


def test_rule_B22_a_message_the_gateway_took_before_the_runner_died_is_resent_with_the_same_key(
    org, gateway, monkeypatch
):
    from zhiban.notify import jobs

    ChannelRoute.objects.create(unit=org.county, channel="sms", url=f"{gateway.base}/sms")
    with time_machine.travel(at_nine(0), tick=False) as clock:
        notify_people([org.officer], "【告警】山体滑坡", subject="告警", unit=org.county)

        def killed(*args, **kwargs):
            raise SystemExit("the runner is killed after the gateway answered")

        with monkeypatch.context() as patch:
            patch.setattr(jobs.DeliveryAttempt.objects, "create", killed)
            with pytest.raises(SystemExit):
                try_deliver_one()
        message = OutboxMessage.objects.get()
        assert message.state == OutboxMessage.State.SENDING and not DeliveryAttempt.objects.exists()
        clock.move_to(at_nine(6))  # past the claim timeout: another runner takes it again
        deliver_all()
    message.refresh_from_db()
    assert message.state == OutboxMessage.State.SENT and len(gateway.received) == 2
    keys = {(r["json"]["msgid"], r["key"]) for r in gateway.received}
    assert keys == {(str(message.key), str(message.key))}  # the gateway can drop the repeat


def test_rule_B22_an_email_carries_its_delivery_key_as_its_message_id(org):
    org.officer.user.email = "linhaiyan@dh.example.gov.cn"
    org.officer.user.save()
    with time_machine.travel(at_nine(0), tick=False):
        notify_people([org.officer], "值班提醒", subject="值班提醒")
        deliver_all()
    key = OutboxMessage.objects.get().key
    assert mail.outbox[0].message()["Message-ID"] == f"<{key}@zhiban>"


def test_rule_B22_each_notice_shows_its_deliveries_to_its_reader_and_a_failing_channel_shows_on_its_page(
    org, gateway
):
    ChannelRoute.objects.create(unit=org.county, order=1, channel="sms", url=f"{gateway.base}/sms")
    ChannelRoute.objects.create(unit=org.county, order=2, channel="wecom", url=f"{gateway.base}/wecom")
    gateway.statuses["/sms"] = [500]
    with time_machine.travel(at_nine(0), tick=False):
        notify_people(
            [org.officer, org.deputy], "青石镇山洪：请立即报告", subject="突发事件", unit=org.county
        )
        deliver_all()
        mine = org.client(org.officer).get("/notices/").content.decode()
        channels_page = org.client(org.county_admin).get("/notices/channels/").content.decode()
        sibling = org.client(org.sibling_officer).get("/notices/channels/").content.decode()
    hidden = f"{org.officer.mobile[:3]}****{org.officer.mobile[-4:]}"
    assert "短信（" + hidden in mine and "对方返回错误（HTTP 500）" in mine and "已尝试1次" in mine
    assert "企业微信群机器人（值班群）" in mine and "已发出" in mine
    assert org.deputy.mobile[-4:] not in mine  # another person's delivery is theirs
    assert "近7天发送失败" in channels_page and "对方返回错误（HTTP 500）" in channels_page
    assert "对方返回错误" not in sibling  # 西山县 sees its own channels only


@pytest.mark.usefixtures("on_the_day")
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


@pytest.mark.usefixtures("on_the_day")
def test_a_robots_webhook_key_is_shown_to_the_units_admins_only(org, duty):
    ChannelRoute.objects.create(
        unit=org.county, channel="wecom", url="http://10.0.0.1/cgi-bin/webhook/send?key=SECRET-KEY"
    )
    assert "SECRET-KEY" in org.client(org.county_admin).get("/notices/channels/").content.decode()
    assert "SECRET-KEY" not in org.client(org.officer).get("/notices/channels/").content.decode()
    assert "SECRET-KEY" not in org.client(org.inspector).get("/notices/channels/").content.decode()


def test_a_channel_never_opens_a_local_file_or_another_scheme_as_its_gateway(db):
    """A gateway address like file:///etc/passwd would have the job runner read a local file and show
    it in the delivery log: only http and https are sent to (bandit B310)."""
    import pytest

    from zhiban.notify.channels import ChannelError, post_json

    for url in ("file:///etc/passwd", "ftp://127.0.0.1/x"):
        with pytest.raises(ChannelError, match="http:// 或 https://"):
            post_json(url, {"text": "x"})
