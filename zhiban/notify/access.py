"""Who reads and sets a unit's notice channels (B22): read over the unit, set by its duty-office
administrators. A person's own notices are theirs alone."""

from __future__ import annotations

from django.db.models import Q

from zhiban.notify.models import ChannelRoute
from zhiban.org.access import Scope, check_write, fetch, scope_for
from zhiban.org.models import User


def channel_route_q(scope: Scope) -> Q:
    return scope.unit_q("unit__")


def get_channel_route_for_user(user: User, pk, write: bool = False) -> ChannelRoute:
    scope = scope_for(user)
    route = fetch(ChannelRoute.objects.select_related("unit"), pk, channel_route_q(scope))
    check_write(scope, route.unit, write)
    return route


def notice_q(scope: Scope) -> Q:
    return Q(person=scope.person) if scope.person is not None else Q(pk__in=[])
