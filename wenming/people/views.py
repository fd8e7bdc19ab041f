"""Pages about people. Thin: check who is asking, validate a form, call one service."""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wenming.core.errors import Forbidden
from wenming.core.forms import call_service
from wenming.core.masking import mask_mobile
from wenming.core.views import require_staff
from wenming.orgs.models import OrgNode
from wenming.orgs.permissions import (
    is_staff_member,
    managed_nodes,
    org_contact,
    roles_of,
    visible_orgs,
)
from wenming.orgs.selectors import subtree_counts
from wenming.partners.permissions import is_unit_staff

from . import accounts, services
from .forms import (
    MobileChangeForm,
    MobileConfirmForm,
    PasswordChangeForm,
    PasswordResetForm,
    ResidentRegisterForm,
    VolunteerFilterForm,
    VolunteerProfileForm,
    VolunteerRegisterForm,
)
from .models import Resident, Volunteer
from .permissions import (
    resident_contact,
    volunteer_caps,
    volunteer_contact,
    volunteer_get_for_user,
    volunteer_moves,
    volunteers_for_user,
)
from .selectors import volunteer_search


def staff_required(view):
    @login_required
    def wrapped(request, *args, **kwargs):
        require_staff(request)
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    return wrapped


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


def home(request):
    user = request.user
    if not user.is_authenticated:
        return render(request, "people/landing.html")
    if not roles_of(user) and is_unit_staff(user):
        return redirect("handover_list")  # a partner unit's account: what was handed to it
    if is_staff_member(user):
        nodes = managed_nodes(user) or list(OrgNode.objects.filter(parent=None))
        cards = [(n, subtree_counts(n)[n.id]) for n in nodes]
        pending = volunteers_for_user(user).filter(status=Volunteer.Status.PENDING).count()
        return render(request, "people/home_staff.html", {"cards": cards, "pending": pending})
    volunteer = Volunteer.objects.filter(user=user).select_related("station__parent").first()
    resident = Resident.objects.filter(user=user).select_related("station__parent").first()
    return render(request, "people/home_member.html", {
        "volunteer": volunteer, "resident": resident,
        "station_contact": resident and org_contact(user, resident.station),
        "roles": [r.get_role_display() for r in roles_of(user)]})


def register(request):
    kind = "resident" if request.GET.get("as") == "resident" else "volunteer"
    form_class = ResidentRegisterForm if kind == "resident" else VolunteerRegisterForm
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        call_service(form, register_service(kind), **register_values(kind, form))
        if not form.errors:
            # One answer whether or not the number was registered already (no login here:
            # a session for one case and none for the other would tell them apart).
            messages.success(request, _("申请已提交，请留意短信/站内信。请用手机号和密码登录。"))
            return redirect("login")
    return render(request, "registration/register.html", {"form": form, "kind": kind})


def register_service(kind: str):
    if kind == "resident":
        return accounts.resident_apply
    return lambda **kw: accounts.volunteer_apply(data=services.VolunteerInput(**kw))


def register_values(kind: str, form) -> dict:
    d = form.cleaned_data
    common = {"real_name": d["real_name"], "mobile": d["mobile"], "password": d["password"],
              "station": d["station"]}
    if kind == "resident":
        return {**common, "address": d["address"], "is_elderly": d["is_elderly"]}
    return {**common, "id_number": d["id_number"], **form.profile_values()}


@staff_required
def volunteer_list(request):
    orgs = visible_orgs(request.user)
    form = VolunteerFilterForm(request.GET or None, orgs=orgs)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = volunteer_search(volunteers_for_user(request.user), by=request.user,
                          ip=client_ip(request),
                          **{k: v or "" for k, v in filters.items() if k != "org"},
                          org=filters.get("org"))
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    rows = [(v, volunteer_contact(request.user, v)) for v in page]
    template = "people/_volunteer_rows.html" if request.htmx else "people/volunteer_list.html"
    return render(request, template, {"form": form, "page": page, "rows": rows})


@staff_required
def volunteer_detail(request, volunteer_id: int):
    volunteer = volunteer_get_for_user(request.user, volunteer_id)
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "approve":
        services.volunteer_approve(volunteer=volunteer, by=request.user)
        messages.success(request, _("已审核通过"))
        return redirect("volunteer_detail", volunteer_id=volunteer.id)
    data = volunteer_contact(request.user, volunteer, reveal=action == "reveal",
                             ip=client_ip(request))
    caps = volunteer_caps(request.user, volunteer)
    return render(request, "people/volunteer_detail.html", {
        "v": volunteer, "data": data, "caps": caps,
        "moves": [m for m in volunteer_moves(caps) if not (m == "reveal" and not data.masked)]})


@staff_required
def volunteer_password(request, volunteer_id: int):
    """Staff set a new password for a volunteer of their subtree (404 outside it)."""
    volunteer = volunteer_get_for_user(request.user, volunteer_id)
    if not volunteer_caps(request.user, volunteer).can_reset_password:
        raise Forbidden()
    form = PasswordResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and call_service(
            form, accounts.password_reset_by_staff, by=request.user, volunteer=volunteer,
            new=form.cleaned_data["new_password"], ip=client_ip(request)):
        messages.success(request, _("密码已重置，已通知该志愿者"))
        return redirect("volunteer_detail", volunteer_id=volunteer.id)
    return render(request, "people/password_reset.html", {"v": volunteer, "form": form})


@login_required
def my_profile(request):
    volunteer = (Volunteer.objects.filter(user=request.user).select_related("user", "station")
                 .first())
    if volunteer is None:
        resident = Resident.objects.filter(user=request.user).select_related("station").first()
        return render(request, "people/my_profile.html", {
            "resident": resident,
            "data": resident and resident_contact(request.user, resident)})
    initial = {"political_status": volunteer.political_status,
               "tags": volunteer.tags, "residence_area": volunteer.residence_area,
               "skills": "、".join(s.name for s in volunteer.skills.all()),
               "service_categories": volunteer.service_categories.all()}
    form = VolunteerProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if call_service(form, services.volunteer_update, volunteer=volunteer, by=request.user,
                        changes=form.profile_values()):
            messages.success(request, _("资料已保存"))
            return redirect("my_profile")
    return render(request, "people/my_profile.html", {
        "volunteer": volunteer, "form": form, "data": volunteer_contact(request.user, volunteer),
        "station_contact": org_contact(request.user, volunteer.station)})


@login_required
def password_change(request):
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = call_service(form, accounts.password_change, user=request.user,
                            current=form.cleaned_data["current_password"],
                            new=form.cleaned_data["new_password"], request=request)
        if user is not None:
            update_session_auth_hash(request, user)
            messages.success(request, _("密码已修改"))
            return redirect("my_profile")
    return render(request, "people/password_change.html", {"form": form})


@login_required
def mobile_change(request):
    """Two steps on one page: the new number (a code is sent to it), then the code."""
    pending = accounts.mobile_change_pending(request.user)
    send_form = MobileChangeForm(request.POST if "send" in request.POST else None)
    code_form = MobileConfirmForm(request.POST if "confirm" in request.POST else None)
    if send_form.is_bound and send_form.is_valid():
        pending = call_service(send_form, accounts.mobile_change_start, user=request.user,
                               new_mobile=send_form.cleaned_data["mobile"]) or pending
        if not send_form.errors:
            messages.info(request, _("验证码已发送到新手机号"))
            return redirect("mobile_change")
    if code_form.is_bound and code_form.is_valid() and call_service(
            code_form, accounts.mobile_change_confirm, user=request.user,
            code=code_form.cleaned_data["code"]):
        messages.success(request, _("登录手机号已修改"))
        return redirect("my_profile")
    return render(request, "people/mobile_change.html", {
        "send_form": send_form, "code_form": code_form, "pending": pending,
        "sent_to": mask_mobile(pending.new_mobile) if pending else ""})


@require_POST
def elder_mode(request):
    """长者模式: saved on the account, or in a cookie for visitors; remembered either way."""
    on = request.POST.get("on") == "1"
    if request.user.is_authenticated:
        services.elder_mode_set(user=request.user, on=on)
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("home")
    response = redirect(next_url)
    response.set_cookie("elder", "1" if on else "0", max_age=365 * 24 * 3600, samesite="Lax")
    return response

