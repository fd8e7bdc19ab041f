"""议事厅 pages: the list and the public board, raising a topic, a topic's page with each
step's form, my tasks and the comment moderation queue.

Thin: who is asking (`permissions` raises NotFound, a 404), a form, one service, a page. What
a page offers is read from `topic_caps` and `allowed_moves`, the API's rule too.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from wenming.core.forms import attempt, call_service
from wenming.core.uploads import file_response
from wenming.core.views import back, flash_errors, require_staff
from wenming.orgs.models import OrgNode, RoleAssignment
from wenming.orgs.permissions import is_staff_member, roles_of, subtree_q
from wenming.partners.permissions import units_for_user
from wenming.people.models import Resident, User
from wenming.teams.permissions import teams_for_user

from . import forms, services
from .models import WORKFLOW, Comment, Stage, Topic
from .permissions import (
    allowed_moves,
    comment_get,
    comments_shown,
    my_tasks,
    public_topics,
    task_caps,
    task_get_for_user,
    topic_caps,
    topic_file_for_user,
    topic_get_for_user,
    topics_for_user,
)
from .selectors import (
    BOARD_STAGES,
    board,
    history,
    options_with_votes,
    photo_url,
    private_view,
    public_view,
    rating_summary,
    stage_counts,
    tasks_of,
)

FIVE_STEPS = ((_lazy("问民需"), {Stage.COLLECTING}), (_lazy("汇民意"), {Stage.ENDORSING}),
              (_lazy("议民题"), {Stage.SCHEDULED, Stage.DECIDED}),
              (_lazy("执民事"), {Stage.EXECUTING}), (_lazy("促民评"), {Stage.EVALUATING}))


def done(request, topic: Topic):
    return redirect(back(request, reverse("topic_detail", args=[topic.pk])))


def _stage_tab(request) -> str:
    stage = request.GET.get("stage", "")
    return stage if stage in BOARD_STAGES else Stage.ENDORSING


def _home_station(user) -> OrgNode | None:
    """The station a resident or volunteer belongs to: their board."""
    return next((r.org for r in roles_of(user) if r.org and r.org.kind == OrgNode.Kind.STATION),
                None)


# ---- reading ------------------------------------------------------------------------------

@login_required
def topic_list(request):
    """Staff: their subtree's topics by stage (the moderation queue first). Everyone else:
    their station's board and the topics they raised."""
    stages = [Stage.COLLECTING, *BOARD_STAGES, Stage.REJECTED]
    stage = request.GET.get("stage", "")
    stage = stage if stage in stages else ""
    qs = topics_for_user(request.user)
    counts = dict(qs.values_list("stage").annotate(n=Count("id")))
    page = Paginator((qs.filter(stage=stage) if stage else qs).order_by("-updated_at", "-id"),
                     20).get_page(request.GET.get("page"))
    return render(request, "deliberation/topic_list.html", {
        "page": page, "cards": [public_view(t) for t in page], "stage": stage,
        "tabs": [(s, WORKFLOW.label(s), counts.get(s, 0)) for s in stages],
        "station": _home_station(request.user),
        "can_raise": is_staff_member(request.user)
        or Resident.objects.filter(user=request.user).exists()})


def topic_board(request, org_id: int):
    """A node's public board by stage: no login, nothing personal (`public_view`)."""
    station = get_object_or_404(OrgNode, pk=org_id, kind=OrgNode.Kind.STATION)
    stage = _stage_tab(request)
    counts = stage_counts(station)
    paginator = Paginator(board(station, stage), 20)
    # The tabs' grouped count already holds this stage's: no second COUNT for the pager.
    paginator.__dict__["count"] = counts.get(stage, 0)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "deliberation/board.html", {
        "station": station, "stage": stage, "page": page,
        "cards": [public_view(t) for t in page],
        "tabs": [(s, WORKFLOW.label(s), n) for s, n in counts.items()]})


def topic_public(request, org_id: int, topic_id: int):
    """One topic as the board shows it: the decision, tasks, ratings and whole history."""
    topic = get_object_or_404(public_topics(get_object_or_404(OrgNode, pk=org_id)).select_related(
        "station", "resident__user"), pk=topic_id)
    return render(request, "deliberation/topic_public.html", {
        "t": topic, "c": public_view(topic), "options": options_with_votes(topic),
        "tasks": [(t, False) for t in tasks_of(topic)], "rating": rating_summary(topic),
        "events": history(topic),
        "ratings": topic.ratings.all()[:50]})


@login_required
def topic_detail(request, topic_id: int):
    topic = topic_get_for_user(request.user, topic_id)
    caps = topic_caps(request.user, topic)
    shown = {**public_view(topic), **(private_view(topic) if caps.sees_private else {})}
    return render(request, "deliberation/topic_detail.html", {
        "t": topic, "c": shown, "caps": caps, "moves": allowed_moves(request.user, topic, caps),
        "options": options_with_votes(topic), "tasks": _tasks_for(request.user, topic),
        "rating": rating_summary(topic), "events": history(topic),
        "ratings": topic.ratings.all()[:50],
        "photos": [photo_url(topic.pk, p.image) for p in topic.photos.all()],
        "comments": comments_shown(topic, request.user)[:200],
        "following": topic.followers.filter(pk=request.user.pk).exists(),
        "schedule_form": forms.ScheduleForm(), "decide_form": forms.DecideForm(),
        "task_form": forms.TaskForm(owners=owner_choices(request.user, topic)),
        "progress_form": forms.ProgressForm(), "rate_form": forms.RateForm(),
        "comment_form": forms.CommentForm(), "commentable": WORKFLOW.groups["commentable"],
        **five_steps(topic)})


def five_steps(topic: Topic) -> dict:
    """The progress bar: the five steps (each covering one or two stages), which are passed
    and which is now; a closed topic has passed all five, a rejected one none."""
    at = next((i for i, (_label, stages) in enumerate(FIVE_STEPS) if topic.stage in stages), -1)
    if topic.stage == Stage.CLOSED:
        at = len(FIVE_STEPS)
    return {"steps": [(label, i < at, i == at) for i, (label, _s) in enumerate(FIVE_STEPS)]}


def _tasks_for(user, topic: Topic) -> list[tuple[dict, bool]]:
    rows = {t.pk: t for t in topic.tasks.select_related("topic__station")}
    return [(v, task_caps(user, rows[v["id"]]).can_report) for v in tasks_of(topic)]


def owner_choices(user, topic: Topic) -> list[tuple[str, str]]:
    """Who a task may go to from the page: staff of the station and the nodes above it, and
    the teams anchored in the station's subtree (volunteers by id through the API)."""
    staff = User.objects.filter(
        role_assignments__role=RoleAssignment.Role.STAFF,
        role_assignments__org_id__in=[*topic.station.ancestor_ids, topic.station_id]).filter(
        subtree_q(user, "role_assignments__org__path") | Q(
            role_assignments__org_id__in=topic.station.ancestor_ids)).distinct()[:50]
    teams = teams_for_user(user).filter(org__path__startswith=topic.station.path,
                                        is_active=True)[:50]
    units = units_for_user(user).filter(subtree_q(user, "org__path"), is_active=True).filter(
        org_id__in=[*topic.station.ancestor_ids, topic.station_id])[:50]
    return ([(f"u:{u.pk}", _("工作人员 · %(n)s") % {"n": u.real_name or u.username})
             for u in staff] + [(f"t:{t.pk}", _("队伍 · %(n)s") % {"n": t.name}) for t in teams]
            + [(f"n:{u.pk}", _("合作单位 · %(n)s") % {"n": u.name}) for u in units])


def topic_photo(request, topic_id: int, name: str):
    """A topic's photo (or a progress photo) for those who may see the topic; 404 otherwise."""
    return file_response(topic_file_for_user(request.user, topic_id, name))


@login_required
def tasks_mine(request):
    rows = my_tasks(request.user).order_by("state", "due", "id")[:200]
    return render(request, "deliberation/tasks_mine.html", {"rows": rows})


@login_required
def comment_queue(request):
    """Reported comments in the caller's subtree that no moderator has looked at yet."""
    require_staff(request)
    qs = Comment.objects.filter(subtree_q(request.user, "topic__station__path"), reports__gt=0,
                                reviewed=False).select_related("topic", "user")
    page = Paginator(qs.order_by("-reports", "id"), 30).get_page(request.GET.get("page"))
    return render(request, "deliberation/comment_queue.html", {"page": page})


# ---- raising ------------------------------------------------------------------------------

@login_required
def topic_new(request):
    form = forms.TopicForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        topic = call_service(form, services.topic_raise, by=request.user,
                             **form.service_values())
        if topic is not None:
            messages.success(request, _("议题已提交，工作人员审核通过后会公开征集附议"))
            return redirect("topic_detail", topic.pk)
    return render(request, "deliberation/topic_form.html", {"form": form})


# ---- the steps ----------------------------------------------------------------------------

def _post(form_class, service, message, *, files=False, values=None):
    """A POST view for one step: the topic in scope, the form, the service, back to the page."""
    @require_POST
    @login_required
    def view(request, topic_id: int):
        topic = topic_get_for_user(request.user, topic_id)
        form = form_class(request.POST, request.FILES if files else None) if form_class else None
        if form is not None and not form.is_valid():
            flash_errors(request, form)
            return done(request, topic)
        data = (values or (lambda f, r, t: f.cleaned_data if f else {}))(form, request, topic)
        attempt(request, service, message, by=request.user, topic=topic, **data)
        return done(request, topic)
    return view


topic_approve = _post(forms.ReasonForm, services.topic_moderate, _("已通过，开始征集附议"),
                      values=lambda f, r, t: {**f.cleaned_data, "approve": True})
topic_reject = _post(forms.RequiredReasonForm, services.topic_moderate, _("已标记为未通过，已通知提议人"),
                     values=lambda f, r, t: {**f.cleaned_data, "approve": False})
topic_endorse = _post(None, services.topic_endorse, _("附议成功，议题进展会通知您"))
topic_schedule = _post(forms.ScheduleForm, services.topic_schedule, _("已安排议事"),
                       values=lambda f, r, t: f.service_values())
topic_vote = _post(forms.VoteForm, services.topic_vote, _("投票成功"),
                   values=lambda f, r, t: {"option_id": f.cleaned_data["option"]})
topic_decide = _post(forms.DecideForm, services.topic_decide, _("决议已记录"),
                     values=lambda f, r, t: {**f.cleaned_data, **_offline_votes(r, t)})
topic_conclude = _post(forms.RequiredReasonForm, services.topic_conclude, _("已进入评价"))
topic_rate = _post(forms.RateForm, services.topic_rate, _("谢谢您的评价"))
topic_close = _post(None, services.topic_close, _("议题已办结"))
comment_add = _post(forms.CommentForm, services.comment_add, _("评论已发表"))
topic_photo_add = _post(forms.PhotoForm, services.topic_add_photo, _("照片已添加"), files=True)


def _offline_votes(request, topic: Topic) -> dict:
    """The hands counted in the room, one field per option (`offline_<option id>`)."""
    counts = {}
    for option in topic.options.all():
        raw = request.POST.get(f"offline_{option.pk}", "0").strip() or "0"
        counts[option.pk] = int(raw) if raw.isdigit() and len(raw) < 7 else -1
    return {"offline_votes": counts}


@require_POST
@login_required
def topic_merge(request, topic_id: int):
    topic = topic_get_for_user(request.user, topic_id)
    form = forms.MergeForm(request.POST)
    if form.is_valid():
        into = topic_get_for_user(request.user, form.cleaned_data["into"])
        attempt(request, services.topic_merge, _("已合并"), by=request.user, topic=topic,
                into=into, reason=form.cleaned_data["reason"])
    else:
        flash_errors(request, form)
    return done(request, topic)


@require_POST
@login_required
def task_add(request, topic_id: int):
    topic = topic_get_for_user(request.user, topic_id)
    form = forms.TaskForm(request.POST, owners=owner_choices(request.user, topic))
    if form.is_valid():
        kind, _sep, pk = form.cleaned_data["owner"].partition(":")
        owner = User.objects.get(pk=pk) if kind == "u" else None
        team = teams_for_user(request.user).get(pk=pk) if kind == "t" else None
        unit = units_for_user(request.user).get(pk=pk) if kind == "n" else None
        attempt(request, services.task_add, _("任务已分派"), by=request.user, topic=topic,
                title=form.cleaned_data["title"], due=form.cleaned_data["due"], owner=owner,
                team=team, unit=unit)
    else:
        flash_errors(request, form)
    return done(request, topic)


@require_POST
@login_required
def task_report(request, topic_id: int, task_id: int):
    topic = topic_get_for_user(request.user, topic_id)
    task = task_get_for_user(request.user, topic, task_id)
    form = forms.ProgressForm(request.POST, request.FILES)
    if form.is_valid():
        attempt(request, services.task_report, _("进展已提交"), by=request.user, task=task,
                **form.cleaned_data)
    else:
        flash_errors(request, form)
    return done(request, topic)


@require_POST
@login_required
def comment_report(request, topic_id: int, comment_id: int):
    topic = topic_get_for_user(request.user, topic_id)
    comment = comment_get(request.user, topic, comment_id)
    attempt(request, services.comment_report, _("已举报，管理员会处理"), by=request.user,
            comment=comment)
    return done(request, topic)


@require_POST
@login_required
def comment_moderate(request, topic_id: int, comment_id: int):
    topic = topic_get_for_user(request.user, topic_id)
    comment = comment_get(request.user, topic, comment_id)
    keep = request.POST.get("keep") == "1"
    attempt(request, services.comment_moderate, _("已保留") if keep else _("已删除"),
            by=request.user, comment=comment, keep=keep)
    return done(request, topic)


@require_POST
@login_required
def topic_follow(request, topic_id: int):
    topic = topic_get_for_user(request.user, topic_id)
    on = request.POST.get("on") == "1"
    services.topic_follow(by=request.user, topic=topic, on=on)
    messages.success(request, _("已关注，进展会通知您") if on else _("已取消关注"))
    return done(request, topic)
