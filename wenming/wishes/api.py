"""Micro-wishes over JSON: the wall, posting, moderation, claim, fulfil, confirm."""

import datetime

from ninja import Field, Query, Router, Status

from wenming.core.pagination import PageQuery, paginate
from wenming.core.schemas import Id, Strict
from wenming.orgs.permissions import org_get_for_user
from wenming.people.permissions import resident_get_for_user
from wenming.teams.permissions import team_get_for_user

from . import services
from .models import Wish
from .permissions import allowed_moves, wish_caps, wish_get_for_user, wishes_for_user
from .selectors import photo_url, private_view, public_view

router = Router(tags=["wishes 微心愿"])


class WishIn(Strict):
    title: str = Field(..., max_length=60)
    text: str = Field(..., max_length=1000)
    due_date: datetime.date
    reason: str = Field("", max_length=1000)
    for_whom: str = Field("", max_length=60)
    rough_value: int | None = Field(None, ge=-10**6, le=10**6)
    urgency: int = Field(0, ge=-10, le=10)
    resident_id: Id | None = None


class WishFilter(PageQuery):
    org: Id | None = None
    state: str = Field("", max_length=16)
    mine: bool = False


class ModerateIn(Strict):
    approve: bool
    reason: str = Field("", max_length=1000)


class ClaimIn(Strict):
    team_id: Id | None = None
    donor_name: str = Field("", max_length=100)


class FulfilIn(Strict):
    note: str = Field(..., max_length=1000)


class ReasonIn(Strict):
    reason: str = Field("", max_length=1000)


def wish_out(request, wish: Wish) -> dict:
    """One rule with the page: the private side (`private_view`, the photo) only for those
    whose caps see it; the moves the caller may make now."""
    caps = wish_caps(request.user, wish)
    out = public_view(wish)
    if caps.sees_private:
        out.update(private_view(wish), photo=photo_url(wish) if wish.photo else None)
    out["allowed_moves"] = allowed_moves(request.user, wish, caps)
    return out


@router.get("", summary="微心愿（心愿墙、我的、辖区的）")
def wish_list(request, filters: Query[WishFilter]):
    qs = wishes_for_user(request.user)
    if filters.org:
        qs = qs.filter(station__path__startswith=org_get_for_user(request.user, filters.org).path)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.mine:
        qs = qs.filter(resident__user=request.user)
    qs = qs.order_by("-urgency", "-created_at", "-id")
    return paginate(qs, filters, lambda w: wish_out(request, w))


@router.post("", response={201: dict}, summary="发布微心愿（工作人员可代发）")
def wish_create(request, payload: WishIn):
    resident = None
    if payload.resident_id:
        resident = resident_get_for_user(request.user, payload.resident_id)
    wish = services.wish_post(by=request.user, resident=resident,
                              **payload.dict(exclude={"resident_id"}))
    return Status(201, wish_out(request, wish))


@router.get("/{wish_id}", summary="一个微心愿")
def wish_get(request, wish_id: Id):
    return wish_out(request, wish_get_for_user(request.user, wish_id))


@router.post("/{wish_id}/approve", summary="审核（approve=false 为不通过，须填原因）")
def wish_approve(request, wish_id: Id, payload: ModerateIn):
    wish = wish_get_for_user(request.user, wish_id)
    return wish_out(request, services.wish_moderate(by=request.user, wish=wish,
                                                    approve=payload.approve,
                                                    reason=payload.reason))


@router.post("/{wish_id}/claim", summary="认领（志愿者、队长代表队伍、或工作人员登记爱心单位）")
def wish_claim(request, wish_id: Id, payload: ClaimIn):
    wish = wish_get_for_user(request.user, wish_id)
    team = team_get_for_user(request.user, payload.team_id) if payload.team_id else None
    return wish_out(request, services.wish_claim(by=request.user, wish=wish, team=team,
                                                 donor_name=payload.donor_name))


@router.post("/{wish_id}/release", summary="放弃认领，回到心愿墙")
def wish_release(request, wish_id: Id, payload: ReasonIn):
    wish = wish_get_for_user(request.user, wish_id)
    return wish_out(request, services.wish_release(by=request.user, wish=wish,
                                                   reason=payload.reason))


@router.post("/{wish_id}/fulfil", summary="已实现（说明）")
def wish_fulfil(request, wish_id: Id, payload: FulfilIn):
    wish = wish_get_for_user(request.user, wish_id)
    return wish_out(request, services.wish_fulfil(by=request.user, wish=wish,
                                                  note=payload.note))


@router.post("/{wish_id}/confirm", summary="心愿人确认实现")
def wish_confirm(request, wish_id: Id):
    wish = wish_get_for_user(request.user, wish_id)
    return wish_out(request, services.wish_confirm(by=request.user, wish=wish))


@router.post("/{wish_id}/cancel", summary="撤回心愿（认领前；心愿人或本站工作人员）")
def wish_cancel(request, wish_id: Id, payload: ReasonIn):
    wish = wish_get_for_user(request.user, wish_id)
    return wish_out(request, services.wish_cancel(by=request.user, wish=wish,
                                                  reason=payload.reason))
