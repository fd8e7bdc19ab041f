"""Helpers every app's page views share: a form's errors as messages, the page a form came
from, and the staff gate. Reads of an app's own data live in that app's selectors."""

from django.contrib import messages
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
