"""What every signed-in request passes (MLPS level 3): the session's policy (idle timeout, absolute
lifetime, one session per person), then the second factor and a password that is due for change."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import LazyObject

from zhiban.lib.polling import is_background_poll
from zhiban.org.factors import enrolled
from zhiban.org.security import password_expired, security_policy

# The last-activity stamp is written at most this often, so a busy page does not write the session
# on every request.
_TOUCH_EVERY = 60
LOGOUT_REASON = "logout_reason"


class SessionPolicyMiddleware:
    """Ends a session on the server when it has been idle too long, has lived past its absolute
    lifetime, or was replaced by a newer login of the same person (one session per person) or ended by
    the security administrator. Requests of views marked @background_poll are not activity."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        authenticated = request.user.is_authenticated  # loads the lazy user
        if isinstance(request.user, LazyObject):  # every later request.user read is a plain attribute
            request.user = request.user._wrapped
        if authenticated:
            reason = self._ended(request)
            if reason:
                logout(request)
                request.session[LOGOUT_REASON] = reason
        response = self.get_response(request)
        to_login = response.status_code == 302 and response["Location"].startswith(settings.LOGIN_URL_PATH)
        if to_login and request.headers.get("HX-Request"):
            # a fragment's request (the board's poll) sends the whole page to the login, rather than
            # swapping the login form into a table
            return _hx_redirect(response["Location"])
        return response

    @staticmethod
    def _ended(request) -> str | None:
        policy, session, now = security_policy(), request.session, int(time.time())
        if session.get("mark") != request.user.session_mark:
            return "您的账号已在别处登录，或管理员已要求重新登录"
        if now - session.get("started", 0) > policy.session_max_hours * 3600:
            return f"登录已超过{policy.session_max_hours}小时，请重新登录"
        if now - session.get("last_seen", 0) > policy.idle_timeout_minutes * 60:
            return f"超过{policy.idle_timeout_minutes}分钟无操作，已自动退出"
        return None

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.user.is_authenticated and not is_background_poll(view_func):
            now = int(time.time())
            if now - request.session.get("last_seen", 0) >= _TOUCH_EVERY:
                request.session["last_seen"] = now
        return None


class SecondFactorMiddleware:
    """Before the second factor a signed-in person reaches nothing but its pages and logging out; the
    API then sees no session (a bearer token still works, it is a credential of its own). After it, a
    first password set by an administrator or a password past its age leads to the change page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or getattr(view_func, "before_second_factor", False):
            return None
        if request.path.startswith("/api/"):
            if not user.is_verified():
                request.user = AnonymousUser()
            return None
        if not user.is_verified():
            return _go(request, "second_factor_verify" if enrolled(user) else "second_factor_enrol")
        if (user.must_change_password or password_expired(user)) and not getattr(
            view_func, "password_change", False
        ):
            return _go(request, "password_change")
        return None


def _go(request, url_name: str):
    url = reverse(url_name)
    if request.method == "GET" and not request.headers.get("HX-Request"):
        url += "?" + urlencode({"next": request.get_full_path()})
    return _hx_redirect(url) if request.headers.get("HX-Request") else redirect(url)


def _hx_redirect(url: str) -> HttpResponse:
    response = HttpResponse(status=204)
    response["HX-Redirect"] = url
    return response
