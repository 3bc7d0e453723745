"""Tell people something: an in-app notice always; outside, by the unit's channels in order (B22), or
by email where the unit has set none."""

from __future__ import annotations

import uuid

from django.utils import timezone

from zhiban.notify.models import ChannelRoute, Notice, OutboxMessage


def routes_for(unit) -> list[ChannelRoute]:
    """The unit's own channels, or those of the nearest unit above that has any."""
    if unit is None:
        return []
    chain = [unit.pk, *reversed(unit.ancestor_ids())]
    by_unit: dict[int, list[ChannelRoute]] = {}
    for route in ChannelRoute.objects.filter(unit_id__in=chain, active=True):
        by_unit.setdefault(route.unit_id, []).append(route)
    return next((by_unit[pk] for pk in chain if pk in by_unit), [])


def _spec(route: ChannelRoute, recipient: str) -> dict:
    return {
        "channel": route.channel,
        "recipient": recipient,
        "url": route.url,
        "secret": route.secret,
        "template": route.template,
        "route_id": route.pk,
    }


def _address(person, route: ChannelRoute) -> str:
    if route.channel == ChannelRoute.Channel.SMS:
        return getattr(person, "mobile", "") or ""
    if route.channel == ChannelRoute.Channel.EMAIL:
        return getattr(getattr(person, "user", None), "email", "") or ""
    return ""


def _queue(specs: list[dict], subject: str, body: str, dispatch: uuid.UUID, person=None) -> None:
    if specs:
        OutboxMessage.objects.create(
            **specs[0],
            subject=subject,
            body=body,
            person=person,
            dispatch=dispatch,
            fallback=specs[1:],
            next_attempt_at=timezone.now(),
        )


def notify_people(people, text: str, link: str = "", subject: str = "", unit=None, group: bool = True) -> int:
    """Call inside the transaction of the change the notice is about: both are written or neither.

    With `unit` (the unit the notice is about), its channels are used in their order, each next one the
    fallback of the one before: personal channels (SMS, email) per person and, unless `group` is false
    (a reminder or a request for one person), once per call the duty group's robots. Without channels
    of its own or above, each person with an address gets an email."""
    routes = routes_for(unit)
    subject = subject or text[:60]
    dispatch = uuid.uuid4()
    seen = set()
    count = 0
    for person in people:
        if person is None or person.pk in seen:
            continue
        seen.add(person.pk)
        Notice.objects.create(person=person, text=text[:300], link=link, dispatch=dispatch)
        if routes:
            personal = [_spec(r, _address(person, r)) for r in routes if r.channel in ("sms", "email")]
            _queue([s for s in personal if s["recipient"]], subject, text, dispatch, person)
        else:
            email = getattr(getattr(person, "user", None), "email", "")
            _queue(
                [{"channel": OutboxMessage.Channel.EMAIL, "recipient": email}] if email else [],
                subject,
                text,
                dispatch,
                person,
            )
        count += 1
    robots = [_spec(r, r.url) for r in routes if r.channel in ("wecom", "dingtalk")] if group else []
    if count and robots:
        _queue(robots, subject, f"{subject}\n{text}", dispatch)
    return count
