"""Pages for the other ways of recording hours: the volunteer's e-card, the organiser's scan
page, walk-ins, time codes (issue, print, claim) and group entry (form or Excel)."""

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from wenming.core.errors import NotFound
from wenming.core.forms import attempt, call_service
from wenming.core.views import flash_errors
from wenming.people.models import Volunteer
from wenming.people.selectors import my_volunteer

from . import ecard, insurance, recording
from .forms_recording import (
    ClaimDecideForm,
    ClaimFileForm,
    ClaimForm,
    CodesForm,
    GroupEntryForm,
    PolicyForm,
    WalkInForm,
)
from .models import InsuranceClaim
from .permissions import activity_caps, activity_get_for_user, require_organise
from .rules import insurance_ready, needs_insurance, rules_for

ECARD_ONLY = gettext_lazy("只有志愿者有电子证")


def qr_svg(data: str) -> str:
    """A QR code as inline SVG (sized by CSS)."""
    return mark_safe(segno.make(data, error="m").svg_inline(scale=1, omitsize=True,
                                                            light="#fff"))


def _organiser_page(request, activity_id: int):
    activity = activity_get_for_user(request.user, activity_id)
    require_organise(request.user, activity)
    return activity, activity_caps(request.user, activity, as_volunteer=False)


# ---- the volunteer's e-card -------------------------------------------------------------

@login_required
def my_ecard(request):
    volunteer = my_volunteer(request.user, ECARD_ONLY)
    template = "activities/_ecard_code.html" if request.htmx else "activities/ecard.html"
    return render(request, template, {
        "v": volunteer, "card": recording.ecard_of(volunteer),
        "volunteer_no": getattr(volunteer, "volunteer_no", "") or "",
        "qr": qr_svg(ecard.phone_token(volunteer)), "window": ecard.WINDOW,
        "refresh": max(5, ecard.WINDOW // 3), "at": timezone.localtime()})


@require_POST
@login_required
def my_ecard_print(request):
    """A new printed card (the previous one stops working), shown ready to print."""
    volunteer = my_volunteer(request.user, ECARD_ONLY)
    card = recording.ecard_print(by=request.user, volunteer=volunteer)
    return render(request, "activities/ecard_print.html", {
        "v": volunteer, "card": card, "qr": qr_svg(ecard.printed_token(card)),
        "volunteer_no": getattr(volunteer, "volunteer_no", "") or ""})


@require_POST
@login_required
def my_ecard_revoke(request):
    volunteer = my_volunteer(request.user, ECARD_ONLY)
    attempt(request, recording.ecard_revoke, _("纸质电子证已挂失，旧卡不能再使用"),
            by=request.user, volunteer=volunteer)
    return redirect("my_ecard")


# ---- the organiser's scan page and walk-ins -----------------------------------------------

@login_required
def scan(request, activity_id: int):
    """The camera page: it reads e-cards and posts each to /api/activities/{id}/scan."""
    activity, caps = _organiser_page(request, activity_id)
    return render(request, "activities/scan.html", {"a": activity, "caps": caps})


@login_required
def walk_in(request, activity_id: int):
    """Search the district's volunteers (GET ?q=) and enrol one on site (POST)."""
    activity, caps = _organiser_page(request, activity_id)
    form = WalkInForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            volunteer = _district_volunteer(activity, form.cleaned_data["volunteer"])
            attempt(request, recording.enrollment_walk_in,
                    _("已添加 %(n)s 为现场志愿者，可直接扫码签到") % {
                        "n": volunteer.user.real_name},
                    by=request.user, activity=activity, volunteer=volunteer)
        else:
            flash_errors(request, form)
        return redirect("activity_walk_in", activity.pk)
    q = request.GET.get("q", "")[:50]
    return render(request, "activities/walk_in.html", {
        "a": activity, "caps": caps, "q": q,
        "found": recording.walk_in_candidates(activity, q) if caps.can_add_walk_in else []})


def _district_volunteer(activity, volunteer_id: int) -> Volunteer:
    district = activity.org.path.strip("/").split("/")[0]
    volunteer = Volunteer.objects.select_related("user").filter(
        pk=volunteer_id, station__path__startswith=f"/{district}/").first()
    if volunteer is None:
        raise NotFound()
    return volunteer


# ---- time codes ------------------------------------------------------------------------

@login_required
def time_codes(request, activity_id: int):
    """The organiser's codes: issue a batch (POST), and the printable sheet (GET)."""
    activity, caps = _organiser_page(request, activity_id)
    form = CodesForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            attempt(request, recording.time_codes_issue, _("已生成时长码"), by=request.user,
                    activity=activity, count=form.cleaned_data["count"])
        else:
            flash_errors(request, form)
        return redirect("activity_time_codes", activity.pk)
    claim = request.build_absolute_uri(reverse("time_code_claim"))
    codes = [(c, qr_svg(f"{claim}?code={c.code}"))
             for c in activity.time_codes.filter(claimed_at__isnull=True).order_by("id")[:200]]
    return render(request, "activities/time_codes.html", {
        "a": activity, "caps": caps, "form": form, "codes": codes,
        "claimed": activity.time_codes.filter(claimed_at__isnull=False).count()})


@login_required
def time_code_claim(request):
    volunteer = my_volunteer(request.user, _("只有志愿者可以使用时长码"))
    form = ClaimForm(request.POST or None, initial={"code": request.GET.get("code", "")[:30]})
    if request.method == "POST" and form.is_valid():
        record = call_service(form, recording.time_code_claim, volunteer=volunteer,
                              code=form.cleaned_data["code"])
        if record is not None:
            messages.success(request, _("已领取 %(h)s 小时：%(t)s，待负责人认定") % {
                "h": record.hours, "t": record.title})
            return redirect("my_hours")
    return render(request, "activities/time_code_claim.html", {"form": form})


# ---- group entry -----------------------------------------------------------------------

@login_required
def group_entry(request, activity_id: int):
    activity, caps = _organiser_page(request, activity_id)
    form = GroupEntryForm(request.POST or None, request.FILES or None)
    row_errors = []
    if request.method == "POST" and form.is_valid():
        try:
            records = recording.records_group_entry(
                by=request.user, activity=activity, rows=form.rows(),
                reason=form.cleaned_data["reason"])
        except recording.GroupEntryErrors as exc:
            row_errors = exc.rows
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("已录入 %(n)d 人的服务时长，等待阵地管理员审核") % {
                "n": len(records)})
            return redirect("activity_manage", activity.pk)
    return render(request, "activities/group_entry.html", {
        "a": activity, "caps": caps, "form": form, "row_errors": row_errors})



# ---- insurance -------------------------------------------------------------------------

@login_required
def activity_insurance(request, activity_id: int):
    """The organiser's insurance page: the policy (record or correct it), who is covered,
    claims and their outcomes."""
    activity, caps = _organiser_page(request, activity_id)
    policy = insurance.policy_of(activity)
    people = list(insurance.covered(activity).select_related("user").order_by("id"))
    form = PolicyForm(request.POST or None, initial=_policy_initial(activity, policy))
    if request.method == "POST" and form.is_valid():
        if call_service(form, insurance.policy_record, by=request.user, activity=activity,
                        **form.cleaned_data):
            messages.success(request, _("保单已保存"))
            return redirect("activity_insurance", activity.pk)
    rules = rules_for(activity.org)
    return render(request, "activities/insurance.html", {
        "a": activity, "caps": caps, "policy": policy, "form": form, "people": people,
        "needed": needs_insurance(activity, rules), "ready": insurance_ready(activity, rules),
        "claim_form": ClaimFileForm(people=people), "decide_form": ClaimDecideForm(),
        "claims": list(policy.claims.select_related("volunteer__user").order_by("id"))
        if policy else []})


def _policy_initial(activity, policy) -> dict:
    if policy is not None:
        return {"insurer": policy.insurer, "policy_no": policy.policy_no,
                "start": timezone.localtime(policy.start), "end": timezone.localtime(policy.end)}
    return {"start": timezone.localtime(activity.start), "end": timezone.localtime(activity.end)}


@require_POST
@login_required
def claim_file(request, activity_id: int):
    activity, caps = _organiser_page(request, activity_id)
    people = insurance.covered(activity).select_related("user")
    form = ClaimFileForm(request.POST, people=people)
    if form.is_valid():
        volunteer = people.filter(pk=form.cleaned_data["volunteer"]).first()
        if volunteer is None:
            messages.error(request, _("该志愿者不在本活动的保障范围内"))
        else:
            attempt(request, insurance.claim_file, _("理赔已登记"), by=request.user,
                    activity=activity, volunteer=volunteer,
                    incident=form.cleaned_data["incident"])
    else:
        flash_errors(request, form)
    return redirect("activity_insurance", activity.pk)


@require_POST
@login_required
def claim_decide(request, activity_id: int, claim_id: int):
    activity, caps = _organiser_page(request, activity_id)
    claim = InsuranceClaim.objects.filter(pk=claim_id, policy__activity=activity).first()
    if claim is None:
        raise NotFound()
    form = ClaimDecideForm(request.POST)
    if form.is_valid():
        attempt(request, insurance.claim_decide, _("理赔结果已登记"), by=request.user,
                claim=claim, **form.cleaned_data)
    else:
        flash_errors(request, form)
    return redirect("activity_insurance", activity.pk)


@login_required
def my_insurance(request):
    """The volunteer's cover: the policies of the activities they are enrolled in."""
    volunteer = my_volunteer(request.user, _("只有志愿者可以查看保险"))
    return render(request, "activities/my_insurance.html", {
        "policies": list(insurance.coverage_of(volunteer)[:50]),
        "claims": list(InsuranceClaim.objects.filter(volunteer=volunteer).select_related(
            "policy__activity").order_by("-id")[:20])})


# ---- the district's insured platforms -----------------------------------------------------

@login_required
def insurance_settings(request):
    """Which service platforms' activities need a policy before check-in, for the caller's
    district: staff of the district see it; the center's staff change it."""
    from wenming.orgs.models import OrgNode, Platform
    from wenming.orgs.permissions import managed_nodes

    from .forms_recording import InsuredPlatformsForm

    nodes = list(managed_nodes(request.user))
    if not nodes:
        raise NotFound()
    center = OrgNode.objects.get(pk=int(nodes[0].path.strip("/").split("/")[0]))
    may_set = insurance.may_set_insured_platforms(request.user, center)
    platforms = Platform.objects.filter(is_active=True).order_by("pk")
    form = InsuredPlatformsForm(request.POST or None, platforms=platforms, initial={
        "platforms": insurance.insured_platforms_of(center)})
    if request.method == "POST" and form.is_valid():
        if call_service(form, insurance.insured_platforms_set, by=request.user, center=center,
                        codes=form.cleaned_data["platforms"]):
            messages.success(request, _("已保存：这些平台的活动须先录入保单才能开放签到"))
            return redirect("insurance_settings")
    return render(request, "activities/insurance_settings.html", {
        "center": center, "form": form, "may_set": may_set,
        "insured": [p for p in platforms if p.code in insurance.insured_platforms_of(center)]},
        status=400 if form.errors else 200)
