from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from zhiban.lib.paging import paginate
from zhiban.notify.access import get_channel_route_for_user, notice_q
from zhiban.notify.models import ChannelRoute, DeliveryAttempt, Notice, deliveries_of
from zhiban.notify.outbox import routes_for
from zhiban.org.access import current_unit, scope_for


@login_required
def notice_list(request):
    """One's own notices, newest first, each with its deliveries by SMS, email and the duty group's
    robots (channel, attempts, result, time); nobody reads another person's."""
    page = paginate(request, Notice.objects.filter(notice_q(scope_for(request.user))))
    deliveries_of(page)
    return render(request, "notify/notice_list.html", {"page": page})


@login_required
@require_POST
def notice_read_all(request):
    person = scope_for(request.user).person
    if person:
        Notice.objects.filter(person=person, read_at=None).update(read_at=timezone.now())
    return redirect("notice_list")


class RouteForm(forms.ModelForm):
    # intranet gateways and robots are often plain http: an address typed without a scheme means http
    url = forms.URLField(label="网关或机器人地址", max_length=500, required=False, assume_scheme="http")

    class Meta:
        model = ChannelRoute
        fields = ["channel", "order", "url", "secret", "template", "active"]

    def clean(self):
        data = super().clean()
        if data.get("channel") in ("sms", "wecom", "dingtalk") and not data.get("url"):
            self.add_error("url", "短信网关和群机器人须填写地址")
        return data


@login_required
def channel_list(request):
    """B22: the unit's channels in order; its duty-office administrator sets them."""
    unit = current_unit(request)
    scope = scope_for(request.user)
    if unit is None or not scope.oversees(unit):
        raise PermissionDenied("只有值班人员可以查看通知渠道")
    form = RouteForm(request.POST or None)
    if request.method == "POST":
        if not scope.can_write_unit(unit):
            raise PermissionDenied("只有值班室管理员可以设置通知渠道")
        form.instance.unit = unit
        if form.is_valid():
            form.save()
            return redirect("channel_list")
    routes = list(ChannelRoute.objects.filter(unit=unit))
    if not scope.can_write_unit(unit):  # a robot's webhook key is its only credential: shown to admins only
        for route in routes:
            route.url = route.url.split("?", 1)[0] + ("?……" if "?" in route.url else "")
    context = {
        "unit": unit,
        "form": form,
        "routes": routes,
        "used": routes_for(unit),
        "can_write": scope.can_write_unit(unit),
        "failures": recent_failures(routes, timezone.now()),
    }
    return render(request, "notify/channels.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def channel_delete(request, pk):
    route = get_channel_route_for_user(request.user, pk, write=True)
    route.delete()
    return redirect("channel_list")


FAILURES_SHOWN = 10
FAILURE_WINDOW = dt.timedelta(days=7)


def recent_failures(routes, now) -> list[DeliveryAttempt]:
    """The failed attempts of the week over the unit's own channels, newest first: a channel that is
    failing shows on its page before anyone misses a message."""
    return list(
        DeliveryAttempt.objects.filter(ok=False, message__route__in=routes, at__gte=now - FAILURE_WINDOW)
        .exclude(detail__startswith="改用下一渠道")
        .select_related("message")
        .order_by("-at", "-id")[:FAILURES_SHOWN]
    )
