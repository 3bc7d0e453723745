"""The demo's delivery log: 东湖县 had an SMS gateway (短信网关) that failed two days ago, three times for
each of a typhoon warning's recipients, after which each message went by e-mail; its duty-office
administrator has since switched the gateway off. The officers' 我的通知 show the attempts of that
notice, and 东湖县's 通知渠道 page the week's failures."""

from __future__ import annotations

import datetime as dt
import uuid

from django.utils import timezone

from zhiban.notify.models import ChannelRoute, DeliveryAttempt, Notice, OutboxMessage
from zhiban.org.models import Person

WARNING = "【预警】台风“海葵”预计明日夜间影响本县，请各值班室加强值守，落实防御措施"


def load(demo: dict) -> str:
    """The demo command's entry point (lib/management/commands/demo.py)."""
    county = demo["units"]["donghu"]
    gateway = ChannelRoute.objects.create(
        unit=county,
        order=1,
        channel=ChannelRoute.Channel.SMS,
        url="http://10.20.1.15:8080/sms/send",
        template="ZB001",
        active=False,
    )
    ChannelRoute.objects.create(unit=county, order=2, channel=ChannelRoute.Channel.EMAIL)
    sent_at = timezone.now() - dt.timedelta(days=2, hours=3)
    dispatch = uuid.uuid4()
    people = Person.objects.filter(unit=county, user__username__in=["donghu_officer", "donghu_admin"])
    for person in people.select_related("user"):
        _delivered(person, gateway, dispatch, sent_at)
    return f"demo deliveries: a typhoon warning to {people.count()} officers of 东湖县, SMS failing, sent by e-mail"


def _delivered(person: Person, gateway: ChannelRoute, dispatch: uuid.UUID, at: dt.datetime) -> None:
    notice = Notice.objects.create(person=person, text=WARNING, dispatch=dispatch, read_at=at)
    Notice.objects.filter(pk=notice.pk).update(created_at=at)
    address = person.user.email or f"{person.user.username}@donghu.gov.example"
    sms = OutboxMessage.objects.create(
        channel=OutboxMessage.Channel.SMS,
        recipient=person.mobile,
        subject="台风预警",
        body=WARNING,
        person=person,
        url=gateway.url,
        template=gateway.template,
        route=gateway,
        dispatch=dispatch,
        state=OutboxMessage.State.FAILED,
        attempts=3,
        next_attempt_at=at,
    )
    email = OutboxMessage.objects.create(
        channel=OutboxMessage.Channel.EMAIL,
        recipient=address,
        subject="台风预警",
        body=WARNING,
        person=person,
        dispatch=dispatch,
        state=OutboxMessage.State.SENT,
        attempts=1,
        next_attempt_at=at,
        sent_at=at + dt.timedelta(minutes=7),
    )
    for minutes in (0, 2, 6):  # the retries' backoff, then the next channel
        attempt = DeliveryAttempt.objects.create(message=sms, ok=False, detail="无法连接：连接超时")
        DeliveryAttempt.objects.filter(pk=attempt.pk).update(at=at + dt.timedelta(minutes=minutes))
    moved = DeliveryAttempt.objects.create(message=sms, ok=False, detail="改用下一渠道：电子邮件")
    done = DeliveryAttempt.objects.create(message=email, ok=True, detail="已发送")
    DeliveryAttempt.objects.filter(pk__in=[moved.pk, done.pk]).update(at=at + dt.timedelta(minutes=7))
