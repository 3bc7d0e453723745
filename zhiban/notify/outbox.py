"""Tell people something: an in-app notice always, an email as well when they have an address."""

from __future__ import annotations

from django.utils import timezone

from zhiban.notify.models import Notice, OutboxMessage


def notify_people(people, text: str, link: str = "", subject: str = "") -> int:
    """Call inside the transaction of the change the notice is about: both are written or neither."""
    now = timezone.now()
    seen = set()
    count = 0
    for person in people:
        if person is None or person.pk in seen:
            continue
        seen.add(person.pk)
        Notice.objects.create(person=person, text=text[:300], link=link)
        email = getattr(getattr(person, "user", None), "email", "")
        if email:
            OutboxMessage.objects.create(
                channel=OutboxMessage.Channel.EMAIL,
                recipient=email,
                person=person,
                subject=subject or text[:60],
                body=text,
                next_attempt_at=now,
            )
        count += 1
    return count


def unread_count(person) -> int:
    return Notice.objects.filter(person=person, read_at=None).count() if person else 0
