from django.utils.functional import SimpleLazyObject

from zhiban.org.access import current_unit, scope_for


def scope(request):
    if not request.user.is_authenticated:
        return {}
    return {
        "scope": scope_for(request.user),
        "current_unit": SimpleLazyObject(lambda: current_unit_cached(request)),
    }


def current_unit_cached(request):
    if not hasattr(request, "_current_unit"):
        request._current_unit = current_unit(request)
    return request._current_unit
