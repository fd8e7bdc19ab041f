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

from wenming.activities.models import ServiceRecord
from wenming.activities.services import (
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
    PARTS,
    SEAL_FLOW,
    SEAL_MOVES,
    Complaint,
    ComplaintEvent,
    Correction,
    CorrectionEvent,
    Evaluation,
    SealApplication,
    SealEvent,
    Training,
    UnitSeal,
)
from .permissions import (
    complaint_caps,
    correction_caps,
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

