"""The outbox and the notice centre: failed deliveries retried with backoff then given up, notices one's own and counted in the top bar."""

from __future__ import annotations

from tests.clock import travel_to
from tests.servers import free_port
from zhiban.notify.jobs import MAX_ATTEMPTS, try_deliver_one
from zhiban.notify.models import DeliveryAttempt, Notice, OutboxMessage
from zhiban.notify.outbox import notify_people


def test_failed_delivery_is_retried_with_backoff_then_given_up(org, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nobody listens there
    org.officer.user.email = "linhaiyan@dh.example.gov.cn"
    org.officer.user.save()
    with travel_to(2026, 3, 4, 9, 0):
        notify_people([org.officer], "测试通知")
        assert try_deliver_one() is True
        assert try_deliver_one() is False  # the retry waits
    message = OutboxMessage.objects.get()
    assert message.state == OutboxMessage.State.PENDING and message.attempts == 1
    for hour in range(10, 10 + MAX_ATTEMPTS):
        with travel_to(2026, 3, 4, hour, 30):
            try_deliver_one()
    message.refresh_from_db()
    assert message.state == OutboxMessage.State.FAILED and message.attempts == MAX_ATTEMPTS
    assert DeliveryAttempt.objects.filter(message=message, ok=False).count() == MAX_ATTEMPTS
    assert Notice.objects.filter(person=org.officer, text="测试通知").exists()  # the in-app notice stands


def test_notices_are_ones_own_and_counted_in_the_header(org):
    notify_people([org.officer], "值班表已发布")
    mine = org.client(org.officer).get("/notices/").content.decode()
    assert "值班表已发布" in mine and '<span class="count">1</span>' in mine
    theirs = org.client(org.deputy).get("/notices/").content.decode()
    assert "值班表已发布" not in theirs
    org.client(org.officer).post("/notices/read/")
    assert not Notice.objects.filter(person=org.officer, read_at=None).exists()
