"""The answers Django gives itself when a request fails before or around a view (handler400,
403, 404, 500 and the CSRF failure view): under /api/ in the contract's shape
{"error": {"code", "message"}} in the caller's language, elsewhere as pages."""

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

API_PREFIX = "/api/"


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def api_error(status: int, code: str, message) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": str(message)}}, status=status,
                        json_dumps_params={"ensure_ascii": False})


def too_large(exception) -> tuple[int, str, str] | None:
    """Status, code and message for a request Django refused for its size, or None."""
    if isinstance(exception, RequestDataTooBig):
        return 413, "request_too_large", _("请求内容过大")
    if isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
        return 413, "too_many_fields", _("请求包含的字段过多")
    return None


def page_error(request, status: int, message="") -> HttpResponse:
    return render(request, f"{status}.html" if status in (400, 403, 404) else "400.html",
                  {"message": message}, status=status)


@requires_csrf_token
def bad_request(request, exception=None):
    size = too_large(exception)
    if is_api(request):
        return api_error(*(size or (400, "bad_request", _("请求无效"))))
    if size:
        return page_error(request, size[0], size[2])
    return page_error(request, 400)


@requires_csrf_token
def permission_denied(request, exception=None):
    if is_api(request):
        return api_error(403, "forbidden", _("您没有执行此操作的权限"))
    return page_error(request, 403)


@requires_csrf_token
def page_not_found(request, exception=None):
    if is_api(request):
        return api_error(404, "not_found", _("接口不存在"))
    return page_error(request, 404)


def server_error(request):
    """Never renders base.html (whatever broke may break it too)."""
    if is_api(request):
        return api_error(500, "server_error", _("服务器内部错误，请稍后再试"))
    return render(request, "500.html", status=500)


def csrf_failure(request, reason: str = ""):
    if is_api(request):
        return api_error(403, "csrf_failed", _("安全校验（CSRF）失败，请刷新页面后重试"))
    return page_error(request, 403, _("安全校验（CSRF）失败，请刷新页面后重试"))

