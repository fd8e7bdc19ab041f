"""The order pipeline over JSON: submit, list, one order with its history and the moves the
caller may make (`allowed_moves`), candidates, and every transition as its own POST. The
resident's contact goes through `permissions.order_contact` as on the pages: masked unless
the caller asks `?reveal=1` (audited)."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Status

from wenming.core.errors import Forbidden, NotFound
from wenming.core.masking import mask_name
from wenming.core.pagination import PageQuery
from wenming.core.schemas import Id, Lat, Lng, Strict
from wenming.menu.permissions import item_get_for_user
from wenming.orgs.models import OrgNode, Platform
from wenming.orgs.permissions import org_get_for_user
from wenming.people.models import Volunteer
from wenming.people.permissions import resident_get_for_user
from wenming.people.selectors import my_volunteer, volunteer_get_for_user
from wenming.teams.permissions import team_get_for_user

from . import batch, services
from .models import ServiceOrder, in_group
from .permissions import (
    OrderCaps,
    complaint_lines,
    node_ids,
    order_caps,
    order_contact,
    order_get_for_grab,
    order_get_for_user,
    orders_for_user,
    proposal_get_for_user,
)
from .ranking import candidates_for
from .selectors import order_history

router = Router(tags=["orders 点单与民呼我应"])


class OrderIn(Strict):
    kind: str = Field(ServiceOrder.Kind.SERVICE, max_length=16)
    platform: str = Field("", max_length=32)  # not needed with item_id: the item brings it
    item_id: Id | None = None  # an item of the service menu (点单 from the menu, as the page)
    text: str = Field(..., max_length=2000)
    lat: Lat = Field(..., ge=-90, le=90)
    lng: Lng = Field(..., ge=-180, le=180)
    address: str = Field(..., max_length=200)
    wished_at: datetime.datetime
    skill: str = Field("", max_length=30)
    contact_name: str = Field("", max_length=50)
    contact_phone: str = Field("", max_length=20)
    resident_id: Id | None = None  # staff ordering on a resident's behalf (代点单)


class OrderFilter(PageQuery):
    state: str = Field("", max_length=24)  # "escalated": both escalated states
    kind: str = Field("", max_length=16)
    org: Id | None = None
    mine: bool = False
    overdue: bool = False


class DispatchIn(Strict):
    volunteer_id: Id | None = None
    team_id: Id | None = None


class ReasonIn(Strict):
    reason: str = Field(..., max_length=1000)


class OptionalReasonIn(Strict):
    reason: str = Field("", max_length=1000)


class CompleteIn(Strict):
    note: str = Field(..., max_length=2000)
    hours: Decimal = Field(..., max_digits=5, decimal_places=2)
    people_served: int = Field(1, ge=0, le=100_000)


class RateIn(Strict):
    score: int = Field(..., ge=-1000, le=1000)
    comment: str = Field("", max_length=1000)


def order_out(o: ServiceOrder, user, *, caps: OrderCaps | None = None, reveal: bool = False,
              ip: str | None = None) -> dict:
    contact = order_contact(user, o, caps=caps, reveal=reveal, ip=ip)
    return {
        "id": o.id, "kind": o.kind, "state": o.state, "platform": o.platform.code,
        "item_id": o.item_id,
        "skill": o.skill, "text": o.text, "address": contact.address, "area": contact.area,
        "lat": contact.lat, "lng": contact.lng,
        "wished_at": timezone.localtime(o.wished_at).isoformat(),
        "org_id": o.org_id, "station_id": o.station_id, "grid_id": o.grid_id,
        "volunteer_id": o.volunteer_id, "team_id": o.team_id,
        "due_at": timezone.localtime(o.due_at).isoformat() if o.due_at else None,
        "escalations": o.escalations, "score": o.score, "comment": o.comment,
        "needs_review": o.needs_review, "completion_note": o.completion_note,
        "contact_name": contact.name, "contact_phone": contact.phone,
        "contact_full": contact.full, "contact_revealed": contact.revealed,
        "created_at": timezone.localtime(o.created_at).isoformat(),
    }


def _detail(request, order: ServiceOrder, *, reveal: bool = False) -> dict:
    caps = order_caps(request.user, order)
    return {**order_out(order, request.user, caps=caps, reveal=reveal,
                        ip=request.META.get("REMOTE_ADDR")),
            "allowed_moves": caps.moves, "history": _history(request.user, order, caps),
            # A served order's lines its resident may complain about (POST /api/complaints
            # with record_id), each with the complaint already filed.
            "complaints": complaint_lines(request.user, order)}


def _history(user, order: ServiceOrder, caps: OrderCaps) -> list[dict]:
    """Who made each move: named for staff of the order (and oneself), masked otherwise
    (the resident's own name stays private to a volunteer nearby)."""
    def who(h):
        return h["by"] if caps.sees_names or h["by_id"] == user.pk else mask_name(h["by"])
    return [{**h, "by": who(h), "at": timezone.localtime(h["at"]).isoformat()}
            for h in order_history(order)]


def _my_volunteer(request) -> Volunteer:
    return my_volunteer(request.user, _("只有志愿者可以接单"))


@router.get("", summary="订单列表（?state=&org=&kind=service|appeal）")
def order_list(request, filters: Query[OrderFilter]):
    qs = orders_for_user(request.user)
    if filters.state == "escalated":
        qs = qs.filter(state__in=in_group("escalated"))
    elif filters.state:
        qs = qs.filter(state=filters.state)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.org:
        node = org_get_for_user(request.user, filters.org)
        qs = qs.filter(org_id__in=node_ids(OrgNode.objects.filter(path__startswith=node.path)))
    if filters.mine:
        qs = qs.filter(resident__user=request.user)
    if filters.overdue:
        qs = qs.filter(due_at__lte=timezone.now())
    return page_capped(qs.order_by("due_at", "-id"), filters,
                       lambda o: order_out(o, request.user))


COUNT_CAP = 10_000


def page_capped(qs, page: PageQuery, serialize) -> dict:
    """`paginate`'s shape, but `count` stops at 10,000 (`count_capped` then says there are
    more), as the ledger's lists do: counting a center's whole district of orders cost more
    than the page of twenty."""
    start = (page.page - 1) * page.page_size
    rows = list(qs[start:start + page.page_size])
    count = qs.order_by()[:COUNT_CAP + 1].count()
    return {"items": [serialize(o) for o in rows], "count": min(count, COUNT_CAP),
            "count_capped": count > COUNT_CAP}


def _platform_of(code: str, item) -> Platform:
    """The order's platform: the menu item's (a `platform` naming another is refused), or the
    one named. Whether the item is still offered at the resident's station the service checks
    (`item_inactive`, `item_not_offered`)."""
    if item is not None:
        if code and code != item.platform.code:
            raise ValidationError(_("服务平台与服务项目不符"), code="invalid_platform")
        return item.platform
    if not code:
        raise ValidationError(_("请选择服务平台或服务项目"), code="invalid_platform")
    platform = Platform.objects.filter(code=code, is_active=True).first()
    if platform is None:
        raise NotFound(_("服务平台不存在"), code="unknown_platform")
    return platform


@router.post("", response={201: dict}, summary="点单 / 提交诉求（工作人员可代点单）")
def order_create(request, payload: OrderIn):
    item = item_get_for_user(request.user, payload.item_id) if payload.item_id else None
    platform = _platform_of(payload.platform, item)
    resident = (resident_get_for_user(request.user, payload.resident_id)
                if payload.resident_id else None)
    order = services.order_submit(by=request.user, resident=resident, platform=platform, item=item,
                                  **payload.dict(exclude={"platform", "resident_id", "item_id"}))
    return Status(201, _detail(request, order))


class BatchPairIn(Strict):
    order_id: Id
    volunteer_id: Id


class BatchDispatchIn(Strict):
    pairs: list[BatchPairIn] = Field(..., min_length=1, max_length=batch.MAX_ORDERS)
    capacity: int = Field(1, ge=1, le=batch.MAX_CAPACITY)


class ProposalIn(Strict):
    org_id: Id
    capacity: int = Field(1, ge=1, le=batch.MAX_CAPACITY)


class ProposalPage(PageQuery):
    page_size: int = Field(100, ge=1, le=500)


def proposal_out(proposal, page: ProposalPage | None = None) -> dict:
    """A kept proposal: its summary and one page of its pairs (`pairs_count` in all) and of
    the orders left over (`unassigned_count`), both by order id."""
    page = page or ProposalPage()
    first = (page.page - 1) * page.page_size
    window = slice(first, first + page.page_size)
    return {
        "id": proposal.pk, "org_id": proposal.org_id, "capacity": proposal.capacity,
        "state": proposal.state, "created_at": timezone.localtime(proposal.created_at).isoformat(),
        "dispatched_at": (timezone.localtime(proposal.dispatched_at).isoformat()
                          if proposal.dispatched_at else None),
        **proposal.summary,
        "pairs_count": len(proposal.pairs), "unassigned_count": len(proposal.unassigned),
        "page": page.page, "page_size": page.page_size,
        "pairs": [{"order_id": o, "volunteer_id": v, "km": km}
                  for o, v, km in proposal.pairs[window]],
        "unassigned": proposal.unassigned[window],
    }


# The batch routes come before "/{order_id}", which would otherwise claim "/batch".
@router.post("/batch/proposals", response={201: dict},
             summary="生成批量派单方案（总距离最短，并与先到先派对比）：计算一次并保存，分页查看后确认")
def order_batch_propose(request, payload: ProposalIn):
    org = org_get_for_user(request.user, payload.org_id)
    proposal = services.batch_propose(by=request.user, org=org, capacity=payload.capacity)
    return Status(201, proposal_out(proposal))


@router.get("/batch/proposals/{proposal_id}", summary="一个已保存的批量派单方案（分页）")
def order_batch_proposal(request, proposal_id: Id, page: Query[ProposalPage]):
    return proposal_out(proposal_get_for_user(request.user, proposal_id), page)


@router.post("/batch/proposals/{proposal_id}/dispatch",
             summary="按已保存的方案批量派单（全部派出或全部不派；每个方案只能确认一次）")
def order_batch_proposal_dispatch(request, proposal_id: Id):
    proposal = proposal_get_for_user(request.user, proposal_id)
    orders = services.batch_proposal_dispatch(by=request.user, proposal=proposal)
    return {"dispatched": len(orders), "items": [order_out(o, request.user) for o in orders]}


@router.post("/batch/dispatch", summary="按方案批量派单（全部派出或全部不派）")
def order_batch_dispatch(request, payload: BatchDispatchIn):
    orders = services.orders_batch_dispatch(
        by=request.user, proposal_pairs=[(p.order_id, p.volunteer_id) for p in payload.pairs],
        capacity=payload.capacity)
    return {"dispatched": len(orders), "items": [order_out(o, request.user) for o in orders]}


@router.get("/{order_id}", summary="一个订单、全部流转记录和您可执行的操作"
                                   "（reveal=1 查看完整联系电话，留痕）")
def order_get(request, order_id: Id, reveal: bool = False):
    return _detail(request, order_get_for_user(request.user, order_id), reveal=reveal)


@router.get("/{order_id}/candidates", summary="推荐的志愿者和队伍（含评分理由）")
def order_candidates(request, order_id: Id):
    order = order_get_for_user(request.user, order_id)
    if not order_caps(request.user, order).sees_candidates:
        raise Forbidden()
    return {"items": candidates_for(order)}


def _staff_move(request, order_id: Id, move, **kwargs) -> dict:
    order = order_get_for_user(request.user, order_id)
    return _detail(request, move(by=request.user, order=order, **kwargs))


def _volunteer_move(request, order_id: Id, move, **kwargs) -> dict:
    order = order_get_for_user(request.user, order_id)
    return _detail(request, move(volunteer=_my_volunteer(request), order=order, **kwargs))


@router.post("/{order_id}/review", summary="审单通过")
def order_review(request, order_id: Id):
    return _staff_move(request, order_id, services.order_review)


@router.post("/{order_id}/reject", summary="驳回（原因群众可见）")
def order_reject(request, order_id: Id, payload: ReasonIn):
    return _staff_move(request, order_id, services.order_reject, reason=payload.reason)


@router.post("/{order_id}/dispatch", summary="派单给志愿者或队伍")
def order_dispatch(request, order_id: Id, payload: DispatchIn):
    volunteer = (volunteer_get_for_user(request.user, payload.volunteer_id)
                 if payload.volunteer_id else None)
    team = team_get_for_user(request.user, payload.team_id) if payload.team_id else None
    return _staff_move(request, order_id, services.order_dispatch, volunteer=volunteer, team=team)


@router.post("/{order_id}/open", summary="开放抢单")
def order_open(request, order_id: Id):
    return _staff_move(request, order_id, services.order_open)


@router.post("/{order_id}/grab", summary="抢单")
def order_grab(request, order_id: Id):
    order = order_get_for_grab(request.user, order_id)
    return _detail(request, services.order_grab(volunteer=_my_volunteer(request), order=order))


@router.post("/{order_id}/accept", summary="接单")
def order_accept(request, order_id: Id):
    return _volunteer_move(request, order_id, services.order_accept)


@router.post("/{order_id}/decline", summary="拒单（退回派单队列）")
def order_decline(request, order_id: Id, payload: ReasonIn):
    return _volunteer_move(request, order_id, services.order_decline, reason=payload.reason)


@router.post("/{order_id}/complete", summary="完成服务")
def order_complete(request, order_id: Id, payload: CompleteIn):
    return _volunteer_move(request, order_id, services.order_complete, note=payload.note,
                           hours=payload.hours, people_served=payload.people_served)


@router.post("/{order_id}/rate", summary="评单 1–5 分")
def order_rate(request, order_id: Id, payload: RateIn):
    return _staff_move(request, order_id, services.order_rate, score=payload.score,
                       comment=payload.comment)


@router.post("/{order_id}/cancel", summary="取消（接单前）")
def order_cancel(request, order_id: Id, payload: OptionalReasonIn):
    return _staff_move(request, order_id, services.order_cancel, reason=payload.reason)


