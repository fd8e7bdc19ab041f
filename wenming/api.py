"""The JSON API (/api/): auth, the error shape of ../shared/API.md, and the app routers.

Every error under /api/ is {"error": {"code", "message"}} in the caller's language: the
handlers below for what happens inside an operation, wenming.core.error_views for what Django
answers itself (unknown paths, 500, CSRF failures, oversized requests)."""

import logging

from django.core.exceptions import PermissionDenied, RequestDataTooBig, TooManyFieldsSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, transaction
from django.http import Http404
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaError
from ninja.openapi.docs import Swagger

from wenming.core.auth import bearer_or_session
from wenming.core.error_views import api_error, too_large
from wenming.core.errors import DomainError
from wenming.core.openapi import PlatformAPI

logger = logging.getLogger(__name__)

api = PlatformAPI(
    title="wenming 新时代文明实践服务管理平台 API",
    version="1.0",
    description="点单-派单-接单-评单、志愿者、阵地的 JSON 接口。错误统一为 "
                '{"error": {"code", "message"}}。',
    auth=bearer_or_session,
    urls_namespace="api",
    # Swagger UI's files come from ninja's own static folder ("ninja" is an installed app),
    # never from a CDN; no validator badge either (it would call an outside host).
    docs=Swagger(settings={"validatorUrl": None}),
)


def error(request, status: int, code: str, message):
    return api_error(status, code, message)


def on_domain_error(request, exc: DomainError):
    return error(request, exc.status, exc.code, exc.message)


def on_validation_error(request, exc: DjangoValidationError):
    code = getattr(exc, "code", None) or "invalid_input"
    return error(request, 422, code, "；".join(exc.messages))


def on_schema_error(request, exc: SchemaError):
    first = exc.errors[0]
    if first.get("loc", ("",))[0] == "path":
        # A path that names no object (an id beyond 64 bits, a word where a number goes)
        # is a path that does not exist.
        return error(request, 404, "not_found", _("未找到该对象，或您无权查看"))
    return error(request, 422, "invalid_input", describe_schema_error(first))


def on_unauthenticated(request, exc):
    return error(request, 401, "not_authenticated", _("请先登录"))


def on_http_error(request, exc: HttpError):
    status = exc.status_code
    if status == 400:  # ninja raises this for a body that is not JSON
        return error(request, 400, "malformed_json", _("请求内容不是合法的 JSON"))
    if status == 403:  # the session auth raises this when the CSRF token is missing
        return error(request, 403, "csrf_failed", _("安全校验（CSRF）失败，请刷新页面后重试"))
    if status == 429:
        return error(request, 429, "too_many_requests", _("请求过于频繁，请稍后再试"))
    return error(request, status, "http_error", _("请求无效"))


def on_too_big(request, exc):
    return error(request, *too_large(exc))


def on_out_of_range(request, exc):
    """A safety net: a number or text the database cannot hold is bad input, not a 500. The
    real fix is the type that refuses it first (wenming.core.schemas); the log says where."""
    logger.warning("bad input reached the database: %s %s: %r", request.method, request.path,
                   exc)
    if transaction.get_connection().in_atomic_block:
        transaction.set_rollback(True)  # PostgreSQL refuses anything more in this transaction
    return error(request, 422, "invalid_input", _("输入的值超出允许的范围"))


def on_not_found(request, exc):
    return error(request, 404, "not_found", _("未找到该对象，或您无权查看"))


def on_forbidden(request, exc):
    return error(request, 403, "forbidden", _("您没有执行此操作的权限"))


ERROR_HANDLERS = [
    (DomainError, on_domain_error),
    (DjangoValidationError, on_validation_error),
    (SchemaError, on_schema_error),
    (AuthenticationError, on_unauthenticated),
    (HttpError, on_http_error),
    (RequestDataTooBig, on_too_big),
    (TooManyFieldsSent, on_too_big),
    (OverflowError, on_out_of_range),
    (DataError, on_out_of_range),
    (Http404, on_not_found),
    (PermissionDenied, on_forbidden),
]


def install_error_handlers(target) -> None:
    """Every error an operation raises, in the contract's shape (also used by test APIs).
    Anything else is a 500 that Django answers through wenming.core.error_views."""
    for exc_class, handler in ERROR_HANDLERS:
        target.add_exception_handler(exc_class, handler)


install_error_handlers(api)


def describe_schema_error(err: dict) -> str:
    """One readable sentence (Chinese by default) for pydantic's first complaint."""
    loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "payload")]
    name = ".".join(loc) or _("请求")
    ctx = err.get("ctx") or {}
    kind = err.get("type", "")
    messages = {
        "missing": _("缺少必填字段：%(field)s"),
        "extra_forbidden": _("不支持的字段：%(field)s"),
        "string_too_long": _("字段 %(field)s 过长（最多 %(limit)s 个字符）"),
        "string_too_short": _("字段 %(field)s 过短（至少 %(limit)s 个字符）"),
        "too_long": _("字段 %(field)s 的项目过多（最多 %(limit)s 项）"),
        "greater_than_equal": _("字段 %(field)s 不能小于 %(limit)s"),
        "less_than_equal": _("字段 %(field)s 不能大于 %(limit)s"),
        "model_type": _("请求内容应为一个 JSON 对象"),
        "model_attributes_type": _("请求内容应为一个 JSON 对象"),
        "control_characters": _("字段 %(field)s 含有不允许的控制字符"),
        "blank": _("字段 %(field)s 不能为空"),
        "int64_range": _("字段 %(field)s 超出允许的范围"),
        "finite_number": _("字段 %(field)s 须为有限的数值"),
        "datetime_range": _("字段 %(field)s 须在 %(first)s 至 %(last)s 之间"),
        "date_range": _("字段 %(field)s 须在 %(first)s 至 %(last)s 之间"),
        "degrees_range": _("字段 %(field)s 须在 -%(limit)s 至 %(limit)s 之间"),
    }
    limit = ctx.get("max_length", ctx.get("min_length", ctx.get("ge", ctx.get("le",
                    ctx.get("limit", "")))))
    template = messages.get(kind, _("字段 %(field)s 的格式不正确"))
    return template % {"field": name, "limit": limit, "first": ctx.get("first", ""),
                       "last": ctx.get("last", "")}


from wenming.activities.api import router as activities_router  # noqa: E402
from wenming.activities.api_documents import router as documents_router  # noqa: E402
from wenming.callups.api import router as callups_router  # noqa: E402
from wenming.deliberation.api import router as deliberation_router  # noqa: E402
from wenming.honors.api import router as honors_router  # noqa: E402
from wenming.lectures.api import router as lectures_router  # noqa: E402
from wenming.menu.api import router as menu_router  # noqa: E402
from wenming.notices.api import router as notices_router  # noqa: E402
from wenming.orders.api import router as orders_router  # noqa: E402
from wenming.orgs.api import router as orgs_router  # noqa: E402
from wenming.partners.api import router as partners_router  # noqa: E402
from wenming.people.api import router as people_router  # noqa: E402
from wenming.points.api import router as points_router  # noqa: E402
from wenming.recommend.api import router as recommend_router  # noqa: E402
from wenming.records.api import router as records_router  # noqa: E402
from wenming.rooms.api import router as rooms_router  # noqa: E402
from wenming.stats.api import router as stats_router  # noqa: E402
from wenming.teams.api import router as teams_router  # noqa: E402
from wenming.wishes.api import router as wishes_router  # noqa: E402

api.add_router("/", records_router)  # /volunteers/{id}/record before /volunteers/{id}
api.add_router("/", documents_router)  # first: /volunteers/import before /volunteers/{id}
api.add_router("/", people_router)
api.add_router("/", activities_router)
api.add_router("/orgs", orgs_router)
api.add_router("/teams", teams_router)
api.add_router("/orders", orders_router)
api.add_router("/", points_router)
api.add_router("/wishes", wishes_router)
api.add_router("/stats", stats_router)
api.add_router("/", honors_router)  # /rankings, /selections, /awards
api.add_router("/topics", deliberation_router)
api.add_router("/", partners_router)  # /units, /orders/{id}/handover
api.add_router("/menu", menu_router)
api.add_router("/", lectures_router)  # /lectures, /lecture-bookings
api.add_router("/rooms", rooms_router)
api.add_router("/callups", callups_router)
api.add_router("/notices", notices_router)
api.add_router("/recommendations", recommend_router)
