"""The other ways hours are recorded, each ending in the one ledger write path
(`services.record_write`, with the district's daily rules):

- the organiser scans a volunteer's e-card to check them in and out (then the attendance
  path writes the line as if the volunteer had scanned the venue code);
- a walk-in volunteer is added on site by the organiser;
- 时长码: one-time codes worth the activity's hours, claimed by a volunteer;
- 团体录入: a leader enters hours for a list of volunteers at once, lines pending approval.
"""

import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.core.errors import Conflict, Forbidden, NotFound
from wenming.people.models import User, Volunteer

from . import ecard, services
from .models import Activity, Attendance, ECard, Enrollment, ServiceRecord, TimeCode
from .permissions import activity_caps, require_organise
from .rules import codes_expire, rules_for, scan_open, scheduled_hours
from .selectors import unmet_requirements

ZERO = Decimal("0")
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread on paper
CODE_LENGTH = 10
MAX_CODES = 500


# ---- the e-card -------------------------------------------------------------------------

def ecard_of(volunteer: Volunteer) -> ECard:
    return ECard.objects.get_or_create(volunteer=volunteer)[0]


def _may_hold_card(by: User, volunteer: Volunteer) -> None:
    """The volunteer themself prints or reports their card; nobody else does."""
    if volunteer.user_id != by.pk:
        raise Forbidden(_("只有志愿者本人可以打印或挂失电子证"))


@transaction.atomic
def ecard_print(*, by: User, volunteer: Volunteer) -> ECard:
    """A new printed card: the one printed before stops working."""
    _may_hold_card(by, volunteer)
    card = ECard.objects.select_for_update().get(pk=ecard_of(volunteer).pk)
    card.print_serial += 1
    card.printed_at, card.print_revoked = timezone.now(), False
    card.save(update_fields=["print_serial", "printed_at", "print_revoked"])
    return card


@transaction.atomic
def ecard_revoke(*, by: User, volunteer: Volunteer) -> ECard:
    """Report the printed card lost: its code is refused from now on."""
    _may_hold_card(by, volunteer)
    card = ECard.objects.select_for_update().get(pk=ecard_of(volunteer).pk)
    if card.print_serial == 0 or card.print_revoked:
        raise Conflict(_("没有可挂失的纸质电子证"), code="invalid_transition")
    card.print_revoked = True
    card.save(update_fields=["print_revoked"])
    return card


@dataclass(frozen=True)
class ScanResult:
    volunteer: Volunteer
    attendance: Attendance
    record: ServiceRecord | None


@transaction.atomic
def attendance_scan(*, by: User, activity: Activity, ecard_token: str,
                    action: str) -> ScanResult:
    """The organiser scans a volunteer's e-card: check them in or out. The same rules as the
    volunteer's own check-in hold (enrolled, the window, insurance, one attendance, the daily
    limit); the volunteer's row is locked, so two organisers scanning at once record one."""
    require_organise(by, activity)
    if action not in ("checkin", "checkout"):
        raise ValidationError(_("请选择签到或签退"), code="invalid_action")
    activity = Activity.objects.select_related("org", "platform", "leader").get(pk=activity.pk)
    rules, now = rules_for(activity.org), timezone.now()
    if not scan_open(activity, rules, now):
        raise Conflict(_("不在扫码时间内：签到开放后至签退截止前可扫码"),
                       code="outside_scan_window")
    volunteer = ecard.ecard_volunteer(ecard_token)
    if action == "checkin":
        services.admit_checkin(volunteer, activity, rules, now)
        attendance = services.write_checkin(volunteer, activity, rules, now,
                                            Attendance.Method.ECARD)
        return ScanResult(volunteer, attendance, None)
    attendance = services.open_attendance(volunteer, activity, rules, now)
    attendance, record = services.write_checkout(attendance, rules, Attendance.Method.ECARD,
                                                 by=by)
    return ScanResult(volunteer, attendance, record)


# ---- walk-in volunteers -------------------------------------------------------------------

def walk_in_candidates(activity: Activity, q: str) -> QuerySet[Volunteer]:
    """Volunteers of the activity's district matching a name, volunteer number or mobile
    (the organiser searches on site; at most a short list)."""
    q = (q or "").strip()
    if len(q) < 2:
        return Volunteer.objects.none()
    district = activity.org.path.strip("/").split("/")[0]
    match = Q(user__real_name__icontains=q) | Q(user__mobile=q)
    if hasattr(Volunteer, "volunteer_no"):
        match |= Q(volunteer_no__iexact=q)
    return Volunteer.objects.filter(match, station__path__startswith=f"/{district}/").exclude(
        enrollments__activity=activity, enrollments__status=Enrollment.Status.ENROLLED
    ).select_related("user").order_by("id")[:20]


@transaction.atomic
def enrollment_walk_in(*, by: User, activity: Activity, volunteer: Volunteer) -> Enrollment:
    """Enrol a volunteer who turned up on site: past the sign-up deadline and the quota (they
    are here), but not past the activity's requirements."""
    if not activity_caps(by, activity, as_volunteer=False).can_add_walk_in:
        raise Forbidden(_("只有活动组织者可以在活动结束前添加现场志愿者"))
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    if reasons := unmet_requirements(volunteer, activity):
        raise Conflict(_("不符合报名条件：%(r)s") % {"r": "；".join(reasons)},
                       code="requirements_not_met")
    enrollment = Enrollment.objects.select_for_update().filter(
        activity=activity, volunteer=volunteer).first()
    if enrollment and enrollment.status == Enrollment.Status.ENROLLED:
        raise Conflict(_("该志愿者已报名"), code="already_enrolled")
    # They are here: a place past the quota if need be (the activity's row is locked).
    Activity.objects.filter(pk=activity.pk).update(enrolled_count=F("enrolled_count") + 1)
    if enrollment is None:
        return Enrollment.objects.create(activity=activity, volunteer=volunteer,
                                         status=Enrollment.Status.ENROLLED)
    enrollment.status = Enrollment.Status.ENROLLED
    enrollment.save(update_fields=["status", "updated_at"])
    return enrollment


# ---- 时长码 ----------------------------------------------------------------------------

@transaction.atomic
def time_codes_issue(*, by: User, activity: Activity, count: int) -> list[TimeCode]:
    """A batch of one-time codes, each worth the activity's scheduled hours, claimable until
    a week after it ends."""
    if not activity_caps(by, activity, as_volunteer=False).can_issue_codes:
        raise Forbidden(_("只有活动组织者可以生成时长码"))
    if not 1 <= count <= MAX_CODES:
        raise ValidationError(_("一次可生成1到%(n)d个时长码") % {"n": MAX_CODES},
                              code="invalid_count")
    hours = scheduled_hours(activity.start, activity.end)
    codes = [TimeCode(activity=activity, code=_new_code(), hours=hours,
                      expires_at=codes_expire(activity), created_by=by) for _n in range(count)]
    return TimeCode.objects.bulk_create(codes)


def _new_code() -> str:
    # 32^10 ≈ 10^15 codes: guessing one of a few hundred live ones is hopeless.
    return "".join(secrets.choice(CODE_ALPHABET) for _n in range(CODE_LENGTH))


def normalise_code(raw: str) -> str:
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())[:CODE_LENGTH + 2]


@transaction.atomic
def time_code_claim(*, volunteer: Volunteer, code: str) -> ServiceRecord:
    """Claim a code: a pending line of the activity's hours. The code's row is locked, so two
    claims at once write one line; a used or expired code is a 409."""
    code_row = TimeCode.objects.select_for_update(of=("self",)).select_related(
        "activity__org", "activity__leader").filter(code=normalise_code(code)).first()
    if code_row is None:
        raise NotFound(_("时长码不存在，请核对后重新输入"), code="unknown_time_code")
    if code_row.claimed_at is not None:
        raise Conflict(_("该时长码已被使用"), code="time_code_used")
    if code_row.expires_at <= timezone.now():
        raise Conflict(_("该时长码已过期"), code="time_code_expired")
    activity = code_row.activity
    if not activity.is_open:
        raise Conflict(_("活动已取消，时长码作废"), code="time_code_void")
    if activity.start > timezone.now():
        raise Conflict(_("活动开始后才能使用时长码"), code="time_code_early")
    if services.live_records(activity, volunteer).exists():
        raise Conflict(_("您已有本活动的服务记录"), code="record_exists")
    record = services.record_write(volunteer=volunteer, kind=ServiceRecord.Kind.TIME_CODE,
                                   hours=code_row.hours, by=volunteer.user,
                                   reason=_("时长码 %(c)s") % {"c": code_row.code},
                                   **services.activity_line(activity))
    code_row.claimed_by, code_row.claimed_at, code_row.record = volunteer, timezone.now(), record
    code_row.save(update_fields=["claimed_by", "claimed_at", "record"])
    return record


# ---- 团体录入 ---------------------------------------------------------------------------

@dataclass(frozen=True)
class GroupRow:
    """One row of a group entry as read from the form or the sheet: `who` is a volunteer
    number or a mobile number; `line` is the sheet's row number for the error report."""

    line: int
    who: str
    hours: Decimal | None
    name: str = ""


class GroupEntryErrors(ValidationError):
    """Every refused row with its reason; nothing was written."""

    def __init__(self, errors: list[tuple[int, str]]):
        self.rows = errors
        super().__init__("；".join(f"第{n}行：{m}" for n, m in errors[:20]),
                         code="invalid_rows")


def _find_volunteer(activity: Activity, who: str) -> Volunteer | None:
    district = activity.org.path.strip("/").split("/")[0]
    match = Q(user__mobile=who)
    if hasattr(Volunteer, "volunteer_no"):
        match |= Q(volunteer_no__iexact=who)
    return Volunteer.objects.filter(match, station__path__startswith=f"/{district}/").first()


def _check_group_row(activity: Activity, row: GroupRow, limit: Decimal,
                     seen: set[int]) -> tuple[Volunteer | None, str]:
    volunteer = _find_volunteer(activity, row.who.strip()) if row.who.strip() else None
    if volunteer is None:
        return None, _("找不到志愿者“%(w)s”（请填写志愿者编号或手机号）") % {"w": row.who}
    if row.name and row.name.strip() != volunteer.user.real_name:
        return None, _("姓名与%(w)s登记的不一致") % {"w": row.who}
    if row.hours is None or not ZERO < row.hours <= limit:
        return None, _("时长应大于0且不超过活动时长%(n)s小时") % {"n": limit}
    if volunteer.pk in seen:
        return None, _("同一志愿者重复填写")
    if services.live_records(activity, volunteer).exists():
        return None, _("%(n)s已有本活动的服务记录") % {"n": volunteer.user.real_name}
    seen.add(volunteer.pk)
    return volunteer, ""


@transaction.atomic
def records_group_entry(*, by: User, activity: Activity, rows: list[GroupRow],
                        reason: str = "") -> list[ServiceRecord]:
    """Lines for many volunteers at once after the activity, all pending the node's approval.
    Every row is checked first; one bad row refuses the whole entry with a row-level report,
    so nothing is written partly."""
    if not activity_caps(by, activity, as_volunteer=False).can_group_entry:
        raise Forbidden(_("活动结束后，组织者才能团体录入时长"))
    if not rows:
        raise ValidationError(_("请至少填写一行"), code="invalid_rows")
    if len(rows) > MAX_CODES:
        raise ValidationError(_("一次最多录入%(n)d行") % {"n": MAX_CODES}, code="invalid_rows")
    limit, seen, checked, errors = scheduled_hours(activity.start, activity.end), set(), [], []
    for row in rows:
        volunteer, error = _check_group_row(activity, row, limit, seen)
        if error:
            errors.append((row.line, error))
        checked.append((volunteer, row.hours))
    if errors:
        raise GroupEntryErrors(errors)
    note = (reason or "").strip() or _("团体录入")
    return [services.record_write(volunteer=v, kind=ServiceRecord.Kind.GROUP, hours=h, by=by,
                                  reason=note, **services.activity_line(activity))
            for v, h in checked]
