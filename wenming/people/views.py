"""Pages about people. Thin: check who is asking, validate a form, call one service."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wenming.core.errors import Forbidden
from wenming.core.forms import call_service
from wenming.core.masking import mask_id_number, mask_mobile
from wenming.orgs.models import OrgNode
from wenming.orgs.permissions import (
    is_staff_member,
    managed_nodes,
    roles_of,
    visible_orgs,
)
from wenming.orgs.selectors import subtree_counts

from . import services
from .forms import (
    ResidentRegisterForm,
    VolunteerFilterForm,
    VolunteerProfileForm,
    VolunteerRegisterForm,
)
from .models import Resident, Volunteer
from .selectors import volunteer_get_for_user, volunteer_search, volunteers_for_user

BACKEND = "wenming.people.backends.UsernameOrMobileBackend"


def staff_required(view):
    @login_required
    def wrapped(request, *args, **kwargs):
        if not is_staff_member(request.user):
            raise Forbidden()
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    return wrapped


def home(request):
    user = request.user
    if not user.is_authenticated:
        return render(request, "people/landing.html")
    if is_staff_member(user):
        nodes = managed_nodes(user) or list(OrgNode.objects.filter(parent=None))
        cards = [(n, subtree_counts(n)[n.id]) for n in nodes]
        pending = volunteers_for_user(user).filter(status=Volunteer.Status.PENDING).count()
        return render(request, "people/home_staff.html", {"cards": cards, "pending": pending})
    volunteer = Volunteer.objects.filter(user=user).select_related("station__parent").first()
    resident = Resident.objects.filter(user=user).select_related("station__parent").first()
    return render(request, "people/home_member.html", {
        "volunteer": volunteer, "resident": resident,
        "roles": [r.get_role_display() for r in roles_of(user)]})


def register(request):
    kind = "resident" if request.GET.get("as") == "resident" else "volunteer"
    form_class = ResidentRegisterForm if kind == "resident" else VolunteerRegisterForm
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        profile = call_service(form, register_service(kind), **register_values(kind, form))
        if profile is not None:
            login(request, profile.user, backend=BACKEND)
            if getattr(profile, "status", "") == Volunteer.Status.PENDING:
                messages.info(request, _("注册成功，等待实践站管理员审核后即可参加志愿服务"))
            else:
                messages.success(request, _("注册成功，欢迎加入！"))
            return redirect("home")
    return render(request, "registration/register.html", {"form": form, "kind": kind})


def register_service(kind: str):
    if kind == "resident":
        return services.resident_register
    return lambda **kw: services.volunteer_register(data=services.VolunteerInput(**kw))


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
    qs = volunteer_search(volunteers_for_user(request.user),
                          **{k: v or "" for k, v in filters.items() if k != "org"},
                          org=filters.get("org"))
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    rows = [(v, mask_mobile(v.user.mobile), mask_id_number(v.id_number)) for v in page]
    template = "people/_volunteer_rows.html" if request.htmx else "people/volunteer_list.html"
    return render(request, template, {"form": form, "page": page, "rows": rows})


@staff_required
def volunteer_detail(request, volunteer_id: int):
    volunteer = volunteer_get_for_user(request.user, volunteer_id)
    revealed = None
    if request.method == "POST" and request.POST.get("action") == "reveal":
        revealed = services.personal_data_reveal(volunteer=volunteer, by=request.user,
                                                 ip=request.META.get("REMOTE_ADDR"))
    elif request.method == "POST" and request.POST.get("action") == "approve":
        services.volunteer_approve(volunteer=volunteer, by=request.user)
        messages.success(request, _("已审核通过"))
        return redirect("volunteer_detail", volunteer_id=volunteer.id)
    return render(request, "people/volunteer_detail.html", {
        "v": volunteer, "revealed": revealed,
        "mobile": mask_mobile(volunteer.user.mobile),
        "id_number": mask_id_number(volunteer.id_number)})


@login_required
def my_profile(request):
    volunteer = Volunteer.objects.filter(user=request.user).select_related("station").first()
    if volunteer is None:
        resident = Resident.objects.filter(user=request.user).select_related("station").first()
        return render(request, "people/my_profile.html", {"resident": resident})
    initial = {"mobile": volunteer.user.mobile, "political_status": volunteer.political_status,
               "tags": volunteer.tags, "residence_area": volunteer.residence_area,
               "skills": "、".join(s.name for s in volunteer.skills.all()),
               "service_categories": volunteer.service_categories.all()}
    form = VolunteerProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = {**form.profile_values(), "mobile": form.cleaned_data["mobile"]}
        if call_service(form, services.volunteer_update, volunteer=volunteer, by=request.user,
                        changes=changes):
            messages.success(request, _("资料已保存"))
            return redirect("my_profile")
    return render(request, "people/my_profile.html", {"volunteer": volunteer, "form": form})


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

