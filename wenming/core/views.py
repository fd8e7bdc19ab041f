"""Helpers every app's page views share (a form's errors as messages, the page a form came
from, the staff gate) and the two pages of the site itself: the service worker and offline."""

from django.contrib import messages
from django.contrib.staticfiles import finders
from django.http import FileResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from wenming.orgs.permissions import is_staff_member

from .errors import Forbidden


def flash_errors(request, form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


def back(request, default: str) -> str:
    """The page a form came from (same site only), or `default`."""
    url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return url
    return default


def require_staff(request, message=None) -> None:
    """The staff gate of staff-only pages: 403 for anyone who manages no node."""
    if not is_staff_member(request.user):
        raise Forbidden(message or _("只有阵地工作人员可以使用此功能"))


def service_worker(request):
    """/sw.js: the service worker, served from the site's root so that it may look after
    every page (a worker's reach is the folder it is served from); never cached stale."""
    response = FileResponse(open(finders.find("wenming/sw.js"), "rb"),
                            content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    return response


def offline(request):
    """What a page that was never opened with signal shows without it (the worker keeps it)."""
    return render(request, "offline.html")
