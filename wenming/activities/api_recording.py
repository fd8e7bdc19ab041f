"""The e-card, scanning it, walk-ins, time codes, group entry and insurance (mounted on the
activities router)."""

from decimal import Decimal
from typing import Literal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Status

from wenming.core.errors import NotFound
from wenming.core.masking import mask_mobile
from wenming.core.schemas import Id, PlatformDateTime, Strict
from wenming.people.models import Volunteer
from wenming.people.selectors import my_volunteer

from . import ecard, insurance, recording
from .api import record_out
from .models import Activity, InsuranceClaim, TimeCode
from .permissions import activity_caps, activity_get_for_user, require_organise
from .rules import insurance_ready, needs_insurance, rules_for

router = Router(tags=["activities 活动与时长"])


class ScanIn(Strict):
    ecard_token: str = Field(..., max_length=300)
    action: Literal["checkin", "checkout"]


class WalkInIn(Strict):
    volunteer_id: Id


class WalkInQuery(Strict):
    q: str = Field("", max_length=50)


class CodesIn(Strict):
    count: int = Field(..., ge=1, le=recording.MAX_CODES)


class ClaimIn(Strict):
    code: str = Field(..., max_length=30)


class GroupRowIn(Strict):
    who: str = Field(..., max_length=30, description="志愿者编号或手机号")
    hours: Decimal = Field(..., max_digits=6, decimal_places=2)
    name: str = Field("", max_length=50)


class GroupEntryIn(Strict):
    rows: list[GroupRowIn] = Field(..., min_length=1, max_length=recording.MAX_CODES)
    reason: str = Field("", max_length=1000)


def _volunteer_no(volunteer) -> str:
    return getattr(volunteer, "volunteer_no", "") or ""


def ecard_out(volunteer) -> dict:
    card = recording.ecard_of(volunteer)
    return {"volunteer_id": volunteer.id, "real_name": volunteer.user.real_name,
            "volunteer_no": _volunteer_no(volunteer), "token": ecard.phone_token(volunteer),
            "valid_seconds": ecard.seconds_left(), "window_seconds": ecard.WINDOW,
            "printed": {"serial": card.print_serial, "revoked": card.print_revoked,
                        "printed_at": timezone.localtime(card.printed_at).isoformat()
                        if card.printed_at else None}}


def code_out(c: TimeCode) -> dict:
    return {"code": c.code, "hours": float(c.hours),
            "expires_at": timezone.localtime(c.expires_at).isoformat(),
            "claimed": c.claimed_at is not None}


@router.get("/me/ecard", summary="我的志愿者电子证（二维码每分钟更换）")
def my_ecard(request):
    return ecard_out(my_volunteer(request.user, _("只有志愿者有电子证")))


@router.post("/me/ecard/print", summary="打印新的纸质电子证（旧卡作废）")
def my_ecard_print(request):
    volunteer = my_volunteer(request.user, _("只有志愿者有电子证"))
    card = recording.ecard_print(by=request.user, volunteer=volunteer)
    return {**ecard_out(volunteer), "printed_token": ecard.printed_token(card)}


@router.post("/me/ecard/revoke", summary="挂失纸质电子证")
def my_ecard_revoke(request):
    volunteer = my_volunteer(request.user, _("只有志愿者有电子证"))
    recording.ecard_revoke(by=request.user, volunteer=volunteer)
    return ecard_out(volunteer)


@router.post("/activities/{activity_id}/scan", summary="组织者扫志愿者电子证签到或签退")
def scan(request, activity_id: Id, payload: ScanIn):
    activity = activity_get_for_user(request.user, activity_id)
    result = recording.attendance_scan(by=request.user, activity=activity,
                                       ecard_token=payload.ecard_token, action=payload.action)
    a, v = result.attendance, result.volunteer
    return {"activity_id": activity.id, "volunteer_id": v.id, "real_name": v.user.real_name,
            "volunteer_no": _volunteer_no(v), "action": payload.action,
            "checkin_at": timezone.localtime(a.checkin_at).isoformat(),
            "checkout_at": timezone.localtime(a.checkout_at).isoformat()
            if a.checkout_at else None,
            "record": record_out(result.record) if result.record else None}


@router.get("/activities/{activity_id}/walk-in", summary="查找现场志愿者（姓名、编号或手机号）")
def walk_in_search(request, activity_id: Id, query: Query[WalkInQuery]):
    activity = activity_get_for_user(request.user, activity_id)
    require_organise(request.user, activity)
    return {"items": [{"volunteer_id": v.id, "real_name": v.user.real_name,
                       "volunteer_no": _volunteer_no(v), "mobile": mask_mobile(v.user.mobile)}
                      for v in recording.walk_in_candidates(activity, query.q)]}


@router.post("/activities/{activity_id}/walk-in", response={201: dict},
             summary="添加现场志愿者（直接报名）")
def walk_in_add(request, activity_id: Id, payload: WalkInIn):
    activity = activity_get_for_user(request.user, activity_id)
    volunteer = _candidate(request.user, activity, payload.volunteer_id)
    enrollment = recording.enrollment_walk_in(by=request.user, activity=activity,
                                              volunteer=volunteer)
    return Status(201, {"id": enrollment.id, "activity_id": activity.id,
                        "volunteer_id": volunteer.id, "status": enrollment.status})


def _candidate(user, activity: Activity, volunteer_id: int) -> Volunteer:
    """A volunteer of the activity's district, for its organiser; else 404."""
    require_organise(user, activity)
    district = activity.org.path.strip("/").split("/")[0]
    volunteer = Volunteer.objects.select_related("user").filter(
        pk=volunteer_id, station__path__startswith=f"/{district}/").first()
    if volunteer is None:
        raise NotFound()
    return volunteer


@router.get("/activities/{activity_id}/time-codes", summary="本活动的时长码（组织者）")
def time_codes(request, activity_id: Id):
    activity = activity_get_for_user(request.user, activity_id)
    require_organise(request.user, activity)
    return {"items": [code_out(c) for c in activity.time_codes.order_by("id")]}


@router.post("/activities/{activity_id}/time-codes", response={201: dict},
             summary="生成一批时长码")
def time_codes_issue(request, activity_id: Id, payload: CodesIn):
    activity = activity_get_for_user(request.user, activity_id)
    codes = recording.time_codes_issue(by=request.user, activity=activity, count=payload.count)
    return Status(201, {"items": [code_out(c) for c in codes]})


@router.post("/time-codes/claim", response={201: dict}, summary="输入时长码领取服务时长")
def time_code_claim(request, payload: ClaimIn):
    volunteer = my_volunteer(request.user, _("只有志愿者可以使用时长码"))
    record = recording.time_code_claim(volunteer=volunteer, code=payload.code)
    return Status(201, record_out(record))


@router.post("/activities/{activity_id}/group-entry", response={201: dict, 422: dict},
             summary="团体录入服务时长（待审核）；有错误的行逐行列出，全部不写入")
def group_entry(request, activity_id: Id, payload: GroupEntryIn):
    activity = activity_get_for_user(request.user, activity_id)
    rows = [recording.GroupRow(line=n, who=r.who, hours=r.hours, name=r.name)
            for n, r in enumerate(payload.rows, start=1)]
    try:
        records = recording.records_group_entry(by=request.user, activity=activity, rows=rows,
                                                reason=payload.reason)
    except recording.GroupEntryErrors as exc:
        return Status(422, {"error": {"code": "invalid_rows", "message": exc.messages[0],
                                      "rows": [{"row": n, "message": m} for n, m in exc.rows]}})
    return Status(201, {"items": [record_out(r) for r in records]})


# ---- insurance -------------------------------------------------------------------------------

class PolicyIn(Strict):
    insurer: str = Field(..., max_length=100)
    policy_no: str = Field(..., max_length=64)
    start: PlatformDateTime
    end: PlatformDateTime


class ClaimFileIn(Strict):
    volunteer_id: Id
    incident: str = Field(..., max_length=2000)


class ClaimDecideIn(Strict):
    outcome: Literal["paid", "denied", "withdrawn"]
    amount: Decimal | None = Field(None, max_digits=10, decimal_places=2)
    note: str = Field("", max_length=1000)


def claim_out(c: InsuranceClaim) -> dict:
    return {"id": c.id, "volunteer_id": c.volunteer_id, "incident": c.incident,
            "outcome": c.outcome, "amount": float(c.amount) if c.amount is not None else None,
            "note": c.note}


def insurance_out(user, activity: Activity) -> dict:
    rules = rules_for(activity.org)
    policy = insurance.policy_of(activity)
    organiser = activity_caps(user, activity, as_volunteer=False).can_manage
    covered = insurance.covered(activity)
    out = {"activity_id": activity.id, "needs_insurance": needs_insurance(activity, rules),
           "ready": insurance_ready(activity, rules), "insurer": None, "policy_no": None,
           "start": None, "end": None, "covered_count": covered.count(),
           "me_covered": policy is not None and covered.filter(user=user).exists()}
    if policy is not None:
        out |= {"insurer": policy.insurer, "policy_no": policy.policy_no,
                "start": timezone.localtime(policy.start).isoformat(),
                "end": timezone.localtime(policy.end).isoformat()}
        if organiser:
            out["claims"] = [claim_out(c) for c in policy.claims.order_by("id")]
    return out


@router.get("/activities/{activity_id}/insurance", summary="活动的志愿者保险：保单与保障人数")
def insurance_get(request, activity_id: Id):
    return insurance_out(request.user, activity_get_for_user(request.user, activity_id))


@router.put("/activities/{activity_id}/insurance", summary="录入或更正保单（须覆盖整个活动）")
def insurance_put(request, activity_id: Id, payload: PolicyIn):
    activity = activity_get_for_user(request.user, activity_id)
    insurance.policy_record(by=request.user, activity=activity, **payload.dict())
    return insurance_out(request.user, activity)


@router.post("/activities/{activity_id}/insurance/claims", response={201: dict},
             summary="登记理赔")
def claim_create(request, activity_id: Id, payload: ClaimFileIn):
    activity = activity_get_for_user(request.user, activity_id)
    require_organise(request.user, activity)
    volunteer = Volunteer.objects.filter(pk=payload.volunteer_id).first()
    if volunteer is None:
        raise NotFound()
    return Status(201, claim_out(insurance.claim_file(
        by=request.user, activity=activity, volunteer=volunteer, incident=payload.incident)))


@router.post("/insurance-claims/{claim_id}/decide", summary="登记理赔结果")
def claim_decide(request, claim_id: Id, payload: ClaimDecideIn):
    claim = InsuranceClaim.objects.select_related("policy").filter(pk=claim_id).first()
    if claim is None:
        raise NotFound()
    activity_get_for_user(request.user, claim.policy.activity_id)  # 404 outside scope
    return claim_out(insurance.claim_decide(by=request.user, claim=claim, **payload.dict()))
