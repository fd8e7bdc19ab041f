"""Dashboard pages: a node's figures with its children (drill-down), reports, and the big
screen with its links. Thin: scope from `permissions`, figures from `selectors`, writes
through `services`."""

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wenming.activities.excel import XLSX
from wenming.core.forms import attempt
from wenming.core.views import flash_errors
from wenming.orgs.models import OrgNode

from . import reports, screens, services
from .forms import PeriodForm, default_period
from .permissions import home_node, stats_caps, stats_org_get_for_user
from .selectors import calendar_period, dashboard, order_state_labels, places


def report_response(org: OrgNode, kind: str, day: datetime.date, fmt: str) -> HttpResponse:
    """The report file of the calendar period `kind` holding `day`."""
    period = calendar_period(kind, day)
    name = f"{org.name}-{period.first:%Y%m%d}-{period.last:%Y%m%d}"
    if fmt == "pdf":
        response = HttpResponse(reports.report_pdf(org, period), content_type="application/pdf")
    else:
        response = HttpResponse(reports.report_xlsx(org, period), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, f"{name}.{fmt}")
    return response


@login_required
def stats_home(request):
    url = reverse("stats_dashboard", args=[home_node(request.user).pk])
    return redirect(f"{url}?{request.GET.urlencode()}" if request.GET else url)


@login_required
def dashboard_page(request, pk: int):
    org = stats_org_get_for_user(request.user, pk)
    form = PeriodForm(request.GET if request.GET else None)
    period = default_period()
    if form.is_bound:
        if form.is_valid():
            period = form.cleaned_data["range"]
        else:
            flash_errors(request, form)
    data = dashboard(org, period)
    caps = stats_caps(request.user, org)
    return render(request, "stats/dashboard.html", {
        "org": org, "form": form, "period": period, "data": data, "caps": caps,
        "query": request.GET.urlencode(), "tile_url": settings.WENMING_MAP_TILE_URL,
        "state_labels": order_state_labels(), "report_date": period.last.isoformat(),
        "date_value": period.first.isoformat(),
        "links": screens.links_of(request.user, org),
        "parent": org.parent if caps.drill_up else None})


@login_required
def places_json(request, pk: int):
    org = stats_org_get_for_user(request.user, pk)
    form = PeriodForm(request.GET if request.GET else None)
    period = form.cleaned_data["range"] if form.is_bound and form.is_valid() else \
        default_period()
    return JsonResponse(places(org, period))


@login_required
def report_download(request, pk: int):
    org = stats_org_get_for_user(request.user, pk)
    kind = request.GET.get("period", "month")
    fmt = request.GET.get("format", "xlsx")
    form = PeriodForm({"period": kind, "date": request.GET.get("date", "")})
    if kind == "custom" or fmt not in ("xlsx", "pdf") or not form.is_valid():
        messages.error(request, _("报表周期应为月、季度或年，格式为 Excel 或 PDF，日期须有效"))
        return redirect("stats_dashboard", pk=org.pk)
    return report_response(org, kind, form.cleaned_data["range"].last, fmt)


@require_POST
@login_required
def screen_link_new(request, pk: int):
    org = stats_org_get_for_user(request.user, pk)
    attempt(request, services.screen_link_create, by=request.user, org=org,
            label=request.POST.get("label", ""), done=_("已创建大屏链接"))
    return redirect(f"/stats/{org.pk}/#screens")


@require_POST
@login_required
def screen_link_revoke(request, link_id: int):
    link = screens.link_get_for_user(request.user, link_id)
    attempt(request, services.screen_link_revoke, by=request.user, link=link,
            done=_("已撤销，该链接立即失效"))
    return redirect(f"/stats/{link.org_id}/#screens")


def screen_page(request, token: str):
    """The hall's screen: no login; the token is the key (404 once revoked)."""
    link = screens.live_link(token)
    return render(request, "stats/screen.html", {"link": link, "org": link.org,
                                                 "state_labels": order_state_labels()})


def screen_json(request, token: str):
    return JsonResponse(screens.screen_payload(screens.live_link(token)))
