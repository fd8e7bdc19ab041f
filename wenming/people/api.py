"""People endpoints: token, me, volunteers. Thin: validate, call a service, shape."""

from typing import Annotated

from django.contrib.auth import authenticate, update_session_auth_hash, user_logged_in
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Status

from wenming.activities.selectors import attach_standing
from wenming.core.auth import BearerAuth, optional_auth
from wenming.core.errors import NotFound, TooManyAttempts, Unauthenticated
from wenming.core.masking import mask_mobile
from wenming.core.pagination import PageQuery, paginate
from wenming.core.schemas import Id, Lat, Lng, Strict
from wenming.orgs.models import OrgNode
from wenming.orgs.permissions import is_staff_member, org_get_for_user, roles_of

from . import accounts, services
from .models import User, Volunteer
from .permissions import (
    volunteer_caps,
    volunteer_contact,
    volunteer_get_for_user,
    volunteer_moves,
    volunteers_for_user,
)
from .selectors import volunteer_search

router = Router(tags=["people 人员"])


class TokenIn(Strict):
    username: str = Field(..., max_length=150)
    password: str = Field(..., max_length=128)


# A skill, tag or category code; bounded so that an error never echoes a huge value back.
Item = Annotated[str, Field(max_length=32)]


class Slot(Strict):
    weekday: int = Field(..., ge=0, le=6)
    start: str = Field(..., max_length=5)
    end: str = Field(..., max_length=5)


class VolunteerIn(Strict):
    real_name: str = Field(..., max_length=30)
    id_number: str = Field(..., max_length=20)
    mobile: str = Field(..., max_length=20)
    password: str = Field(..., max_length=128)
    station_id: Id
    skills: list[Item] = Field([], max_length=20)
    service_categories: list[Item] = Field([], max_length=20)
    residence_area: str = Field("", max_length=100)
    political_status: str = Field(Volunteer.Political.MASSES, max_length=16)
    tags: list[Item] = Field([], max_length=10)
    home_lat: Lat | None = None
    home_lng: Lng | None = None
    availability: list[Slot] = Field([], max_length=21)


class VolunteerPatch(Strict):
    real_name: str | None = Field(None, max_length=30)
    mobile: str | None = Field(None, max_length=20)
    station_id: Id | None = None
    status: str | None = Field(None, max_length=16)
    skills: list[Item] | None = Field(None, max_length=20)
    service_categories: list[Item] | None = Field(None, max_length=20)
    residence_area: str | None = Field(None, max_length=100)
    political_status: str | None = Field(None, max_length=16)
    tags: list[Item] | None = Field(None, max_length=10)
    home_lat: Lat | None = None
    home_lng: Lng | None = None
    availability: list[Slot] | None = Field(None, max_length=21)


# Logged-in writes that a lockout or a rate limit can refuse; core.openapi declares 429 only
# for writes open to visitors.
TOO_MANY = {"responses": {429: {"description": "Too Many Requests", "content": {
    "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}}


class PasswordChangeIn(Strict):
    current_password: str = Field(..., max_length=128)
    new_password: str = Field(..., max_length=128)


class PasswordResetIn(Strict):
    new_password: str = Field(..., max_length=128)


class MobileChangeIn(Strict):
    mobile: str = Field(..., max_length=20)


class MobileConfirmIn(Strict):
    code: str = Field(..., max_length=10)


class VolunteerFilter(PageQuery):
    org: Id | None = None
    q: str = Field("", max_length=50)
    skill: str = Field("", max_length=30)
    status: str = Field("", max_length=16)
    political_status: str = Field("", max_length=16)
    tag: str = Field("", max_length=30)


ROW_FIELDS = ("id", "volunteer_no", "real_name", "id_number", "station_id", "status", "sex",
              "birth_date",
              "user_id", "user__mobile", "station__name", "station__path")

def volunteer_row(user, v: Volunteer) -> dict:
    """A list row: personal numbers masked (one's own row aside), as volunteer_contact says."""
    data = volunteer_contact(user, v)
    return {
        "id": v.id, "volunteer_no": v.volunteer_no, "real_name": data.real_name,
        "mobile": data.mobile, "id_number": data.id_number, "station_id": v.station_id,
        "station_name": v.station.name, "status": v.status, "sex": v.sex,
        "star_level": v.star_level, "total_hours": float(v.total_hours),
    }


def volunteer_detail(request, v: Volunteer, reveal: bool = False) -> dict:
    """One volunteer. Unrevealed, the birth date is left out (the age stays): with the ID
    number's shown ends it would narrow the number to a few hundred candidates."""
    attach_standing([v])
    data = volunteer_contact(request.user, v, reveal=reveal, ip=request.META.get("REMOTE_ADDR"))
    caps = volunteer_caps(request.user, v)
    return {
        "id": v.id, "volunteer_no": v.volunteer_no, "real_name": data.real_name,
        "mobile": data.mobile, "id_number": data.id_number, "station_id": v.station_id,
        "station_name": v.station.name, "status": v.status, "sex": v.sex,
        "star_level": v.star_level, "total_hours": float(v.total_hours),
        "birth_date": data.birth_date, "age": data.age,
        "residence_area": v.residence_area, "political_status": v.political_status,
        "tags": v.tags, "skills": [s.name for s in v.skills.all()],
        "service_categories": [p.code for p in v.service_categories.all()],
        "home_lat": v.home_lat, "home_lng": v.home_lng, "availability": v.availability,
        "registered_at": timezone.localtime(v.registered_at).isoformat(),
        "personal_data_masked": data.masked, "allowed_moves": volunteer_moves(caps),
    }


@router.post("/auth/token", auth=None, summary="用户名或手机号 + 密码换取令牌")
def auth_token(request, payload: TokenIn):
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None:
        if getattr(request, "axes_locked_out", False):
            # Answer in the API's error shape; left set, AxesMiddleware would swap in its
            # HTML lockout page.
            request.axes_locked_out = False
            raise TooManyAttempts()
        raise Unauthenticated(_("用户名或密码不正确"), code="invalid_credentials")
    # As a session login does: axes clears the failure count, last_login is set.
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    return {"token": services.token_issue(user=user)}


@router.delete("/auth/token", auth=BearerAuth(), response={204: None},
               summary="注销当前令牌（仅限令牌调用）")
def auth_token_revoke(request):
    services.token_revoke(raw=request.bearer_token)
    return Status(204, None)


@router.post("/me/password", summary="修改自己的密码（需当前密码；所有令牌随之失效）",
             openapi_extra=TOO_MANY)
def me_password(request, payload: PasswordChangeIn):
    user = accounts.password_change(user=request.user, current=payload.current_password,
                                    new=payload.new_password, request=request)
    if request.session.get("_auth_user_id"):
        update_session_auth_hash(request, user)  # this browser stays logged in
    return {"detail": _("密码已修改，请用新密码重新获取令牌")}


@router.post("/me/mobile", response={202: dict}, summary="修改登录手机号：向新号码发送验证码",
             openapi_extra=TOO_MANY)
def me_mobile(request, payload: MobileChangeIn):
    change = accounts.mobile_change_start(user=request.user, new_mobile=payload.mobile)
    return Status(202, {"sent_to": mask_mobile(change.new_mobile),
                        "expires_at": timezone.localtime(change.expires_at).isoformat()})


@router.post("/me/mobile/confirm", summary="修改登录手机号：提交新号码收到的验证码",
             openapi_extra=TOO_MANY)
def me_mobile_confirm(request, payload: MobileConfirmIn):
    user = accounts.mobile_change_confirm(user=request.user, code=payload.code)
    return {"mobile": user.mobile}


@router.get("/me", summary="当前用户")
def me(request):
    user: User = request.user
    volunteer = Volunteer.objects.filter(user=user).only("id").first()
    return {
        "id": user.id, "username": user.username, "real_name": user.real_name,
        "roles": [{"role": r.role, "org_id": r.org_id} for r in roles_of(user)],
        "volunteer_id": volunteer.id if volunteer else None,
        "elder_mode": user.elder_mode,
    }


@router.get("/volunteers", summary="志愿者列表（本辖区，个人信息脱敏）")
def volunteer_list(request, filters: Query[VolunteerFilter]):
    org = org_get_for_user(request.user, filters.org) if filters.org else None
    qs = volunteer_search(volunteers_for_user(request.user), by=request.user,
                          ip=request.META.get("REMOTE_ADDR"), org=org, q=filters.q,
                          skill=filters.skill, status=filters.status,
                          political_status=filters.political_status, tag=filters.tag)
    # Only what a row shows: a page of whole volunteers, accounts and stations is ~150 wide
    # model instances, a third of the request's time at district size.
    return paginate(qs.only(*ROW_FIELDS), filters, lambda v: volunteer_row(request.user, v),
                    preload=attach_standing)


@router.post("/volunteers", auth=optional_auth, response={201: dict, 202: dict},
             summary="注册志愿者（本人申请：202，不论号码是否已注册；工作人员代注册：201）")
def volunteer_create(request, payload: VolunteerIn):
    station = OrgNode.objects.filter(pk=payload.station_id, kind=OrgNode.Kind.STATION).first()
    if station is None:
        raise NotFound(_("实践站不存在"), code="unknown_station")
    data = services.VolunteerInput(
        **payload.dict(exclude={"station_id", "availability"}), station=station,
        availability=[s.dict() for s in payload.availability])
    if request.user.is_authenticated and is_staff_member(request.user):
        volunteer = services.volunteer_register(data=data, by=request.user)
        return Status(201, volunteer_detail(request, volunteer))
    # A visitor learns nothing about which numbers are registered: one answer either way.
    accounts.volunteer_apply(data=data)
    return Status(202, {"status": "submitted", "message": _("申请已提交，请留意短信/站内信")})


@router.get("/volunteers/{volunteer_id}", summary="一位志愿者；reveal=true 查看完整证件号（留痕）")
def volunteer_get(request, volunteer_id: Id, reveal: bool = False):
    volunteer = volunteer_get_for_user(request.user, volunteer_id)
    return volunteer_detail(request, volunteer, reveal=reveal)


@router.post("/volunteers/{volunteer_id}/password", summary="工作人员为本辖区志愿者重置密码（留痕）")
def volunteer_password_reset(request, volunteer_id: Id, payload: PasswordResetIn):
    volunteer = volunteer_get_for_user(request.user, volunteer_id)
    accounts.password_reset_by_staff(by=request.user, volunteer=volunteer,
                                     new=payload.new_password, ip=request.META.get("REMOTE_ADDR"))
    return {"detail": _("密码已重置，该志愿者的令牌已全部失效")}


@router.patch("/volunteers/{volunteer_id}", summary="修改志愿者资料")
def volunteer_patch(request, volunteer_id: Id, payload: VolunteerPatch):
    volunteer = volunteer_get_for_user(request.user, volunteer_id)
    changes = payload.dict(exclude_unset=True)
    if "station_id" in changes:
        station_id = changes.pop("station_id")
        if station_id is None:
            raise ValidationError(_("请选择一个实践站"), code="invalid_station")
        changes["station"] = org_get_for_user(request.user, station_id)
    if "availability" in changes and changes["availability"] is not None:
        changes["availability"] = [dict(s) for s in changes["availability"]]
    volunteer = services.volunteer_update(volunteer=volunteer, by=request.user, changes=changes)
    return volunteer_detail(request, volunteer)


@router.post("/volunteers/{volunteer_id}/approve", summary="审核通过志愿者注册")
def volunteer_approve(request, volunteer_id: Id):
    volunteer = volunteer_get_for_user(request.user, volunteer_id)
    return volunteer_detail(request, services.volunteer_approve(volunteer=volunteer,
                                                                by=request.user))
