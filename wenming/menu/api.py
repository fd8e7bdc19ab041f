"""The 服务菜单 API: the menu a caller orders from (or edits), and the hotline's 代点单."""

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Status
from pydantic import StrictBool

from wenming.core.errors import NotFound
from wenming.core.schemas import Id, PlatformDateTime, Schema, Strict
from wenming.orders.api import order_out
from wenming.orgs.models import OrgNode, Platform
from wenming.orgs.permissions import managed_nodes, org_get_for_user, roles_of
from wenming.people.models import Resident

from . import services
from .permissions import category_get_for_user, district_of, item_get_for_user
from .selectors import category_out, item_out, menu_for_editor, menu_for_station

router = Router(tags=["menu 服务菜单"])


class MenuQuery(Schema):
    station: Id | None = None
    edit: bool = False


class CategoryIn(Strict):
    name: str = Field(..., max_length=30)
    description: str = Field("", max_length=200)
    position: int = Field(100, ge=0, le=999)
    org_id: Id | None = None


class CategoryPatch(Strict):
    name: str | None = Field(None, max_length=30)
    description: str | None = Field(None, max_length=200)
    position: int | None = Field(None, ge=0, le=999)
    is_active: bool | None = None


class ItemIn(Strict):
    category_id: Id
    name: str = Field(..., max_length=60)
    platform: str = Field(..., max_length=32)
    description: str = Field("", max_length=1000)
    duration_minutes: int = Field(60, ge=10, le=1440)
    skills: list[str] = Field(default_factory=list, max_length=10)
    home_visit: bool = False
    position: int = Field(100, ge=0, le=999)
    org_id: Id | None = None


class ItemPatch(Strict):
    name: str | None = Field(None, max_length=60)
    platform: str | None = Field(None, max_length=32)
    description: str | None = Field(None, max_length=1000)
    duration_minutes: int | None = Field(None, ge=10, le=1440)
    skills: list[str] | None = Field(None, max_length=10)
    home_visit: bool | None = None
    position: int | None = Field(None, ge=0, le=999)
    is_active: bool | None = None


class HotlineIn(Strict):
    station_id: Id
    item_id: Id
    real_name: str = Field(..., max_length=50)
    mobile: str = Field(..., max_length=20)
    address: str = Field(..., max_length=200)
    consent: StrictBool  # an explicit true, never "yes" or 1
    text: str = Field("", max_length=2000)
    wished_at: PlatformDateTime


def _platform(code: str) -> Platform:
    platform = Platform.objects.filter(code=code, is_active=True).first()
    if platform is None:
        raise ValidationError(_("没有这个服务平台"), code="invalid_platform")
    return platform


def _home_district(user) -> int:
    nodes = managed_nodes(user) or [r.org for r in roles_of(user) if r.org]
    if not nodes:
        raise NotFound()
    return district_of(nodes[0])


@router.get("", summary="服务菜单：类别及其项目（群众看本站可点的；edit=true 为工作人员的编辑视图）")
def menu_get(request, q: Query[MenuQuery]):
    if q.edit:
        return [category_out(c, c.shown) for c in
                menu_for_editor(request.user, _home_district(request.user))]
    if q.station:
        station = org_get_for_user(request.user, q.station)
    else:
        resident = Resident.objects.filter(user=request.user).select_related("station").first()
        station = resident.station if resident else None
    if station is None or station.kind != OrgNode.Kind.STATION:
        raise NotFound()
    return [category_out(c, c.shown) for c in menu_for_station(station)]


@router.post("", response={201: dict}, summary="新增服务项目（中心：全区；实践所：本所范围）")
def item_create(request, payload: ItemIn):
    category = category_get_for_user(request.user, payload.category_id)
    org = org_get_for_user(request.user, payload.org_id) if payload.org_id else None
    item = services.item_create(by=request.user, category=category, org=org,
                                platform=_platform(payload.platform),
                                **payload.dict(exclude={"category_id", "org_id", "platform"}))
    return Status(201, item_out(item))


@router.get("/items/{item_id}", summary="一个服务项目")
def item_get(request, item_id: Id):
    return item_out(item_get_for_user(request.user, item_id))


@router.patch("/items/{item_id}", summary="修改服务项目（is_active=false 下架）")
def item_patch(request, item_id: Id, payload: ItemPatch):
    item = item_get_for_user(request.user, item_id)
    changes = payload.dict(exclude_unset=True)
    if "platform" in changes:
        changes["platform"] = _platform(changes["platform"] or "")
    return item_out(services.item_update(by=request.user, item=item, changes=changes))


@router.post("/categories", response={201: dict}, summary="新增类别（中心工作人员）")
def category_create(request, payload: CategoryIn):
    org = org_get_for_user(request.user, payload.org_id) if payload.org_id else \
        get_object_or_404(OrgNode, pk=_home_district(request.user))
    category = services.category_create(by=request.user, org=org, name=payload.name,
                                        description=payload.description,
                                        position=payload.position)
    return Status(201, category_out(category, []))


@router.patch("/categories/{category_id}", summary="修改类别（is_active=false 停用）")
def category_patch(request, category_id: Id, payload: CategoryPatch):
    category = category_get_for_user(request.user, category_id)
    category = services.category_update(by=request.user, category=category,
                                        changes=payload.dict(exclude_unset=True))
    return category_out(category, [])


@router.post("/hotline", response={201: dict},
             summary="热线代点单：为来电群众下单，没有档案的当场建立（须告知并取得同意）")
def hotline_order(request, payload: HotlineIn):
    station = org_get_for_user(request.user, payload.station_id)
    item = item_get_for_user(request.user, payload.item_id)
    order = services.hotline_order(by=request.user, station=station, item=item,
                                   **payload.dict(exclude={"station_id", "item_id"}))
    return Status(201, order_out(order, request.user))
