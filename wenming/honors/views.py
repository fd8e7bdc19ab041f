"""荣誉表彰 pages: my place and the rankings, selections (staff's steps and the public 公示
notice with its objections), awards (list, entry, Excel import), the 光荣榜 board, the
formula and one's publicity consent.

Thin: who is asking (the permissions raise NotFound), a form, one service, a page. What a page
offers is read from `selection_caps` and `allowed_moves`, the API's rule too.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wenming.core.errors import DomainError, Forbidden, NotFound
from wenming.core.forms import attempt, call_service
from wenming.core.views import back, flash_errors
from wenming.orgs.models import OrgNode
from wenming.orgs.permissions import can_manage, is_staff_member
from wenming.people.models import Volunteer
from wenming.people.permissions import volunteers_for_user
from wenming.people.validators import normalize_mobile
from wenming.people.views import staff_required
from wenming.teams.permissions import teams_for_user

from . import excel, services
from .forms import (
    AwardForm,
    ConsentForm,
    DecideForm,
    FormulaForm,
    ImportForm,
    NomineeAddForm,
    ObjectionForm,
    RankingForm,
    ReasonForm,
    SelectionForm,
)
from .models import WORKFLOW, Objection, Selection
from .permissions import (
    allowed_moves,
    awards_for_user,
    can_see_full_names,
    default_org,
    selection_caps,
    selection_get_for_user,
    selections_for_user,
)
from .selectors import (
    FACTOR_LABELS,
    board_of,
    checked_period,
    display_of,
    formula_for,
    name_rows,
    public_name,
    ranking,
)

PAGE = 30
OBJECTION_TONES = {Objection.Decision.PENDING: "warn", Objection.Decision.UPHELD: "bad",
                   Objection.Decision.DISMISSED: "ok"}


def _labelled(breakdown: dict) -> list[tuple[str, object]]:
    return [(FACTOR_LABELS.get(k, k), v) for k, v in breakdown.items()]


# ---- rankings ------------------------------------------------------------------------------

@login_required
def rankings(request):
    """My place (a volunteer) and the ranking of a node, a period and a kind, each row with
    its breakdown."""
    home = default_org(request.user)
    form = RankingForm({"org": home.pk, "period": "month", "kind": "volunteer",
                        "date": timezone.localdate(), **request.GET.dict()}, user=request.user)
    if form.has_error("org"):
        raise NotFound()  # a node outside the caller's sight, as the API answers
    v = form.values(home)
    start, end = checked_period(v["period"], v["date"])
    board = ranking(v["kind"], v["org"], v["period"], start, end)
    page = Paginator(board.rows, PAGE).get_page(request.GET.get("page"))
    name_rows(board, list(page), full=can_see_full_names(request.user, v["org"]))
    me = None
    volunteer = Volunteer.objects.filter(user=request.user).first()
    if volunteer and v["kind"] == "volunteer":
        me = board.position_of(volunteer.pk)
        if me:
            name_rows(board, [me], full=True)
    return render(request, "honors/rankings.html", {
        "form": form, "board": board, "page": page, "v": v, "me": me, "volunteer": volunteer,
        "rows": [(r, _labelled(r.breakdown)) for r in page],
        "me_parts": _labelled(me.breakdown) if me else [],
        "manages": can_manage(request.user, v["org"])})


@staff_required
def formula(request):
    node = default_org(request.user)
    current = formula_for(node)
    form = FormulaForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        saved = call_service(form, services.formula_update, by=request.user, node=node,
                             **{k: form.cleaned_data[k] for k in services.FORMULA_FIELDS})
        if saved is not None:
            messages.success(request, _("评分规则已保存"))
            return redirect("honors_formula")
    return render(request, "honors/formula.html", {
        "form": form, "node": node, "editable": can_manage(request.user, OrgNode.objects.get(
            pk=services.district_of(node)))})


# ---- selections ----------------------------------------------------------------------------

@login_required
def selection_list(request):
    qs = selections_for_user(request.user).order_by("-period_start", "-id")
    page = Paginator(qs, PAGE).get_page(request.GET.get("page"))
    form = SelectionForm(user=request.user) if _may_open(request.user) else None
    return render(request, "honors/selections.html", {
        "page": page, "form": form, "rows": [(s, WORKFLOW.colour(s.state)) for s in page]})


def _may_open(user) -> bool:
    return is_staff_member(user)


@require_POST
@staff_required
def selection_new(request):
    form = SelectionForm(request.POST, user=request.user)
    if not form.is_valid():
        flash_errors(request, form)
        return redirect("honors_selections")
    d = form.cleaned_data
    selection = attempt(request, _nominate, _("评选已发起，已按排名提名"), by=request.user,
                        node=d["org"], kind=d["kind"], period=d["period"], day=d["date"],
                        top_n=d["top_n"])
    return redirect("honors_selection", selection.pk) if selection else redirect(
        "honors_selections")


def _nominate(**kwargs):
    """The service, with a refused period or date shown as a message like any refusal."""
    try:
        return services.selection_nominate(**kwargs)
    except DomainError as exc:
        if isinstance(exc, Forbidden | NotFound):
            raise
        raise ValidationError(str(exc.message)) from None


@login_required
def selection_detail(request, selection_id: int):
    s = selection_get_for_user(request.user, selection_id)
    caps = selection_caps(request.user, s)
    nominees = list(s.nominees.select_related("volunteer", "team"))
    if not caps.manages:
        nominees = [n for n in nominees if not n.removed]
    objections = list(s.objections.select_related("nominee") if caps.manages
                      else s.objections.filter(by=request.user))
    return render(request, "honors/selection_detail.html", {
        "s": s, "caps": caps, "moves": allowed_moves(request.user, s, caps),
        "nominees": [(n, _nominee_name(n, caps.manages), _labelled(n.breakdown))
                     for n in nominees],
        "objections": [(o, OBJECTION_TONES[o.decision]) for o in objections],
        "tone": WORKFLOW.colour(s.state),
        "steps": [(WORKFLOW.label(st), st == s.state) for st in WORKFLOW.steps],
        "events": [(e, WORKFLOW.label(e.to_state) if e.to_state else "")
                   for e in s.events.select_related("by")] if caps.manages else [],
        "reason_form": ReasonForm(), "add_form": NomineeAddForm(),
        "objection_form": ObjectionForm(), "decide_form": DecideForm()})


def _nominee_name(nominee, full: bool) -> str:
    if nominee.team_id:
        return nominee.team.name
    volunteer = nominee.volunteer
    return volunteer.real_name if full else public_name(volunteer.real_name,
                                                        display_of(volunteer))


def _done(request, s: Selection):
    return redirect(back(request, reverse("honors_selection", args=[s.pk])))


def _reasoned(request, selection_id: int, service, done: str, **kwargs):
    s = selection_get_for_user(request.user, selection_id)
    form = ReasonForm(request.POST)
    if form.is_valid() or not kwargs.pop("needs_reason", True):
        attempt(request, service, done, by=request.user, selection=s,
                reason=form.cleaned_data.get("reason", "") if form.is_valid() else "", **kwargs)
    else:
        flash_errors(request, form)
    return _done(request, s)


@require_POST
@login_required
def selection_review(request, selection_id: int):
    return _reasoned(request, selection_id, services.selection_review, _("审核完成，可以公示了"),
                     needs_reason=False)


@require_POST
@login_required
def selection_reopen(request, selection_id: int):
    return _reasoned(request, selection_id, services.selection_reopen, _("已退回重新审核"))


@require_POST
@login_required
def selection_cancel(request, selection_id: int):
    return _reasoned(request, selection_id, services.selection_cancel, _("评选已撤销"))


@require_POST
@login_required
def selection_publicize(request, selection_id: int):
    s = selection_get_for_user(request.user, selection_id)
    attempt(request, services.selection_publicize, _("已开始公示"), by=request.user, selection=s)
    return _done(request, s)


@require_POST
@login_required
def selection_announce(request, selection_id: int):
    s = selection_get_for_user(request.user, selection_id)
    attempt(request, services.selection_announce, _("结果已公布，表彰已记入志愿者档案"),
            by=request.user, selection=s)
    return _done(request, s)


@require_POST
@login_required
def nominee_add(request, selection_id: int):
    s = selection_get_for_user(request.user, selection_id)
    form = NomineeAddForm(request.POST)
    if form.is_valid():
        subject = form.cleaned_data["subject_id"]
        if s.for_teams:
            team = teams_for_user(request.user).filter(pk=subject).first()
            volunteer = None
        else:
            volunteer = volunteers_for_user(request.user).filter(pk=subject).first()
            team = None
        if team is None and volunteer is None:
            messages.error(request, _("您的辖区没有这个编号"))
        else:
            attempt(request, services.nominee_add, _("已增补提名"), by=request.user, selection=s,
                    volunteer=volunteer, team=team, reason=form.cleaned_data["reason"])
    else:
        flash_errors(request, form)
    return _done(request, s)


@require_POST
@login_required
def nominee_remove(request, selection_id: int, nominee_id: int):
    s = selection_get_for_user(request.user, selection_id)
    nominee = get_object_or_404(s.nominees, pk=nominee_id)
    form = ReasonForm(request.POST)
    if form.is_valid():
        attempt(request, services.nominee_remove, _("已移除提名"), by=request.user, selection=s,
                nominee=nominee, reason=form.cleaned_data["reason"])
    else:
        flash_errors(request, form)
    return _done(request, s)


@require_POST
@login_required
def objection_new(request, selection_id: int):
    s = selection_get_for_user(request.user, selection_id)
    form = ObjectionForm(request.POST)
    if form.is_valid():
        nominee = s.nominees.filter(pk=form.cleaned_data["nominee"]).first() \
            if form.cleaned_data["nominee"] else None
        attempt(request, services.objection_raise, _("异议已提交，工作人员会逐条处理"),
                by=request.user, selection=s, nominee=nominee, reason=form.cleaned_data["reason"])
    else:
        flash_errors(request, form)
    return _done(request, s)


@require_POST
@login_required
def objection_decide(request, selection_id: int, objection_id: int):
    s = selection_get_for_user(request.user, selection_id)
    objection = get_object_or_404(Objection, pk=objection_id, selection=s)
    form = DecideForm(request.POST)
    if form.is_valid():
        attempt(request, services.objection_decide, _("异议已处理"), by=request.user,
                objection=objection, upheld=form.cleaned_data["upheld"],
                reason=form.cleaned_data["reason"])
    else:
        flash_errors(request, form)
    return _done(request, s)


# ---- awards --------------------------------------------------------------------------------

@login_required
def award_list(request):
    qs = awards_for_user(request.user).order_by("-date", "-id")
    page = Paginator(qs, PAGE).get_page(request.GET.get("page"))
    staff = is_staff_member(request.user)
    return render(request, "honors/awards.html", {
        "page": page, "staff": staff, "form": AwardForm() if staff else None,
        "import_form": ImportForm() if staff else None})


@require_POST
@staff_required
def award_new(request):
    form = AwardForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        volunteer = _volunteer_by_mobile(request, d["volunteer_mobile"])
        team = teams_for_user(request.user).filter(pk=d["team_id"]).first() \
            if d["team_id"] else None
        data = services.AwardInput(volunteer=volunteer, team=team, name=d["name"],
                                   level=d["level"], date=d["date"],
                                   granting_unit=d["granting_unit"], reason=d["reason"])
        attempt(request, services.award_create, _("表彰已录入"), by=request.user, data=data)
    else:
        flash_errors(request, form)
    return redirect("honors_awards")


def _volunteer_by_mobile(request, mobile: str):
    if not mobile.strip():
        return None
    try:
        return volunteers_for_user(request.user).filter(
            user__mobile=normalize_mobile(mobile)).first()
    except ValidationError:  # a malformed number finds nobody
        return None


@staff_required
def award_template(request):
    response = HttpResponse(excel.template(), content_type=excel.XLSX)
    response["Content-Disposition"] = 'attachment; filename="awards-template.xlsx"'
    return response


@staff_required
def award_import(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        try:
            parsed = excel.parse(request.user, form.cleaned_data["file"].read())
        except excel.FileRefused as exc:
            form.add_error("file", str(exc.message))
        else:
            if parsed.errors:
                report = parsed.errors
            else:
                written = call_service(form, services.awards_import, by=request.user,
                                       rows=parsed.rows)
                if written is not None:
                    messages.success(request, _("已导入%(n)d条表彰") % {"n": len(written)})
                    return redirect("honors_awards")
    return render(request, "honors/award_import.html", {"form": form, "report": report})


# ---- the board and consent -----------------------------------------------------------------

def board(request, org_id: int):
    """光荣榜: public (no login), phone-first and for a hall's screen; names as consented."""
    org = get_object_or_404(OrgNode, pk=org_id)
    return render(request, "honors/board.html", {"org": org, **board_of(org)})


@login_required
def consent(request):
    volunteer = Volunteer.objects.filter(user=request.user).first()
    if volunteer is None:
        raise Forbidden(_("只有志愿者可以设置"))
    form = ConsentForm(request.POST or None, initial={"display": display_of(volunteer)})
    if request.method == "POST" and form.is_valid():
        if call_service(form, services.consent_set, by=request.user,
                        display=form.cleaned_data["display"]) is not None:
            messages.success(request, _("已保存"))
            return redirect("honors_consent")
    return render(request, "honors/consent.html", {"form": form, "volunteer": volunteer})
