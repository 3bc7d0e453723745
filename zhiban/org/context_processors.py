from django.utils.functional import SimpleLazyObject

from zhiban.org.access import current_unit, scope_for


def scope(request):
    """`user`, `scope`, `current_unit` and `may_record` (whether the person records for the unit they
    work as: its duty office or one above; an inspector only watches). It stands in for Django's auth
    processor: no `perms` here, access is the scope's business."""
    if not request.user.is_authenticated:
        return {"user": request.user}
    return {
        "user": request.user,
        "scope": scope_for(request.user),
        "current_unit": SimpleLazyObject(lambda: current_unit_cached(request)),
        "may_record": SimpleLazyObject(lambda: may_record(request)),  # asked only if a template does
    }


def may_record(request) -> bool:
    unit = current_unit_cached(request)
    return unit is not None and scope_for(request.user).acts_for_unit(unit)


def current_unit_cached(request):
    if not hasattr(request, "_current_unit"):
        request._current_unit = current_unit(request)
    return request._current_unit
