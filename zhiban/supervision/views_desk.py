"""工作台 (issue 16): the home page is the person's desk (supervision.desk), not statistics.

Like 一口清, the page is built once per person, unit, minute and unit activity (and top bar counts),
with a slot for the CSRF token: a person coming back to it, or many people of a city, cost a few indexed
reads. What is below the unit (late reports of units below, roll calls) is at most a minute old; the
countdowns run in the page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpResponse
from django.middleware import csrf
from django.shortcuts import render
from django.utils import timezone
from django.utils.html import conditional_escape

from zhiban.lib.registry import topbar_counts
from zhiban.lib.templatetags.zhiban import CSRF_SLOT
from zhiban.org.access import current_unit, scope_for
from zhiban.org.caching import GenerationCache, unit_activity
from zhiban.supervision.desk import desk_of

_desks = GenerationCache(size=2000)  # (user, unit, unit activity, minute, top bar counts) -> the page


@login_required
def home(request):
    scope = scope_for(request.user)
    unit = current_unit(request)
    now = timezone.now()

    def page(csrf_token) -> HttpResponse:
        context = {
            "unit": unit,
            "desk": desk_of(scope, unit, now),
            "now": now,
            "today": timezone.localdate(),
            "person": scope.person,
            "system_role": request.user.get_system_role_display() if request.user.system_role else "",
            "csrf_token": csrf_token,
        }
        return render(request, "supervision/desk.html", context)

    token = conditional_escape(str(csrf.get_token(request)))
    if CookieStorage.cookie_name in request.COOKIES:  # a flash message to show: built afresh
        return page(token)
    person = scope.person
    minute = timezone.localtime(now).replace(second=0, microsecond=0)
    counts = topbar_counts(person.pk if person else None)
    key = (request.user.pk, unit.pk if unit else None, unit_activity(unit.pk) if unit else 0, minute, counts)
    html = _desks.get_or_build(key, lambda: page(CSRF_SLOT).content.decode())
    return HttpResponse(html.replace(CSRF_SLOT, token))
