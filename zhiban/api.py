"""/api/v1/: one NinjaAPI that every app's router joins. Errors are JSON with a 4xx status, never 500
for bad input: a Django ValidationError becomes 400 with its messages, PermissionDenied 403, Http404 404."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DataError
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import ValidationError as RequestInvalid
from ninja.security import HttpBearer, django_auth

from zhiban.audit.trail import _actor, actor_for_user
from zhiban.lib.addresses import client_ip
from zhiban.org.models import ApiToken


class TokenAuth(HttpBearer):
    """`Authorization: Bearer zb_…`: a token issued on the person's token page."""

    def authenticate(self, request, token):
        user = ApiToken.authenticate(token)
        if user is None:
            return None
        request.user = user
        _actor.set(actor_for_user(user, client_ip(request)))
        return user


api = NinjaAPI(
    title="政务值班管理平台 API",
    version="1",
    description="单位、人员、通讯录等接口。认证：Authorization: Bearer <令牌>（在“我的令牌”页面生成）。",
    auth=[TokenAuth(), django_auth],
    urls_namespace="api",
)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(request, {"detail": "没有找到，或不在您可以查看的范围内"}, status=404)


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return api.create_response(request, {"detail": str(exc) or "没有权限"}, status=403)


@api.exception_handler(ValidationError)
def _invalid(request, exc):
    errors = exc.message_dict if hasattr(exc, "message_dict") else {"__all__": exc.messages}
    return api.create_response(request, {"detail": "数据不合规", "errors": errors}, status=400)


# Pydantic's English messages, said in Chinese for the integrator reading them.
_MESSAGES = {
    "missing": "必填",
    "string_too_short": "太短或为空",
    "string_too_long": "太长",
    "string_pattern_mismatch": "格式不对",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "bool_parsing": "应为 true 或 false",
    "string_type": "应为文本",
    "json_invalid": "不是合法的 JSON",
    "greater_than_equal": "数值太小",
    "less_than_equal": "数值太大",
}


@api.exception_handler(RequestInvalid)
def _request_invalid(request, exc):
    errors = [
        {
            "field": ".".join(str(p) for p in e.get("loc", ()) if p not in ("body", "data", "query", "path")),
            "message": _MESSAGES.get(e.get("type", ""), "不合规"),
            "type": e.get("type", ""),
        }
        for e in exc.errors
    ]
    return api.create_response(request, {"detail": "请求数据不合规", "errors": errors}, status=422)


@api.exception_handler(OverflowError)
@api.exception_handler(DataError)
def _out_of_range(request, exc):
    return api.create_response(request, {"detail": "数值超出范围或数据格式不被接受"}, status=400)


def _register_routers() -> None:
    from zhiban.incidents.api import router as incidents_router
    from zhiban.intake.api import router as intake_router
    from zhiban.org.api import router as org_router
    from zhiban.roster.api import router as roster_router
    from zhiban.supervision.api import router as supervision_router

    api.add_router("/", org_router)
    api.add_router("/", roster_router)
    api.add_router("/", intake_router)
    api.add_router("/", incidents_router)
    api.add_router("/", supervision_router)


_register_routers()
