from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render

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
