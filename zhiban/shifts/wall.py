"""值班大屏 on the wall (issue 16): a full 1920×1080 screen of the duty room, dark, legible across the room,
without navigation. The page is drawn once; its body is polled (`wall_poll`) every 15 seconds and swapped
in whole, so a screen left for days holds one copy of it; the clock and the countdowns run in the page
(static/js/wall.js), which also reloads the page once the server answers again after a restart."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Min, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from zhiban.incidents.access import event_q
from zhiban.incidents.models import Deadline, Event
from zhiban.incidents.views import with_deadlines
from zhiban.intake.models import Call, Document, Matter, Visit
from zhiban.lib.paging import paginate
from zhiban.lib.polling import background_poll, before_second_factor
from zhiban.org.access import current_unit, duty_unit, scope_for, scope_key
from zhiban.org.caching import GenerationCache, unit_activity
from zhiban.org.models import Unit
from zhiban.org.security import security_policy
from zhiban.roster.duty import on_duty
from zhiban.roster.models import Post
from zhiban.shifts import services
from zhiban.shifts.access import display_scope, get_wall_display_for_user
from zhiban.shifts.models import WallDisplay

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


def _body(scope, unit) -> str:
    """The board's body, built once per scope, unit, unit activity and 15 seconds: every screen of a
    duty room (and every room of the same scope) polling shares it; the countdowns run in the page.
    It depends on nothing of the request (no context processor), so a screen without a session gets
    exactly what its scope reads."""
    now = timezone.now()
    key = (scope_key(scope), unit.pk, unit_activity(unit.pk), int(now.timestamp()) // POLL_SECONDS)
    return _bodies.get_or_build(
        key, lambda: render_to_string("shifts/_wall_body.html", wall_data(scope, unit, now))
    )


def _page(request, unit, body: str, poll_url: str, displays_url: str = ""):
    context = {
        "unit": unit,
        "now": timezone.now(),
        "poll_seconds": POLL_SECONDS,
        "poll_url": poll_url,
        "displays_url": displays_url,  # the administrator's way to the wall displays' links
        "body": body,  # render_to_string's SafeString, kept as such by the cache
    }
    return render(request, "shifts/wall.html", context)


@login_required
def wall(request):
    unit = duty_unit(request)
    scope = scope_for(request.user)
    displays = reverse("wall_displays") if scope.person and scope.administers_duty_of(unit) else ""
    return _page(request, unit, _body(scope, unit), reverse("wall_poll"), displays)


@background_poll  # an unattended screen: not the person's activity
@login_required
def wall_poll(request):
    unit = duty_unit(request)
    return HttpResponse(_body(scope_for(request.user), unit))


# --- the wall PC's link: the board without a session ----------------------------------------------------


def _display(key: str) -> WallDisplay:
    """The display `key` opens, or 404: a key unknown or revoked, its unit no longer in use, or the links
    turned off by the security policy. The request's session, if any, plays no part."""
    if not security_policy().wall_display_links:
        raise Http404
    display = WallDisplay.opened_by(key)
    if display is None:
        raise Http404
    return display


def sessionless(view):
    """A view of the wall display's link: no login, no session read or touched (not a person's activity,
    nor stopped by a half-finished login in the same browser), GET only, never cached."""
    view = require_safe(view)
    view = background_poll(view)
    return before_second_factor(view)


@sessionless
def display(request, key):
    display = _display(key)
    body = _body(display_scope(display.unit), display.unit)
    return _page(request, display.unit, body, reverse("wall_display_poll", args=[key]))


@sessionless
def display_poll(request, key):
    display = _display(key)
    return HttpResponse(_body(display_scope(display.unit), display.unit))


# --- the wall displays' links, kept by the unit's duty-office administrators ----------------------------


class DisplayForm(forms.Form):
    name = forms.CharField(label="名称", max_length=50, help_text="如：值班室东墙大屏、带班领导办公室屏幕")


@login_required
def displays(request):
    """The unit's wall displays (大屏链接): register one and see its link once, see when each last showed
    the board, stop one. Its duty-office administrators' (and those above) alone."""
    unit = current_unit(request)
    scope = scope_for(request.user)
    if unit is None or scope.person is None or not scope.administers_duty_of(unit):
        raise PermissionDenied("只有值班室管理员可以管理大屏链接")
    allowed = security_policy().wall_display_links
    form = DisplayForm(request.POST or None)
    link = ""
    if request.method == "POST":
        if not allowed:
            raise PermissionDenied("安全策略不允许值班大屏专用链接")
        if form.is_valid():
            _, key = WallDisplay.issue(unit, form.cleaned_data["name"], scope.person)  # audited
            link = request.build_absolute_uri(reverse("wall_display", args=[key]))
            form = DisplayForm()
    rows = WallDisplay.objects.filter(unit=unit).select_related("created_by", "revoked_by")
    context = {"unit": unit, "form": form, "link": link, "allowed": allowed, "page": paginate(request, rows)}
    return render(request, "shifts/wall_displays.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def display_revoke(request, pk):
    display = get_wall_display_for_user(request.user, pk)
    if display.revoke(scope_for(request.user).person):  # audited
        messages.success(request, f"已停用“{display.name}”，该大屏即刻停止显示")
    return redirect("wall_displays")
