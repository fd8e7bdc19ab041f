from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from .errors import DomainError, Forbidden, NotFound


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
