"""The 志愿服务记录 API: a volunteer's record in five parts, training, evaluations,
complaints, corrections, sealed certificates and the national data standard export."""

from decimal import Decimal

from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Status
from ninja.files import UploadedFile

from wenming.activities.permissions import activity_get_for_user
from wenming.activities.views_documents import certificate_pdf_response
from wenming.core.errors import Forbidden, NotFound
from wenming.core.pagination import PageQuery, paginate
from wenming.core.schemas import Id, PlatformDate, Strict, Text
from wenming.orgs.models import OrgNode
from wenming.orgs.permissions import org_get_for_user
from wenming.people.models import Volunteer
from wenming.people.selectors import my_volunteer

from . import imports, national, services
from .models import Complaint, Correction, Declaration, SealApplication, Training
from .permissions import (
    complaint_caps,
    complaint_get_for_user,
    complaint_moves,
    complaints_for_user,
    correction_get_for_user,
    correction_moves,
    corrections_for_user,
    declaration_get_for_user,
    declaration_moves,
    declarations_for_user,
    line_for_complaint,
    line_for_user,
    record_caps,
    record_volunteer_get_for_user,
    record_volunteers_for_user,
    seal_application_get_for_user,
    seal_applications_for_user,
    seal_moves,
    volunteer_for_complaint,
)
from .selectors import complaint_row, record_parts

router = Router(tags=["records 志愿服务记录"])


def _caps_out(caps) -> dict:
    return {k: v for k, v in caps.__dict__.items() if k.startswith("can_")}


@router.get("/volunteers/{volunteer_id}/record",
            summary="志愿服务记录五部分：profile（含 volunteer_no）、services、trainings、"
                    "commendations、evaluations、complaints")
def volunteer_record(request, volunteer_id: Id):
    volunteer = record_volunteer_get_for_user(request.user, volunteer_id)
    return record_parts(request.user, volunteer) | {
        "caps": _caps_out(record_caps(request.user, volunteer))}


# ---- training --------------------------------------------------------------------------

class TrainingIn(Strict):
    volunteer_id: Id
    name: Text = Field(..., max_length=100)
    content: Text = Field("", max_length=2000)
    hours: Decimal = Field(..., max_digits=5, decimal_places=1, ge=0, le=1000)
    organiser: Text = Field(..., max_length=100)
    date: PlatformDate


class VolunteerFilter(PageQuery):
    volunteer_id: Id | None = None


def training_out(t: Training) -> dict:
    return {"id": t.pk, "volunteer_id": t.volunteer_id, "name": t.name, "content": t.content,
            "hours": float(t.hours), "organiser": t.organiser, "date": t.date,
            "org_id": t.org_id, "source": t.source}


@router.get("/trainings", summary="培训记录（本人的，或辖区志愿者的）")
def training_list(request, filters: Query[VolunteerFilter]):
    qs = Training.objects.filter(volunteer__in=record_volunteers_for_user(request.user))
    if filters.volunteer_id:
        qs = qs.filter(volunteer_id=filters.volunteer_id)
    return paginate(qs.order_by("-date", "-id"), filters, training_out)


@router.post("/trainings", response={201: dict}, summary="录入培训记录（辖区工作人员）")
def training_create(request, payload: TrainingIn):
    volunteer = record_volunteer_get_for_user(request.user, payload.volunteer_id)
    training = services.training_record(by=request.user, volunteer=volunteer,
                                        **payload.dict(exclude={"volunteer_id"}))
    return Status(201, training_out(training))


@router.post("/trainings/import", response={200: dict, 422: dict},
             summary="从 Excel 导入培训记录（志愿者编号或身份证号、培训名称、培训内容、时长、组织单位、日期；"
                     "全部或全不）")
def training_import(request, file: File[UploadedFile]):
    result = imports.trainings_import(by=request.user, upload=file)
    if result["errors"]:
        return Status(422, {"error": {"code": "rows_invalid",
                                      "message": _("有错误的行，未导入任何内容")}, **result})
    return result


# ---- evaluations -----------------------------------------------------------------------

class EvaluationIn(Strict):
    volunteer_id: Id
    quality: str = Field(..., max_length=12)
    stars: int | None = Field(None, ge=-100, le=100)
    comment: Text = Field("", max_length=1000)
    date: PlatformDate


@router.post("/evaluations", response={201: dict}, summary="服务评价（辖区工作人员；附群众评分）")
def evaluation_create(request, payload: EvaluationIn):
    volunteer = record_volunteer_get_for_user(request.user, payload.volunteer_id)
    e = services.evaluation_record(by=request.user, volunteer=volunteer,
                                   **payload.dict(exclude={"volunteer_id"}))
    return Status(201, {"id": e.pk, "volunteer_id": e.volunteer_id, "quality": e.quality,
                        "stars": e.stars, "date": e.date, "rating_count": e.rating_count,
                        "rating_avg": float(e.rating_avg) if e.rating_avg is not None
                        else None})


# ---- complaints ------------------------------------------------------------------------

class ComplaintIn(Strict):
    volunteer_id: Id | None = None
    record_id: Id | None = None
    text: Text = Field(..., max_length=2000)


class ComplaintFilter(PageQuery):
    state: str = Field("", max_length=16)
    volunteer_id: Id | None = None


class CloseIn(Strict):
    outcome: str = Field(..., max_length=12)
    outcome_text: Text = Field(..., max_length=2000)


class NoteIn(Strict):
    note: Text = Field("", max_length=1000)


class TextIn(Strict):
    text: Text = Field(..., max_length=2000)


def complaint_out(request, c: Complaint) -> dict:
    caps = complaint_caps(request.user, c)
    out = complaint_row(c) | {"volunteer_id": c.volunteer_id, "org_id": c.org_id}
    if caps.sees_filer:
        out["filed_by"] = c.filed_by.real_name or c.filed_by.username
    out["allowed_moves"] = complaint_moves(request.user, c, caps)
    return out


@router.get("/complaints", summary="投诉（受理单位的队列、针对本人的、本人提交的）")
def complaint_list(request, filters: Query[ComplaintFilter]):
    qs = complaints_for_user(request.user).select_related("filed_by")
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.volunteer_id:
        qs = qs.filter(volunteer_id=filters.volunteer_id)
    return paginate(qs.order_by("-created_at", "-id"), filters,
                    lambda c: complaint_out(request, c))


@router.post("/complaints", response={201: dict},
             summary="投诉一名志愿者或一条服务记录（volunteer_id 或 record_id）")
def complaint_create(request, payload: ComplaintIn):
    record = line_for_complaint(request.user, payload.record_id) if payload.record_id else None
    volunteer = volunteer_for_complaint(request.user, payload.volunteer_id) \
        if payload.volunteer_id and record is None else None
    complaint = services.complaint_file(by=request.user, text=payload.text,
                                        volunteer=volunteer, record=record)
    return Status(201, complaint_out(request, complaint))


@router.get("/complaints/{complaint_id}", summary="一条投诉")
def complaint_get(request, complaint_id: Id):
    return complaint_out(request, complaint_get_for_user(request.user, complaint_id))


@router.post("/complaints/{complaint_id}/investigate", summary="受理并开始调查")
def complaint_investigate(request, complaint_id: Id, payload: NoteIn):
    c = complaint_get_for_user(request.user, complaint_id)
    return complaint_out(request, services.complaint_investigate(by=request.user, complaint=c,
                                                                 note=payload.note))


@router.post("/complaints/{complaint_id}/close",
             summary="办结：outcome 为 upheld / partly / not_upheld，附处理结果")
def complaint_close(request, complaint_id: Id, payload: CloseIn):
    c = complaint_get_for_user(request.user, complaint_id)
    return complaint_out(request, services.complaint_close(
        by=request.user, complaint=c, outcome=payload.outcome,
        outcome_text=payload.outcome_text))


@router.post("/complaints/{complaint_id}/respond", summary="被投诉的志愿者提交说明")
def complaint_respond(request, complaint_id: Id, payload: TextIn):
    c = complaint_get_for_user(request.user, complaint_id)
    return complaint_out(request, services.complaint_respond(by=request.user, complaint=c,
                                                             text=payload.text))


# ---- corrections -----------------------------------------------------------------------

class CorrectionIn(Strict):
    record_id: Id
    reason: Text = Field(..., max_length=1000)
    hours: Decimal = Field(..., max_digits=5, decimal_places=2, ge=-100, le=100)


class CorrectionFilter(PageQuery):
    state: str = Field("", max_length=12)


class ReasonIn(Strict):
    note: Text = Field(..., max_length=1000)


def correction_out(request, c: Correction) -> dict:
    return {"id": c.pk, "record_id": c.record_id, "volunteer_id": c.volunteer_id,
            "org_id": c.org_id, "org": c.org.name, "hours": float(c.hours),
            "original_hours": float(c.record.hours), "reason": c.reason, "state": c.state,
            "decision_note": c.decision_note, "decided_at": c.decided_at,
            "reversal_id": c.reversal_id, "corrected_id": c.corrected_id,
            "evidence": f"/corrections/{c.pk}/evidence/{c.evidence.name.rsplit('/', 1)[-1]}"
            if c.evidence else None,
            "created_at": c.created_at,
            "allowed_moves": correction_moves(request.user, c)}


@router.get("/corrections", summary="更正申请（记录单位的队列，或本人的）")
def correction_list(request, filters: Query[CorrectionFilter]):
    qs = corrections_for_user(request.user)
    if filters.state:
        qs = qs.filter(state=filters.state)
    return paginate(qs.order_by("-created_at", "-id"), filters,
                    lambda c: correction_out(request, c))


@router.post("/corrections", response={201: dict},
             summary="申请更正本人的一条服务记录（hours 为更正后的时长；证明材料照片请在页面上传）")
def correction_create(request, payload: CorrectionIn):
    record = line_for_user(request.user, payload.record_id)
    c = services.correction_request(by=request.user, record=record, hours=payload.hours,
                                    reason=payload.reason)
    return Status(201, correction_out(request, c))


@router.get("/corrections/{correction_id}", summary="一条更正申请")
def correction_get(request, correction_id: Id):
    return correction_out(request, correction_get_for_user(request.user, correction_id))


@router.post("/corrections/{correction_id}/accept", summary="记录单位同意更正（冲正并重记）")
def correction_accept(request, correction_id: Id, payload: NoteIn):
    c = correction_get_for_user(request.user, correction_id)
    return correction_out(request, services.correction_accept(by=request.user, correction=c,
                                                              note=payload.note))


@router.post("/corrections/{correction_id}/reject", summary="记录单位不予更正（须说明理由）")
def correction_reject(request, correction_id: Id, payload: ReasonIn):
    c = correction_get_for_user(request.user, correction_id)
    return correction_out(request, services.correction_reject(by=request.user, correction=c,
                                                              note=payload.note))


@router.post("/corrections/{correction_id}/withdraw", summary="撤回本人的更正申请")
def correction_withdraw(request, correction_id: Id):
    c = correction_get_for_user(request.user, correction_id)
    return correction_out(request, services.correction_withdraw(by=request.user, correction=c))


# ---- self-declared hours (个人申报) -----------------------------------------------------------

class DeclarationIn(Strict):
    activity_id: Id | None = None
    title: Text = Field("", max_length=100)
    place: Text = Field("", max_length=200)
    service_date: PlatformDate | None = None
    hours: Decimal = Field(..., max_digits=5, decimal_places=2, ge=-100, le=100)
    note: Text = Field(..., max_length=1000)


def declaration_out(request, d: Declaration) -> dict:
    return {"id": d.pk, "volunteer_id": d.volunteer_id, "activity_id": d.activity_id,
            "org_id": d.org_id, "org": d.org.name, "title": d.title, "place": d.place,
            "service_date": d.service_date, "hours": float(d.hours), "note": d.note,
            "state": d.state, "decision_note": d.decision_note, "decided_at": d.decided_at,
            "record_id": d.record_id,
            "record_state": d.record.status if d.record_id else None,
            "evidence": f"/declarations/{d.pk}/evidence/{d.evidence.name.rsplit('/', 1)[-1]}",
            "created_at": d.created_at,
            "allowed_moves": declaration_moves(request.user, d)}


@router.get("/declarations", summary="个人申报（确认单位或活动负责人的队列，或本人的）")
def declaration_list(request, filters: Query[CorrectionFilter]):
    qs = declarations_for_user(request.user)
    if filters.state:
        qs = qs.filter(state=filters.state)
    return paginate(qs.order_by("-created_at", "-id"), filters,
                    lambda d: declaration_out(request, d))


@router.post("/declarations", response={201: dict},
             summary="个人申报服务时长（multipart：activity_id 或 title/place/service_date，"
                     "hours、note，evidence 证明照片 JPG或PNG 5MB以内）")
def declaration_create(request, payload: Form[DeclarationIn], evidence: File[UploadedFile]):
    volunteer = my_volunteer(request.user, _("只有志愿者可以申报服务时长"))
    activity = (activity_get_for_user(request.user, payload.activity_id)
                if payload.activity_id else None)
    d = services.declaration_submit(by=request.user, volunteer=volunteer, activity=activity,
                                    evidence=evidence, **payload.dict(exclude={"activity_id"}))
    return Status(201, declaration_out(request, d))


@router.get("/declarations/{declaration_id}", summary="一条个人申报")
def declaration_get(request, declaration_id: Id):
    return declaration_out(request, declaration_get_for_user(request.user, declaration_id))


@router.post("/declarations/{declaration_id}/confirm",
             summary="活动负责人或所属单位确认申报（写入服务记录，按每日规则）")
def declaration_confirm(request, declaration_id: Id, payload: NoteIn):
    d = declaration_get_for_user(request.user, declaration_id)
    return declaration_out(request, services.declaration_confirm(
        by=request.user, declaration=d, note=payload.note))


@router.post("/declarations/{declaration_id}/reject", summary="不予确认（须说明理由）")
def declaration_reject(request, declaration_id: Id, payload: ReasonIn):
    d = declaration_get_for_user(request.user, declaration_id)
    return declaration_out(request, services.declaration_reject(
        by=request.user, declaration=d, note=payload.note))


@router.post("/declarations/{declaration_id}/withdraw", summary="撤回本人的申报")
def declaration_withdraw(request, declaration_id: Id):
    d = declaration_get_for_user(request.user, declaration_id)
    return declaration_out(request, services.declaration_withdraw(by=request.user,
                                                                  declaration=d))


# ---- sealed certificates -------------------------------------------------------------------

class SealApplyIn(Strict):
    org_id: Id
    parts: list[str] = Field(["services"], max_length=5)
    purpose: Text = Field("", max_length=100)


class IssueIn(Strict):
    handler_name: Text = Field(..., max_length=50)


def seal_out(request, a: SealApplication) -> dict:
    return {"id": a.pk, "volunteer_id": a.volunteer_id, "org_id": a.org_id, "org": a.org.name,
            "parts": a.parts, "purpose": a.purpose, "state": a.state,
            "handler_name": a.handler_name, "note": a.note, "created_at": a.created_at,
            "certificate_code": a.certificate.code if a.certificate_id else None,
            "events": [{"from": e.from_state, "to": e.to_state, "at": e.at,
                        "by": (e.by.real_name or e.by.username) if e.by else ""}
                       for e in a.events.all()],
            "allowed_moves": seal_moves(request.user, a)}


@router.get("/seal-applications", summary="盖章证明申请（出具单位的队列，或本人的）")
def seal_list(request, filters: Query[CorrectionFilter]):
    qs = seal_applications_for_user(request.user).prefetch_related("events__by")
    if filters.state:
        qs = qs.filter(state=filters.state)
    return paginate(qs.order_by("-created_at", "-id"), filters, lambda a: seal_out(request, a))


@router.post("/seal-applications", response={201: dict},
             summary="向记录过本人服务的单位申请盖章证明")
def seal_apply(request, payload: SealApplyIn):
    volunteer = Volunteer.objects.filter(user=request.user).select_related("user").first()
    if volunteer is None:
        raise Forbidden(_("只有志愿者可以申请证明"))
    org = _any_org(payload.org_id)
    a = services.seal_apply(by=request.user, volunteer=volunteer, org=org, parts=payload.parts,
                            purpose=payload.purpose)
    return Status(201, seal_out(request, a))


def _any_org(org_id: int):
    """A unit a volunteer applies to may lie outside their roles' nodes (a unit that recorded
    them elsewhere): the service checks it recorded them."""
    org = OrgNode.objects.filter(pk=org_id).first()
    if org is None:
        raise NotFound()
    return org


@router.post("/seal-applications/{application_id}/accept", summary="出具单位受理")
def seal_accept(request, application_id: Id):
    a = seal_application_get_for_user(request.user, application_id)
    return seal_out(request, services.seal_accept(by=request.user, application=a))


@router.post("/seal-applications/{application_id}/issue", summary="盖章出具（经办人姓名）")
def seal_issue(request, application_id: Id, payload: IssueIn):
    a = seal_application_get_for_user(request.user, application_id)
    return seal_out(request, services.seal_issue(by=request.user, application=a,
                                                 handler_name=payload.handler_name))


@router.post("/seal-applications/{application_id}/reject", summary="不予出具（须说明理由）")
def seal_reject(request, application_id: Id, payload: ReasonIn):
    a = seal_application_get_for_user(request.user, application_id)
    return seal_out(request, services.seal_reject(by=request.user, application=a,
                                                  note=payload.note))


@router.get("/seal-applications/{application_id}/certificate",
            summary="已出具的盖章证明（PDF）")
def seal_certificate(request, application_id: Id):
    a = seal_application_get_for_user(request.user, application_id)
    if a.certificate_id is None:
        raise NotFound()
    return certificate_pdf_response(request, a.certificate)


@router.post("/orgs/{org_id}/seal", summary="上传本单位公章图片（PNG 或 JPG，5MB 以内）")
def seal_upload(request, org_id: Id, image: File[UploadedFile]):
    org = org_get_for_user(request.user, org_id)
    seal = services.seal_upload(by=request.user, org=org, image=image)
    return {"org_id": org.pk, "uploaded_at": seal.uploaded_at}


# ---- the national data standard ------------------------------------------------------------

class NationalQuery(Strict):
    org: Id
    format: str = Field("json", pattern="^(json|xlsx)$")


@router.get("/export/national",
            summary="按《志愿服务信息系统基本规范》导出一个阵地范围的志愿者、队伍、项目、活动和服务记录"
                    "（format=xlsx|json，流式，留痕）")
def export_national(request, query: Query[NationalQuery]):
    org = org_get_for_user(request.user, query.org)
    return national.export_response(request, org=org, fmt=query.format)


@router.post("/import/national", response={200: dict, 422: dict},
             summary="转移接续：导入另一地区按同一标准导出的志愿者及其服务记录（JSON 文件）")
def import_national(request, file: File[UploadedFile], station_id: Form[Id]):
    station = org_get_for_user(request.user, station_id)
    result = national.import_upload(by=request.user, station=station, upload=file)
    if result["errors"]:
        return Status(422, {"error": {"code": "rows_invalid",
                                      "message": _("有错误的行，未导入任何内容")}, **result})
    return result

