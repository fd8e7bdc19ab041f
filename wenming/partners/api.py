"""共建单位 and 吹哨报到 over JSON: the register, 双报到, hand-overs and their moves,
grid managers' hand-up and mediation cases. Mounted at the API root."""

from ninja import Field, File, Form, Query, Router, Status
from ninja.files import UploadedFile

from wenming.core.errors import NotFound
from wenming.core.pagination import PageQuery, paginate
from wenming.core.schemas import Id, PlatformDate, Strict
from wenming.orders.permissions import order_get_for_user
from wenming.orgs.models import Grid
from wenming.orgs.permissions import org_get_for_user
from wenming.people.selectors import my_volunteer

from . import services
from .models import Unit, UnitMember, UnitStaff
from .permissions import (
    handover_caps,
    handover_get_for_user,
    handover_targets,
    handovers_for_user,
    mediation_get_for_user,
    mediations_for_user,
    unit_caps,
    unit_contact,
    unit_get_for_user,
    units_for_user,
    units_to_join,
)
from .selectors import handover_out, member_out, members_with_hours

router = Router(tags=["units 共建单位·吹哨报到"])


class UnitIn(Strict):
    name: str = Field(..., max_length=100)
    kind: str = Field(..., max_length=16)
    org_id: Id
    contact_name: str = Field("", max_length=50)
    contact_phone: str = Field("", max_length=20)
    services: str = Field("", max_length=2000)


class UnitFilter(PageQuery):
    org: Id | None = None
    kind: str = Field("", max_length=16)
    q: str = Field("", max_length=50)


class JoinIn(Strict):
    since: PlatformDate | None = None


class HandoverIn(Strict):
    unit_id: Id
    reason: str = Field(..., max_length=2000)
    hours: int = Field(services.DEFAULT_HANDOVER_HOURS, ge=1, le=services.MAX_HANDOVER_HOURS)


class HandoverFilter(PageQuery):
    state: str = Field("", max_length=16)
    unit: Id | None = None


class NoteIn(Strict):
    note: str = Field(..., max_length=2000)


class ReasonIn(Strict):
    reason: str = Field(..., max_length=2000)


class MediationIn(Strict):
    station_id: Id
    grid_id: Id | None = None
    order_id: Id | None = None
    parties: str = Field(..., max_length=500)
    dispute: str = Field(..., max_length=2000)
    agreement: str = Field("", max_length=2000)
    follow_up_on: PlatformDate | None = None


def unit_out(request, unit: Unit, *, detail: bool = False, reveal: bool = False) -> dict:
    """One rule with the page: contact through `unit_contact`; members (with their hours in
    the community on the detail) only for those whose caps see them."""
    caps = unit_caps(request.user, unit, own=getattr(unit, "viewer_is_staff", None))
    contact = unit_contact(request.user, unit, caps=caps, reveal=reveal,
                           ip=request.META.get("REMOTE_ADDR"))
    if not caps.sees_members:
        members = []
    elif not detail and hasattr(unit, "page_members"):
        members = unit.page_members
    else:
        members = members_with_hours(unit)
    out = {"id": unit.pk, "name": unit.name, "kind": unit.kind,
           "kind_label": unit.get_kind_display(), "org_id": unit.org_id,
           "contact_name": contact.name, "contact_phone": contact.phone,
           "contact_masked": contact.masked, "services": unit.services,
           "is_active": unit.is_active,
           "members": [member_out(m, with_hours=detail) for m in members]}
    if detail and caps.sees_members:
        out["hours_total"] = sum(m["hours"] for m in out["members"])
    return out


# ---- units ------------------------------------------------------------------------------

@router.get("/units", summary="共建单位名册（本辖区；单位账号为本单位）")
def unit_list(request, filters: Query[UnitFilter]):
    qs = units_for_user(request.user)
    if filters.org:
        qs = qs.filter(org__path__startswith=org_get_for_user(request.user, filters.org).path)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.q:
        qs = qs.filter(name__contains=filters.q)
    return paginate(qs.order_by("name", "id"), filters, lambda u: unit_out(request, u),
                    preload=lambda units: page_facts(request.user, units))


def page_facts(user, units: list[Unit]) -> None:
    """What each row of a page needs, in two queries for the page instead of two per unit
    (issue 10: `GET /api/units` made 44 queries): whether the caller is one of its
    accounts, and its members (the list shows no hours: those are the detail's)."""
    own = set(UnitStaff.objects.filter(user=user, unit__in=units).values_list(
        "unit_id", flat=True))
    members: dict[int, list[UnitMember]] = {u.pk: [] for u in units}
    for m in UnitMember.objects.filter(unit__in=units).select_related("volunteer").order_by(
            "-since", "id"):
        members[m.unit_id].append(m)
    for u in units:
        u.viewer_is_staff, u.page_members = u.pk in own, members[u.pk]


@router.post("/units", response={201: dict}, summary="登记共建单位")
def unit_create(request, payload: UnitIn):
    org = org_get_for_user(request.user, payload.org_id)
    unit = services.unit_create(by=request.user, org=org,
                                **payload.dict(exclude={"org_id"}))
    return Status(201, unit_out(request, unit, detail=True))


class AccountIn(Strict):
    username: str = Field(..., max_length=30)
    real_name: str = Field(..., max_length=50)
    mobile: str = Field(..., max_length=20)
    password: str = Field(..., max_length=128)


@router.post("/units/{unit_id}/accounts", response={201: dict},
             summary="为单位开设账号（只能看到交给本单位的事项和本单位成员）")
def unit_account_create(request, unit_id: Id, payload: AccountIn):
    unit = unit_get_for_user(request.user, unit_id)
    row = services.unit_account_create(by=request.user, unit=unit, **payload.dict())
    return Status(201, {"user_id": row.user_id, "username": row.user.username,
                        "unit_id": unit.pk})


@router.get("/units/joinable", summary="本社区可报到的单位（志愿者双报到）")
def unit_joinable(request):
    volunteer = my_volunteer(request.user)
    mine = set(volunteer.unit_memberships.values_list("unit_id", flat=True))
    return {"items": [{"id": u.pk, "name": u.name, "kind": u.kind, "org_id": u.org_id,
                       "joined": u.pk in mine} for u in units_to_join(volunteer)]}


@router.get("/units/{unit_id}", summary="一个共建单位：成员及其在本社区的志愿时长"
                                       "（reveal=1 查看完整联系电话，留痕）")
def unit_get(request, unit_id: Id, reveal: bool = False):
    return unit_out(request, unit_get_for_user(request.user, unit_id), detail=True,
                    reveal=reveal)


def _joinable(request, unit_id: Id) -> Unit:
    unit = units_to_join(my_volunteer(request.user)).filter(pk=unit_id).first()
    if unit is None:
        raise NotFound()
    return unit


@router.post("/units/{unit_id}/join", response={201: dict}, summary="在职党员到单位报到")
def unit_join(request, unit_id: Id, payload: JoinIn):
    unit = _joinable(request, unit_id)
    member = services.unit_join(volunteer=my_volunteer(request.user), unit=unit,
                                since=payload.since)
    return Status(201, member_out(member, with_hours=False))


@router.delete("/units/{unit_id}/join", response={204: None}, summary="取消报到")
def unit_leave(request, unit_id: Id):
    volunteer = my_volunteer(request.user)
    membership = volunteer.unit_memberships.select_related("unit", "volunteer").filter(
        unit_id=unit_id).first()
    if membership is None:
        raise NotFound()
    services.unit_leave(by=request.user, membership=membership)
    return Status(204, None)


# ---- 吹哨报到 ---------------------------------------------------------------------------

def _handover(request, handover) -> dict:
    return handover_out(handover, handover_caps(request.user, handover))


@router.post("/orders/{order_id}/handover", response={201: dict},
             summary="吹哨报到：把订单或诉求交办给共建单位（含办理时限）")
def order_handover(request, order_id: Id, payload: HandoverIn):
    order = order_get_for_user(request.user, order_id)
    unit = handover_targets(request.user, order).filter(pk=payload.unit_id).first()
    if unit is None:
        raise NotFound()
    handover = services.handover_send(by=request.user, order=order, unit=unit,
                                      reason=payload.reason, hours=payload.hours)
    return Status(201, _handover(request, handover))


@router.post("/orders/{order_id}/hand-up", summary="网格员上报上级阵地")
def order_hand_up(request, order_id: Id, payload: ReasonIn):
    order = order_get_for_user(request.user, order_id)
    order = services.order_hand_up(by=request.user, order=order, reason=payload.reason)
    return {"id": order.pk, "state": order.state, "org_id": order.org_id}


@router.get("/handovers", summary="交办事项（单位账号为交给本单位的）")
def handover_list(request, filters: Query[HandoverFilter]):
    qs = handovers_for_user(request.user)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.unit:
        qs = qs.filter(unit_id=filters.unit)
    qs = qs.prefetch_related("photos", "events__by").order_by("-created_at", "-id")
    return paginate(qs, filters, lambda h: _handover(request, h))


@router.get("/handovers/{handover_id}", summary="一个交办事项、流转记录和您可执行的操作")
def handover_get(request, handover_id: Id):
    return _handover(request, handover_get_for_user(request.user, handover_id))


@router.post("/handovers/{handover_id}/accept", summary="单位接收")
def handover_accept(request, handover_id: Id):
    handover = handover_get_for_user(request.user, handover_id)
    return _handover(request, services.handover_accept(by=request.user, handover=handover))


@router.post("/handovers/{handover_id}/report",
             summary="单位反馈办理情况（带照片请用 /report/photos）")
def handover_report(request, handover_id: Id, payload: NoteIn):
    handover = handover_get_for_user(request.user, handover_id)
    return _handover(request, services.handover_report(by=request.user, handover=handover,
                                                       note=payload.note))


@router.post("/handovers/{handover_id}/report/photos",
             summary="单位反馈办理情况并附照片（multipart：note、photos 1–6张，JPG或PNG，每张5MB以内）")
def handover_report_photos(request, handover_id: Id, payload: Form[NoteIn],
                           photos: File[list[UploadedFile]]):
    handover = handover_get_for_user(request.user, handover_id)
    return _handover(request, services.handover_report(by=request.user, handover=handover,
                                                       note=payload.note, photos=photos))


@router.post("/handovers/{handover_id}/decline", summary="单位退回（须说明理由）")
def handover_decline(request, handover_id: Id, payload: ReasonIn):
    handover = handover_get_for_user(request.user, handover_id)
    return _handover(request, services.handover_decline(by=request.user, handover=handover,
                                                        reason=payload.reason))


@router.post("/handovers/{handover_id}/recall", summary="交办阵地撤回")
def handover_recall(request, handover_id: Id, payload: ReasonIn):
    handover = handover_get_for_user(request.user, handover_id)
    return _handover(request, services.handover_recall(by=request.user, handover=handover,
                                                       reason=payload.reason))


# ---- mediation cases --------------------------------------------------------------------

def mediation_out(case) -> dict:
    return {"id": case.pk, "station_id": case.station_id, "grid_id": case.grid_id,
            "order_id": case.order_id, "parties": case.parties, "dispute": case.dispute,
            "agreement": case.agreement,
            "follow_up_on": case.follow_up_on.isoformat() if case.follow_up_on else None,
            "followed_up_at": case.followed_up_at.isoformat() if case.followed_up_at else None,
            "follow_up_note": case.follow_up_note}


@router.get("/mediations", summary="调解案例（本辖区、本网格）")
def mediation_list(request, page: Query[PageQuery]):
    return paginate(mediations_for_user(request.user), page, mediation_out)


@router.post("/mediations", response={201: dict}, summary="记录调解案例")
def mediation_create(request, payload: MediationIn):
    station = org_get_for_user(request.user, payload.station_id)
    grid = None
    if payload.grid_id:
        grid = Grid.objects.filter(pk=payload.grid_id, station=station).first()
        if grid is None:
            raise NotFound()
    order = order_get_for_user(request.user, payload.order_id) if payload.order_id else None
    case = services.mediation_record(
        by=request.user, station=station, grid=grid, order=order,
        **payload.dict(include={"parties", "dispute", "agreement", "follow_up_on"}))
    return Status(201, mediation_out(case))


@router.post("/mediations/{case_id}/follow-up", summary="回访")
def mediation_follow_up(request, case_id: Id, payload: NoteIn):
    case = mediation_get_for_user(request.user, case_id)
    return mediation_out(services.mediation_follow_up(by=request.user, case=case,
                                                      note=payload.note))

