"""值班大屏 on the wall (issue 16): a full 1920×1080 screen of the duty room, dark, legible across the room,
without navigation. The page is drawn once; its body is polled (`wall_poll`) every 15 seconds and swapped
in whole, so a screen left for days holds one copy of it; the clock and the countdowns run in the page
(static/js/wall.js), which also reloads the page once the server answers again after a restart."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.db.models import Min, Q
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone

from zhiban.incidents.access import event_q
from zhiban.incidents.models import Deadline, Event
from zhiban.incidents.views import with_deadlines
from zhiban.intake.models import Call, Document, Matter, Visit
from zhiban.lib.polling import background_poll
from zhiban.org.access import duty_unit, scope_for, scope_key
from zhiban.org.caching import GenerationCache, unit_activity
from zhiban.org.models import Unit
from zhiban.roster.duty import on_duty
from zhiban.roster.models import Post
from zhiban.shifts import services

EVENTS = 8  # what a 1080-pixel screen holds with big countdowns
POLL_SECONDS = 15
_bodies = GenerationCache(size=500)  # (scope, unit, unit activity, 15-second slot) -> the body


def _events(scope, unit: Unit, now: dt.datetime) -> list[Event]:
    far = now + dt.timedelta(days=3650)
    events = list(
        Event.objects.filter(event_q(scope), unit__path__startswith=unit.path, state=Event.State.OPEN)
        .select_related("unit")
        .annotate(
            next_due=Min(
                "deadline_set__due_at", filter=Q(deadline_set__met_at=None, deadline_set__missed=False)
            )
        )
        .order_by("next_due", "-known_at")[: EVENTS * 3]
    )
    events.sort(key=lambda e: (e.next_due or far, -e.known_at.timestamp()))
    events = with_deadlines(events[:EVENTS])
    for event in events:
        open_ones = [d for d in (event.phone, event.written, event.follow_up) if d is not None and d.is_open]
        event.next_deadline = min(open_ones, key=lambda d: d.due_at) if open_ones else None
    return events


def wall_data(scope, unit, now: dt.datetime | None = None) -> dict:
    now = now or timezone.now()
    local = timezone.localtime(now)
    day_start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    shift = services.shift_at(unit, now)
    duty = on_duty(scope, unit, now)[0] if unit else None
    after = shift.end if shift else now
    upcoming = services.published(unit).filter(start__gte=after).order_by("start")
    first = upcoming.first()
    next_people = list(upcoming.filter(start=first.start).select_related("person")) if first else []
    order = {post: i for i, post in enumerate(Post.values)}
    next_people.sort(key=lambda a: (order[a.post], a.person.name))
    opened = Event.objects.filter(unit__path__startswith=unit.path, state=Event.State.OPEN)
    return {
        "unit": unit,
        "now": now,
        "shift": shift,
        "handover_at": first.start if first else (shift.end if shift else None),
        "next_people": next_people,
        "people": duty["people"] if duty else [],
        "lines": duty["lines"] if duty else [],
        "events": _events(scope, unit, now),
        "event_count": opened.count(),
        "counts": [
            ("来电", Call.objects.filter(unit=unit, at__gte=day_start, at__lte=now).count()),
            ("来访", Visit.objects.filter(unit=unit, arrived_at__gte=day_start, arrived_at__lte=now).count()),
            (
                "来文",
                Document.objects.filter(unit=unit, received_at__gte=day_start, received_at__lte=now).count(),
            ),
            ("未办结事项", Matter.objects.filter(unit=unit, state=Matter.State.OPEN).count()),
            (
                "今日待报",
                Deadline.objects.filter(  # the reports owed today here and below, as the events listed
                    event__unit__path__startswith=unit.path,
                    event__state=Event.State.OPEN,
                    met_at=None,
                    missed=False,
                    due_at__lt=day_start + dt.timedelta(days=1),
                ).count(),
            ),
        ],
        "poll_seconds": POLL_SECONDS,
    }


def _body(request, unit) -> str:
    """The board's body, built once per scope, unit, unit activity and 15 seconds: every screen of a
    duty room (and every room of the same scope) polling shares it; the countdowns run in the page."""
    scope = scope_for(request.user)
    now = timezone.now()
    key = (scope_key(scope), unit.pk, unit_activity(unit.pk), int(now.timestamp()) // POLL_SECONDS)
    return _bodies.get_or_build(
        key, lambda: render_to_string("shifts/_wall_body.html", wall_data(scope, unit, now), request)
    )


@login_required
def wall(request):
    unit = duty_unit(request)
    context = {
        "unit": unit,
        "now": timezone.now(),
        "poll_seconds": POLL_SECONDS,
        "body": _body(request, unit),  # render_to_string's SafeString, kept as such by the cache
    }
    return render(request, "shifts/wall.html", context)


@background_poll  # an unattended screen: not the person's activity
@login_required
def wall_poll(request):
    unit = duty_unit(request)
    return HttpResponse(_body(request, unit))
