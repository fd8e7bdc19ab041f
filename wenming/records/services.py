"""Every write about a volunteer's record: training, evaluations, complaints, corrections and
sealed certificates. Each state change goes through its workflow's one transition function
and writes its event; capabilities are enforced here (403), the workflow too (409).

Ledger lines are never written here directly: an accepted correction reverses the line with
`activities.services.record_reverse` and writes the corrected one with `record_write`.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.activities.models import Activity, ServiceRecord
from wenming.activities.rules import scheduled_hours
from wenming.activities.services import (
    activity_line,
    live_records,
    record_approve,
    record_reverse,
    record_write,
)
from wenming.core.errors import Conflict, Forbidden
from wenming.core.uploads import checked_image
from wenming.inbox.services import notify
from wenming.orders.models import ServiceOrder
from wenming.orgs.models import OrgNode
from wenming.orgs.permissions import require_manage
from wenming.people.models import User, Volunteer

from .models import (
    COMPLAINT_FLOW,
    COMPLAINT_MOVES,
    CORRECTION_FLOW,
    CORRECTION_MOVES,
    DECLARATION_FLOW,
    DECLARATION_MOVES,
    PARTS,
    SEAL_FLOW,
    SEAL_MOVES,
    Complaint,
    ComplaintEvent,
    Correction,
    CorrectionEvent,
    Declaration,
    DeclarationEvent,
    Evaluation,
    SealApplication,
    SealEvent,
    Training,
    UnitSeal,
)
from .permissions import (
    complaint_caps,
    correction_caps,
    declaration_caps,
    line_correctable,
    record_caps,
    seal_caps,
)

ZERO = Decimal("0")


def _text(value: str, name: str, low: int, high: int) -> str:
    value = (value or "").strip()
    if not low <= len(value) <= high:
        raise ValidationError(_("%(name)s应为%(low)d到%(high)d个字") % {
            "name": name, "low": low, "high": high}, code="invalid_text")
    return value


def _require(allowed: bool, message=None) -> None:
    if not allowed:
        raise Forbidden(message)


def _past_date(day: datetime.date, name: str) -> datetime.date:
    if day > timezone.localdate() or day < datetime.date(1949, 10, 1):
        raise ValidationError(_("%(name)s不能晚于今天") % {"name": name}, code="invalid_date")
    return day


# ---- training and evaluations ------------------------------------------------------------

@transaction.atomic
def training_record(*, by: User, volunteer: Volunteer, name: str, hours: Decimal,
                    organiser: str, date: datetime.date, content: str = "",
                    source: str = Training.Source.STAFF) -> Training:
    """Staff of the volunteer's station's subtree record a training; the same training
    (volunteer, name, date, organiser) recorded again is a 409."""
    _require(record_caps(by, volunteer).can_record_training, _("只能为本辖区的志愿者录入培训"))
    hours = Decimal(str(hours))
    if not Decimal("0.1") <= hours <= 200:
        raise ValidationError(_("培训时长应在0.1到200小时之间"), code="invalid_hours")
    fields = dict(name=_text(name, _("培训名称"), 2, 100),
                  organiser=_text(organiser, _("组织单位"), 2, 100),
                  date=_past_date(date, _("培训日期")))
    try:
        with transaction.atomic():
            return Training.objects.create(
                volunteer=volunteer, org=volunteer.station, hours=hours.quantize(Decimal("0.1")),
                content=(content or "").strip()[:2000], source=source, created_by=by, **fields)
    except IntegrityError:
        raise Conflict(_("该培训记录已存在"), code="duplicate_training") from None


def residents_rating(volunteer: Volunteer, until: datetime.date) -> tuple[Decimal | None, int]:
    """Residents' ratings of the orders the volunteer served in the year up to `until`."""
    since = until - datetime.timedelta(days=365)
    got = ServiceOrder.objects.filter(volunteer=volunteer, score__isnull=False,
                                      updated_at__date__gte=since,
                                      updated_at__date__lte=until).aggregate(
        avg=Avg("score"), n=Count("id"))
    avg = Decimal(str(round(got["avg"], 2))) if got["avg"] is not None else None
    return avg, got["n"]


@transaction.atomic
def evaluation_record(*, by: User, volunteer: Volunteer, quality: str, date: datetime.date,
                      stars: int | None = None, comment: str = "") -> Evaluation:
    """The station (or above) evaluates a volunteer's service quality; residents' ratings
    of the orders they served in the year before are kept beside it."""
    _require(record_caps(by, volunteer).can_evaluate, _("只能评价本辖区的志愿者"))
    if quality not in Evaluation.Quality.values:
        raise ValidationError(_("服务质量评价不正确"), code="invalid_quality")
    if stars is not None and not 1 <= stars <= 5:
        raise ValidationError(_("星级评价应为1到5星"), code="invalid_stars")
    _past_date(date, _("评价日期"))
    avg, count = residents_rating(volunteer, date)
    return Evaluation.objects.create(
        volunteer=volunteer, org=volunteer.station, quality=quality, stars=stars,
        comment=(comment or "").strip()[:1000], date=date, rating_avg=avg, rating_count=count,
        by=by)


# ---- complaints --------------------------------------------------------------------------

def complaint_transition(complaint: Complaint, to: str, *, by: User | None, note: str = "",
                         only_from=None, **changes) -> Complaint:
    """Move a locked complaint to `to` (409 when the workflow refuses); writes the event."""
    COMPLAINT_FLOW.check(complaint.state, to, only_from=only_from)
    from_state = complaint.state
    for name, value in changes.items():
        setattr(complaint, name, value)
    complaint.state = to
    complaint.save()
    ComplaintEvent.objects.create(complaint=complaint, from_state=from_state, to_state=to,
                                  by=by, note=note)
    return complaint


def _locked_complaint(complaint: Complaint) -> Complaint:
    return Complaint.objects.select_for_update(of=("self",)).select_related(
        "volunteer__user", "org").get(pk=complaint.pk)


@transaction.atomic
def complaint_file(*, by: User, text: str, volunteer: Volunteer | None = None,
                   record: ServiceRecord | None = None) -> Complaint:
    """A resident the volunteer served, or staff of the subtree, file a complaint against a
    volunteer or one of their lines. The line's recording unit keeps it, else the
    volunteer's station."""
    if record is not None:
        if volunteer is not None and volunteer.pk != record.volunteer_id:
            raise ValidationError(_("服务记录不属于该志愿者"), code="invalid_record")
        volunteer = record.volunteer
    if volunteer is None:
        raise ValidationError(_("请指明被投诉的志愿者或服务记录"), code="target_required")
    _require(record_caps(by, volunteer).can_file_complaint
             or (record is not None and record.order_id is not None
                 and ServiceOrder.objects.filter(pk=record.order_id, resident__user=by).exists()),
             _("您不能投诉该志愿者"))
    org = record.org if record is not None else volunteer.station
    complaint = Complaint(volunteer=volunteer, record=record, org=org, filed_by=by, state="",
                          text=_text(text, _("投诉内容"), 5, 2000))
    complaint_transition(complaint, COMPLAINT_FLOW.steps[0], by=by)
    notify(users=[volunteer.user], title=_("您收到一条投诉，可以提交说明"),
           body=complaint.text[:200], url=f"/complaints/{complaint.pk}/")
    return complaint


@transaction.atomic
def complaint_investigate(*, by: User, complaint: Complaint, note: str = "") -> Complaint:
    _require(complaint_caps(by, complaint).can_investigate)
    complaint = _locked_complaint(complaint)
    to, only_from = COMPLAINT_MOVES["investigate"]
    return complaint_transition(complaint, to, by=by, note=(note or "").strip()[:1000],
                                only_from=only_from)


@transaction.atomic
def complaint_close(*, by: User, complaint: Complaint, outcome: str,
                    outcome_text: str) -> Complaint:
    """Staff of the unit close it with an outcome; the volunteer and the filer are told."""
    _require(complaint_caps(by, complaint).can_close)
    if outcome not in Complaint.Outcome.values:
        raise ValidationError(_("请选择调查结论"), code="invalid_outcome")
    text = _text(outcome_text, _("处理结果"), 2, 2000)
    complaint = _locked_complaint(complaint)
    to, only_from = COMPLAINT_MOVES["close"]
    complaint_transition(complaint, to, by=by, note=text, only_from=only_from,
                         outcome=outcome, outcome_text=text, closed_at=timezone.now())
    notify(users={complaint.volunteer.user, complaint.filed_by},
           title=_("投诉已办结：%(o)s") % {"o": complaint.get_outcome_display()},
           body=text[:200], url=f"/complaints/{complaint.pk}/")
    return complaint


@transaction.atomic
def complaint_respond(*, by: User, complaint: Complaint, text: str) -> Complaint:
    """The volunteer's own account, while the complaint is open (replaces an earlier one;
    each is kept in the events)."""
    _require(complaint_caps(by, complaint).can_respond, _("只有被投诉的志愿者可以提交说明"))
    text = _text(text, _("说明"), 2, 2000)
    complaint = _locked_complaint(complaint)
    if not COMPLAINT_FLOW.in_group(complaint.state, "open"):
        raise Conflict(_("投诉已办结，不能再提交说明"), code="invalid_transition")
    complaint.response = text
    complaint.save(update_fields=["response"])
    ComplaintEvent.objects.create(complaint=complaint, from_state=complaint.state,
                                  to_state=complaint.state, by=by, note=text)
    return complaint


# ---- corrections -------------------------------------------------------------------------

def correction_transition(correction: Correction, to: str, *, by: User | None, note: str = "",
                          only_from=None, **changes) -> Correction:
    CORRECTION_FLOW.check(correction.state, to, only_from=only_from)
    from_state = correction.state
    for name, value in changes.items():
        setattr(correction, name, value)
    correction.state = to
    correction.save()
    CorrectionEvent.objects.create(correction=correction, from_state=from_state, to_state=to,
                                   by=by, note=note)
    return correction


def _locked_correction(correction: Correction) -> Correction:
    return Correction.objects.select_for_update(of=("self",)).select_related(
        "volunteer__user", "org").get(pk=correction.pk)


@transaction.atomic
def correction_request(*, by: User, record: ServiceRecord, hours: Decimal, reason: str,
                       evidence=None) -> Correction:
    """The volunteer asks the recording unit to correct one of their approved lines to
    `hours` (0: the line should not count). A second open request for the same line is a
    409, however close together the two arrive (the line is locked, and a partial unique
    constraint holds in any case)."""
    _require(record.volunteer.user_id == by.pk, _("只能对自己的服务记录申请更正"))
    reason = _text(reason, _("更正理由"), 5, 1000)
    if not ZERO <= hours <= 24:
        raise ValidationError(_("更正后时长应在0到24小时之间"), code="invalid_hours")
    if hours == record.hours:
        raise ValidationError(_("更正后时长与原记录相同"), code="invalid_hours")
    if evidence is not None:
        evidence = checked_image(evidence, stem="evidence")
    ServiceRecord.objects.select_for_update().filter(pk=record.pk).first()
    record = ServiceRecord.objects.select_related("volunteer__user", "org", "reversed_by").get(
        pk=record.pk)
    if not line_correctable(by, record):
        raise Conflict(_("只有已认定且未冲正的记录可以申请更正"), code="invalid_transition")
    if Correction.objects.filter(record=record,
                                 state__in=CORRECTION_FLOW.groups["open"]).exists():
        raise Conflict(_("该记录已有待处理的更正申请"), code="correction_open")
    correction = Correction(record=record, volunteer=record.volunteer, org=record.org, state="",
                            hours=hours, reason=reason, evidence=evidence or "")
    try:
        with transaction.atomic():
            correction_transition(correction, CORRECTION_FLOW.steps[0], by=by, note=reason)
    except IntegrityError:
        raise Conflict(_("该记录已有待处理的更正申请"), code="correction_open") from None
    return correction


@transaction.atomic
def correction_accept(*, by: User, correction: Correction, note: str = "") -> Correction:
    """The recording unit accepts: the line is reversed and, unless corrected to 0, a
    corrected line is written through the ledger's write path and approved at once when
    the district's rules let the decider approve it (else it waits for the node above)."""
    _require(correction_caps(by, correction).can_accept, _("只有记录单位可以处理更正申请"))
    correction = _locked_correction(correction)
    to, only_from = CORRECTION_MOVES["accept"]
    CORRECTION_FLOW.check(correction.state, to, only_from=only_from)
    record = correction.record
    why = _("更正申请#%(n)d：%(r)s") % {"n": correction.pk, "r": correction.reason}
    reversal = record_reverse(by=by, record=record, reason=why)
    corrected = None
    if correction.hours > ZERO:
        corrected = record_write(
            volunteer=record.volunteer, kind=ServiceRecord.Kind.BACKFILL, org=record.org,
            title=record.title, service_date=record.service_date, hours=correction.hours,
            by=by, activity=record.activity, order_id=record.order_id, place=record.place,
            content=record.content, leader_name=record.leader_name, reason=why)
        try:
            corrected = record_approve(by=by, record=corrected)
        except Forbidden:
            pass  # over the daily cap or late: the node above decides, like any such line
    correction_transition(correction, to, by=by, note=(note or "").strip()[:1000],
                          decision_note=(note or "").strip()[:1000], decided_by=by,
                          decided_at=timezone.now(), reversal=reversal, corrected=corrected)
    notify(users=[correction.volunteer.user], title=_("更正申请已通过：%(t)s") % {
        "t": record.title}, body=note or "", url="/me/record/")
    return correction


@transaction.atomic
def correction_reject(*, by: User, correction: Correction, note: str) -> Correction:
    _require(correction_caps(by, correction).can_reject, _("只有记录单位可以处理更正申请"))
    note = _text(note, _("不予更正的理由"), 2, 1000)
    correction = _locked_correction(correction)
    to, only_from = CORRECTION_MOVES["reject"]
    correction_transition(correction, to, by=by, note=note, only_from=only_from,
                          decision_note=note, decided_by=by, decided_at=timezone.now())
    notify(users=[correction.volunteer.user], title=_("更正申请未通过"), body=note,
           url="/me/record/")
    return correction


@transaction.atomic
def correction_withdraw(*, by: User, correction: Correction) -> Correction:
    _require(correction_caps(by, correction).can_withdraw)
    correction = _locked_correction(correction)
    to, only_from = CORRECTION_MOVES["withdraw"]
    return correction_transition(correction, to, by=by, only_from=only_from)


# ---- sealed certificates -------------------------------------------------------------------

@transaction.atomic
def seal_upload(*, by: User, org: OrgNode, image) -> UnitSeal:
    """Staff of a unit upload its seal image (a checked PNG or JPEG), replacing the last."""
    require_manage(by, org)
    image = checked_image(image, stem="seal")
    seal = UnitSeal.objects.select_for_update().filter(org=org).first() or UnitSeal(org=org)
    seal.image, seal.uploaded_by = image, by
    seal.save()
    return seal


def _clean_parts(parts) -> list[str]:
    chosen = list(dict.fromkeys(parts or ["services"]))
    if unknown := [p for p in chosen if p not in PARTS]:
        raise ValidationError(_("未知的证明内容：%(p)s") % {"p": "、".join(map(str, unknown))},
                              code="invalid_parts")
    return chosen


def seal_transition(application: SealApplication, to: str, *, by: User | None, note: str = "",
                    only_from=None, **changes) -> SealApplication:
    SEAL_FLOW.check(application.state, to, only_from=only_from)
    from_state = application.state
    for name, value in changes.items():
        setattr(application, name, value)
    application.state = to
    application.save()
    SealEvent.objects.create(application=application, from_state=from_state, to_state=to,
                             by=by, note=note)
    return application


@transaction.atomic
def seal_apply(*, by: User, volunteer: Volunteer, org: OrgNode, parts=("services",),
               purpose: str = "") -> SealApplication:
    """The volunteer applies to a unit that recorded lines of theirs (谁记录谁证明), or to
    their station, for a sealed certificate of the chosen parts."""
    _require(record_caps(by, volunteer).can_apply_sealed, _("只能为自己申请证明"))
    recorded = ServiceRecord.objects.filter(volunteer=volunteer, org=org).exists()
    if not (recorded or org.pk == volunteer.station_id):
        raise ValidationError(_("该单位没有记录过您的服务，不能向其申请证明"), code="invalid_org")
    if SealApplication.objects.filter(volunteer=volunteer, org=org,
                                      state__in=SEAL_FLOW.groups["open"]).exists():
        raise Conflict(_("您向该单位的证明申请正在办理中"), code="application_open")
    application = SealApplication(volunteer=volunteer, org=org, state="",
                                  parts=_clean_parts(parts),
                                  purpose=(purpose or "").strip()[:100])
    return seal_transition(application, SEAL_FLOW.steps[0], by=by)


def _locked_application(application: SealApplication) -> SealApplication:
    return SealApplication.objects.select_for_update(of=("self",)).select_related(
        "volunteer__user", "org").get(pk=application.pk)


@transaction.atomic
def seal_accept(*, by: User, application: SealApplication) -> SealApplication:
    _require(seal_caps(by, application).can_accept)
    application = _locked_application(application)
    to, only_from = SEAL_MOVES["accept"]
    return seal_transition(application, to, by=by, only_from=only_from)


@transaction.atomic
def seal_reject(*, by: User, application: SealApplication, note: str) -> SealApplication:
    _require(seal_caps(by, application).can_reject)
    note = _text(note, _("不予出具的理由"), 2, 1000)
    application = _locked_application(application)
    to, only_from = SEAL_MOVES["reject"]
    application.note = note
    seal_transition(application, to, by=by, note=note, only_from=only_from)
    notify(users=[application.volunteer.user], title=_("证明申请未通过"), body=note,
           url="/me/record/")
    return application


@transaction.atomic
def seal_issue(*, by: User, application: SealApplication, handler_name: str) -> SealApplication:
    """Issue the sealed certificate: the unit's lines only, the chosen parts, its seal and
    the handler's name. The unit must have uploaded its seal."""
    from .certificates import certificate_with_parts

    _require(seal_caps(by, application).can_issue)
    handler = _text(handler_name, _("经办人"), 2, 50)
    application = _locked_application(application)
    to, only_from = SEAL_MOVES["issue"]
    SEAL_FLOW.check(application.state, to, only_from=only_from)
    if not UnitSeal.objects.filter(org=application.org).exists():
        raise Conflict(_("请先上传本单位的公章图片"), code="seal_missing")
    cert = certificate_with_parts(by=by, volunteer=application.volunteer,
                                  parts=application.parts, unit=application.org)
    seal_transition(application, to, by=by, only_from=only_from, handler_name=handler,
                    certificate=cert)
    notify(users=[application.volunteer.user], title=_("盖章证明已出具"),
           body=application.org.name, url=f"/certificates/{cert.pk}/pdf/")
    return application



# ---- self-declared hours (个人申报) -----------------------------------------------------------

DECLARATION_MAX_AGE_DAYS = 365


def declaration_transition(declaration: Declaration, to: str, *, by: User | None,
                           note: str = "", only_from=None, **changes) -> Declaration:
    DECLARATION_FLOW.check(declaration.state, to, only_from=only_from)
    from_state = declaration.state
    for name, value in changes.items():
        setattr(declaration, name, value)
    declaration.state = to
    declaration.save()
    DeclarationEvent.objects.create(declaration=declaration, from_state=from_state,
                                    to_state=to, by=by, note=note)
    return declaration


def _declared_hours(hours) -> Decimal:
    hours = Decimal(str(hours))
    if not ZERO < hours <= 24 or hours != hours.quantize(Decimal("0.01")):
        raise ValidationError(_("申报时长应大于0且不超过24小时（最多两位小数）"),
                              code="invalid_hours")
    return hours


def _declared_activity(activity: Activity, volunteer: Volunteer, hours: Decimal) -> dict:
    """What a declaration for an activity copies from it, once the activity allows one."""
    if not activity.is_open:
        raise Conflict(_("活动已取消，不能申报"), code="invalid_transition")
    if activity.start > timezone.now():
        raise Conflict(_("活动开始后才能申报时长"), code="activity_not_started")
    limit = scheduled_hours(activity.start, activity.end)
    if hours > limit:
        raise ValidationError(_("申报时长不能超过活动时长%(n)s小时") % {"n": limit},
                              code="invalid_hours")
    if live_records(activity, volunteer).exists():
        raise Conflict(_("您已有本活动的服务记录，无需申报"), code="record_exists")
    line = activity_line(activity)
    return {"org": activity.org, "title": line["title"], "place": line["place"][:200],
            "service_date": line["service_date"]}


def _declared_service(volunteer: Volunteer, title: str, place: str,
                      service_date: datetime.date | None) -> dict:
    """A service outside any activity: the volunteer's station confirms it."""
    if service_date is None:
        raise ValidationError(_("请填写服务日期"), code="invalid_date")
    _past_date(service_date, _("服务日期"))
    if service_date < timezone.localdate() - datetime.timedelta(days=DECLARATION_MAX_AGE_DAYS):
        raise ValidationError(_("只能申报一年以内的服务"), code="invalid_date")
    return {"org": volunteer.station, "title": _text(title, _("服务内容"), 2, 100),
            "place": _text(place, _("服务地点"), 2, 200), "service_date": service_date}


@transaction.atomic
def declaration_submit(*, by: User, volunteer: Volunteer, hours, note: str, evidence,
                       activity: Activity | None = None, title: str = "", place: str = "",
                       service_date: datetime.date | None = None) -> Declaration:
    """The volunteer declares hours with a photo and a note: for an activity that has
    begun (its leader or unit confirms; title, place and date are the activity's), or for
    a service outside any activity (their station confirms). A second open declaration for
    the same activity, or one for an activity already recorded, is a 409."""
    _require(volunteer.user_id == by.pk, _("只能为自己申报服务时长"))
    hours = _declared_hours(hours)
    note = _text(note, _("情况说明"), 5, 1000)
    if evidence is None:
        raise ValidationError(_("请上传证明照片"), code="evidence_required")
    evidence = checked_image(evidence, stem="evidence")
    Volunteer.objects.select_for_update().filter(pk=volunteer.pk).first()
    fields = (_declared_activity(activity, volunteer, hours) if activity is not None
              else _declared_service(volunteer, title, place, service_date))
    if activity is not None and Declaration.objects.filter(
            volunteer=volunteer, activity=activity,
            state__in=DECLARATION_FLOW.groups["open"]).exists():
        raise Conflict(_("您对本活动的申报正在等待确认"), code="declaration_open")
    declaration = Declaration(volunteer=volunteer, activity=activity, hours=hours, note=note,
                              evidence=evidence, state="", **fields)
    try:
        with transaction.atomic():
            declaration_transition(declaration, DECLARATION_FLOW.steps[0], by=by, note=note)
    except IntegrityError:
        raise Conflict(_("您对本活动的申报正在等待确认"), code="declaration_open") from None
    if activity is not None and activity.leader_id and activity.leader_id != by.pk:
        notify(users=[activity.leader], title=_("有志愿者申报了服务时长：%(t)s") % {
            "t": declaration.title}, body=note[:200], url=f"/declarations/{declaration.pk}/")
    return declaration


def _locked_declaration(declaration: Declaration) -> Declaration:
    return Declaration.objects.select_for_update(of=("self",)).select_related(
        "volunteer__user", "org", "activity__leader").get(pk=declaration.pk)


@transaction.atomic
def declaration_confirm(*, by: User, declaration: Declaration, note: str = "") -> Declaration:
    """The leader or the unit confirms: a `declaration` line is written through the
    ledger's one write path (daily cap and maximum, late marking). Staff who may approve it
    approve it at once; otherwise (the leader, or a line over the cap) it waits in the
    approval queue like any pending line. Two confirmations at once write one line."""
    _require(declaration_caps(by, declaration).can_confirm, _("只有活动负责人或所属单位可以确认申报"))
    declaration = _locked_declaration(declaration)
    to, only_from = DECLARATION_MOVES["confirm"]
    DECLARATION_FLOW.check(declaration.state, to, only_from=only_from)
    activity = declaration.activity
    if activity is not None and live_records(activity, declaration.volunteer).exists():
        raise Conflict(_("该志愿者已有本活动的服务记录，请不予确认"), code="record_exists")
    record = record_write(
        volunteer=declaration.volunteer, kind=ServiceRecord.Kind.DECLARATION,
        org=declaration.org, title=declaration.title, service_date=declaration.service_date,
        hours=declaration.hours, by=by, activity=activity, place=declaration.place,
        content=declaration.note,
        leader_name=activity.leader.real_name if activity and activity.leader else "",
        reason=_("个人申报#%(n)d") % {"n": declaration.pk})
    try:
        record = record_approve(by=by, record=record)
    except Forbidden:
        pass  # the leader, or over the daily cap: the unit's approval queue decides
    note = (note or "").strip()[:1000]
    declaration_transition(declaration, to, by=by, note=note, decision_note=note,
                           decided_by=by, decided_at=timezone.now(), record=record)
    notify(users=[declaration.volunteer.user], title=_("个人申报已确认：%(t)s") % {
        "t": declaration.title}, body=note, url=f"/declarations/{declaration.pk}/")
    return declaration


@transaction.atomic
def declaration_reject(*, by: User, declaration: Declaration, note: str) -> Declaration:
    _require(declaration_caps(by, declaration).can_reject, _("只有活动负责人或所属单位可以处理申报"))
    note = _text(note, _("不予确认的理由"), 2, 1000)
    declaration = _locked_declaration(declaration)
    to, only_from = DECLARATION_MOVES["reject"]
    declaration_transition(declaration, to, by=by, note=note, only_from=only_from,
                           decision_note=note, decided_by=by, decided_at=timezone.now())
    notify(users=[declaration.volunteer.user], title=_("个人申报未被确认：%(t)s") % {
        "t": declaration.title}, body=note, url=f"/declarations/{declaration.pk}/")
    return declaration


@transaction.atomic
def declaration_withdraw(*, by: User, declaration: Declaration) -> Declaration:
    _require(declaration_caps(by, declaration).can_withdraw)
    declaration = _locked_declaration(declaration)
    to, only_from = DECLARATION_MOVES["withdraw"]
    return declaration_transition(declaration, to, by=by, only_from=only_from)
