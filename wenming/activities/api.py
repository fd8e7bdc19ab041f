"""Activities, enrollment, check-in/out, the hours ledger and verification."""

import datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Status

from wenming.core.errors import Conflict, Forbidden, NotFound
from wenming.core.masking import mask_mobile
from wenming.core.pagination import PageQuery, paginate
from wenming.core.schemas import Id, Lat, Lng, PlatformDate, PlatformDateTime, Strict, Text
from wenming.orgs.models import OrgNode, Platform
from wenming.orgs.permissions import org_get_for_user
from wenming.people.models import Volunteer
from wenming.people.selectors import my_volunteer, volunteer_get_for_user
from wenming.teams.permissions import team_get_for_user

from . import qr, recurrence, services
from .models import Activity, ActivitySeries, Enrollment, Project, RecordState, ServiceRecord
from .permissions import (
    activities_for_user,
    activity_caps,
    activity_get_for_user,
    needs_parent,
    record_caps,
    record_get_for_user,
    record_scope_parts,
    require_organise,
    series_caps,
    series_get_for_user,
    with_reversals,
)
from .rules import rules_for, signup_closes
from .selectors import (
    activity_search,
    certificate_by_code,
    certificate_facts,
    series_occurrences,
    series_upcoming,
)

router = Router(tags=["activities 活动与时长"])


class ActivityIn(Strict):
    title: str = Field(..., max_length=100)
    platform: str = Field(..., max_length=32)
    org_id: Id
    lat: Lat = Field(..., ge=-90, le=90)
    lng: Lng = Field(..., ge=-180, le=180)
    radius_m: int = Field(300, ge=1, le=100_000)
    start: datetime.datetime
    end: datetime.datetime
    quota: int = Field(..., ge=0, le=1_000_000)
    address: str = Field(..., max_length=200)
    content: str = Field("", max_length=5000)
    project_id: Id | None = None
    team_id: Id | None = None
    required_skills: list[str] = Field([], max_length=20)
    required_tags: list[str] = Field([], max_length=10)
    min_age: int | None = Field(None, ge=0, le=150)
    is_training: bool = False
    needs_insurance: bool = False
    signup_deadline: datetime.datetime | None = None


class ActivityPatch(Strict):
    title: str | None = Field(None, max_length=100)
    content: str | None = Field(None, max_length=5000)
    address: str | None = Field(None, max_length=200)
    lat: Lat | None = Field(None, ge=-90, le=90)
    lng: Lng | None = Field(None, ge=-180, le=180)
    radius_m: int | None = Field(None, ge=1, le=100_000)
    start: datetime.datetime | None = None
    end: datetime.datetime | None = None
    quota: int | None = Field(None, ge=0, le=1_000_000)
    required_skills: list[str] | None = Field(None, max_length=20)
    required_tags: list[str] | None = Field(None, max_length=10)
    min_age: int | None = Field(None, ge=0, le=150)
    people_served: int | None = Field(None, ge=0, le=10_000_000)
    is_training: bool | None = None
    needs_insurance: bool | None = None
    signup_deadline: datetime.datetime | None = None


class ActivityFilter(PageQuery):
    org: Id | None = None
    platform: str = Field("", max_length=32)
    q: str = Field("", max_length=50)
    date_from: datetime.datetime | None = Field(None, alias="from")
    date_to: datetime.datetime | None = Field(None, alias="to")
    lat: Lat | None = Field(None, ge=-90, le=90)
    lng: Lng | None = Field(None, ge=-180, le=180)
    radius_km: float | None = Field(None, gt=0, le=100)
    upcoming: bool = False


class PresenceIn(Strict):
    qr_token: str | None = Field(None, max_length=300)
    lat: Lat | None = Field(None, ge=-90, le=90)
    lng: Lng | None = Field(None, ge=-180, le=180)
    # When it was made, for a check-in kept on the phone without signal (docs/offline.md).
    recorded_at: PlatformDateTime | None = None


class ReasonIn(Strict):
    reason: str = Field(..., max_length=1000)


class CancelIn(Strict):
    reason: str = Field(..., max_length=1000)


class BackfillIn(Strict):
    volunteer_id: Id
    hours: Decimal = Field(..., max_digits=6, decimal_places=2)
    reason: str = Field(..., max_length=1000)


class RecordFilter(PageQuery):
    status: str = Field("", max_length=16)
    org: Id | None = None
    activity: Id | None = None


def activity_out(a: Activity) -> dict:
    out = {
        "id": a.id, "title": a.title, "platform": a.platform.code, "org_id": a.org_id,
        "org_name": a.org.name, "project_id": a.project_id, "series_id": a.series_id,
        "team_id": a.team_id,
        "leader_id": a.leader_id, "address": a.address, "lat": a.lat, "lng": a.lng,
        "radius_m": a.radius_m, "start": timezone.localtime(a.start).isoformat(),
        "end": timezone.localtime(a.end).isoformat(), "quota": a.quota, "status": a.status,
        "content": a.content, "required_skills": a.required_skills,
        "required_tags": a.required_tags, "min_age": a.min_age,
        "people_served": a.people_served, "is_training": a.is_training,
        "needs_insurance": a.needs_insurance,
        "signup_deadline": timezone.localtime(signup_closes(a)).isoformat(),
    }
    if hasattr(a, "distance_km"):
        out["distance_km"] = round(a.distance_km, 2)
    return out


def enrollment_out(e: Enrollment) -> dict:
    return {"id": e.id, "activity_id": e.activity_id, "volunteer_id": e.volunteer_id,
            "status": e.status, "created_at": timezone.localtime(e.created_at).isoformat()}


def record_out(r: ServiceRecord) -> dict:
    """`late`: recorded after the district's deadline; `needs_parent_approval`: only staff of
    the node above decide it (over the daily cap, or late where the rules say so)."""
    return {"id": r.id, "volunteer_id": r.volunteer_id, "activity_id": r.activity_id,
            "order_id": r.order_id, "org_id": r.org_id, "kind": r.kind, "title": r.title,
            "service_date": r.service_date.isoformat(), "hours": float(r.hours),
            "status": r.state, "needs_parent_approval": needs_parent(r), "late": r.late,
            "reverses_id": r.reverses_id, "reason": r.reason, "place": r.place,
            "leader_name": r.leader_name}


def _my_volunteer(request) -> Volunteer:
    return my_volunteer(request.user, _("只有志愿者可以报名和签到"))


def _platform(code: str) -> Platform:
    platform = Platform.objects.filter(code=code, is_active=True).first()
    if platform is None:
        raise NotFound(_("服务平台不存在"), code="unknown_platform")
    return platform


@router.get("/activities", summary="活动列表；带 lat/lng 时按距离排序")
def activity_list(request, filters: Query[ActivityFilter]):
    org = org_get_for_user(request.user, filters.org) if filters.org else None
    result = activity_search(
        activities_for_user(request.user), org=org, platform=filters.platform, q=filters.q,
        date_from=filters.date_from, date_to=filters.date_to, lat=filters.lat,
        lng=filters.lng, radius_km=filters.radius_km, upcoming=filters.upcoming)
    if isinstance(result, list):
        start = (filters.page - 1) * filters.page_size
        return {"items": [activity_out(a) for a in result[start:start + filters.page_size]],
                "count": len(result)}
    return paginate(result, filters, activity_out)


@router.post("/activities", response={201: dict}, summary="发布活动")
def activity_create(request, payload: ActivityIn):
    org = org_get_for_user(request.user, payload.org_id)
    team = team_get_for_user(request.user, payload.team_id) if payload.team_id else None
    project = None
    if payload.project_id:
        project = Project.objects.filter(pk=payload.project_id).first()
        if project is None:
            raise NotFound(_("项目不存在"), code="unknown_project")
    activity = services.activity_publish(
        by=request.user, org=org, platform=_platform(payload.platform), team=team,
        project=project, **payload.dict(include={
            "title", "address", "lat", "lng", "start", "end", "quota", "radius_m", "content",
            "required_skills", "required_tags", "min_age", "is_training", "needs_insurance",
            "signup_deadline"}))
    return Status(201, activity_out(activity))


@router.get("/activities/{activity_id}", summary="一个活动")
def activity_get(request, activity_id: Id):
    activity = activity_get_for_user(request.user, activity_id)
    return {**activity_out(activity), "enrolled": activity.enrolled_count,
            "allowed_moves": activity_caps(request.user, activity).moves}


@router.patch("/activities/{activity_id}", summary="修改活动")
def activity_patch(request, activity_id: Id, payload: ActivityPatch):
    activity = activity_get_for_user(request.user, activity_id)
    return activity_out(services.activity_update(
        by=request.user, activity=activity, changes=payload.dict(exclude_unset=True)))


@router.post("/activities/{activity_id}/cancel", summary="取消活动（通知已报名者）")
def activity_cancel(request, activity_id: Id, payload: CancelIn):
    activity = activity_get_for_user(request.user, activity_id)
    return activity_out(services.activity_cancel(by=request.user, activity=activity,
                                                 reason=payload.reason))


@router.get("/activities/{activity_id}/enrollments", summary="报名名单（组织者）或我的报名")
def enrollment_list(request, activity_id: Id, page: Query[PageQuery]):
    activity = activity_get_for_user(request.user, activity_id)
    qs = activity.enrollments.select_related("volunteer__user").order_by("created_at", "id")
    if not activity_caps(request.user, activity, as_volunteer=False).sees_roster:
        qs = qs.filter(volunteer__user=request.user)
    return paginate(qs, page, lambda e: {**enrollment_out(e),
                                         "real_name": e.volunteer.user.real_name,
                                         "mobile": mask_mobile(e.volunteer.user.mobile)})


@router.post("/activities/{activity_id}/enrollments", response={201: dict}, summary="报名")
def enrollment_create(request, activity_id: Id):
    activity = activity_get_for_user(request.user, activity_id, bare=True)
    enrollment = services.enrollment_create(volunteer=_my_volunteer(request), activity=activity)
    return Status(201, enrollment_out(enrollment))


@router.delete("/activities/{activity_id}/enrollments", summary="取消我的报名")
def enrollment_cancel(request, activity_id: Id):
    activity = activity_get_for_user(request.user, activity_id)
    return enrollment_out(services.enrollment_cancel(volunteer=_my_volunteer(request),
                                                     activity=activity))


@router.post("/activities/{activity_id}/checkin", response={201: dict}, summary="签到")
def checkin(request, activity_id: Id, payload: PresenceIn):
    activity = activity_get_for_user(request.user, activity_id)
    attendance = services.attendance_checkin(volunteer=_my_volunteer(request), activity=activity,
                                             **payload.dict())
    return Status(201, {"activity_id": activity.id, "volunteer_id": attendance.volunteer_id,
                        "checkin_at": timezone.localtime(attendance.checkin_at).isoformat(),
                        "method": attendance.checkin_method})


@router.post("/activities/{activity_id}/checkout", summary="签退，生成待审核的服务记录")
def checkout(request, activity_id: Id, payload: PresenceIn):
    activity = activity_get_for_user(request.user, activity_id)
    attendance, record = services.attendance_checkout(
        volunteer=_my_volunteer(request), activity=activity, **payload.dict())
    return {"activity_id": activity.id,
            "checkout_at": timezone.localtime(attendance.checkout_at).isoformat(),
            "record": record_out(record) if record else None,
            "message": "" if record else _("出勤时间不足活动时长的规定比例，本次不计服务时长")}


@router.get("/activities/{activity_id}/qr", summary="当前签到码（组织者展示，约每分钟更换）")
def activity_qr(request, activity_id: Id):
    activity = activity_get_for_user(request.user, activity_id)
    caps = activity_caps(request.user, activity, as_volunteer=False)
    if not caps.can_manage:
        raise Forbidden()
    if not caps.can_show_qr:
        raise Conflict(_("活动已取消，没有签到码"), code="invalid_transition")
    window = rules_for(activity.org).qr_window_seconds
    return {"qr_token": qr.qr_token(activity, window), "valid_seconds": window}


@router.post("/activities/{activity_id}/backfill", response={201: dict}, summary="补录服务时长")
def record_backfill(request, activity_id: Id, payload: BackfillIn):
    activity = activity_get_for_user(request.user, activity_id)
    require_organise(request.user, activity)  # before saying who is enrolled
    volunteer = Volunteer.objects.filter(pk=payload.volunteer_id, enrollments__activity=activity
                                         ).first()
    if volunteer is None:
        raise NotFound(_("该志愿者没有报名本活动"), code="not_enrolled")
    record = services.record_backfill(by=request.user, volunteer=volunteer, activity=activity,
                                      hours=payload.hours, reason=payload.reason)
    return Status(201, record_out(record))


@router.get("/records", summary="服务记录（审核队列：?status=pending）")
def record_list(request, filters: Query[RecordFilter]):
    """Newest written first (by id: the ledger has no index on `created_at` to sort a
    million lines by, and a line's id grows with its writing)."""
    org = org_get_for_user(request.user, filters.org) if filters.org else None
    few = filters.status in (ServiceRecord.Status.PENDING, ServiceRecord.Status.REJECTED)
    parts = [_record_filters(qs, filters, org)
             for qs in record_scope_parts(request.user, few=few)]
    return ledger_page(parts, filters)


def _record_filters(qs, filters, org):
    if filters.status == RecordState.APPROVED:  # as `state` says
        qs = qs.filter(status=ServiceRecord.Status.APPROVED).unreversed()
    elif filters.status == RecordState.REVERSED:
        qs = qs.filter(status=ServiceRecord.Status.APPROVED).reversed_ones()
    elif filters.status:
        qs = qs.filter(status=filters.status)
    if org:
        qs = qs.filter(org_id__in=OrgNode.objects.filter(path__startswith=org.path).values("pk"))
    if filters.activity:
        qs = qs.filter(activity_id=filters.activity)
    return qs


COUNT_CAP = 10_000


def ledger_page(parts, page: PageQuery, order=("-id",)) -> dict:
    """A page of ledger lines from one queryset or the caller's scope in parts (each read
    to the page's end on its own index, merged here). `count` stops at 10,000
    (`count_capped` then says there are more): counting a center's million lines to show
    twenty cost more than the page."""
    parts = parts if isinstance(parts, list) else [parts]
    start, end = (page.page - 1) * page.page_size, page.page * page.page_size
    found = {}
    for qs in parts:
        found |= {r.pk: r for r in qs.order_by(*order)[:end]}
    names = [f.removeprefix("-") for f in order]  # every field newest first
    rows = sorted(found.values(), key=lambda r: [getattr(r, n) for n in names],
                  reverse=True)[start:end]
    count = _count_capped(parts)
    return {"items": [record_out(r) for r in with_reversals(rows)],
            "count": min(count, COUNT_CAP), "count_capped": count > COUNT_CAP}


def _count_capped(parts) -> int:
    """The union's size up to the cap: the first part (a staff member's subtree) past it
    ends the count; otherwise the parts' ids are counted, so a line in two parts counts
    once."""
    # Without the page's joins: a sliced count keeps select_related, and joining 10,001
    # lines to their volunteers, users, activities and nodes cost 150 ms of a center's list.
    parts = [qs.select_related(None).order_by() for qs in parts]
    first = parts[0][:COUNT_CAP + 1].count()
    if len(parts) == 1 or first > COUNT_CAP:
        return first
    ids = set()
    for qs in parts:
        ids.update(qs.values_list("pk", flat=True)[:COUNT_CAP + 1])
    return len(ids)


@router.get("/records/{record_id}", summary="一条服务记录，含调用者可执行的操作")
def record_get(request, record_id: Id):
    record = record_get_for_user(request.user, record_id)
    return {**record_out(record), "allowed_moves": record_caps(request.user, record).moves}


@router.post("/records/{record_id}/approve", summary="认定服务时长")
def record_approve(request, record_id: Id):
    record = record_get_for_user(request.user, record_id)
    return record_out(services.record_approve(by=request.user, record=record))


@router.post("/records/{record_id}/reject", summary="不予认定")
def record_reject(request, record_id: Id, payload: ReasonIn):
    record = record_get_for_user(request.user, record_id)
    return record_out(services.record_reject(by=request.user, record=record,
                                             reason=payload.reason))


@router.post("/records/{record_id}/reverse", response={201: dict}, summary="冲正一条已认定记录")
def record_reverse(request, record_id: Id, payload: ReasonIn):
    record = record_get_for_user(request.user, record_id)
    return Status(201, record_out(services.record_reverse(by=request.user, record=record,
                                                          reason=payload.reason)))


@router.get("/volunteers/{volunteer_id}/records", summary="志愿者的服务记录")
def volunteer_records(request, volunteer_id: Id, page: Query[PageQuery]):
    volunteer = volunteer_get_for_user(request.user, volunteer_id)
    qs = ServiceRecord.objects.filter(volunteer=volunteer)
    return ledger_page(qs, page, order=("-service_date", "-id"))


@router.get("/verify/{code}", auth=None, summary="公开验证志愿服务记录证明")
def verify(request, code: Text):
    """What the public verification page shows of the certificate, and no more."""
    return certificate_facts(certificate_by_code(code[:32]))




# The other ways of recording hours live in their own modules, on this router's paths.
from .api_projects import router as projects_router  # noqa: E402
from .api_recording import router as recording_router  # noqa: E402

router.add_router("/", recording_router)
router.add_router("/", projects_router)


# ---- recurring activities (重复活动) -------------------------------------------------------

class RuleIn(Strict):
    freq: str = Field(..., max_length=8)
    weekdays: list[int] = Field([], max_length=7)
    month_day: int | None = Field(None, ge=-1000, le=1000)
    until: PlatformDate | None = None
    count: int | None = Field(None, ge=-1000, le=1000)
    skipped: list[PlatformDate] = Field([], max_length=200)


class SeriesIn(ActivityIn):
    repeat: RuleIn


class SeriesPatch(Strict):
    title: str | None = Field(None, max_length=100)
    content: str | None = Field(None, max_length=5000)
    address: str | None = Field(None, max_length=200)
    lat: Lat | None = Field(None, ge=-90, le=90)
    lng: Lng | None = Field(None, ge=-180, le=180)
    radius_m: int | None = Field(None, ge=1, le=100_000)
    quota: int | None = Field(None, ge=0, le=1_000_000)
    start_time: datetime.time | None = None
    end_time: datetime.time | None = None


class SeriesUpdateIn(Strict):
    from_activity_id: Id
    changes: SeriesPatch


class SeriesCancelIn(Strict):
    from_activity_id: Id
    reason: str = Field(..., max_length=1000)


def series_out(request, series: ActivitySeries) -> dict:
    upcoming = series_upcoming(series)
    return {"id": series.pk, "title": series.title, "org_id": series.org_id,
            "freq": series.freq, "weekdays": series.weekdays, "month_day": series.month_day,
            "until": series.until, "count": series.count, "skipped": series.skipped,
            "occurrences": [{"id": a.pk, "start": timezone.localtime(a.start).isoformat(),
                             "end": timezone.localtime(a.end).isoformat(), "status": a.status,
                             "enrolled": a.enrolled} for a in series_occurrences(series)],
            "allowed_moves": series_caps(request.user, series, upcoming).moves}


def _rule(payload: RuleIn) -> recurrence.Rule:
    return recurrence.Rule(freq=payload.freq, weekdays=tuple(payload.weekdays),
                           month_day=payload.month_day, until=payload.until,
                           count=payload.count, skipped=tuple(payload.skipped))


@router.post("/activity-series", response={201: dict},
             summary="发布重复活动（活动字段加 repeat：freq weekly/monthly、weekdays 0=周一、"
                     "month_day、until 或 count、skipped 跳过的日期；最多100次、一年以内）")
def series_create(request, payload: SeriesIn):
    org = org_get_for_user(request.user, payload.org_id)
    team = team_get_for_user(request.user, payload.team_id) if payload.team_id else None
    project = None
    if payload.project_id:
        project = Project.objects.filter(pk=payload.project_id).first()
        if project is None:
            raise NotFound(_("项目不存在"), code="unknown_project")
    series = recurrence.series_publish(
        by=request.user, rule=_rule(payload.repeat), org=org,
        platform=_platform(payload.platform), team=team, project=project,
        **payload.dict(include={
            "title", "address", "lat", "lng", "start", "end", "quota", "radius_m", "content",
            "required_skills", "required_tags", "min_age", "is_training", "needs_insurance",
            "signup_deadline"}))
    return Status(201, series_out(request, series))


@router.get("/activity-series/{series_id}", summary="一个重复活动及其各次活动")
def series_get(request, series_id: Id):
    return series_out(request, series_get_for_user(request.user, series_id))


def _occurrence(request, series: ActivitySeries, activity_id: Id) -> Activity:
    activity = activity_get_for_user(request.user, activity_id)
    if activity.series_id != series.pk:
        raise NotFound()
    return activity


@router.post("/activity-series/{series_id}/update",
             summary="修改这一次及以后各次（名称、地点、人数、每次的开始和结束时刻）")
def series_update(request, series_id: Id, payload: SeriesUpdateIn):
    series = series_get_for_user(request.user, series_id)
    activity = _occurrence(request, series, payload.from_activity_id)
    recurrence.series_update_from(by=request.user, series=series, from_activity=activity,
                                  changes=payload.changes.dict(exclude_unset=True))
    series.refresh_from_db()
    return series_out(request, series)


@router.post("/activity-series/{series_id}/cancel", summary="取消这一次及以后各次（须说明原因）")
def series_cancel(request, series_id: Id, payload: SeriesCancelIn):
    series = series_get_for_user(request.user, series_id)
    activity = _occurrence(request, series, payload.from_activity_id)
    recurrence.series_cancel_from(by=request.user, series=series, from_activity=activity,
                                  reason=payload.reason)
    return series_out(request, series)


# ---- the district's insured platforms ---------------------------------------------------

class InsuredPlatformsIn(Strict):
    platforms: list[str] = Field(..., max_length=50)


def _center_for(request, org_id: Id):
    from wenming.orgs.models import OrgNode

    org = org_get_for_user(request.user, org_id)
    center = OrgNode.objects.get(pk=int(org.path.strip("/").split("/")[0]))
    return center


def insured_out(request, center) -> dict:
    from .insurance import insured_platforms_of, may_set_insured_platforms

    return {"center_id": center.pk, "platforms": insured_platforms_of(center),
            "allowed_moves": ["save"] if may_set_insured_platforms(request.user, center)
            else []}


@router.get("/orgs/{org_id}/insured-platforms",
            summary="本区须为志愿者投保的服务平台（这些平台的活动录入保单后才能签到）")
def insured_platforms_get(request, org_id: Id):
    return insured_out(request, _center_for(request, org_id))


@router.put("/orgs/{org_id}/insured-platforms",
            summary="设置本区须投保的服务平台（平台代码列表；实践中心管理员）")
def insured_platforms_put(request, org_id: Id, payload: InsuredPlatformsIn):
    from .insurance import insured_platforms_set

    center = _center_for(request, org_id)
    insured_platforms_set(by=request.user, center=center, codes=payload.platforms)
    return insured_out(request, center)
