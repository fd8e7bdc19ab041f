"""Pages of the record: a volunteer's five parts (their own, or one of the subtree's for
staff), corrections, complaints, sealed certificates and the national data standard.

Thin: who is asking (`permissions` raises NotFound, a 404), a form, one service, a page.
What a page offers is read from the capabilities and the moves the API lists too.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wenming.activities.permissions import activity_get_for_user
from wenming.activities.views_documents import certificate_pdf_response, xlsx_response
from wenming.core.errors import DomainError, NotFound
from wenming.core.forms import attempt, call_service
from wenming.core.uploads import file_response
from wenming.core.views import back, flash_errors
from wenming.orgs.models import OrgNode
from wenming.orgs.permissions import visible_orgs
from wenming.people.selectors import my_volunteer
from wenming.people.views import staff_required

from . import imports, national, services
from .forms import (
    CloseForm,
    ComplaintForm,
    CorrectionForm,
    DeclarationForm,
    EvaluationForm,
    IssueForm,
    NationalExportForm,
    NationalImportForm,
    NoteForm,
    RequiredNoteForm,
    RespondForm,
    SealApplyForm,
    SealUploadForm,
    TrainingForm,
    TrainingImportForm,
)
from .models import COMPLAINT_FLOW, CORRECTION_FLOW, DECLARATION_FLOW, SEAL_FLOW
from .permissions import (
    complaint_caps,
    complaint_get_for_user,
    complaint_moves,
    complaints_for_user,
    correction_file_for_user,
    correction_get_for_user,
    correction_moves,
    corrections_for_user,
    declaration_file_for_user,
    declaration_get_for_user,
    declaration_moves,
    declarations_for_user,
    line_correctable,
    line_for_complaint,
    line_for_user,
    record_caps,
    record_volunteer_get_for_user,
    seal_application_get_for_user,
    seal_applications_for_user,
    seal_moves,
    volunteer_for_complaint,
)
from .selectors import declarable_activities, record_parts, seal_units

# ---- the record ----------------------------------------------------------------------------

def _record_page(request, volunteer, *, mine: bool):
    caps = record_caps(request.user, volunteer)
    parts = record_parts(request.user, volunteer)
    for line in parts["services"]["lines"]:
        line["correctable"] = caps.can_request_correction and line[
            "open_correction_id"] is None and line["state"] == "approved" and line[
            "kind"] != "reversal"
    return render(request, "records/record.html", {
        "volunteer": volunteer, "parts": parts, "caps": caps, "mine": mine,
        "corrections": corrections_for_user(request.user).filter(
            volunteer=volunteer).order_by("-created_at")[:20],
        "applications": seal_applications_for_user(request.user).filter(
            volunteer=volunteer).order_by("-created_at")[:10],
        "training_form": TrainingForm(), "evaluation_form": EvaluationForm(),
        "complaint_form": ComplaintForm(),
        "seal_form": SealApplyForm(units=seal_units(volunteer), initial={"parts": ["services"]}),
        "correction_flow": CORRECTION_FLOW, "seal_flow": SEAL_FLOW})


@login_required
def my_record(request):
    volunteer = my_volunteer(request.user, _("只有志愿者有志愿服务记录"))
    return _record_page(request, volunteer, mine=True)


@staff_required
def volunteer_record(request, volunteer_id: int):
    volunteer = record_volunteer_get_for_user(request.user, volunteer_id)
    return _record_page(request, volunteer, mine=False)


def _record_url(request, volunteer) -> str:
    if volunteer.user_id == request.user.pk:
        return reverse("my_record")
    return reverse("volunteer_record", args=[volunteer.pk])


@require_POST
@staff_required
def training_new(request, volunteer_id: int):
    volunteer = record_volunteer_get_for_user(request.user, volunteer_id)
    form = TrainingForm(request.POST)
    if form.is_valid():
        attempt(request, services.training_record, _("培训记录已保存"), by=request.user,
                volunteer=volunteer, **form.cleaned_data)
    else:
        flash_errors(request, form)
    return redirect(_record_url(request, volunteer) + "#trainings")


@require_POST
@staff_required
def evaluation_new(request, volunteer_id: int):
    volunteer = record_volunteer_get_for_user(request.user, volunteer_id)
    form = EvaluationForm(request.POST)
    if form.is_valid():
        attempt(request, services.evaluation_record, _("评价已保存"), by=request.user,
                volunteer=volunteer, **form.cleaned_data)
    else:
        flash_errors(request, form)
    return redirect(_record_url(request, volunteer) + "#evaluations")


@staff_required
def training_import(request):
    """Trainings from an Excel sheet, all or nothing, with every bad row reported."""
    form = TrainingImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = imports.trainings_import(by=request.user, upload=form.cleaned_data["file"])
        except DomainError as exc:
            form.add_error("file", str(exc.message))
    failed = bool(form.errors or (result and result["errors"]))
    return render(request, "records/training_import.html", {"form": form, "result": result},
                  status=422 if failed else 200)


@staff_required
def training_template(request):
    return xlsx_response(imports.template_xlsx(), "培训记录导入模板.xlsx")


# ---- corrections ---------------------------------------------------------------------------

@login_required
def correction_new(request, record_id: int):
    """The volunteer asks to correct one of their lines: reason, corrected hours, a photo."""
    line = line_for_user(request.user, record_id)
    if not line_correctable(request.user, line):
        raise NotFound()
    form = CorrectionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if call_service(form, services.correction_request, by=request.user, record=line,
                        hours=d["hours"], reason=d["reason"], evidence=d["evidence"] or None):
            messages.success(request, _("更正申请已提交，记录单位会尽快处理"))
            return redirect("my_record")
    return render(request, "records/correction_new.html", {"line": line, "form": form},
                  status=400 if form.errors else 200)


@login_required
def correction_list(request):
    state = request.GET.get("state", "requested")
    qs = corrections_for_user(request.user).select_related("record", "volunteer__station")
    if state in CORRECTION_FLOW.states.values:
        qs = qs.filter(state=state)
    page = Paginator(qs.order_by("created_at", "id"), 30).get_page(request.GET.get("page"))
    return render(request, "records/correction_list.html", {
        "page": page, "state": state, "flow": CORRECTION_FLOW,
        "rows": [(c, correction_moves(request.user, c)) for c in page]})


@login_required
def correction_detail(request, correction_id: int):
    c = correction_get_for_user(request.user, correction_id)
    return render(request, "records/correction_detail.html", {
        "c": c, "moves": correction_moves(request.user, c), "flow": CORRECTION_FLOW,
        "events": [(e, CORRECTION_FLOW.label(e.to_state)) for e in c.events.select_related("by")],
        "evidence": reverse("correction_evidence", args=[c.pk, c.evidence.name.rsplit("/", 1)[-1]])
        if c.evidence else None})


@login_required
def correction_evidence(request, correction_id: int, name: str):
    return file_response(correction_file_for_user(request.user, correction_id, name))


@require_POST
@login_required
def correction_decide(request, correction_id: int, move: str):
    if move not in ("accept", "reject", "withdraw"):
        raise NotFound()
    c = correction_get_for_user(request.user, correction_id)
    form = (RequiredNoteForm if move == "reject" else NoteForm)(request.POST)
    service = {"accept": services.correction_accept, "reject": services.correction_reject,
               "withdraw": services.correction_withdraw}[move]
    done = {"accept": _("已同意更正，原记录已冲正并重新记录"), "reject": _("已不予更正，已通知志愿者"),
            "withdraw": _("更正申请已撤回")}[move]
    if not form.is_valid():
        flash_errors(request, form)
    elif move == "withdraw":
        attempt(request, service, done, by=request.user, correction=c)
    else:
        attempt(request, service, done, by=request.user, correction=c,
                note=form.cleaned_data["note"])
    return redirect(back(request, reverse("correction_detail", args=[c.pk])))


# ---- self-declared hours (个人申报) -----------------------------------------------------------

@login_required
def declaration_new(request):
    """The volunteer declares hours: an activity of theirs (or none), hours, a note, a photo."""
    volunteer = my_volunteer(request.user, _("只有志愿者可以申报服务时长"))
    form = DeclarationForm(request.POST or None, request.FILES or None,
                           activities=declarable_activities(volunteer),
                           initial={"activity": request.GET.get("activity")})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        activity = activity_get_for_user(request.user, d["activity"]) if d["activity"] else None
        done = call_service(form, services.declaration_submit, by=request.user,
                            volunteer=volunteer, activity=activity, hours=d["hours"],
                            note=d["note"], evidence=d["evidence"], title=d["title"],
                            place=d["place"], service_date=d["service_date"])
        if done:
            messages.success(request, _("申报已提交，等待活动负责人或所属单位确认"))
            return redirect("declaration_detail", done.pk)
    return render(request, "records/declaration_new.html", {"form": form},
                  status=400 if form.errors else 200)


@login_required
def declaration_list(request):
    state = request.GET.get("state", "submitted")
    qs = declarations_for_user(request.user)
    if state in DECLARATION_FLOW.states.values:
        qs = qs.filter(state=state)
    page = Paginator(qs.order_by("-created_at", "-id"), 30).get_page(request.GET.get("page"))
    return render(request, "records/declaration_list.html", {
        "page": page, "state": state, "flow": DECLARATION_FLOW,
        "is_volunteer": hasattr(request.user, "volunteer")})


@login_required
def declaration_detail(request, declaration_id: int):
    d = declaration_get_for_user(request.user, declaration_id)
    return render(request, "records/declaration_detail.html", {
        "d": d, "moves": declaration_moves(request.user, d), "flow": DECLARATION_FLOW,
        "events": [(e, DECLARATION_FLOW.label(e.to_state)) for e in d.events.select_related("by")],
        "evidence": reverse("declaration_evidence",
                            args=[d.pk, d.evidence.name.rsplit("/", 1)[-1]])})


@login_required
def declaration_evidence(request, declaration_id: int, name: str):
    return file_response(declaration_file_for_user(request.user, declaration_id, name))


@require_POST
@login_required
def declaration_decide(request, declaration_id: int, move: str):
    if move not in ("confirm", "reject", "withdraw"):
        raise NotFound()
    d = declaration_get_for_user(request.user, declaration_id)
    form = (RequiredNoteForm if move == "reject" else NoteForm)(request.POST)
    service = {"confirm": services.declaration_confirm, "reject": services.declaration_reject,
               "withdraw": services.declaration_withdraw}[move]
    done = {"confirm": _("已确认，服务时长已记入"), "reject": _("已不予确认，已通知志愿者"),
            "withdraw": _("申报已撤回")}[move]
    if move == "withdraw":
        attempt(request, service, done, by=request.user, declaration=d)
    elif form.is_valid():
        attempt(request, service, done, by=request.user, declaration=d,
                note=form.cleaned_data["note"])
    else:
        flash_errors(request, form)
    return redirect(back(request, reverse("declaration_detail", args=[d.pk])))


# ---- complaints ----------------------------------------------------------------------------

@login_required
def complaint_list(request):
    state = request.GET.get("state", "")
    qs = complaints_for_user(request.user)
    if state in COMPLAINT_FLOW.states.values:
        qs = qs.filter(state=state)
    page = Paginator(qs.order_by("-created_at", "-id"), 30).get_page(request.GET.get("page"))
    return render(request, "records/complaint_list.html", {
        "page": page, "state": state, "flow": COMPLAINT_FLOW})


@login_required
def complaint_new(request):
    """File a complaint against `?volunteer=` or `?record=` (a line of theirs)."""
    record_id, volunteer_id = request.GET.get("record", ""), request.GET.get("volunteer", "")
    record = line_for_complaint(request.user, int(record_id)) if record_id.isdigit() else None
    volunteer = record.volunteer if record else (
        volunteer_for_complaint(request.user, int(volunteer_id)) if volunteer_id.isdigit()
        else None)
    if volunteer is None:
        raise NotFound()
    form = ComplaintForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        complaint = call_service(form, services.complaint_file, by=request.user,
                                 volunteer=volunteer, record=record,
                                 text=form.cleaned_data["text"])
        if complaint:
            messages.success(request, _("投诉已提交，受理单位会调查处理"))
            return redirect("complaint_detail", complaint_id=complaint.pk)
    return render(request, "records/complaint_new.html", {
        "form": form, "volunteer": volunteer, "record": record},
        status=400 if form.errors else 200)


@login_required
def complaint_detail(request, complaint_id: int):
    c = complaint_get_for_user(request.user, complaint_id)
    caps = complaint_caps(request.user, c)
    return render(request, "records/complaint_detail.html", {
        "c": c, "caps": caps, "moves": complaint_moves(request.user, c, caps),
        "flow": COMPLAINT_FLOW, "events": [
            (e, _("提交说明") if e.from_state == e.to_state else COMPLAINT_FLOW.label(e.to_state))
            for e in c.events.select_related("by")],
        "close_form": CloseForm(), "respond_form": RespondForm(initial={"text": c.response})})


@require_POST
@login_required
def complaint_move(request, complaint_id: int, move: str):
    if move not in ("investigate", "close", "respond"):
        raise NotFound()
    c = complaint_get_for_user(request.user, complaint_id)
    form_class, service, done = {
        "investigate": (NoteForm, services.complaint_investigate, _("已受理，开始调查")),
        "close": (CloseForm, services.complaint_close, _("投诉已办结，已通知相关人员")),
        "respond": (RespondForm, services.complaint_respond, _("说明已提交")),
    }[move]
    form = form_class(request.POST)
    if form.is_valid():
        attempt(request, service, done, by=request.user, complaint=c, **form.cleaned_data)
    else:
        flash_errors(request, form)
    return redirect("complaint_detail", complaint_id=c.pk)


# ---- sealed certificates -------------------------------------------------------------------

@require_POST
@login_required
def seal_apply(request):
    volunteer = my_volunteer(request.user)
    form = SealApplyForm(request.POST, units=seal_units(volunteer))
    if form.is_valid():
        d = form.cleaned_data
        attempt(request, services.seal_apply, _("证明申请已提交，出具单位受理后会通知您"),
                by=request.user, volunteer=volunteer,
                org=OrgNode.objects.get(pk=d["org"]), parts=d["parts"], purpose=d["purpose"])
    else:
        flash_errors(request, form)
    return redirect(reverse("my_record") + "#certificates")


def _own_orgs(user) -> list[tuple[int, str]]:
    return [(o.pk, o.name) for o in visible_orgs(user).exclude(
        kind=OrgNode.Kind.POINT).order_by("path")[:500]]


@staff_required
def seal_list(request):
    state = request.GET.get("state", "applied")
    qs = seal_applications_for_user(request.user)
    if state in SEAL_FLOW.states.values:
        qs = qs.filter(state=state)
    page = Paginator(qs.order_by("created_at", "id"), 30).get_page(request.GET.get("page"))
    return render(request, "records/seal_list.html", {
        "page": page, "state": state, "flow": SEAL_FLOW, "issue_form": IssueForm(),
        "rows": [(a, seal_moves(request.user, a)) for a in page],
        "upload_form": SealUploadForm(orgs=_own_orgs(request.user))})


@require_POST
@staff_required
def seal_move(request, application_id: int, move: str):
    if move not in ("accept", "issue", "reject"):
        raise NotFound()
    a = seal_application_get_for_user(request.user, application_id)
    if move == "accept":
        attempt(request, services.seal_accept, _("已受理"), by=request.user, application=a)
    elif move == "issue":
        form = IssueForm(request.POST)
        if form.is_valid():
            attempt(request, services.seal_issue, _("盖章证明已出具，已通知志愿者"),
                    by=request.user, application=a, **form.cleaned_data)
        else:
            flash_errors(request, form)
    else:
        form = RequiredNoteForm(request.POST)
        if form.is_valid():
            attempt(request, services.seal_reject, _("已不予出具，已通知志愿者"), by=request.user,
                    application=a, note=form.cleaned_data["note"])
        else:
            flash_errors(request, form)
    return redirect(back(request, reverse("seal_list")))


@login_required
def seal_certificate(request, application_id: int):
    a = seal_application_get_for_user(request.user, application_id)
    if a.certificate_id is None:
        raise NotFound()
    return certificate_pdf_response(request, a.certificate)


@require_POST
@staff_required
def seal_upload(request):
    form = SealUploadForm(request.POST, request.FILES, orgs=_own_orgs(request.user))
    if form.is_valid():
        org = visible_orgs(request.user).get(pk=form.cleaned_data["org"])
        attempt(request, services.seal_upload, _("公章图片已上传"), by=request.user, org=org,
                image=form.cleaned_data["image"])
    else:
        flash_errors(request, form)
    return redirect("seal_list")


# ---- the national data standard ------------------------------------------------------------

@staff_required
def national_page(request):
    orgs = _own_orgs(request.user)
    stations = [(o.pk, o.name) for o in visible_orgs(request.user).filter(
        kind=OrgNode.Kind.STATION).order_by("path")[:500]]
    export_form = NationalExportForm(request.GET or None, orgs=orgs)
    if request.GET and export_form.is_valid():
        org = visible_orgs(request.user).get(pk=export_form.cleaned_data["org"])
        return national.export_response(request, org=org, fmt=export_form.cleaned_data["format"])
    import_form = NationalImportForm(request.POST or None, request.FILES or None, orgs=stations)
    result = None
    if request.method == "POST" and import_form.is_valid():
        station = visible_orgs(request.user).get(pk=import_form.cleaned_data["station"])
        result = national.import_upload(by=request.user, station=station,
                                        upload=import_form.cleaned_data["file"])
    return render(request, "records/national.html", {
        "export_form": export_form, "import_form": import_form, "result": result,
        "sheets": national.SHEETS}, status=422 if result and result["errors"] else 200)
