"""People endpoints: token, me, volunteers. Thin: validate, call a service, shape."""

from typing import Annotated

from django.contrib.auth import authenticate, user_logged_in
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Status

from wenming.activities.selectors import attach_standing
from wenming.core.auth import optional_auth
from wenming.core.errors import NotFound, TooManyAttempts, Unauthenticated
from wenming.core.masking import mask_id_number, mask_mobile
from wenming.core.pagination import PageQuery, paginate
from wenming.core.schemas import Strict
from wenming.orgs.models import OrgNode
from wenming.orgs.permissions import org_get_for_user, roles_of

from . import services
from .models import User, Volunteer
from .selectors import volunteer_get_for_user, volunteer_search, volunteers_for_user

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
    station_id: int
    skills: list[Item] = Field([], max_length=20)
    service_categories: list[Item] = Field([], max_length=20)
    residence_area: str = Field("", max_length=100)
    political_status: str = Field(Volunteer.Political.MASSES, max_length=16)
    tags: list[Item] = Field([], max_length=10)
    home_lat: float | None = None
    home_lng: float | None = None
    availability: list[Slot] = Field([], max_length=21)


class VolunteerPatch(Strict):
    real_name: str | None = Field(None, max_length=30)
    mobile: str | None = Field(None, max_length=20)
    station_id: int | None = None
    status: str | None = Field(None, max_length=16)
    skills: list[Item] | None = Field(None, max_length=20)
    service_categories: list[Item] | None = Field(None, max_length=20)
    residence_area: str | None = Field(None, max_length=100)
    political_status: str | None = Field(None, max_length=16)
    tags: list[Item] | None = Field(None, max_length=10)
    home_lat: float | None = None
    home_lng: float | None = None
    availability: list[Slot] | None = Field(None, max_length=21)


class VolunteerFilter(PageQuery):
    org: int | None = None
    q: str = Field("", max_length=50)
    skill: str = Field("", max_length=30)
    status: str = Field("", max_length=16)
    political_status: str = Field("", max_length=16)
    tag: str = Field("", max_length=30)


ROW_FIELDS = ("id", "real_name", "id_number", "station_id", "status", "sex", "user__mobile",
              "station__name", "station__path")


def volunteer_row(v: Volunteer) -> dict:
    """A list row: personal numbers masked."""
    return {
        "id": v.id, "real_name": v.real_name, "mobile": mask_mobile(v.user.mobile),
        "id_number": mask_id_number(v.id_number), "station_id": v.station_id,
        "station_name": v.station.name, "status": v.status, "sex": v.sex,
        "star_level": v.star_level, "total_hours": float(v.total_hours),
    }


def volunteer_detail(v: Volunteer, revealed: dict | None = None) -> dict:
    today = timezone.localdate()
    attach_standing([v])
    return {
        **volunteer_row(v), **(revealed or {}),
        "birth_date": v.birth_date.isoformat(), "age": v.age_on(today),
        "residence_area": v.residence_area, "political_status": v.political_status,
        "tags": v.tags, "skills": [s.name for s in v.skills.all()],
        "service_categories": [p.code for p in v.service_categories.all()],
        "home_lat": v.home_lat, "home_lng": v.home_lng, "availability": v.availability,
        "registered_at": timezone.localtime(v.registered_at).isoformat(),
        "personal_data_masked": revealed is None,
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
    qs = volunteer_search(volunteers_for_user(request.user), org=org, q=filters.q,
                          skill=filters.skill, status=filters.status,
                          political_status=filters.political_status, tag=filters.tag)
    # Only what a row shows: a page of whole volunteers, accounts and stations is ~150 wide
    # model instances, a third of the request's time at district size.
    return paginate(qs.only(*ROW_FIELDS), filters, volunteer_row, preload=attach_standing)


@router.post("/volunteers", auth=optional_auth, response={201: dict}, summary="注册志愿者")
def volunteer_create(request, payload: VolunteerIn):
    station = OrgNode.objects.filter(pk=payload.station_id, kind=OrgNode.Kind.STATION).first()
    if station is None:
        raise NotFound(_("实践站不存在"), code="unknown_station")
    data = services.VolunteerInput(
        **payload.dict(exclude={"station_id", "availability"}), station=station,
        availability=[s.dict() for s in payload.availability])
    volunteer = services.volunteer_register(data=data, by=request.user)
    return Status(201, volunteer_detail(volunteer))


@router.get("/volunteers/{volunteer_id}", summary="一位志愿者；reveal=true 查看完整证件号（留痕）")
def volunteer_get(request, volunteer_id: int, reveal: bool = False):
    volunteer = volunteer_get_for_user(request.user, volunteer_id)
    revealed = services.personal_data_reveal(
        volunteer=volunteer, by=request.user, ip=request.META.get("REMOTE_ADDR"),
    ) if reveal else None
    return volunteer_detail(volunteer, revealed)


@router.patch("/volunteers/{volunteer_id}", summary="修改志愿者资料")
def volunteer_patch(request, volunteer_id: int, payload: VolunteerPatch):
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
    return volunteer_detail(volunteer)


@router.post("/volunteers/{volunteer_id}/approve", summary="审核通过志愿者注册")
def volunteer_approve(request, volunteer_id: int):
    volunteer = volunteer_get_for_user(request.user, volunteer_id)
    return volunteer_detail(services.volunteer_approve(volunteer=volunteer, by=request.user))
