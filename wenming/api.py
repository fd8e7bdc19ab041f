"""The JSON API (/api/): auth, the error shape of ../shared/API.md, and the app routers."""

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaError

from wenming.core.auth import bearer_or_session
from wenming.core.errors import DomainError

api = NinjaAPI(
    title="wenming 新时代文明实践服务管理平台 API",
    version="1.0",
    description="点单-派单-接单-评单、志愿者、阵地的 JSON 接口。错误统一为 "
                '{"error": {"code", "message"}}。',
    auth=bearer_or_session,
    urls_namespace="api",
)


def error(request, status: int, code: str, message) -> object:
    return api.create_response(request, {"error": {"code": code, "message": str(message)}},
                               status=status)


@api.exception_handler(DomainError)
def on_domain_error(request, exc: DomainError):
    return error(request, exc.status, exc.code, exc.message)


@api.exception_handler(DjangoValidationError)
def on_validation_error(request, exc: DjangoValidationError):
    code = getattr(exc, "code", None) or "invalid_input"
    return error(request, 422, code, "；".join(exc.messages))


@api.exception_handler(SchemaError)
def on_schema_error(request, exc: SchemaError):
    return error(request, 422, "invalid_input", describe_schema_error(exc.errors[0]))


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    return error(request, 401, "not_authenticated", _("请先登录"))


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    if exc.status_code == 400:  # ninja raises this for a body that is not JSON
        return error(request, 400, "malformed_json", _("请求内容不是合法的 JSON"))
    return error(request, exc.status_code, "http_error", exc)


@api.exception_handler(RequestDataTooBig)
def on_too_big(request, exc):
    return error(request, 413, "request_too_large", _("请求内容过大"))


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return error(request, 404, "not_found", _("未找到该对象，或您无权查看"))


@api.exception_handler(PermissionDenied)
def on_forbidden(request, exc):
    return error(request, 403, "forbidden", _("您没有执行此操作的权限"))


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
    }
    limit = ctx.get("max_length", ctx.get("min_length", ctx.get("ge", ctx.get("le", ""))))
    template = messages.get(kind, _("字段 %(field)s 的格式不正确"))
    return template % {"field": name, "limit": limit}


from wenming.activities.api import router as activities_router  # noqa: E402
from wenming.activities.api_documents import router as documents_router  # noqa: E402
from wenming.orders.api import router as orders_router  # noqa: E402
from wenming.orgs.api import router as orgs_router  # noqa: E402
from wenming.people.api import router as people_router  # noqa: E402
from wenming.points.api import router as points_router  # noqa: E402
from wenming.teams.api import router as teams_router  # noqa: E402
from wenming.wishes.api import router as wishes_router  # noqa: E402

api.add_router("/", documents_router)  # first: /volunteers/import before /volunteers/{id}
api.add_router("/", people_router)
api.add_router("/", activities_router)
api.add_router("/orgs", orgs_router)
api.add_router("/teams", teams_router)
api.add_router("/orders", orders_router)
api.add_router("/", points_router)
api.add_router("/wishes", wishes_router)
