"""Delivery of the outbox (DESIGN.md, B22).

1. Claim one due message with a conditional update (a claim left by a runner that died mid-send is taken
   again after CLAIM_TIMEOUT).
2. Send it over its channel. A DingTalk robot gets every message waiting for it in one, and no more than
   ROBOT_PER_MINUTE sends a minute: beyond that the message waits, without counting as an attempt.
3. Log the attempt. On failure, retry with backoff; after ATTEMPTS_PER_CHANNEL failures move on to the
   next channel of the message's fallback list; with none left, give up after MAX_ATTEMPTS."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from zhiban.notify import channels
from zhiban.notify.models import ChannelRoute, DeliveryAttempt, OutboxMessage

MAX_ATTEMPTS = 6
ATTEMPTS_PER_CHANNEL = 3  # then the next channel, when the message has one
CLAIM_TIMEOUT = dt.timedelta(minutes=5)
BATCH = 10  # DingTalk messages for one robot sent together
SENT = "已发送"


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(minutes=min(60, 2**attempts))


def try_deliver_one() -> bool:
    now = timezone.now()
    due = (
        OutboxMessage.objects.filter(
            Q(state=OutboxMessage.State.PENDING, next_attempt_at__lte=now)
            | Q(state=OutboxMessage.State.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT)
        )
        .order_by("next_attempt_at", "id")
        .first()
    )
    if due is None:
        return False
    if due.channel == OutboxMessage.Channel.DINGTALK and _robot_busy(due, now):
        OutboxMessage.objects.filter(pk=due.pk, state=due.state).update(  # waits its turn, not claimed
            state=OutboxMessage.State.PENDING, next_attempt_at=now + dt.timedelta(seconds=10)
        )
        return True
    claimed = OutboxMessage.objects.filter(pk=due.pk, state=due.state, claimed_at=due.claimed_at).update(
        state=OutboxMessage.State.SENDING, claimed_at=now, attempts=due.attempts + 1
    )
    if not claimed:
        return True  # another runner took it; look again
    batch = _batch(due, now) if due.channel == OutboxMessage.Channel.DINGTALK else [due]
    try:
        _send(due, batch)
    except Exception as error:  # noqa: BLE001 - any failure of the channel is logged and retried
        said = str(error) if isinstance(error, channels.ChannelError) else f"发送出错：{error}"
        _failed(due, batch, now, said[:500])
    else:
        _sent(due, batch)
    return True


def _sent(due: OutboxMessage, batch: list[OutboxMessage]) -> None:
    """Recorded together or not at all: a runner killed after the gateway took the message leaves it
    "sending", and the retry after CLAIM_TIMEOUT carries the same idempotency key."""
    with transaction.atomic():
        OutboxMessage.objects.filter(pk__in=[m.pk for m in batch]).update(
            state=OutboxMessage.State.SENT, sent_at=timezone.now()
        )
        DeliveryAttempt.objects.create(
            message=due, ok=True, detail=SENT + (f"（合并{len(batch)}条）" if len(batch) > 1 else "")
        )
        for message in batch[1:]:
            DeliveryAttempt.objects.create(message=message, ok=True, detail=f"随第{due.pk}号消息合并发送")


def _robot_busy(message: OutboxMessage, now: dt.datetime) -> bool:
    """DingTalk accepts ROBOT_PER_MINUTE messages a minute per robot."""
    recent = DeliveryAttempt.objects.filter(  # one per send: a batch's first message carries it
        ok=True,
        detail__startswith=SENT,
        message__channel=message.channel,
        message__url=message.url,
        at__gte=now - dt.timedelta(minutes=1),
    ).count()
    return recent >= channels.ROBOT_PER_MINUTE


def _batch(first: OutboxMessage, now: dt.datetime) -> list[OutboxMessage]:
    """The other messages waiting for the same robot, claimed with it."""
    others = list(
        OutboxMessage.objects.filter(
            channel=first.channel, url=first.url, state=OutboxMessage.State.PENDING, next_attempt_at__lte=now
        )
        .exclude(pk=first.pk)
        .order_by("next_attempt_at", "id")[: BATCH - 1]
    )
    taken = [
        m
        for m in others
        if OutboxMessage.objects.filter(pk=m.pk, state=OutboxMessage.State.PENDING).update(
            state=OutboxMessage.State.SENDING, claimed_at=now, attempts=m.attempts + 1
        )
    ]
    return [first, *taken]


def _send(message: OutboxMessage, batch: list[OutboxMessage]) -> None:
    kind, key = message.channel, str(message.key)
    if kind == OutboxMessage.Channel.EMAIL:
        channels.send_email(message.recipient, message.subject, message.body, key)
    elif kind == OutboxMessage.Channel.SMS:
        channels.send_sms(message.url, message.recipient, message.body, message.template, key)
    elif kind in (OutboxMessage.Channel.WECOM, OutboxMessage.Channel.DINGTALK):
        text = "\n\n".join(m.body for m in batch)
        channels.send_robot(kind, message.url, text, message.secret, key)
    else:
        raise channels.ChannelError(f"未知渠道 {kind}")


def _failed(message: OutboxMessage, batch: list[OutboxMessage], now: dt.datetime, detail: str) -> None:
    with transaction.atomic():
        for m in batch:
            attempts = m.attempts + 1
            DeliveryAttempt.objects.create(message=m, ok=False, detail=detail)
            if m.fallback and attempts >= ATTEMPTS_PER_CHANNEL:
                OutboxMessage.objects.filter(pk=m.pk).update(state=OutboxMessage.State.FAILED)
                spec = dict(m.fallback[0])
                if not ChannelRoute.objects.filter(pk=spec.get("route_id")).exists():
                    spec["route_id"] = None  # the channel was removed since; its address still serves
                following = OutboxMessage.objects.create(
                    **{**spec, "subject": m.subject, "body": m.body, "person": m.person},
                    dispatch=m.dispatch,
                    fallback=m.fallback[1:],
                    next_attempt_at=now,
                )
                DeliveryAttempt.objects.create(
                    message=m, ok=False, detail=f"改用下一渠道：{following.get_channel_display()}"
                )
                continue
            state = OutboxMessage.State.FAILED if attempts >= MAX_ATTEMPTS else OutboxMessage.State.PENDING
            OutboxMessage.objects.filter(pk=m.pk).update(state=state, next_attempt_at=now + backoff(attempts))


JOBS = [try_deliver_one]
