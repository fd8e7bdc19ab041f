"""Points and stores over JSON: my balance, stores, goods, redemptions (idempotent)."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Status

from wenming.core.errors import NotFound
from wenming.core.pagination import PageQuery, paginate
from wenming.core.schemas import Id, Strict, Text
from wenming.orgs.permissions import is_staff_member, org_get_for_user
from wenming.people.models import Volunteer
from wenming.people.selectors import my_volunteer

from . import selectors, services
from .models import Goods, PointsAccount, PointsEntry, Redemption
from .permissions import (
    allowed_moves,
    goods_get_for_user,
    redemption_caps,
    redemption_get_for_user,
    store_caps,
    store_get_for_user,
    stores_for_user,
)
from .selectors import on_sale, picture_url, redemption_page

router = Router(tags=["points 积分与爱心超市"])


class StoreFilter(PageQuery):
    org: Id | None = None


class StoreIn(Strict):
    org_id: Id
    name: str = Field(..., max_length=100)
    address: str = Field("", max_length=200)
    opening_hours: str = Field("", max_length=100)


class GoodsIn(Strict):
    name: str = Field(..., max_length=100)
    price: int = Field(..., ge=-10**9, le=10**9)
    stock: int = Field(..., ge=-10**9, le=10**9)
    per_person_limit: int | None = Field(None, ge=-10**6, le=10**6)
    active_from: datetime.datetime | None = None
    active_to: datetime.datetime | None = None


class GoodsPatch(Strict):
    price: int | None = Field(None, ge=-10**9, le=10**9)
    stock: int | None = Field(None, ge=-10**9, le=10**9)
    per_person_limit: int | None = Field(None, ge=-10**6, le=10**6)
    active_from: datetime.datetime | None = None
    active_to: datetime.datetime | None = None
    is_active: bool | None = None


class RedeemIn(Strict):
    goods_id: Id
    store_id: Id | None = None  # when given, the goods must be this store's
    quantity: int = Field(..., ge=-10**6, le=10**6)
    expected_price: int | None = Field(None, ge=0, le=10**9)


class PickupIn(Strict):
    store_id: Id
    pickup_code: str = Field(..., max_length=20)


def goods_out(g: Goods) -> dict:
    return {"id": g.id, "store_id": g.store_id, "name": g.name, "price": g.price,
            "stock": g.stock, "per_person_limit": g.per_person_limit, "is_active": g.is_active,
            "picture": picture_url(g)}


def redemption_out(request, r: Redemption) -> dict:
    """The pickup code only for the volunteer who redeemed (`sees_pickup_code`), as on the
    pages; the moves the caller may make now."""
    caps = redemption_caps(request.user, r)
    return {"id": r.id, "goods_id": r.goods_id, "goods_name": r.goods.name,
            "store_id": r.goods.store_id, "quantity": r.quantity, "points": r.points,
            "status": r.status, "pickup_code": r.pickup_code if caps.sees_pickup_code else None,
            "created_at": timezone.localtime(r.created_at).isoformat(),
            "allowed_moves": allowed_moves(request.user, r, caps)}


def entry_out(e: PointsEntry) -> dict:
    return {"id": e.id, "amount": e.amount, "kind": e.kind, "reason": e.reason,
            "at": timezone.localtime(e.created_at).isoformat()}


def _my_volunteer(request) -> Volunteer:
    return my_volunteer(request.user, _("只有志愿者有积分账户"))


@router.get("/points/me", summary="我的积分余额与明细")
def points_me(request, page: Query[PageQuery]):
    # Read only: a volunteer who never earned has no account row yet, and a GET makes none.
    account = PointsAccount.objects.filter(volunteer=_my_volunteer(request)).first()
    if account is None:
        return {"balance": 0, "entries": [], "count": 0}
    entries = paginate(account.entries.order_by("-created_at", "-id"), page, entry_out)
    return {"balance": account.balance, "entries": entries["items"], "count": entries["count"]}


@router.get("/points/accounts", summary="辖区志愿者积分（工作人员）")
def points_accounts(request, page: Query[PageQuery]):
    if is_staff_member(request.user):
        qs = selectors.staff_accounts(request.user)
    else:  # a volunteer's own account only, and the list leaves it out
        qs = PointsAccount.objects.none()
    return paginate(qs.order_by("-balance", "id"), page, lambda a: {
        "volunteer_id": a.volunteer_id, "real_name": a.volunteer.user.real_name,
        "station_id": a.volunteer.station_id, "balance": a.balance})


@router.get("/stores", summary="可见的爱心超市")
def store_list(request, filters: Query[StoreFilter]):
    qs = stores_for_user(request.user)
    if filters.org:
        qs = qs.filter(org__path__startswith=org_get_for_user(request.user, filters.org).path)
    return paginate(qs.order_by("id"), filters, lambda s: {
        "id": s.id, "org_id": s.org_id, "name": s.name, "address": s.address,
        "opening_hours": s.opening_hours, "is_active": s.is_active})


@router.post("/stores", response={201: dict}, summary="开设爱心超市")
def store_create(request, payload: StoreIn):
    org = org_get_for_user(request.user, payload.org_id)
    store = services.store_create(by=request.user, org=org, name=payload.name,
                                  address=payload.address, opening_hours=payload.opening_hours)
    return Status(201, {"id": store.id, "name": store.name, "org_id": store.org_id})


@router.get("/stores/{store_id}/goods", summary="超市的商品与库存")
def goods_list(request, store_id: Id, page: Query[PageQuery]):
    store = store_get_for_user(request.user, store_id)
    goods = store.goods.all()
    if not store_caps(request.user, store).sees_off_sale:
        goods = on_sale(goods)
    return paginate(goods.order_by("price", "id"), page, goods_out)


@router.post("/stores/{store_id}/goods", response={201: dict}, summary="上架商品")
def goods_create(request, store_id: Id, payload: GoodsIn):
    store = store_get_for_user(request.user, store_id)
    goods = services.goods_add(by=request.user, store=store, **payload.dict())
    return Status(201, goods_out(goods))


@router.patch("/goods/{goods_id}", summary="修改商品（价格、库存、限兑、上下架）")
def goods_patch(request, goods_id: Id, payload: GoodsPatch):
    goods = goods_get_for_user(request.user, goods_id)
    return goods_out(services.goods_update(by=request.user, goods=goods,
                                           changes=payload.dict(exclude_unset=True)))


@router.post("/redemptions", response={200: dict, 201: dict},
             summary="兑换；带 Idempotency-Key 请求头时重试不会重复扣分")
def redemption_create(request, payload: RedeemIn):
    goods = goods_get_for_user(request.user, payload.goods_id)
    if payload.store_id is not None and goods.store_id != payload.store_id:
        raise NotFound()
    key = request.headers.get("Idempotency-Key", "")
    redemption, created = services.redemption_create(
        volunteer=_my_volunteer(request), goods=goods, quantity=payload.quantity,
        idempotency_key=key, expected_price=payload.expected_price)
    return Status(201 if created else 200, redemption_out(request, redemption))


@router.get("/redemptions", summary="我的兑换（工作人员：辖区的兑换）")
def redemption_list(request, page: Query[PageQuery], status: Text = ""):
    """Newest first. `count` is exact up to 10,000 (`count_exact`); a district's whole list
    is not counted for a page of twenty."""
    found = redemption_page(request.user, page=page.page, page_size=page.page_size,
                            status=status[:16])
    return {"items": [redemption_out(request, r) for r in found["rows"]],
            "count": found["count"], "count_exact": found["count_exact"]}


@router.post("/redemptions/{redemption_id}/cancel", summary="取消兑换（领取前），退回积分与库存")
def redemption_cancel(request, redemption_id: Id):
    redemption = redemption_get_for_user(request.user, redemption_id)
    return redemption_out(request, services.redemption_cancel(by=request.user,
                                                              redemption=redemption))


@router.post("/redemptions/pickup", summary="凭取货码领取（超市工作人员）")
def redemption_pickup(request, payload: PickupIn):
    store = store_get_for_user(request.user, payload.store_id)
    return redemption_out(request, services.redemption_pickup(
        by=request.user, store=store, pickup_code=payload.pickup_code))


# After /redemptions/pickup: the path of this one would take "pickup" for an id.
@router.get("/redemptions/{redemption_id}", summary="一笔兑换（取货码只给兑换的志愿者）")
def redemption_get(request, redemption_id: Id):
    return redemption_out(request, redemption_get_for_user(request.user, redemption_id))
