"""The 招募令 API: call-ups with shifts, signing up, coverage, closing."""


from ninja import Field, Query, Router, Status

from wenming.core.errors import NotFound
from wenming.core.pagination import PageQuery, paginate
from wenming.core.schemas import Id, PlatformDateTime, Strict, Text
from wenming.orgs.permissions import org_get_for_user

from . import services
from .models import MOVES
from .permissions import callup_get_for_user, callups_for_user
from .selectors import callup_summary, callup_view

router = Router(tags=["callups 招募令"])


class ShiftIn(Strict):
    start: PlatformDateTime
    end: PlatformDateTime
    quota: int = Field(..., ge=1, le=100_000)


class CallupIn(Strict):
    title: str = Field(..., max_length=60)
    org_id: Id
    text: str = Field(..., max_length=2000)
    skills: list[str] = Field(default_factory=list, max_length=10)
    shifts: list[ShiftIn] = Field(..., min_length=1, max_length=services.MAX_SHIFTS)
    place: str = Field("", max_length=200)
    radius_km: float | None = Field(None, ge=0.1, le=100)


class CallupFilter(PageQuery):
    state: str = Field("", max_length=16)
    org: Id | None = None


class ReasonIn(Strict):
    reason: str = Field("", max_length=1000)


@router.get("", summary="招募令（本区的，及所管辖的；班次见单个招募令）")
def callup_list(request, filters: Query[CallupFilter]):
    qs = callups_for_user(request.user)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.org:
        qs = qs.filter(org__path__startswith=org_get_for_user(request.user, filters.org).path)
    return paginate(qs.order_by("-created_at", "-id"), filters,
                    lambda c: callup_summary(request.user, c))


@router.post("", response={201: dict}, summary="发布招募令（推送给技能、范围匹配的志愿者）")
def callup_create(request, payload: CallupIn):
    org = org_get_for_user(request.user, payload.org_id)
    callup = services.callup_publish(
        by=request.user, org=org, title=payload.title, text=payload.text, place=payload.place,
        skills=payload.skills, radius_km=payload.radius_km,
        shifts=[s.dict() for s in payload.shifts])
    return Status(201, callup_view(request.user, callup))


@router.get("/{callup_id}", summary="一个招募令：班次、报名人数、我的报名")
def callup_get(request, callup_id: Id):
    return callup_view(request.user, callup_get_for_user(request.user, callup_id))


@router.post("/{callup_id}/shifts/{shift_id}/signup", response={201: dict},
             summary="报名班次（报满 409 quota_full，重复 409 already_signed_up）")
def signup_create(request, callup_id: Id, shift_id: Id):
    callup = callup_get_for_user(request.user, callup_id)
    services.signup_create(by=request.user, callup=callup, shift_id=shift_id)
    return Status(201, callup_view(request.user, callup))


@router.post("/{callup_id}/shifts/{shift_id}/withdraw", summary="取消报名（班次开始前）")
def signup_withdraw(request, callup_id: Id, shift_id: Id):
    callup = callup_get_for_user(request.user, callup_id)
    services.signup_withdraw(by=request.user, callup=callup, shift_id=shift_id)
    return callup_view(request.user, callup)


@router.post("/{callup_id}/{move}", summary="结束（close）或撤销（cancel）招募令")
def callup_move(request, callup_id: Id, move: Text, payload: ReasonIn):
    if move not in MOVES:
        raise NotFound()
    callup = callup_get_for_user(request.user, callup_id)
    callup = services.callup_move(by=request.user, callup=callup, move=move,
                                  reason=payload.reason)
    return callup_view(request.user, callup)


