from django.utils.functional import SimpleLazyObject

from zhiban.org.access import current_unit, scope_for
from zhiban.org.models import Unit


def scope(request):
    if not request.user.is_authenticated:
        return {}
    user_scope = scope_for(request.user)

    def switchable():
        units = list(user_scope.units().exclude(kind=Unit.Kind.DEPARTMENT).only("id", "name", "short_name", "depth"))
        unit = current_unit_cached(request)
        if unit and all(u.pk != unit.pk for u in units):
            units.append(unit)
        top = min((u.depth for u in units), default=0)
        for u in units:
            u.indent = "　" * (u.depth - top)
        return units

    request_unit = SimpleLazyObject(lambda: current_unit_cached(request))
    return {"scope": user_scope, "current_unit": request_unit, "switchable_units": switchable}


def current_unit_cached(request):
    if not hasattr(request, "_current_unit"):
        request._current_unit = current_unit(request)
    return request._current_unit
