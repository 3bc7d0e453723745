"""Delivery of the outbox (DESIGN.md): claim one due message with a conditional update, send, log the
attempt; on failure retry with backoff, and give up after MAX_ATTEMPTS. A claim left by a runner that
died mid-send is taken again after CLAIM_TIMEOUT."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db.models import Q
from django.utils import timezone

from zhiban.notify.models import DeliveryAttempt, OutboxMessage

MAX_ATTEMPTS = 6
CLAIM_TIMEOUT = dt.timedelta(minutes=5)


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
    claimed = OutboxMessage.objects.filter(pk=due.pk, state=due.state, claimed_at=due.claimed_at).update(
        state=OutboxMessage.State.SENDING, claimed_at=now, attempts=due.attempts + 1
    )
    if not claimed:
        return True  # another runner took it; look again
    try:
        _send(due)
    except Exception as error:  # noqa: BLE001 - any failure of the channel is logged and retried
        attempts = due.attempts + 1
        state = OutboxMessage.State.FAILED if attempts >= MAX_ATTEMPTS else OutboxMessage.State.PENDING
        OutboxMessage.objects.filter(pk=due.pk).update(state=state, next_attempt_at=now + backoff(attempts))
        DeliveryAttempt.objects.create(message=due, ok=False, detail=f"{type(error).__name__}: {error}"[:500])
    else:
        OutboxMessage.objects.filter(pk=due.pk).update(state=OutboxMessage.State.SENT, sent_at=timezone.now())
        DeliveryAttempt.objects.create(message=due, ok=True, detail="已发送")
    return True


def _send(message: OutboxMessage) -> None:
    if message.channel != OutboxMessage.Channel.EMAIL:
        raise ValueError(f"未知渠道 {message.channel}")
    with get_connection(timeout=settings.EMAIL_TIMEOUT) as connection:
        EmailMessage(
            message.subject,
            message.body,
            settings.DEFAULT_FROM_EMAIL,
            [message.recipient],
            connection=connection,
        ).send()


JOBS = [try_deliver_one]
