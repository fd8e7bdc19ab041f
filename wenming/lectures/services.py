"""Writes of 宣讲: booking a lecturer (never twice at once), the organiser's moves, the
confirmed booking becoming an activity, the report, the audience's rating and photos."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.activities.services import activity_publish
from wenming.core.errors import Conflict, Forbidden
from wenming.core.uploads import checked_image
from wenming.inbox.services import notify
from wenming.orgs.models import OrgNode, RoleAssignment
from wenming.orgs.permissions import can_manage
from wenming.partners.models import Unit
from wenming.partners.permissions import units_of_user
from wenming.people.models import User, Volunteer

from .models import WORKFLOW, Booking, BookingEvent, BookingPhoto, Lecture, Lecturer, Rating, State
from .permissions import allowed_moves, booking_caps

S = State
MAX_HOURS = 8
MAX_DAYS_AHEAD = 365


def booking_transition(booking: Booking, to: str, *, by: User | None,
                       reason: str = "") -> Booking:
    """The one way a booking changes state: checked against the map, with its event row."""
    WORKFLOW.check(booking.state, to)
    BookingEvent.objects.create(booking=booking, from_state=booking.state, to_state=to, by=by,
                                reason=reason)
    booking.state = to
    booking.save(update_fields=["state"])
    return booking


def _staff_of(node: OrgNode) -> list[User]:
    ids = node.path.strip("/").split("/")
    return list(User.objects.filter(
        role_assignments__role=RoleAssignment.Role.STAFF,
        role_assignments__org_id__in=[int(i) for i in ids]).distinct())


def _booker(by: User, *, booker_kind: str, unit: Unit | None, org: OrgNode | None,
            booker_name: str) -> tuple[OrgNode, str, Unit | None]:
    """Who books: a unit only as itself (its own account, or staff above its node); a
    community or a school through the staff of its node."""
    if booker_kind == Booking.Booker.UNIT:
        if unit is None:
            raise ValidationError(_("请选择预约的单位"), code="invalid_unit")
        if not (units_of_user(by).filter(pk=unit.pk).exists() or can_manage(by, unit.org)):
            raise Forbidden(_("只能以本单位的名义预约"))
        return unit.org, unit.name, unit
    if booker_kind not in Booking.Booker.values:
        raise ValidationError(_("预约方类型应为 unit、community 或 school"), code="invalid_booker")
    if org is None or not can_manage(by, org):
        raise Forbidden(_("只能为本辖区的社区或学校预约"))
    if booker_kind == Booking.Booker.COMMUNITY:
        if org.kind != OrgNode.Kind.STATION:
            raise ValidationError(_("社区预约请选择实践站"), code="invalid_org")
        return org, org.name, None
    name = (booker_name or "").strip()
    if not 2 <= len(name) <= 100:
        raise ValidationError(_("请填写学校名称"), code="invalid_booker_name")
    return org, name, None


def _speaker(lecture: Lecture, lecturer: Lecturer | None) -> Lecturer:
    """The lecture's own lecturer, or the chosen one of its team."""
    if lecture.lecturer_id:
        if lecturer is not None and lecturer.pk != lecture.lecturer_id:
            raise ValidationError(_("该课目由指定宣讲员主讲"), code="invalid_lecturer")
        return lecture.lecturer
    if lecturer is None or lecturer.team_id != lecture.team_id or not lecturer.is_active:
        raise ValidationError(_("请从该宣讲队中选择一位宣讲员"), code="invalid_lecturer")
    return lecturer


def _check_time(start: datetime.datetime, end: datetime.datetime) -> None:
    now = timezone.now()
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise ValidationError(_("时间须带时区，例如 2026-05-01T09:00:00+08:00"),
                              code="invalid_time")
    if start < now:
        raise ValidationError(_("开始时间不能早于现在"), code="invalid_time")
    if start > now + datetime.timedelta(days=MAX_DAYS_AHEAD):
        raise ValidationError(_("只能预约一年以内的宣讲"), code="invalid_time")
    if not start < end <= start + datetime.timedelta(hours=MAX_HOURS):
        raise ValidationError(_("结束时间应晚于开始时间，且宣讲不超过8小时"), code="invalid_time")


@transaction.atomic
def booking_create(*, by: User, lecture: Lecture, start: datetime.datetime, place: str,
                   booker_kind: str, end: datetime.datetime | None = None,
                   lecturer: Lecturer | None = None, unit: Unit | None = None,
                   org: OrgNode | None = None, booker_name: str = "",
                   expected_audience: int = 30, contact_name: str = "", contact_phone: str = "",
                   note: str = "") -> Booking:
    """Book a lecture for a date and place. Refused with 409 `slot_taken` when the lecturer
    already holds a booking then: the lecturer's row is locked first, so two requests for
    the same time are decided one after the other, on SQLite and PostgreSQL alike."""
    if not lecture.is_active:
        raise ValidationError(_("该宣讲课目暂不接受预约"), code="lecture_inactive")
    node, name, unit = _booker(by, booker_kind=booker_kind, unit=unit, org=org,
                               booker_name=booker_name)
    speaker = _speaker(lecture, lecturer)
    end = end or start + datetime.timedelta(minutes=lecture.duration_minutes)
    _check_time(start, end)
    place = (place or "").strip()
    if not 2 <= len(place) <= 200:
        raise ValidationError(_("请填写宣讲地点"), code="invalid_place")
    if not 1 <= expected_audience <= 10000:
        raise ValidationError(_("预计听众应为1到10000人"), code="invalid_audience")
    speaker = Lecturer.objects.select_for_update().get(pk=speaker.pk)
    if Booking.objects.filter(lecturer=speaker, state__in=WORKFLOW.groups["holding"],
                              start__lt=end, end__gt=start).exists():
        raise Conflict(_("%(n)s在这个时间已有宣讲安排，请换个时间") % {"n": speaker.name},
                       code="slot_taken")
    booking = Booking.objects.create(
        lecture=lecture, lecturer=speaker, state="", booker_kind=booker_kind, booker_name=name,
        org=node, unit=unit, start=start, end=end, place=place,
        expected_audience=expected_audience, contact_name=(contact_name or "").strip()[:50],
        contact_phone=(contact_phone or "").strip()[:20], note=(note or "").strip()[:2000],
        booked_by=by)
    booking_transition(booking, S.REQUESTED, by=by)
    notify(users=_staff_of(lecture.org), title=_("新的宣讲预约：%(t)s") % {"t": lecture.title},
           url=f"/lectures/bookings/{booking.pk}/")
    return booking


def _locked(booking: Booking) -> Booking:
    return Booking.objects.select_for_update().select_related(
        "lecture__org", "lecture__platform", "org", "lecturer").get(pk=booking.pk)


def _require(by: User, booking: Booking, move: str) -> None:
    from .models import MOVES

    WORKFLOW.check(booking.state, MOVES[move])
    if move not in allowed_moves(by, booking):
        raise Forbidden()


def _tell_booker(booking: Booking, title: str) -> None:
    notify(users=[booking.booked_by], title=title, url=f"/lectures/bookings/{booking.pk}/")


@transaction.atomic
def booking_confirm(*, by: User, booking: Booking) -> Booking:
    """确认: the lecture becomes an activity of the lecture's node at the booked place and
    time (volunteers help run it, attendance and hours go through the activity)."""
    booking = _locked(booking)
    _require(by, booking, "confirm")
    lecture, spot = booking.lecture, booking.org if booking.org.lat is not None else \
        booking.lecture.org
    booking.activity = activity_publish(
        by=by, org=lecture.org, platform=lecture.platform,
        title=(_("宣讲：%(t)s") % {"t": lecture.title})[:100],
        address=booking.place, lat=spot.lat, lng=spot.lng, start=booking.start,
        end=booking.end, quota=min(max(booking.expected_audience // 10, 2), 50),
        content=_("%(who)s 主讲，%(booker)s 预约。%(text)s") % {
            "who": booking.lecturer.name, "booker": booking.booker_name,
            "text": lecture.description})
    booking.save(update_fields=["activity"])
    booking = booking_transition(booking, S.CONFIRMED, by=by)
    _tell_booker(booking, _("宣讲预约已确认：%(t)s") % {"t": lecture.title})
    return booking


@transaction.atomic
def booking_decline(*, by: User, booking: Booking, reason: str) -> Booking:
    booking = _locked(booking)
    _require(by, booking, "decline")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("请填写婉拒原因"), code="reason_required")
    booking = booking_transition(booking, S.DECLINED, by=by, reason=reason[:1000])
    _tell_booker(booking, _("宣讲预约未能安排：%(t)s") % {"t": booking.lecture.title})
    return booking


@transaction.atomic
def booking_cancel(*, by: User, booking: Booking, reason: str = "") -> Booking:
    """Either side withdraws before the lecture; the activity it became is left to its
    organisers (cancelling an activity is the activities app's move)."""
    booking = _locked(booking)
    _require(by, booking, "cancel")
    booking = booking_transition(booking, S.CANCELLED, by=by, reason=(reason or "")[:1000])
    others = _staff_of(booking.lecture.org) if booking.booked_by_id == by.pk else \
        [booking.booked_by]
    notify(users=others, title=_("宣讲预约已取消：%(t)s") % {"t": booking.lecture.title},
           url=f"/lectures/bookings/{booking.pk}/")
    return booking


@transaction.atomic
def booking_report(*, by: User, booking: Booking, attendance: int, people_reached: int,
                   summary: str = "") -> Booking:
    """开讲后: the organisers record how many came and how many the lecture reached."""
    booking = _locked(booking)
    _require(by, booking, "report")
    if not 0 <= attendance <= 100000 or not 0 <= people_reached <= 10 ** 7:
        raise ValidationError(_("人数超出范围"), code="invalid_count")
    if people_reached < attendance:
        raise ValidationError(_("覆盖人数不能少于到场人数"), code="invalid_count")
    booking.attendance, booking.people_reached = attendance, people_reached
    booking.summary = (summary or "").strip()[:2000]
    booking.save(update_fields=["attendance", "people_reached", "summary"])
    return booking_transition(booking, S.DONE, by=by)


@transaction.atomic
def booking_rate(*, by: User, booking: Booking, score: int, comment: str = "") -> Rating:
    """The audience rates a lecture given, once each."""
    if booking.state != S.DONE:
        raise Conflict(_("宣讲结束后才能评价"), code="invalid_transition")
    if not booking_caps(by, booking).can_rate:
        raise Forbidden()
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise ValidationError(_("评分应为1到5"), code="invalid_score")
    try:
        with transaction.atomic():
            return Rating.objects.create(booking=booking, user=by, score=score,
                                         comment=(comment or "").strip()[:500])
    except IntegrityError:
        raise Conflict(_("您已经评价过了"), code="already_rated") from None


@transaction.atomic
def booking_photo_add(*, by: User, booking: Booking, image) -> BookingPhoto:
    if booking.state not in (S.CONFIRMED, S.DONE):
        raise Conflict(_("确认后的宣讲才能上传照片"), code="invalid_transition")
    if not booking_caps(by, booking).can_add_photo:
        raise Forbidden()
    if booking.photos.count() >= 9:
        raise ValidationError(_("每场宣讲最多9张照片"), code="too_many_photos")
    return BookingPhoto.objects.create(booking=booking, uploaded_by=by,
                                       image=checked_image(image, stem="lecture"))


# ---- the roster and the menu --------------------------------------------------------------

def _words(values, *, label: str) -> list[str]:
    words = [str(v).strip() for v in values or [] if str(v).strip()]
    if len(words) > 20 or any(len(w) > 20 for w in words):
        raise ValidationError(_("%(f)s最多20项，每项不超过20字") % {"f": label}, code="invalid_input")
    return list(dict.fromkeys(words))


@transaction.atomic
def lecturer_create(*, by: User, org: OrgNode, kind: str, name: str, title: str = "",
                    profile: str = "", topics=(), dialects=(), team=None,
                    volunteer: Volunteer | None = None) -> Lecturer:
    """A 名嘴 or 民嘴 joins the roster of a node the caller manages; `volunteer` links the
    entry to the person's account (they then see their own calendar and bookings)."""
    if not can_manage(by, org):
        raise Forbidden()
    if kind not in Lecturer.Kind.values:
        raise ValidationError(_("类型应为 famous（名嘴）或 folk（民嘴）"), code="invalid_kind")
    name = (name or "").strip()
    if not 2 <= len(name) <= 50:
        raise ValidationError(_("请填写宣讲员姓名"), code="invalid_name")
    if team is not None and not can_manage(by, team.org):
        raise Forbidden(_("只能加入本辖区的宣讲队"))
    if volunteer is not None and not (volunteer.station and can_manage(by, volunteer.station)):
        raise Forbidden(_("只能关联本辖区的志愿者"))
    return Lecturer.objects.create(volunteer=volunteer,
        org=org, kind=kind, name=name, title=(title or "").strip()[:60],
        profile=(profile or "").strip()[:2000], topics=_words(topics, label=_("擅长主题")),
        dialects=_words(dialects, label=_("方言")), team=team)


@transaction.atomic
def lecture_create(*, by: User, org: OrgNode, title: str, topic: str, platform,
                   duration_minutes: int = 60, audience: str = "", description: str = "",
                   series=None, lecturer: Lecturer | None = None, team=None) -> Lecture:
    """An item of the lecture menu, given by one lecturer or by a team."""
    if not can_manage(by, org):
        raise Forbidden()
    if (lecturer is None) == (team is None):
        raise ValidationError(_("请指定一位宣讲员或一支宣讲队（二选一）"), code="invalid_lecturer")
    if lecturer is not None and not can_manage(by, lecturer.org):
        raise Forbidden()
    if team is not None and not can_manage(by, team.org):
        raise Forbidden()
    title, topic = (title or "").strip(), (topic or "").strip()
    if not 2 <= len(title) <= 100 or not 1 <= len(topic) <= 30:
        raise ValidationError(_("请填写题目（2到100字）和主题（30字以内）"), code="invalid_title")
    if not 10 <= duration_minutes <= MAX_HOURS * 60:
        raise ValidationError(_("时长应为10到480分钟"), code="invalid_duration")
    if series is not None and not org.path.startswith(series.org.path):
        raise ValidationError(_("讲堂不属于本区"), code="invalid_series")
    return Lecture.objects.create(
        org=org, title=title, topic=topic, platform=platform, series=series,
        duration_minutes=duration_minutes, audience=(audience or "").strip()[:60],
        description=(description or "").strip()[:2000], lecturer=lecturer, team=team)


@transaction.atomic
def series_programme_set(*, by: User, series, programme: str):
    if not can_manage(by, series.org):
        raise Forbidden()
    series.programme = (programme or "").strip()[:5000]
    series.save(update_fields=["programme"])
    return series
