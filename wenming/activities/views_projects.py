"""Project pages: the list, proposing one, and the project page (its steps, the moves the
caller may make, activities, volunteers, totals, the close-out report with photos)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from wenming.core.errors import Forbidden, NotFound
from wenming.core.forms import attempt, call_service
from wenming.core.uploads import file_response
from wenming.core.views import flash_errors

from . import projects, services
from .forms_recording import PhotoForm, ProjectEditForm, ProjectForm, ProjectMoveForm
from .models import PROJECT_FLOW, Project, ProjectPhoto
from .permissions import may_publish, project_caps, project_get_for_user, projects_for_user

MOVE_LABELS = {"approve": gettext_lazy("立项"), "reject": gettext_lazy("不予立项"),
               "resubmit": gettext_lazy("重新申报"), "recruit": gettext_lazy("开始招募"),
               "run": gettext_lazy("开始实施"), "close": gettext_lazy("结项")}


@login_required
def project_list(request):
    qs = projects_for_user(request.user).order_by("-created_at", "-id")
    state = request.GET.get("state", "")
    if state in Project.State.values:
        qs = qs.filter(state=state)
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    return render(request, "activities/project_list.html", {
        "page": page, "state": state, "states": Project.State.choices,
        "rows": [(p, PROJECT_FLOW.colour(p.state)) for p in page],
        "can_propose": may_publish(request.user)})


@login_required
def project_new(request):
    if not may_publish(request.user):
        raise Forbidden()
    form = ProjectForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        project = call_service(form, services.project_create, by=request.user,
                               **form.cleaned_data)
        if project is not None:
            messages.success(request, _("项目已申报，等待上级阵地立项"))
            return redirect("project_detail", project.pk)
    return render(request, "activities/project_form.html", {"form": form})


@login_required
def project_detail(request, project_id: int):
    project = project_get_for_user(request.user, project_id)
    caps = project_caps(request.user, project)
    steps = PROJECT_FLOW.steps
    at = PROJECT_FLOW.step_index(project.state)
    return render(request, "activities/project_detail.html", {
        "p": project, "caps": caps, "totals": projects.project_totals(project),
        "state_label": PROJECT_FLOW.label(project.state),
        "steps": [(PROJECT_FLOW.label(s), i < at, i == at) for i, s in enumerate(steps)],
        "moves": [(m, MOVE_LABELS[m]) for m in caps.moves if m != "edit"],
        "activities": project.activities.select_related("org").order_by("-start")[:50],
        "volunteers": projects.project_volunteers(project),
        "photos": list(project.photos.order_by("id")), "photo_form": PhotoForm(),
        "edit_form": ProjectEditForm(initial={"title": project.title,
                                              "description": project.description,
                                              "is_brand": project.is_brand}),
        "events": [(e, PROJECT_FLOW.label(e.to_state)) for e in project.events.select_related(
            "by")]})


@require_POST
@login_required
def project_edit(request, project_id: int):
    project = project_get_for_user(request.user, project_id)
    form = ProjectEditForm(request.POST)
    if form.is_valid():
        attempt(request, projects.project_edit, _("项目已保存"), by=request.user,
                project=project, changes=form.cleaned_data)
    else:
        flash_errors(request, form)
    return redirect("project_detail", project.pk)


@require_POST
@login_required
def project_move(request, project_id: int):
    project = project_get_for_user(request.user, project_id)
    form = ProjectMoveForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        attempt(request, projects.project_move, _("项目状态已更新"), by=request.user,
                project=project, move=d["move"], reason=d["reason"], outcomes=d["outcomes"],
                people_served=d["people_served"])
    else:
        flash_errors(request, form)
    return redirect("project_detail", project.pk)


@require_POST
@login_required
def project_photo_add(request, project_id: int):
    project = project_get_for_user(request.user, project_id)
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            projects.project_photo_add(by=request.user, project=project,
                                       image=form.cleaned_data["image"])
            messages.success(request, _("照片已上传"))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
    else:
        flash_errors(request, form)
    return redirect("project_detail", project.pk)


@login_required
def project_photo(request, project_id: int, photo_id: int):
    """A photo, to those who may see the project (never by its stored path)."""
    project = project_get_for_user(request.user, project_id)
    photo = ProjectPhoto.objects.filter(pk=photo_id, project=project).first()
    if photo is None:
        raise NotFound()
    return file_response(photo.image)
