"""The 宣讲 API: the roster, the lecture menu, the 讲堂, and bookings with their moves."""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Status

from wenming.core.errors import Forbidden
from wenming.core.pagination import PageQuery, paginate
from wenming.core.schemas import Id, PlatformDateTime, Strict
from wenming.orgs.models import Platform
from wenming.orgs.permissions import org_get_for_user
from wenming.partners.permissions import unit_get_for_user
from wenming.people.permissions import volunteer_get_for_user
from wenming.teams.permissions import team_get_for_user

from . import services
from .models import Booking, Lecture, Lecturer
from .permissions import (
    allowed_moves,
    booking_caps,
    booking_get_for_user,
    bookings_for_user,
    lecture_get_for_user,
    lecturer_caps,
    lecturer_get_for_user,
    lecturers_for_user,
    lectures_for_user,
    series_for_user,
)
from .selectors import lecturer_month, month_of

router = Router(tags=["lectures 宣讲"])


def _t(value) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def lecturer_out(x: Lecturer) -> dict:
    return {"id": x.pk, "name": x.name, "kind": x.kind, "kind_label": x.get_kind_display(),
            "title": x.title, "profile": x.profile, "topics": x.topics, "dialects": x.dialects,
            "team_id": x.team_id, "team": x.team.name if x.team_id else None,
            "org_id": x.org_id, "is_active": x.is_active}


def lecture_out(x: Lecture) -> dict:
    return {"id": x.pk, "title": x.title, "topic": x.topic, "description": x.description,
            "duration_minutes": x.duration_minutes, "audience": x.audience,
            "platform": x.platform.code, "series": x.series.code if x.series_id else None,
            "lecturer_id": x.lecturer_id, "lecturer": x.lecturer.name if x.lecturer_id else None,
            "team_id": x.team_id, "org_id": x.org_id, "is_active": x.is_active}


def booking_out(request, b: Booking) -> dict:
    caps = booking_caps(request.user, b)
    out = {"id": b.pk, "lecture_id": b.lecture_id, "lecture": b.lecture.title,
           "lecturer_id": b.lecturer_id, "lecturer": b.lecturer.name, "state": b.state,
           "booker_kind": b.booker_kind, "booker_name": b.booker_name, "org_id": b.org_id,
           "unit_id": b.unit_id, "start": _t(b.start), "end": _t(b.end), "place": b.place,
           "expected_audience": b.expected_audience, "activity_id": b.activity_id,
           "attendance": b.attendance, "people_reached": b.people_reached,
           "summary": b.summary, "allowed_moves": allowed_moves(request.user, b, caps)}
    if caps.sees_contact:
        out.update(contact_name=b.contact_name, contact_phone=b.contact_phone, note=b.note)
    return out


class LecturerIn(Strict):
    org_id: Id
    kind: str = Field(..., max_length=8)
    name: str = Field(..., max_length=50)
    title: str = Field("", max_length=60)
    profile: str = Field("", max_length=2000)
    topics: list[str] = Field(default_factory=list, max_length=20)
    dialects: list[str] = Field(default_factory=list, max_length=20)
    team_id: Id | None = None
    volunteer_id: Id | None = None  # the lecturer's own account, when they are a volunteer


class LectureIn(Strict):
    org_id: Id
    title: str = Field(..., max_length=100)
    topic: str = Field(..., max_length=30)
    platform: str = Field("theory", max_length=32)
    duration_minutes: int = Field(60, ge=10, le=480)
    audience: str = Field("", max_length=60)
    description: str = Field("", max_length=2000)
    series: str | None = Field(None, max_length=16)
    lecturer_id: Id | None = None
    team_id: Id | None = None


class LectureFilter(PageQuery):
    series: str = Field("", max_length=16)
    topic: str = Field("", max_length=30)


class BookingIn(Strict):
    lecture_id: Id
    start: PlatformDateTime
    end: PlatformDateTime | None = None
    place: str = Field(..., max_length=200)
    booker_kind: str = Field(..., max_length=16)
    unit_id: Id | None = None
    org_id: Id | None = None
    booker_name: str = Field("", max_length=100)
    lecturer_id: Id | None = None
    expected_audience: int = Field(30, ge=1, le=10000)
    contact_name: str = Field("", max_length=50)
    contact_phone: str = Field("", max_length=20)
    note: str = Field("", max_length=2000)


class BookingFilter(PageQuery):
    state: str = Field("", max_length=16)


class ReasonIn(Strict):
    reason: str = Field("", max_length=1000)


class ReportIn(Strict):
    attendance: int = Field(..., ge=0, le=100000)
    people_reached: int = Field(..., ge=0, le=10 ** 7)
    summary: str = Field("", max_length=2000)


class RateIn(Strict):
    score: int = Field(..., ge=1, le=5)
    comment: str = Field("", max_length=500)


@router.get("/lecturers", summary="宣讲员名录（名嘴、民嘴）")
def lecturer_list(request, filters: Query[PageQuery]):
    qs = lecturers_for_user(request.user).filter(is_active=True).order_by("kind", "name", "id")
    return paginate(qs, filters, lecturer_out)


@router.post("/lecturers", response={201: dict}, summary="新增宣讲员（本辖区工作人员）")
def lecturer_create(request, payload: LecturerIn):
    org = org_get_for_user(request.user, payload.org_id)
    team = team_get_for_user(request.user, payload.team_id) if payload.team_id else None
    volunteer = volunteer_get_for_user(request.user, payload.volunteer_id) \
        if payload.volunteer_id else None
    lecturer = services.lecturer_create(by=request.user, org=org, team=team, volunteer=volunteer,
                                        **payload.dict(exclude={"org_id", "team_id",
                                                                "volunteer_id"}))
    return Status(201, lecturer_out(lecturer))


class MonthQuery(Strict):
    month: str = Field("", max_length=7, pattern=r"^(\d{4}-\d{2})?$")


@router.get("/lecturers/{lecturer_id}/calendar",
            summary="宣讲员的月度日程（?month=YYYY-MM；本人及所属阵地、宣讲队阵地的工作人员）")
def lecturer_calendar(request, lecturer_id: Id, filters: Query[MonthQuery]):
    lecturer = lecturer_get_for_user(request.user, lecturer_id)
    if not lecturer_caps(request.user, lecturer).sees_calendar:
        raise Forbidden(_("只有宣讲员本人和所属阵地的工作人员可以查看日程"))
    first = month_of(filters.month)
    return {"lecturer_id": lecturer.pk, "lecturer": lecturer.name,
            "month": first.strftime("%Y-%m"), "days": [
                {"date": d.date.isoformat(), "bookings": [calendar_entry(b) for b in d.bookings]}
                for week in lecturer_month(lecturer, first) for d in week
                if d.in_month and d.bookings]}


def calendar_entry(b: Booking) -> dict:
    series = b.lecture.series
    return {"id": b.pk, "lecture_id": b.lecture_id, "lecture": b.lecture.title,
            "series": series.code if series else None,
            "series_label": series.get_code_display() if series else None,
            "state": b.state, "start": _t(b.start), "end": _t(b.end), "place": b.place,
            "booker_kind": b.booker_kind, "booker_name": b.booker_name, "org_id": b.org_id}


@router.get("/lecture-series", summary="六个讲堂及其课程安排")
def series_list(request):
    return [{"id": s.pk, "code": s.code, "name": s.get_code_display(), "programme": s.programme,
             "org_id": s.org_id} for s in series_for_user(request.user)]


@router.get("/lectures", summary="宣讲菜单")
def lecture_list(request, filters: Query[LectureFilter]):
    qs = lectures_for_user(request.user).filter(is_active=True)
    if filters.series:
        qs = qs.filter(series__code=filters.series)
    if filters.topic:
        qs = qs.filter(topic=filters.topic)
    return paginate(qs.order_by("series_id", "title", "id"), filters, lecture_out)


@router.post("/lectures", response={201: dict}, summary="新增宣讲课目（指定宣讲员或宣讲队）")
def lecture_create(request, payload: LectureIn):
    org = org_get_for_user(request.user, payload.org_id)
    platform = Platform.objects.filter(code=payload.platform, is_active=True).first()
    if platform is None:
        raise ValidationError(_("没有这个服务平台"), code="invalid_platform")
    series = None
    if payload.series:
        series = series_for_user(request.user).filter(code=payload.series).first()
        if series is None:
            raise ValidationError(_("没有这个讲堂"), code="invalid_series")
    lecturer = lecturer_get_for_user(request.user, payload.lecturer_id) \
        if payload.lecturer_id else None
    team = team_get_for_user(request.user, payload.team_id) if payload.team_id else None
    lecture = services.lecture_create(
        by=request.user, org=org, platform=platform, series=series, lecturer=lecturer, team=team,
        **payload.dict(exclude={"org_id", "platform", "series", "lecturer_id", "team_id"}))
    return Status(201, lecture_out(lecture))


@router.get("/lectures/{lecture_id}", summary="一个宣讲课目")
def lecture_get(request, lecture_id: Id):
    return lecture_out(lecture_get_for_user(request.user, lecture_id))


@router.get("/lecture-bookings", summary="宣讲预约（我预约的、本辖区的、我听过的）")
def booking_list(request, filters: Query[BookingFilter]):
    qs = bookings_for_user(request.user)
    if filters.state:
        qs = qs.filter(state=filters.state)
    return paginate(qs.order_by("-start", "-id"), filters, lambda b: booking_out(request, b))


@router.post("/lecture-bookings", response={201: dict},
             summary="预约宣讲（单位、社区或学校；宣讲员该时段已有安排则 409 slot_taken）")
def booking_create(request, payload: BookingIn):
    lecture = lecture_get_for_user(request.user, payload.lecture_id)
    unit = unit_get_for_user(request.user, payload.unit_id) if payload.unit_id else None
    org = org_get_for_user(request.user, payload.org_id) if payload.org_id else None
    lecturer = lecturer_get_for_user(request.user, payload.lecturer_id) \
        if payload.lecturer_id else None
    booking = services.booking_create(
        by=request.user, lecture=lecture, unit=unit, org=org, lecturer=lecturer,
        **payload.dict(exclude={"lecture_id", "unit_id", "org_id", "lecturer_id"}))
    return Status(201, booking_out(request, booking))


@router.get("/lecture-bookings/{booking_id}", summary="一个宣讲预约")
def booking_get(request, booking_id: Id):
    return booking_out(request, booking_get_for_user(request.user, booking_id))


@router.post("/lecture-bookings/{booking_id}/confirm", summary="确认（成为一场活动）")
def booking_confirm(request, booking_id: Id):
    booking = booking_get_for_user(request.user, booking_id)
    return booking_out(request, services.booking_confirm(by=request.user, booking=booking))


@router.post("/lecture-bookings/{booking_id}/decline", summary="婉拒（须填原因）")
def booking_decline(request, booking_id: Id, payload: ReasonIn):
    booking = booking_get_for_user(request.user, booking_id)
    return booking_out(request, services.booking_decline(by=request.user, booking=booking,
                                                         reason=payload.reason))


@router.post("/lecture-bookings/{booking_id}/cancel", summary="取消")
def booking_cancel(request, booking_id: Id, payload: ReasonIn):
    booking = booking_get_for_user(request.user, booking_id)
    return booking_out(request, services.booking_cancel(by=request.user, booking=booking,
                                                        reason=payload.reason))


@router.post("/lecture-bookings/{booking_id}/report", summary="开讲后登记到场和覆盖人数")
def booking_report(request, booking_id: Id, payload: ReportIn):
    booking = booking_get_for_user(request.user, booking_id)
    return booking_out(request, services.booking_report(by=request.user, booking=booking,
                                                        **payload.dict()))


@router.post("/lecture-bookings/{booking_id}/rate", response={201: dict},
             summary="听众评价（每人一次）")
def booking_rate(request, booking_id: Id, payload: RateIn):
    booking = booking_get_for_user(request.user, booking_id)
    rating = services.booking_rate(by=request.user, booking=booking, **payload.dict())
    return Status(201, {"id": rating.pk, "score": rating.score})
