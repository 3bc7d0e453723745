from django.utils.functional import SimpleLazyObject

from zhiban.org.access import current_unit, scope_for


def scope(request):
    """`user`, `scope` and `current_unit`. It stands in for Django's auth processor: no `perms` here,
    access is the scope's business."""
    if not request.user.is_authenticated:
        return {"user": request.user}
    return {
        "user": request.user,
        "scope": scope_for(request.user),
        "current_unit": SimpleLazyObject(lambda: current_unit_cached(request)),
    }


def current_unit_cached(request):
    if not hasattr(request, "_current_unit"):
        request._current_unit = current_unit(request)
    return request._current_unit
