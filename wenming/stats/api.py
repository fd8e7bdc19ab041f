"""The 数据统计 API: a node's dashboard figures, its reports, the map's places, and the big
screen's links and data (the data by token, without a login)."""

import datetime
from typing import Literal

from django.http import HttpResponse
from ninja import Field, Query, Router, Status

from wenming.core.schemas import Id, PlatformDate, Schema, Strict, Text

from . import screens, services
from .models import ScreenLink
from .permissions import stats_org_get_for_user
from .selectors import dashboard, period_of, places
from .views import report_response

router = Router(tags=["stats 数据统计"])


class RangeQuery(Schema):
    date_from: PlatformDate | None = Field(None, alias="from")
    date_to: PlatformDate | None = Field(None, alias="to")


class ReportQuery(Schema):
    period: Literal["month", "quarter", "year"] = "month"
    date: PlatformDate | None = None
    format: Literal["xlsx", "pdf"] = "xlsx"


class ScreenLinkIn(Strict):
    label: str = Field(..., max_length=60)


def link_out(link: ScreenLink) -> dict:
    return {"id": link.pk, "org_id": link.org_id, "label": link.label,
            "url": screens.screen_url(link), "created_at": link.created_at,
            "revoked_at": link.revoked_at}


@router.get("/screen/{token}", summary="数据大屏的数据（凭大屏链接，无需登录；撤销后为404）",
            auth=None)
def screen_data(request, token: Text):
    return screens.screen_payload(screens.live_link(token))


@router.get("/{org_id}", summary="一个阵地范围在某时间段的统计数据（含下级阵地分项）")
def org_stats(request, org_id: Id, query: Query[RangeQuery]):
    org = stats_org_get_for_user(request.user, org_id)
    return dashboard(org, period_of(query.date_from, query.date_to))


@router.get("/{org_id}/places", summary="时间段内订单与活动的地点，及范围内阵地的位置")
def org_places(request, org_id: Id, query: Query[RangeQuery]):
    org = stats_org_get_for_user(request.user, org_id)
    return places(org, period_of(query.date_from, query.date_to))


@router.get("/{org_id}/report", summary="月度、季度或年度报表（Excel 或 PDF，含下级阵地分项）")
def org_report(request, org_id: Id, query: Query[ReportQuery]) -> HttpResponse:
    org = stats_org_get_for_user(request.user, org_id)
    return report_response(org, query.period, query.date or datetime.date.today(),
                           query.format)


@router.get("/{org_id}/screens", summary="本阵地的数据大屏链接")
def screen_links(request, org_id: Id):
    org = stats_org_get_for_user(request.user, org_id)
    return {"items": [link_out(x) for x in screens.links_of(request.user, org)]}


@router.post("/{org_id}/screens", response={201: dict}, summary="创建数据大屏链接")
def screen_link_create(request, org_id: Id, body: ScreenLinkIn):
    org = stats_org_get_for_user(request.user, org_id)
    return Status(201, link_out(services.screen_link_create(by=request.user, org=org,
                                                          label=body.label)))


@router.post("/screens/{link_id}/revoke", summary="撤销数据大屏链接（立即失效）")
def screen_link_revoke(request, link_id: Id):
    link = screens.link_get_for_user(request.user, link_id)
    return link_out(services.screen_link_revoke(by=request.user, link=link))
