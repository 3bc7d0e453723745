import contextlib
import json
import logging
from urllib.parse import unquote_to_bytes

from django.http import HttpResponseBadRequest, JsonResponse

from zhiban.lib.text import CONTROL_CHARACTERS, CONTROL_MESSAGE, control_character_paths

_TEXT_BODIES = ("application/json", "application/x-www-form-urlencoded", "text/")


class RejectNulMiddleware:
    """A NUL character is never valid text here, and PostgreSQL refuses it with an error that would
    surface as a 500: such a request is answered 400 before any view runs. Uploaded files (multipart)
    pass, but the text fields of a multipart form are checked like any other."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.META.get("QUERY_STRING", "")
        has_nul = "\x00" in request.path or b"\x00" in unquote_to_bytes(query)
        if not has_nul and request.META.get("CONTENT_TYPE", "").startswith(_TEXT_BODIES):
            has_nul = b"\x00" in request.body or b"\\u0000" in request.body
        elif not has_nul and request.META.get("CONTENT_TYPE", "").startswith("multipart/form-data"):
            has_nul = any("\x00" in value for _, values in request.POST.lists() for value in values)
        if has_nul:
            message = "提交的内容含有不能保存的控制字符，请删去后重试"
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=400)
            return HttpResponseBadRequest(message)
        if request.path.startswith("/api/"):
            refused = _api_control_characters(request)
            if refused is not None:
                return refused
        return self.get_response(request)


def _api_control_characters(request) -> JsonResponse | None:
    """The API refuses text with control characters as the pages do (lib.text), naming each field."""
    fields = [f"查询参数 {k}" for k, v in request.GET.items() if CONTROL_CHARACTERS.search(k + v)]
    if request.META.get("CONTENT_TYPE", "").startswith("application/json") and request.body:
        with contextlib.suppress(ValueError, RecursionError):  # not JSON: the API's own validation answers
            fields += control_character_paths(json.loads(request.body))
    if not fields:
        return None
    errors = [{"field": f, "message": CONTROL_MESSAGE, "type": "control_characters"} for f in fields]
    return JsonResponse({"detail": "请求数据不合规", "errors": errors}, status=400)


class RefusalsWithoutTraceback(logging.Filter):
    """A refused request (403, 404) is an expected answer, logged as one line: Django attaches the
    exception's traceback to its log record, which buries the real errors (500s) among refusals."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", 500) < 500:
            record.exc_info = None
            record.exc_text = None
        return True


# No inline script or style anywhere: every script and stylesheet is a vendored static file, so an
# injected script tag or event handler does not run even if escaping ever failed somewhere (MLPS level 3).
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class SecurityHeadersMiddleware:
    """The strict CSP and a few headers Django does not set, on every page; and `Cache-Control:
    no-store` on every response made by a view (pages behind the login, their files and fragments, the
    login itself), which neither the browser's cache nor a proxy may keep. Static files, served by
    WhiteNoise before this middleware, keep their long caching."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
        response["Cache-Control"] = "no-store"
        return response
