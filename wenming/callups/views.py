"""Call-up pages: the list, a call-up with its shifts (sign up, withdraw), its live coverage
(an htmx fragment the organiser's page polls), and the staff's publish form.

Thin: a scope read (404 outside), one service, a page; buttons read `callup_caps`,
`allowed_moves` and `shift_moves`, as the API does.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from wenming.core.errors import NotFound
from wenming.core.forms import attempt, call_service
from wenming.core.views import back
from wenming.orgs.permissions import is_staff_member
from wenming.people.views import staff_required

from . import services
from .forms import CallupForm
from .models import MOVES, WORKFLOW, State
from .permissions import allowed_moves, callup_caps, callup_get_for_user, callups_for_user
from .selectors import my_shift_ids, shift_moves, shifts_with_coverage

DONE = {"close": gettext_lazy("招募令已结束"), "cancel": gettext_lazy("招募令已撤销，已通知报名的志愿者")}


def _detail(request, callup_id: int) -> str:
    return back(request, f"/callups/{callup_id}/")


@login_required
def callup_list(request):
    qs = callups_for_user(request.user).order_by("-created_at", "-id")
    return render(request, "callups/callup_list.html", {
        "open": list(qs.filter(state=State.PUBLISHED)[:50]),
        "past": list(qs.exclude(state=State.PUBLISHED)[:20]),
        "staff": is_staff_member(request.user)})


@login_required
def callup_detail(request, callup_id: int):
    callup = callup_get_for_user(request.user, callup_id)
    caps = callup_caps(request.user, callup)
    mine = my_shift_ids(request.user, callup)
    shifts = shifts_with_coverage(callup)
    return render(request, "callups/callup_detail.html", {
        "c": callup, "caps": caps, "moves": allowed_moves(request.user, callup, caps),
        "state_label": WORKFLOW.label(callup.state), "tone": WORKFLOW.colour(callup.state),
        "shifts": [(s, shift_moves(caps, s, mine)) for s in shifts]})


@login_required
def callup_coverage(request, callup_id: int):
    """The organiser's live view: each shift's sign-ups against its quota."""
    callup = callup_get_for_user(request.user, callup_id)
    if not callup_caps(request.user, callup).manages:
        raise NotFound()
    callup.refresh_from_db(fields=["reached", "fanout_done_at", "state"])
    return render(request, "callups/_coverage.html", {
        "c": callup, "shifts": shifts_with_coverage(callup)})


@require_POST
@login_required
def signup(request, callup_id: int, shift_id: int):
    callup = callup_get_for_user(request.user, callup_id)
    attempt(request, services.signup_create, _("报名成功，请按时到岗"), by=request.user,
            callup=callup, shift_id=shift_id)
    return redirect(_detail(request, callup.pk))


@require_POST
@login_required
def withdraw(request, callup_id: int, shift_id: int):
    callup = callup_get_for_user(request.user, callup_id)
    attempt(request, services.signup_withdraw, _("已取消报名"), by=request.user, callup=callup,
            shift_id=shift_id)
    return redirect(_detail(request, callup.pk))


@require_POST
@login_required
def callup_move(request, callup_id: int, move: str):
    if move not in MOVES:
        raise NotFound()
    callup = callup_get_for_user(request.user, callup_id)
    attempt(request, services.callup_move, DONE[move], by=request.user, callup=callup,
            move=move, reason=request.POST.get("reason", "")[:1000])
    return redirect(_detail(request, callup.pk))


@staff_required
def callup_new(request):
    form = CallupForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        callup = call_service(form, services.callup_publish, by=request.user,
                              **form.callup_values())
        if callup is not None:
            messages.success(request, _("招募令已发布，正在推送给匹配的志愿者"))
            return redirect("callup_detail", callup.pk)
    return render(request, "callups/callup_form.html", {"form": form})
