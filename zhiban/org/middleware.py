import time

from django.conf import settings
from django.contrib.auth import logout
from django.utils.functional import LazyObject

# The last-activity stamp is written at most this often, so a busy page does not write the session
# on every request.
_TOUCH_EVERY = 60


class IdleTimeoutMiddleware:
    """Ends a session on the server once it has been idle for IDLE_TIMEOUT_SECONDS (MLPS level 3)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        authenticated = request.user.is_authenticated  # loads the lazy user
        if isinstance(request.user, LazyObject):  # every later request.user read is a plain attribute
            request.user = request.user._wrapped
        if authenticated:
            now = int(time.time())
            last = request.session.get("last_seen", now)
            if now - last > settings.IDLE_TIMEOUT_SECONDS:
                logout(request)
            elif now - last >= _TOUCH_EVERY or "last_seen" not in request.session:
                request.session["last_seen"] = now
        return self.get_response(request)
