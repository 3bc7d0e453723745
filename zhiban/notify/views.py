from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from zhiban.notify.models import Notice
from zhiban.org.access import scope_for


@login_required
def notice_list(request):
    """One's own notices, newest first; nobody reads another person's."""
    person = scope_for(request.user).person
    notices = Notice.objects.filter(person=person)[:200] if person else []
    return render(request, "notify/notice_list.html", {"notices": notices})


@login_required
@require_POST
def notice_read_all(request):
    person = scope_for(request.user).person
    if person:
        Notice.objects.filter(person=person, read_at=None).update(read_at=timezone.now())
    return redirect("notice_list")
