"""Activity pages: find and join, check in and out, organise, and the hours ledger.

Thin: who is asking (selectors raise NotFound, a 404), a form, one service, a page. Every
write goes through wenming.activities.services, as the API's do.
"""

from urllib.parse import quote

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from wenming.core.errors import Forbidden
from wenming.core.forms import attempt, call_service
from wenming.core.views import back, flash_errors
from wenming.people.models import Volunteer
from wenming.people.selectors import my_volunteer

from . import qr, recurrence, services
from .forms import (
    ActivityEditForm,
    ActivityFilterForm,
    ActivityForm,
    BackfillForm,
    BulkApproveForm,
    PresenceForm,
    ReasonForm,
    RecordFilterForm,
    ServedForm,
)
from .models import RECORD_FLOW, Activity, Enrollment, InsurancePolicy, ServiceRecord
from .permissions import (
    activities_for_user,
    activity_caps,
    activity_get_for_user,
    may_publish,
    may_review,
    record_caps,
    record_get_for_user,
    records_for_user,
    require_organise,
    with_reversals,
)
from .rules import needs_insurance, rules_for, signup_closes
from .selectors import (
    activity_roster,
    activity_search,
    unmet_requirements,
    volunteer_activity_state,
    volunteer_standing,
    with_enrolled,
)

TAGS = dict(Volunteer.Tag.choices)
VOLUNTEERS_ONLY = gettext_lazy("只有志愿者可以报名、签到和查看服务时长")

# ---- helpers shared by the page views -------------------------------------------------


def qr_context(request, activity: Activity) -> dict:
    """The current rotating code as a URL a phone camera opens, drawn as inline SVG."""
    window = rules_for(activity.org).qr_window_seconds
    token = qr.qr_token(activity, window)
    url = request.build_absolute_uri(
        reverse("activity_checkin", args=[activity.pk]) + "?t=" + quote(token, safe=""))
    svg = segno.make(url, error="m").svg_inline(scale=1, omitsize=True, light="#fff")
    return {"qr_svg": mark_safe(svg), "qr_url": url, "qr_window": window,
            "qr_refresh": max(2, min(20, window // 3)), "qr_time": timezone.localtime()}


# ---- finding and joining ------------------------------------------------------------------

@login_required
def activity_list(request):
    form = ActivityFilterForm.from_query(request.GET)
    filters = form.search_kwargs() if form.is_valid() else {"upcoming": True}
    result = activity_search(with_enrolled(activities_for_user(request.user)), **filters)
    page = Paginator(result, 20).get_page(request.GET.get("page"))
    template = "activities/_activity_rows.html" if request.htmx else \
        "activities/activity_list.html"
    return render(request, template, {"form": form, "page": page,
                                      "near": filters.get("lat") is not None,
                                      "can_publish": may_publish(request.user)})


@login_required
def activity_detail(request, activity_id: int):
    activity = activity_get_for_user(request.user, activity_id)
    volunteer = Volunteer.objects.filter(user=request.user).first()
    state = volunteer_activity_state(volunteer, activity) if volunteer else {}
    unmet = (unmet_requirements(volunteer, activity)
             if volunteer and not state["enrollment"] else [])
    caps = activity_caps(request.user, activity, volunteer=volunteer, standing=state or None)
    rules = rules_for(activity.org)
    return render(request, "activities/activity_detail.html", {
        "a": activity, "enrolled": activity.enrolled_count, "volunteer": volunteer,
        "unmet": unmet, "caps": caps, "rules": rules, **state,
        "signup_closes": timezone.localtime(signup_closes(activity)),
        "insurance_needed": needs_insurance(activity, rules),
        "policy": InsurancePolicy.objects.filter(activity=activity).first(),
        "tags": [TAGS.get(t, t) for t in activity.required_tags]})


@require_POST
@login_required
def enroll(request, activity_id: int):
    activity = activity_get_for_user(request.user, activity_id)
    enrollment = attempt(request, services.enrollment_create,
                         volunteer=my_volunteer(request.user, VOLUNTEERS_ONLY), activity=activity)
    if enrollment is not None:
        messages.success(request, _("报名成功") if enrollment.status == Enrollment.Status.ENROLLED
                         else _("名额已满，您已进入候补，有人取消时按顺序递补"))
    return redirect("activity_detail", activity.pk)


@require_POST
@login_required
def withdraw(request, activity_id: int):
    activity = activity_get_for_user(request.user, activity_id)
    attempt(request, services.enrollment_cancel, _("已取消报名"),
            volunteer=my_volunteer(request.user, VOLUNTEERS_ONLY), activity=activity)
    return redirect("activity_detail", activity.pk)


# ---- check-in and check-out ---------------------------------------------------------------

@login_required
def checkin(request, activity_id: int):
    """GET: the page the organiser's QR code opens — one big confirm button. POST: check in
    with that code, or with the phone's position."""
    activity = activity_get_for_user(request.user, activity_id)
    volunteer = my_volunteer(request.user, VOLUNTEERS_ONLY)
    form = PresenceForm(request.POST if request.method == "POST" else request.GET)
    if request.method == "GET" or not form.is_valid():
        state = volunteer_activity_state(volunteer, activity)
        return render(request, "activities/checkin.html", {
            "a": activity, "form": form, **state, "caps": activity_caps(
                request.user, activity, volunteer=volunteer, standing=state)})
    attempt(request, services.attendance_checkin, _("签到成功"), volunteer=volunteer,
            activity=activity, **form.presence())
    return redirect("activity_detail", activity.pk)


@require_POST
@login_required
def checkout(request, activity_id: int):
    activity = activity_get_for_user(request.user, activity_id)
    form = PresenceForm(request.POST)
    if not form.is_valid():
        flash_errors(request, form)
        return redirect("activity_detail", activity.pk)
    done = attempt(request, services.attendance_checkout, volunteer=my_volunteer(request.user, VOLUNTEERS_ONLY),
                   activity=activity, **form.presence())
    if done is not None:
        record = done[1]
        messages.success(request, _("签退成功，本次计 %(h)s 小时，待负责人认定") % {
            "h": record.hours} if record else _("签退成功。出勤时间不足活动时长的规定比例，本次不计服务时长"))
    return redirect("activity_detail", activity.pk)


# ---- publishing and organising ------------------------------------------------------------

@login_required
def activity_new(request):
    if not may_publish(request.user):
        raise Forbidden()
    form = ActivityForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid() and (rule := form.rule()):
        series = call_service(form, recurrence.series_publish, by=request.user, rule=rule,
                              **form.publish_values())
        if series is not None:
            messages.success(request, _("已发布%(n)d场重复活动") % {
                "n": series.occurrences.count()})
            return redirect("series_detail", series.pk)
    elif request.method == "POST" and form.is_valid():
        activity = call_service(form, services.activity_publish, by=request.user,
                                 **form.publish_values())
        if activity is not None:
            messages.success(request, _("活动已发布"))
            return redirect("activity_manage", activity.pk)
    return render(request, "activities/activity_form.html", {"form": form, "creating": True})


@login_required
def activity_edit(request, activity_id: int):
    activity = activity_get_for_user(request.user, activity_id)
    require_organise(request.user, activity)
    form = ActivityEditForm.for_activity(activity, request.POST or None)
    if request.method == "POST" and form.is_valid():
        if call_service(form, services.activity_update, by=request.user, activity=activity,
                         changes=form.schedule_values()):
            messages.success(request, _("活动已保存"))
            return redirect("activity_manage", activity.pk)
    return render(request, "activities/activity_form.html", {"form": form, "a": activity})


@require_POST
@login_required
def activity_cancel(request, activity_id: int):
    activity = activity_get_for_user(request.user, activity_id)
    require_organise(request.user, activity)
    form = ReasonForm(request.POST)
    if form.is_valid():
        attempt(request, services.activity_cancel, _("活动已取消，已通知报名的志愿者"),
                by=request.user, activity=activity, reason=form.cleaned_data["reason"])
    else:
        flash_errors(request, form)
    return redirect("activity_manage", activity.pk)


@login_required
def activity_manage(request, activity_id: int):
    """The organiser's page: live check-in code, enrolled and waitlist, attendance, this
    activity's pending lines, backfill and people served."""
    activity = activity_get_for_user(request.user, activity_id)
    require_organise(request.user, activity)
    pending = records_for_user(request.user).filter(
        activity=activity, status=ServiceRecord.Status.PENDING).order_by("id")
    caps = activity_caps(request.user, activity, as_volunteer=False)
    return render(request, "activities/activity_manage.html", {
        "a": activity, "caps": caps, **activity_roster(activity),
        **(qr_context(request, activity) if caps.can_show_qr else {}),
        "pending": [(r, record_caps(request.user, r)) for r in pending],
        "backfill_form": BackfillForm(activity=activity), "cancel_form": ReasonForm(),
        "served_form": ServedForm(initial={"people_served": activity.people_served}),
        "ended": activity.end <= timezone.now()})


@login_required
def activity_qr(request, activity_id: int):
    """The code alone, for htmx to swap in every few seconds."""
    activity = activity_get_for_user(request.user, activity_id)
    if not activity_caps(request.user, activity, as_volunteer=False).can_show_qr:
        raise Forbidden()
    return render(request, "activities/_qr.html", {"a": activity,
                                                   **qr_context(request, activity)})


@require_POST
@login_required
def backfill(request, activity_id: int):
    activity = activity_get_for_user(request.user, activity_id)
    require_organise(request.user, activity)
    form = BackfillForm(request.POST, activity=activity)
    if form.is_valid():
        attempt(request, services.record_backfill, _("已补录，等待管理员审核"), by=request.user,
                activity=activity, **form.cleaned_data)
    else:
        flash_errors(request, form)
    return redirect(reverse("activity_manage", args=[activity.pk]) + "#backfill")


@require_POST
@login_required
def people_served(request, activity_id: int):
    activity = activity_get_for_user(request.user, activity_id)
    form = ServedForm(request.POST)
    if form.is_valid():
        attempt(request, services.activity_update, _("服务人次已保存"), by=request.user,
                activity=activity, changes=form.cleaned_data)
    else:
        flash_errors(request, form)
    return redirect("activity_manage", activity.pk)


# ---- the hours ledger -----------------------------------------------------------------------

@login_required
def my_hours(request):
    volunteer = my_volunteer(request.user, VOLUNTEERS_ONLY)
    standing = volunteer_standing(volunteer)
    # One's own lines by the volunteer index alone (the scope is oneself), and whether each
    # was reversed by a second query rather than a self-join (issue 10: 642 ms for 4 lines).
    qs = ServiceRecord.objects.filter(volunteer=volunteer).order_by("-service_date", "-id")
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    next_at = standing["next_star_at"]
    return render(request, "activities/my_hours.html", {
        **standing, "page": page,
        "rows": [(r, r.state, RECORD_FLOW.label(r.state))
                 for r in with_reversals(list(page))],
        "to_next": next_at - standing["total_hours"] if next_at is not None else None,
        "stars": range(1, 6)})


@login_required
def records_pending(request):
    if not may_review(request.user):
        raise Forbidden()
    form = RecordFilterForm(request.GET or None, user=request.user)
    qs = form.apply(records_for_user(request.user).filter(
        status=ServiceRecord.Status.PENDING).exclude(volunteer__user=request.user))
    page = Paginator(qs.order_by("created_at", "id"), 30).get_page(request.GET.get("page"))
    return render(request, "activities/records_pending.html", {
        "form": form, "page": page,
        "rows": [(r, record_caps(request.user, r)) for r in page]})


@require_POST
@login_required
def records_approve_many(request):
    form = BulkApproveForm(request.POST)
    if not form.is_valid():
        flash_errors(request, form)
        return redirect(back(request, reverse("records_pending")))
    records = records_for_user(request.user).filter(pk__in=form.cleaned_data["ids"])
    counts = services.records_approve_many(by=request.user, records=list(records))
    refused = counts["refused"] + len(form.cleaned_data["ids"]) - len(records)
    messages.success(request, _("已认定 %(n)d 条") % {"n": counts["approved"]})
    if refused:
        messages.warning(request, _("%(n)d 条未认定：已处理，或须由其他管理员审核") % {"n": refused})
    return redirect(back(request, reverse("records_pending")))


@login_required
def record_detail(request, record_id: int):
    """One ledger line with the moves the caller may make on it (approve, reject, reverse)."""
    record = record_get_for_user(request.user, record_id)
    return render(request, "activities/record_detail.html", {
        "r": record, "caps": record_caps(request.user, record), "state": record.state,
        "state_label": RECORD_FLOW.label(record.state), "reversal": getattr(
            record, "reversed_by", None)})


@require_POST
@login_required
def record_reverse(request, record_id: int):
    record = record_get_for_user(request.user, record_id)
    form = ReasonForm(request.POST)
    if form.is_valid():
        attempt(request, services.record_reverse, _("已冲正：%(t)s") % {"t": record.title},
                by=request.user, record=record, reason=form.cleaned_data["reason"])
    else:
        flash_errors(request, form)
    return redirect("record_detail", record.pk)


@require_POST
@login_required
def record_approve(request, record_id: int):
    record = record_get_for_user(request.user, record_id)
    attempt(request, services.record_approve, _("已认定：%(t)s") % {"t": record.title},
            by=request.user, record=record)
    return redirect(back(request, reverse("records_pending")))


@require_POST
@login_required
def record_reject(request, record_id: int):
    record = record_get_for_user(request.user, record_id)
    form = ReasonForm(request.POST)
    if form.is_valid():
        attempt(request, services.record_reject, _("已标记为不予认定，已通知志愿者"),
                by=request.user, record=record, reason=form.cleaned_data["reason"])
    else:
        messages.error(request, _("请填写不予认定的原因"))
    return redirect(back(request, reverse("records_pending")))


# ---- cards on the home pages (loaded by htmx) ---------------------------------------------

@login_required
def card_upcoming(request):
    now = timezone.now()
    qs = with_enrolled(activities_for_user(request.user)).filter(
        end__gte=now, status=Activity.Status.PUBLISHED).order_by("start", "id")
    mine = qs.filter(enrollments__volunteer__user=request.user, enrollments__status__in=[
        Enrollment.Status.ENROLLED, Enrollment.Status.WAITLISTED])
    return render(request, "activities/_card_upcoming.html", {
        "mine": list(mine[:5]), "others": list(qs.exclude(pk__in=mine.values("pk"))[:3])})


@login_required
def card_pending(request):
    if not may_review(request.user):
        raise Forbidden()
    pending = records_for_user(request.user).filter(
        status=ServiceRecord.Status.PENDING).exclude(volunteer__user=request.user)
    return render(request, "activities/_card_pending.html", {
        "count": pending.count(), "latest": list(pending.order_by("-created_at", "-id")[:3])})
