"""Domain errors: raised by services and selectors, turned into the API's error shape
({"error": {"code", "message"}}) by wenming.api and into messages by the pages."""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    status = 400
    code = "bad_request"
    default_message = _("请求无效")

    def __init__(self, message=None, *, code: str | None = None):
        self.message = message or self.default_message
        if code:
            self.code = code
        super().__init__(str(self.message))


class NotFound(DomainError):
    """Also raised for objects outside the caller's scope, so existence does not leak."""

    status = 404
    code = "not_found"
    default_message = _("未找到该对象，或您无权查看")


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    default_message = _("您没有执行此操作的权限")


class Conflict(DomainError):
    status = 409
    code = "conflict"
    default_message = _("操作与当前状态冲突")


class Unauthenticated(DomainError):
    status = 401
    code = "not_authenticated"
    default_message = _("请先登录")


class TooManyAttempts(DomainError):
    status = 429
    code = "locked_out"
    default_message = _("登录失败次数过多，账号已临时锁定，请15分钟后再试")
