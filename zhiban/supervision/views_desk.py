"""工作台 (issue 16): the home page is the person's desk (supervision.desk), not statistics."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from zhiban.org.access import current_unit, scope_for
from zhiban.supervision.desk import desk_of


@login_required
def home(request):
    scope = scope_for(request.user)
    unit = current_unit(request)
    now = timezone.now()
    desk = desk_of(scope, unit, now)
    context = {
        "unit": unit,
        "desk": desk,
        "now": now,
        "today": timezone.localdate(),
        "person": scope.person,
        "system_role": request.user.get_system_role_display() if request.user.system_role else "",
    }
    return render(request, "supervision/desk.html", context)
