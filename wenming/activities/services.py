"""Every write about activities: publish, edit, cancel, enrol, check in and out, the hours
ledger (records, approval, reversal, backfill) and certificates.

Quota, attendance and ledger changes lock their rows (activity first, then its rows), so
concurrent requests queue instead of overselling.
"""

import datetime
import secrets
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.core.bulk import bulk_insert
from wenming.core.errors import Conflict, Forbidden
from wenming.core.masking import mask_id_number
from wenming.geo import haversine_km
from wenming.inbox.services import notify
from wenming.orgs.models import OrgNode, Platform
from wenming.orgs.permissions import require_manage
from wenming.people.models import User, Volunteer
from wenming.points.services import points_for_record
from wenming.stats import rollup
from wenming.teams.models import Team

from . import qr
from .models import (
    ACTIVITY_FLOW,
    ENROLLMENT_FLOW,
    PROJECT_FLOW,
    RECORD_FLOW,
    Activity,
    Attendance,
    Certificate,
    Enrollment,
    HoursDaily,
    Project,
    RecordState,
    ServiceRecord,
)
from .permissions import can_organise, cancellable, record_caps, require_organise
from .projects import project_proposed
from .rules import (
    checkin_open,
    checkout_open,
    enrollment_open,
    insurance_ready,
    is_late,
    overlap_hours,
    rules_for,
    scheduled_hours,
    withdrawal_open,
)
from .selectors import certified_lines, unmet_requirements

ZERO = Decimal("0")
EDITABLE = {"title", "content", "address", "lat", "lng", "radius_m", "start", "end", "quota",
            "required_skills", "required_tags", "min_age", "people_served", "leader", "team",
            "project", "is_training", "needs_insurance", "signup_deadline"}
NULLABLE = {"min_age", "people_served", "leader", "team", "project", "signup_deadline"}


# ---- projects and activities ----------------------------------------------------------

@transaction.atomic
def project_create(*, by: User, title: str, platform: Platform, org: OrgNode,
                   team: Team | None = None, is_brand: bool = False,
                   description: str = "") -> Project:
    if not can_organise(by, org, team):
        raise Forbidden()
    title = _clean_title(title)
    if is_brand:
        require_manage(by, org)  # the brand label is the node's call, not a team's
    project = Project.objects.create(title=title, platform=platform, org=org, team=team,
                                     is_brand=is_brand, description=description.strip(),
                                     created_by=by, state=Project.State.PROPOSED)
    project_proposed(project, by)
    return project


def _clean_title(title: str) -> str:
    title = (title or "").strip()
    if not 2 <= len(title) <= 100:
        raise ValidationError(_("名称应为2到100个字"), code="invalid_title")
    return title


def _clean_list(values, allowed=None, message="", code="") -> list[str]:
    items = list(dict.fromkeys(str(v).strip() for v in values or [] if str(v).strip()))
    if len(items) > 20 or any(len(v) > 30 for v in items):
        raise ValidationError(_("要求最多20项，每项不超过30个字"), code="invalid_requirements")
    if allowed is not None and (unknown := [v for v in items if v not in allowed]):
        raise ValidationError(message % {"value": "、".join(unknown)}, code=code)
    return items


def _check_schedule(fields: dict, *, creating: bool) -> None:
    start, end = fields["start"], fields["end"]
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise ValidationError(_("时间须带时区，例如 2026-12-01T09:00:00+08:00"),
                              code="invalid_time")
    if end <= start:
        raise ValidationError(_("结束时间必须晚于开始时间"), code="invalid_time")
    if end - start > datetime.timedelta(days=7):
        raise ValidationError(_("单次活动不能超过7天，长期服务请建项目分次发布"), code="invalid_time")
    if creating and end <= timezone.now():
        raise ValidationError(_("不能发布已经结束的活动"), code="invalid_time")
    if not 1 <= fields["quota"] <= 10000:
        raise ValidationError(_("招募人数应在1到10000之间"), code="invalid_quota")
    if not 20 <= fields["radius_m"] <= 5000:
        raise ValidationError(_("签到范围应在20到5000米之间"), code="invalid_radius")
    lat, lng = fields["lat"], fields["lng"]
    if not (3.0 <= lat <= 54.0 and 73.0 <= lng <= 136.0):
        raise ValidationError(_("位置不在中国境内，请检查经纬度"), code="invalid_location")
    if fields.get("min_age") is not None and not 0 <= fields["min_age"] <= 100:
        raise ValidationError(_("最低年龄不正确"), code="invalid_min_age")
    if (deadline := fields.get("signup_deadline")) is not None and (
            timezone.is_naive(deadline) or deadline > end):
        raise ValidationError(_("报名截止时间须带时区，且不能晚于活动结束"),
                              code="invalid_signup_deadline")


def _clean_activity(fields: dict, *, creating: bool) -> dict:
    fields["title"] = _clean_title(fields["title"])
    fields["required_skills"] = _clean_list(fields.get("required_skills"))
    fields["required_tags"] = _clean_list(fields.get("required_tags"), Volunteer.Tag.values,
                                          _("未知的身份标签：%(value)s"), "invalid_tag")
    if not (fields.get("address") or "").strip():
        raise ValidationError(_("请填写活动地点"), code="invalid_address")
    _check_schedule(fields, creating=creating)
    return fields


@transaction.atomic
def activity_publish(*, by: User, org: OrgNode, platform: Platform, title: str,
                     address: str, lat: float, lng: float, start: datetime.datetime,
                     end: datetime.datetime, quota: int, radius_m: int = 300,
                     content: str = "", project: Project | None = None, team: Team | None = None,
                     leader: User | None = None, required_skills=(), required_tags=(),
                     min_age: int | None = None, is_training: bool = False,
                     needs_insurance: bool = False,
                     signup_deadline: datetime.datetime | None = None) -> Activity:
    """Staff of `org`, or a leader of its team, publish an activity there."""
    if not can_organise(by, org, team):
        raise Forbidden()
    if org.kind == OrgNode.Kind.POINT:
        org = org.parent  # a point hosts; its station organises and records
    if project is not None and not project.org.path.startswith(org.path) and \
            not org.path.startswith(project.org.path):
        raise ValidationError(_("项目不属于该阵地"), code="invalid_project")
    if project is not None and not PROJECT_FLOW.in_group(project.state, "publishes"):
        raise Conflict(_("项目立项后、结项前才能发布活动"), code="project_not_open")
    fields = _clean_activity(dict(
        title=title, address=address, lat=lat, lng=lng, start=start, end=end, quota=quota,
        radius_m=radius_m, required_skills=required_skills, required_tags=required_tags,
        min_age=min_age, signup_deadline=signup_deadline), creating=True)
    return Activity.objects.create(org=org, platform=platform, project=project, team=team,
                                   leader=leader or by, content=(content or "").strip(),
                                   is_training=bool(is_training),
                                   needs_insurance=bool(needs_insurance), created_by=by, **fields)


@transaction.atomic
def activity_update(*, by: User, activity: Activity, changes: dict) -> Activity:
    """Edit an activity. The quota cannot drop below those already enrolled; raising it
    promotes the waitlist."""
    require_organise(by, activity)
    if unknown := set(changes) - EDITABLE:
        raise ValidationError(_("不可修改：%(fields)s") % {"fields": "、".join(sorted(unknown))},
                              code="invalid_input")
    if nulls := sorted(f for f, v in changes.items() if v is None and f not in NULLABLE):
        raise ValidationError(_("不能为空：%(fields)s") % {"fields": "、".join(nulls)},
                              code="invalid_input")
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    if not activity.is_open:
        raise Conflict(_("活动已取消，不能修改"), code="invalid_transition")
    fields = {f: getattr(activity, f) for f in EDITABLE} | changes
    if "people_served" in changes and (changes["people_served"] or 0) < 0:
        raise ValidationError(_("服务人次不能为负数"), code="invalid_people_served")
    _clean_activity(fields, creating=False)
    if fields["quota"] < activity.enrolled_count:
        raise Conflict(_("已报名%(n)d人，招募人数不能少于已报名人数") % {
            "n": activity.enrolled_count},
                       code="quota_below_enrolled")
    for name, value in fields.items():
        setattr(activity, name, value)
    activity.save()
    _promote_waitlist(activity)
    return activity


@transaction.atomic
def activity_cancel(*, by: User, activity: Activity, reason: str) -> Activity:
    """Cancel before the end, while nobody has checked in; those signed up are told why."""
    require_organise(by, activity)
    if not (reason or "").strip():
        raise ValidationError(_("请填写取消原因，将通知已报名的志愿者"), code="reason_required")
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    ACTIVITY_FLOW.check(activity.status, Activity.Status.CANCELLED)
    if not cancellable(activity, timezone.now()):
        raise Conflict(_("活动已结束，不能取消"), code="invalid_transition")
    if activity.attendances.exists():
        raise Conflict(_("已有志愿者签到，活动不能取消"), code="invalid_transition")
    activity.status = Activity.Status.CANCELLED
    activity.save(update_fields=["status"])
    people = User.objects.filter(volunteer__enrollments__activity=activity,
                                 volunteer__enrollments__status__in=[
                                     Enrollment.Status.ENROLLED, Enrollment.Status.WAITLISTED])
    notify(users=people, title=_("活动已取消：%(title)s") % {"title": activity.title},
           body=reason.strip(), url=f"/activities/{activity.pk}/")
    return activity


# ---- enrollment -----------------------------------------------------------------------

def enrollment_create(*, volunteer: Volunteer, activity: Activity) -> Enrollment:
    """Sign up: enrolled while the quota lasts, waitlisted after.

    Every check reads before any write, and a place is taken by one conditional UPDATE of
    the activity's counter, so its row is locked from that statement to the commit only
    (issue 10: a count under FOR UPDATE held it across six statements and queued every
    client behind a descheduled holder). The same volunteer's two requests at once meet the
    unique (activity, volunteer) constraint: the second one's place is given back with its
    rolled-back transaction, and it is told they are signed up."""
    for attempt in range(3):
        try:
            return _enroll(volunteer=volunteer, activity=activity, last_try=attempt == 2)
        except _PlaceFreed:
            continue
        except IntegrityError:
            raise Conflict(_("您已报名该活动"), code="already_enrolled") from None
    raise AssertionError("unreachable: the last try does not retry")


class _PlaceFreed(Exception):
    """A place came free between finding the activity full and holding its row: the
    sign-up starts again (its transaction, and the row's share lock, rolled back)."""


@transaction.atomic
def _enroll(*, volunteer: Volunteer, activity: Activity, last_try: bool) -> Enrollment:
    if not enrollment_open(activity, timezone.now()):
        raise Conflict(_("报名已截止或活动已取消，不能报名"), code="enrollment_closed")
    if reasons := unmet_requirements(volunteer, activity):
        raise Conflict(_("不符合报名条件：%(r)s") % {"r": "；".join(reasons)},
                       code="requirements_not_met")
    enrollment = Enrollment.objects.filter(activity=activity, volunteer=volunteer).first()
    if enrollment and ENROLLMENT_FLOW.in_group(enrollment.status, "live"):
        raise Conflict(_("您已报名该活动"), code="already_enrolled")
    status = Enrollment.Status.ENROLLED if _take_place(activity, last_try) else \
        Enrollment.Status.WAITLISTED
    ENROLLMENT_FLOW.check(enrollment.status if enrollment else "", status)
    # The waitlist's order: stamped after the place was taken or found gone, so everyone
    # enrolled is stamped before anyone who found the activity full.
    now = timezone.now()
    if enrollment is None:
        return Enrollment.objects.create(activity=activity, volunteer=volunteer, status=status,
                                         created_at=now)
    # Signing up again after withdrawing: only from the withdrawn row we read, or a second
    # request of the same volunteer got there first (and this one's place is rolled back).
    if not Enrollment.objects.filter(pk=enrollment.pk, status=enrollment.status).update(
            status=status, created_at=now, updated_at=now):
        raise Conflict(_("您已报名该活动"), code="already_enrolled")
    enrollment.status, enrollment.created_at, enrollment.updated_at = status, now, now
    return enrollment


def _take_place(activity: Activity, last_try: bool) -> bool:
    """One place if the quota has one left: one conditional UPDATE. When it finds none, the
    waitlisted sign-up holds the row shared until its commit, so a withdrawal's promotion
    (FOR UPDATE) waits for it and sees it waiting, while waitlisted sign-ups run side by
    side. SQLite needs no share lock: its IMMEDIATE transaction holds the only write lock."""
    taken = Activity.objects.filter(
        pk=activity.pk, status=Activity.Status.PUBLISHED,
        enrolled_count__lt=F("quota")).update(enrolled_count=F("enrolled_count") + 1)
    if taken or connection.vendor != "postgresql":
        return bool(taken)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT status, enrolled_count < quota FROM {Activity._meta.db_table} "
                       "WHERE id = %s FOR SHARE", [activity.pk])
        state, free = cursor.fetchone()
    if state != Activity.Status.PUBLISHED:
        raise Conflict(_("报名已截止或活动已取消，不能报名"), code="enrollment_closed")
    if free and not last_try:
        raise _PlaceFreed
    return False


@transaction.atomic
def enrollment_cancel(*, volunteer: Volunteer, activity: Activity) -> Enrollment:
    """Withdraw before the cut-off; a freed place goes to the first on the waitlist."""
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    enrollment = Enrollment.objects.select_for_update().filter(
        activity=activity, volunteer=volunteer).exclude(
        status=Enrollment.Status.CANCELLED).first()
    if enrollment is None:
        raise Conflict(_("您没有报名该活动"), code="not_enrolled")
    ENROLLMENT_FLOW.check(enrollment.status, Enrollment.Status.CANCELLED)
    rules = rules_for(activity.org)
    if not withdrawal_open(enrollment.status, activity, rules, timezone.now()):
        raise Conflict(_("活动开始前%(n)d分钟起不能取消报名，请联系活动负责人") % {
            "n": rules.cancel_cutoff_minutes}, code="cancel_closed")
    if enrollment.status == Enrollment.Status.ENROLLED:
        _count_enrolled(activity, -1)
    enrollment.status = Enrollment.Status.CANCELLED
    enrollment.save(update_fields=["status", "updated_at"])
    _promote_waitlist(activity)
    return enrollment


def _count_enrolled(activity: Activity, change: int) -> None:
    """Move the counter of an activity whose row the caller holds locked (FOR UPDATE), and
    the caller's copy with it."""
    activity.enrolled_count += change
    Activity.objects.filter(pk=activity.pk).update(enrolled_count=F("enrolled_count") + change)


def _promote_waitlist(activity: Activity) -> None:
    """Fill free places from the waitlist in sign-up order (caller holds the activity lock,
    so `enrolled_count` is current)."""
    free = activity.quota - activity.enrolled_count
    if free <= 0 or activity.start <= timezone.now():
        return
    waiting = list(activity.enrollments.select_for_update().filter(
        status=Enrollment.Status.WAITLISTED).select_related("volunteer__user").order_by(
        "created_at", "id")[:free])
    if not waiting:
        return
    Enrollment.objects.filter(pk__in=[e.pk for e in waiting]).update(
        status=Enrollment.Status.ENROLLED, updated_at=timezone.now())
    _count_enrolled(activity, len(waiting))
    notify(users=[e.volunteer.user for e in waiting],
           title=_("候补成功：%(title)s") % {"title": activity.title},
           body=_("您已从候补转为正式报名，请按时参加。"), url=f"/activities/{activity.pk}/")


def enrolled_counts_refresh(activity_ids=None) -> int:
    """Set `enrolled_count` from the enrollments (the demo's bulk loader writes enrollments
    without the services); returns how many activities were set. Not for request paths."""
    counted = Enrollment.objects.filter(
        activity=OuterRef("pk"), status=Enrollment.Status.ENROLLED).order_by().values(
        "activity").annotate(n=Count("pk")).values("n")
    qs = Activity.objects.filter(Q(enrolled_count__gt=0) | Q(pk__in=Enrollment.objects.filter(
        status=Enrollment.Status.ENROLLED).values("activity")))
    if activity_ids is not None:
        qs = Activity.objects.filter(pk__in=activity_ids)
    return qs.update(enrolled_count=Coalesce(Subquery(counted, output_field=IntegerField()), 0))


# ---- attendance -----------------------------------------------------------------------

# A check-in or check-out made without signal arrives later with the moment it was made
# (docs/offline.md): believed when it is not in the future (past a little clock skew) and at
# most a week old; the windows, the daily limit and the rotating code are judged at it.
CLOCK_SKEW = datetime.timedelta(minutes=2)
OFFLINE_MAX_AGE = datetime.timedelta(days=7)


def recorded_moment(recorded_at: datetime.datetime | None) -> datetime.datetime:
    now = timezone.now()
    if recorded_at is None:
        return now
    if recorded_at > now + CLOCK_SKEW:
        raise ValidationError(_("记录时间不能晚于现在，请检查手机时间"), code="recorded_in_future")
    if recorded_at < now - OFFLINE_MAX_AGE:
        raise ValidationError(_("离线记录已超过7天，请联系活动负责人补录"), code="recorded_too_old")
    return min(recorded_at, now)


def _check_presence(activity: Activity, qr_token: str | None, lat, lng, window: int,
                    at: datetime.datetime | None = None) -> str:
    """A code valid at `at` (an offline moment; else the clock the code was made by), or a
    position inside the fence. Returns the method used."""
    if qr_token:
        qr.qr_check(activity, qr_token, window, now=at.timestamp() if at else None)
        return Attendance.Method.QR
    if lat is None or lng is None:
        raise ValidationError(_("请扫描签到码，或提供当前位置"), code="presence_required")
    distance_m = haversine_km(lat, lng, activity.lat, activity.lng) * 1000
    if distance_m > activity.radius_m:
        raise Conflict(_("您距离活动地点约%(d)d米，超出%(r)d米的签到范围") % {
            "d": distance_m, "r": activity.radius_m}, code="outside_geofence")
    return Attendance.Method.GEO


@transaction.atomic
def attendance_checkin(*, volunteer: Volunteer, activity: Activity, qr_token: str | None = None,
                       lat: float | None = None, lng: float | None = None,
                       recorded_at: datetime.datetime | None = None) -> Attendance:
    rules, now = rules_for(activity.org), recorded_moment(recorded_at)
    admit_checkin(volunteer, activity, rules, now)
    method = _check_presence(activity, qr_token, lat, lng, rules.qr_window_seconds,
                             now if recorded_at else None)
    return write_checkin(volunteer, activity, rules, now, method, lat=lat, lng=lng)


def admit_checkin(volunteer: Volunteer, activity: Activity, rules, now) -> None:
    """Enrolled, inside the window, insured where cover is asked: else a 409 saying which."""
    if not Enrollment.objects.filter(activity=activity, volunteer=volunteer,
                                     status=Enrollment.Status.ENROLLED).exists():
        raise Conflict(_("您没有报名该活动（或仍在候补），不能签到"), code="not_enrolled")
    if not checkin_open(activity, rules, now):
        raise Conflict(_("不在签到时间内：活动开始前%(n)d分钟至结束前可签到") % {
            "n": rules.checkin_early_minutes}, code="outside_checkin_window")
    if not insurance_ready(activity, rules):
        raise Conflict(_("本活动须为志愿者投保，录入有效保单后才能签到"),
                       code="insurance_required")


def write_checkin(volunteer: Volunteer, activity: Activity, rules, now, method: str, *,
                  lat: float | None = None, lng: float | None = None) -> Attendance:
    """The attendance row, one per volunteer and activity, under the daily check-in limit."""
    # Lock the volunteer's row: the daily count and the insert then happen one at a time.
    Volunteer.objects.select_for_update().filter(pk=volunteer.pk).first()
    if Attendance.objects.filter(activity=activity, volunteer=volunteer).exists():
        raise Conflict(_("您已签到"), code="already_checked_in")
    today = timezone.localdate(now)
    day_start = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    if Attendance.objects.filter(volunteer=volunteer, checkin_at__gte=day_start).count() >= \
            rules.max_checkins_per_day:
        raise Conflict(_("每人每天最多签到%(n)d次") % {"n": rules.max_checkins_per_day},
                       code="daily_checkin_limit")
    try:
        with transaction.atomic():
            return Attendance.objects.create(activity=activity, volunteer=volunteer,
                                             checkin_at=now, checkin_method=method,
                                             lat=lat, lng=lng)
    except IntegrityError:
        raise Conflict(_("您已签到"), code="already_checked_in") from None


@transaction.atomic
def attendance_checkout(*, volunteer: Volunteer, activity: Activity,
                        qr_token: str | None = None, lat: float | None = None,
                        lng: float | None = None, recorded_at: datetime.datetime | None = None,
                        ) -> tuple[Attendance, ServiceRecord | None]:
    """Check out and write the pending record: hours are the attendance's overlap with the
    schedule, counted only when it covers enough of it, within the daily cap."""
    rules, now = rules_for(activity.org), recorded_moment(recorded_at)
    attendance = open_attendance(volunteer, activity, rules, now)
    if now < attendance.checkin_at:
        raise ValidationError(_("签退时间不能早于签到时间"), code="checkout_before_checkin")
    method = _check_presence(activity, qr_token, lat, lng, rules.qr_window_seconds,
                             now if recorded_at else None)
    return write_checkout(attendance, rules, method, by=volunteer.user, now=now)


def open_attendance(volunteer: Volunteer, activity: Activity, rules, now) -> Attendance:
    """The volunteer's attendance, locked, if it may be closed now: else a 409 saying why."""
    attendance = Attendance.objects.select_for_update().filter(
        activity=activity, volunteer=volunteer).first()
    if attendance is None:
        raise Conflict(_("您还没有签到，不能签退"), code="not_checked_in")
    if attendance.checkout_at is not None:
        raise Conflict(_("您已签退"), code="already_checked_out")
    if not checkout_open(activity, rules, now):
        raise Conflict(_("已超过签退时间，请联系活动负责人补录"), code="outside_checkout_window")
    if live_records(activity, volunteer).exists():  # a backfill came first
        raise Conflict(_("该志愿者已有本活动的服务记录"), code="record_exists")
    return attendance


def write_checkout(attendance: Attendance, rules, method: str, *, by: User,
                   now: datetime.datetime | None = None) -> tuple[Attendance, ServiceRecord | None]:
    activity, now = attendance.activity, now or timezone.now()
    attendance.checkout_method, attendance.checkout_at = method, now
    attendance.save(update_fields=["checkout_at", "checkout_method"])
    hours = overlap_hours(attendance.checkin_at, now, activity.start, activity.end)
    if hours <= ZERO or hours < scheduled_hours(activity.start, activity.end) * \
            rules.coverage_ratio:
        return attendance, None
    record = record_write(volunteer=attendance.volunteer, kind=ServiceRecord.Kind.ATTENDANCE,
                          hours=hours, by=by, **activity_line(activity))
    return attendance, record


def activity_line(activity: Activity) -> dict:
    """What a ledger line copies from its activity (`record_write`'s keywords)."""
    return {"activity": activity, "org": activity.org, "title": activity.title,
            "place": activity.address, "content": activity.content,
            "leader_name": activity.leader.real_name if activity.leader else "",
            "service_date": timezone.localdate(activity.start)}


@transaction.atomic
def record_write(*, volunteer: Volunteer, kind: str, org: OrgNode, title: str,
                 service_date: datetime.date, hours: Decimal, by: User | None,
                 activity: Activity | None = None, order_id: int | None = None,
                 place: str = "", content: str = "", leader_name: str = "",
                 reason: str = "") -> ServiceRecord:
    """The one way into the hours ledger: a pending line, under the district's daily rule.

    Of one volunteer's pending and approved hours on one day, those beyond the cap (8 h by
    default) need the parent node's approval and nothing beyond the maximum (12 h) counts: a
    line that would pass it is cut to what is left (possibly 0, with the reason said). A line
    recorded more than the deadline's working days after `service_date` is marked late.
    Attendance, backfill and order completion all write here; the caller has checked who may.
    The volunteer's row is locked, so two lines for one day are summed one at a time."""
    if kind == ServiceRecord.Kind.REVERSAL or kind not in ServiceRecord.Kind.values:
        raise ValueError(f"record_write writes new lines, not reversals: {kind}")
    if not ZERO < hours <= 24:
        raise ValidationError(_("服务时长应在0到24小时之间"), code="invalid_hours")
    rules = rules_for(org)
    Volunteer.objects.select_for_update().filter(pk=volunteer.pk).first()
    logged = ServiceRecord.objects.filter(
        volunteer=volunteer, service_date=service_date,
        status__in=[ServiceRecord.Status.PENDING, ServiceRecord.Status.APPROVED],
    ).aggregate(h=Sum("hours"))["h"] or ZERO
    allowed = max(rules.daily_hours_max - logged, ZERO)
    if hours > allowed:
        reason = (reason + " " + _("超出每日%(n)s小时上限的部分不计入") % {
            "n": rules.daily_hours_max}).strip()
        hours = allowed
    return ServiceRecord.objects.create(
        volunteer=volunteer, activity=activity, order_id=order_id, org=org, kind=kind,
        title=title[:100], place=place[:200], content=content, leader_name=leader_name[:50],
        service_date=service_date, hours=hours, reason=reason, created_by=by,
        needs_parent_approval=logged + hours > rules.daily_hours_cap,
        late=is_late(service_date, timezone.localdate(), rules.record_deadline_workdays))


# ---- the hours ledger ------------------------------------------------------------------

def _decide(by: User, record: ServiceRecord, to: str) -> ServiceRecord:
    if not record_caps(by, record).may_decide:
        raise Forbidden(_("您无权审核这条记录"))
    record = ServiceRecord.objects.select_for_update().get(pk=record.pk)
    if not RECORD_FLOW.can(record.state, to):
        raise Conflict(_("该记录已审核，不能再更改"), code="invalid_transition")
    return record


@transaction.atomic
def record_approve(*, by: User, record: ServiceRecord) -> ServiceRecord:
    record = _decide(by, record, RecordState.APPROVED)
    record.status, record.decided_by, record.decided_at = (
        ServiceRecord.Status.APPROVED, by, timezone.now())
    record.save()
    _rollup(record.org_id, record.service_date, record.hours, 1)
    rollup.add_lines([record])
    points_for_record(record)
    return record


@transaction.atomic
def record_reject(*, by: User, record: ServiceRecord, reason: str) -> ServiceRecord:
    if not (reason or "").strip():
        raise ValidationError(_("请填写不予认定的原因"), code="reason_required")
    record = _decide(by, record, RecordState.REJECTED)
    record.status, record.decided_by, record.decided_at = (
        ServiceRecord.Status.REJECTED, by, timezone.now())
    record.reason = (record.reason + "\n" + reason.strip()).strip()
    record.save()
    notify(users=[record.volunteer.user], title=_("服务时长未被认定：%(t)s") % {"t": record.title},
           body=reason.strip(), url="/my/hours/")
    return record


@transaction.atomic
def record_reverse(*, by: User, record: ServiceRecord, reason: str) -> ServiceRecord:
    """Correct an approved line by a new, approved line of the opposite hours."""
    if not record_caps(by, record).may_reverse:
        raise Forbidden(_("只有记录单位的管理员可以冲正"))
    if not (reason or "").strip():
        raise ValidationError(_("请填写冲正原因"), code="reason_required")
    # Locked, then `state` asks for a reversing line afresh: one committed meanwhile shows.
    record = ServiceRecord.objects.select_for_update().get(pk=record.pk)
    if not (RECORD_FLOW.can(record.state, RecordState.REVERSED)
            and record.kind != ServiceRecord.Kind.REVERSAL):
        raise Conflict(_("只有已认定且未冲正的记录可以冲正"), code="invalid_transition")
    now = timezone.now()
    reversal = ServiceRecord.objects.create(
        volunteer=record.volunteer, activity=record.activity, order_id=record.order_id,
        org=record.org, kind=ServiceRecord.Kind.REVERSAL, title=record.title,
        place=record.place, content=record.content, leader_name=record.leader_name,
        service_date=record.service_date, hours=-record.hours, reverses=record,
        status=ServiceRecord.Status.APPROVED, reason=reason.strip(), created_by=by,
        decided_by=by, decided_at=now)
    _rollup(record.org_id, record.service_date, -record.hours, -1)
    rollup.add_lines([reversal])
    points_for_record(reversal)
    return reversal


@transaction.atomic
def record_backfill(*, by: User, volunteer: Volunteer, activity: Activity, hours: Decimal,
                    reason: str) -> ServiceRecord:
    """补录: a line entered by the organiser after the fact, with a reason; staff approve it."""
    require_organise(by, activity)
    if not (reason or "").strip():
        raise ValidationError(_("补录须说明原因"), code="reason_required")
    if activity.end > timezone.now():
        raise Conflict(_("活动结束后才能补录"), code="activity_not_finished")
    if not activity.is_open:
        raise Conflict(_("活动已取消，不能补录"), code="invalid_transition")
    limit = scheduled_hours(activity.start, activity.end)
    if not ZERO < hours <= limit:
        raise ValidationError(_("补录时长应大于0且不超过活动时长%(n)s小时") % {"n": limit},
                              code="invalid_hours")
    if live_records(activity, volunteer).exists():
        raise Conflict(_("该志愿者已有本活动的服务记录"), code="record_exists")
    return record_write(volunteer=volunteer, kind=ServiceRecord.Kind.BACKFILL, hours=hours,
                        by=by, reason=reason.strip(), **activity_line(activity))


def live_records(activity: Activity, volunteer: Volunteer):
    """The volunteer's lines for the activity that count or may count: not rejected, not
    reversed (a reversed line may be entered again with the right hours)."""
    return ServiceRecord.objects.filter(activity=activity, volunteer=volunteer).exclude(
        status=ServiceRecord.Status.REJECTED).exclude(kind=ServiceRecord.Kind.REVERSAL).unreversed()


def _rollup(org_id: int, day: datetime.date, hours: Decimal, records: int) -> None:
    """Keep HoursDaily equal to the approved ledger, in the same transaction (the
    per-volunteer rollup moves beside it: `stats.rollup.add_lines`)."""
    updated = HoursDaily.objects.filter(org_id=org_id, day=day).update(
        hours=F("hours") + hours, records=F("records") + records)
    if not updated:
        try:
            with transaction.atomic():
                HoursDaily.objects.create(org_id=org_id, day=day, hours=hours, records=records)
        except IntegrityError:  # created meanwhile by a concurrent approval
            HoursDaily.objects.filter(org_id=org_id, day=day).update(
                hours=F("hours") + hours, records=F("records") + records)


# ---- certificates ----------------------------------------------------------------------

@transaction.atomic
def certificate_issue(*, by: User, volunteer: Volunteer, period_from: datetime.date | None = None,
                      period_to: datetime.date | None = None) -> Certificate:
    """The volunteer themself, or staff of their station's subtree, issue a certificate of the
    approved hours (in a period, or all). What it certifies is frozen in the row."""
    if volunteer.user_id != by.pk:
        require_manage(by, volunteer.station)
    if period_from and period_to and period_from > period_to:
        raise ValidationError(_("起始日期不能晚于截止日期"), code="invalid_period")
    lines = certified_lines(volunteer, period_from, period_to)
    total = sum((Decimal(line["hours"]) for line in lines), ZERO)
    return Certificate.objects.create(
        code=_certificate_code(), volunteer=volunteer, org=volunteer.station, issued_by=by,
        period_from=period_from, period_to=period_to, real_name=volunteer.user.real_name,
        id_number_masked=mask_id_number(volunteer.id_number), total_hours=total, records=lines)


def _certificate_code() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
    return "".join(secrets.choice(alphabet) for _n in range(12))


# ---- several at once (the approval queue's "approve selected") ------------------------

@transaction.atomic
def records_approve_many(*, by: User, records) -> dict[str, int]:
    """Approve lines in one transaction, in primary-key order so two batches cannot
    deadlock. A line the approver may not decide, or one already decided, is left as it is
    and counted as refused."""
    counts = {"approved": 0, "refused": 0}
    for record in sorted(records, key=lambda r: r.pk):
        try:
            record_approve(by=by, record=record)
        except (Forbidden, Conflict):
            counts["refused"] += 1
        else:
            counts["approved"] += 1
    return counts


# ---- bulk loading (the demo district, imports) --------------------------------------------

@transaction.atomic
def activities_bulk_import(*, activities: list[Activity]) -> list[Activity]:
    """Insert many past or planned activities at once; the caller has checked them."""
    return Activity.objects.bulk_create(activities, batch_size=2000)


@transaction.atomic
def records_bulk_import(*, rows: list[dict]) -> list[int]:
    """Insert many ledger lines at once (dicts of ServiceRecord attnames, all with the same
    keys); returns their ids in order. Approved lines move the HoursDaily rollup in the same
    transaction, one insert or update per (node, day) touched, never per line.
    Points are the caller's to post (`points_bulk_post`), so they can be batched too."""
    for row in rows:
        if not ZERO < row["hours"] <= 24:
            raise ValueError(f"hours out of range: {row['hours']}")
    ids = bulk_insert(ServiceRecord, rows)
    rollup.add_lines(r for r in rows if r.get("status") == ServiceRecord.Status.APPROVED)
    delta: dict[tuple[int, datetime.date], list] = {}
    for r in rows:
        if r.get("status") == ServiceRecord.Status.APPROVED:
            d = delta.setdefault((r["org_id"], r["service_date"]), [ZERO, 0])
            d[0] += r["hours"]
            d[1] += 1
    if not delta:
        return ids
    days = [day for _org, day in delta]
    existing = {(h.org_id, h.day): h for h in HoursDaily.objects.select_for_update().filter(
        day__gte=min(days), day__lte=max(days), org_id__in={o for o, _d in delta})}
    changed, new = [], []
    for key, (hours, count) in delta.items():
        if (row := existing.get(key)) is not None:
            row.hours += hours
            row.records += count
            changed.append(row)
        else:
            new.append(HoursDaily(org_id=key[0], day=key[1], hours=hours, records=count))
    HoursDaily.objects.bulk_create(new, batch_size=2000)
    HoursDaily.objects.bulk_update(changed, ["hours", "records"], batch_size=500)
    return ids
