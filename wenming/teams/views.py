"""Team pages: find a team, ask to join or leave, decide join requests, found a team.

Thin like the activity pages: a selector fetches in scope (NotFound is a 404), one service
writes, refusals come back as messages.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from wenming.activities.permissions import activities_for_user
from wenming.core.errors import Forbidden, NotFound
from wenming.core.forms import attempt, call_service
from wenming.core.masking import mask_mobile
from wenming.orgs.permissions import is_staff_member
from wenming.people.selectors import my_volunteer

from . import services
from .forms import TeamFilterForm, TeamForm
from .models import Membership, Team
from .permissions import can_lead, members_visible, team_get_for_user, teams_for_user
from .selectors import with_member_counts

ACTIVE = Membership.Status.ACTIVE
VOLUNTEERS_ONLY = gettext_lazy("只有志愿者可以加入队伍")


@login_required
def team_list(request):
    form = TeamFilterForm(request.GET or None)
    qs = form.apply(teams_for_user(request.user))
    page = Paginator(qs.order_by("org__path", "id"), 30).get_page(request.GET.get("page"))
    page.object_list = with_member_counts(page.object_list)
    template = "teams/_team_rows.html" if request.htmx else "teams/team_list.html"
    return render(request, template, {"form": form, "page": page,
                                      "can_found": is_staff_member(request.user)})


@login_required
def team_detail(request, team_id: int):
    team = team_get_for_user(request.user, team_id)
    visible, lead = members_visible(request.user, team), can_lead(request.user, team)
    members = team.memberships.select_related("volunteer__user").order_by("-role", "id")
    return render(request, "teams/team_detail.html", {
        "team": team, "lead": lead, "visible": visible,
        "mine": team.memberships.filter(volunteer__user=request.user).first(),
        "is_volunteer_user": hasattr(request.user, "volunteer"),
        "member_count": team.memberships.filter(status=ACTIVE).count(),
        "roster": _masked(members.filter(status=ACTIVE)) if visible else [],
        "requests": _masked(members.filter(status=Membership.Status.PENDING)) if lead else [],
        "activities": activities_for_user(request.user).filter(
            team=team, end__gte=timezone.now()).order_by("start")[:5]})


def _masked(memberships) -> list[tuple[Membership, str]]:
    return [(m, mask_mobile(m.volunteer.user.mobile)) for m in memberships]


@login_required
def team_new(request):
    if not is_staff_member(request.user):
        raise Forbidden()
    form = TeamForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        team = call_service(form, services.team_create, by=request.user, **form.team_values())
        if team is not None:
            messages.success(request, _("队伍已成立"))
            return redirect("team_detail", team.pk)
    return render(request, "teams/team_form.html", {"form": form})


@require_POST
@login_required
def team_join(request, team_id: int):
    team = team_get_for_user(request.user, team_id)
    attempt(request, services.membership_request, _("已提交入队申请，等待队长审核"),
            volunteer=my_volunteer(request.user, VOLUNTEERS_ONLY), team=team)
    return redirect("team_detail", team.pk)


@require_POST
@login_required
def team_leave(request, team_id: int):
    team = team_get_for_user(request.user, team_id)
    attempt(request, services.membership_leave, _("您已退出该队伍"),
            volunteer=my_volunteer(request.user, VOLUNTEERS_ONLY), team=team)
    return redirect("team_detail", team.pk)


@require_POST
@login_required
def member_decide(request, team_id: int, membership_id: int):
    team: Team = team_get_for_user(request.user, team_id)
    membership = team.memberships.select_related("volunteer__user", "team").filter(
        pk=membership_id).first()
    if membership is None:
        raise NotFound()
    approve = request.POST.get("approve") == "1"
    attempt(request, services.membership_decide, _("已同意入队") if approve else _("已拒绝申请"),
            by=request.user, membership=membership, approve=approve)
    return redirect("team_detail", team.pk)
