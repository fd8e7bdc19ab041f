import logging

from django.core.exceptions import PermissionDenied
from django.db import DataError, transaction
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from .error_views import api_error
from .errors import DomainError, Forbidden, NotFound

logger = logging.getLogger(__name__)


class DomainErrorMiddleware:
    """Pages: a NotFound from a selector is a 404, a Forbidden a 403, any other domain error
    a 400 page with its message. (The API turns the same errors into JSON itself.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exc):
        if isinstance(exc, NotFound):
            raise Http404(exc.message)
        if isinstance(exc, Forbidden):
            raise PermissionDenied(exc.message)
        if isinstance(exc, DomainError):
            return render(request, "400.html", {"message": exc.message}, status=exc.status)
        return None


class ApiErrorShapeMiddleware:
    """Under /api/, answers Django makes itself (an unknown path, a method the path does not
    take) come in the contract's shape too: {"error": {"code", "message"}}."""

    SHAPES = {404: ("not_found", _("接口不存在")), 405: ("method_not_allowed", _("该接口不支持此方法"))}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        shape = self.SHAPES.get(response.status_code)
        if shape and request.path.startswith("/api/") and \
                "json" not in response.get("Content-Type", ""):
            code, message = shape
            json = JsonResponse({"error": {"code": code, "message": str(message)}},
                                status=response.status_code,
                                json_dumps_params={"ensure_ascii": False})
            if response.has_header("Allow"):
                json["Allow"] = response["Allow"]
            return json
        return response


class AtomicWritesMiddleware:
    """A write request (POST, PUT, PATCH, DELETE) runs in one transaction that is rolled
    back when the answer is a server error, so nothing a request wrote stays behind a 500
    (one request once stored an activity in year 9999 and then failed; the row broke the
    district's activity list for everyone).

    Chosen over ATOMIC_REQUESTS: that wraps the view only, and ninja turns an exception into
    a response inside its view, so the transaction would commit; and it wraps reads too,
    which on SQLite (BEGIN IMMEDIATE) would queue every page view behind the writer.
    A 4xx is not rolled back: services already undo their own refused work, and some refusals
    must persist what they record (the failed-login counter behind a lockout, audit rows).
    """

    WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in self.WRITES:
            return self.get_response(request)
        with transaction.atomic():
            response = self.get_response(request)
            if response.status_code >= 500:
                transaction.set_rollback(True)
        return response

    def process_exception(self, request, exc):
        """A page whose form reached the database with a number or text it cannot hold
        gets a 400 page, not a 500 (the API has its own handler, wenming.api)."""
        if isinstance(exc, OverflowError | DataError):
            logger.warning("bad input reached the database: %s %s: %r", request.method,
                           request.path, exc)
            if transaction.get_connection().in_atomic_block:
                transaction.set_rollback(True)
            if request.path.startswith("/api/"):
                return api_error(422, "invalid_input", _("输入的值超出允许的范围"))
            return render(request, "400.html", {"message": _("输入的值超出允许的范围")},
                          status=400)
        return None


class RequestLimitsMiddleware:
    """A header over MAX_HEADER bytes, or headers over MAX_HEADERS bytes in all, is refused
    with 431 before anything reads them (in the contract's shape under /api/). A WSGI server
    in front may refuse bigger ones first with its own answer (gunicorn: 8190 bytes a line)."""

    MAX_HEADER = 8000
    MAX_HEADERS = 32_000

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        sizes = [len(k) + len(str(v)) for k, v in request.META.items()
                 if k.startswith("HTTP_")]
        if sizes and (max(sizes) > self.MAX_HEADER or sum(sizes) > self.MAX_HEADERS):
            if request.path.startswith("/api/"):
                return api_error(431, "headers_too_large", _("请求头过大"))
            return render(request, "400.html", {"message": _("请求头过大")}, status=431)
        return self.get_response(request)
