"""Wish wall pages: the wall (and its public screen), posting, my wishes, claim and fulfil,
moderation and stale wishes.

Thin: who is asking (`permissions` raises NotFound, a 404), a form, one service, a page.
Every write goes through wenming.wishes.services, as the API's do. What a page shows and
offers is read from `wish_caps` and `allowed_moves`, the API's rule too. Residents appear on
walls and cards only masked (张**) with their community, as `public_view` gives them.
"""

import datetime

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wenming.core.errors import Forbidden
from wenming.core.forms import attempt, call_service
from wenming.core.masking import mask_name
from wenming.core.uploads import file_response
from wenming.core.views import back, flash_errors
from wenming.orgs.models import OrgNode
from wenming.orgs.permissions import is_staff_member, subtree_q
from wenming.people.views import staff_required
from wenming.teams.permissions import led_team_ids

from . import services
from .forms import ClaimForm, FulfilForm, RejectForm, WishFilterForm, WishForm
from .models import WORKFLOW, State, Wish
from .permissions import (
    allowed_moves,
    can_post_wish,
    wish_caps,
    wish_file_for_user,
    wish_get_for_user,
    wishes_for_user,
)
from .selectors import has_numbers, photo_url, private_view, public_view, wall

STALE_AFTER = datetime.timedelta(days=7)
DUE_SOON = datetime.timedelta(days=3)


# ---- helpers ----------------------------------------------------------------------------

def card(wish: Wish, *, private: bool = False) -> dict:
    """What a card shows: `public_view` (the private side too for those whose caps see it),
    plus the date, urgency and state ready to print."""
    shown = {**public_view(wish), **(private_view(wish) if private else {})}
    return {**shown, "due": wish.due_date, "urgency_label": wish.get_urgency_display(),
            "state_label": WORKFLOW.label(wish.state),
            "waiting": wish.state == State.APPROVED,
            "days_left": (wish.due_date - timezone.localdate()).days}


def claimer_label(wish: Wish, private: bool) -> str:
    """Who claimed it: the team or donor unit by name; a volunteer in full only to those
    who may see the wish's private side."""
    if wish.claimed_team:
        return wish.claimed_team.name
    if wish.claimed_volunteer:
        name = wish.claimed_volunteer.user.real_name
        return name if private else mask_name(name)
    return wish.donor_name


def history(wish: Wish) -> list[tuple]:
    """The wish's events, each with a plain verb ("被认领") rather than the state's name."""
    steps = {State.POSTED: _("提交心愿"), State.APPROVED: _("审核通过，已上墙"),
             State.REJECTED: _("未通过审核"), State.CLAIMED: _("被认领"),
             State.FULFILLED: _("已帮助实现，等待确认"), State.CONFIRMED: _("心愿人确认已实现"),
             State.EXPIRED: _("到期未被认领"), State.CANCELLED: _("心愿已撤回")}
    return [(e, _("放弃认领，回到心愿墙") if e.from_state == State.CLAIMED
             and e.to_state == State.APPROVED else steps[e.to_state]) for e in wish.events.all()]


def done(request, wish: Wish):
    return redirect(back(request, reverse("wish_detail", args=[wish.pk])))


# ---- the wall ----------------------------------------------------------------------------

@login_required
def wish_list(request):
    wall_qs = wishes_for_user(request.user).filter(state=State.APPROVED)
    form = WishFilterForm(request.GET or None, user=request.user)
    qs = form.apply(wall_qs)
    page = Paginator(qs.order_by("-urgency", "-created_at", "-id"), 20).get_page(
        request.GET.get("page"))
    return render(request, "wishes/wish_list.html", {
        "form": form, "page": page, "cards": [card(w) for w in page],
        "can_post": can_post_wish(request.user), "staff": is_staff_member(request.user)})


def wall_public(request, org_id: int):
    """The wall for a screen at the station: no login, nothing personal (`public_view`)."""
    org = get_object_or_404(OrgNode, pk=org_id)
    cards = [card(w) for w in wall(org).select_related("resident__user")[:60]]
    if request.htmx:
        return render(request, "wishes/_wall_cards.html", {"cards": cards, "public": True})
    join = request.build_absolute_uri(reverse("wish_list") + f"?org={org.pk}")
    qr = segno.make(join, error="m").svg_inline(scale=1, omitsize=True, light="#fff")
    return render(request, "wishes/wall_public.html", {"org": org, "cards": cards,
                                                       "qr_svg": mark_safe(qr)})


@login_required
def wish_detail(request, wish_id: int):
    wish = wish_get_for_user(request.user, wish_id)
    caps = wish_caps(request.user, wish)
    return render(request, "wishes/wish_detail.html", {
        "w": wish, "c": card(wish, private=caps.sees_private), "caps": caps,
        "moves": allowed_moves(request.user, wish, caps),
        "events": history(wish) if caps.sees_private else [],
        "claimer": claimer_label(wish, caps.sees_private),
        "photo": photo_url(wish) if caps.sees_private and wish.photo else "",
        "following": wish.followers.filter(pk=request.user.pk).exists(),
        "claim_form": ClaimForm(user=request.user), "fulfil_form": FulfilForm(),
        "reject_form": RejectForm()})


def wish_photo(request, wish_id: int, name: str):
    """A wish's photo, by the wish's rule for it (`wish_file_for_user`); 404 for anyone else,
    signed in or not, so neither the wish nor the file shows that it exists."""
    return file_response(wish_file_for_user(request.user, wish_id, name))


# ---- residents ---------------------------------------------------------------------------

@login_required
def wish_new(request):
    if not can_post_wish(request.user):
        raise Forbidden(_("只有群众可以发布微心愿"))
    form = WishForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        wish = call_service(form, services.wish_post, by=request.user, **form.post_values())
        if wish is not None:
            messages.success(request, _("心愿已提交，工作人员审核通过后会出现在心愿墙上"))
            return redirect("wish_detail", wish.pk)
    return render(request, "wishes/wish_form.html", {"form": form})


@login_required
def my_wishes(request):
    qs = wishes_for_user(request.user).prefetch_related("events").order_by("-created_at", "-id")
    mine = list(qs.filter(resident__user=request.user)[:100])
    return render(request, "wishes/my_wishes.html", {
        "mine": [(w, history(w), "confirm" in allowed_moves(request.user, w)) for w in mine],
        "followed": [card(w) for w in qs.filter(followers=request.user)[:100]]})


@require_POST
@login_required
def wish_follow(request, wish_id: int):
    wish = wish_get_for_user(request.user, wish_id)
    on = request.POST.get("on") == "1"
    services.wish_follow(by=request.user, wish=wish, on=on)
    messages.success(request, _("已关注，进展会出现在“我的心愿”里") if on else _("已取消关注"))
    return done(request, wish)


@require_POST
@login_required
def wish_confirm(request, wish_id: int):
    wish = wish_get_for_user(request.user, wish_id)
    attempt(request, services.wish_confirm, _("已确认实现，谢谢您的反馈"), by=request.user, wish=wish)
    return done(request, wish)


@require_POST
@login_required
def wish_cancel(request, wish_id: int):
    wish = wish_get_for_user(request.user, wish_id)
    attempt(request, services.wish_cancel, _("心愿已撤回"), by=request.user, wish=wish,
            reason=request.POST.get("reason", "")[:1000])
    return done(request, wish)


# ---- volunteers --------------------------------------------------------------------------

@login_required
def claimed_wishes(request):
    qs = wishes_for_user(request.user).filter(
        Q(claimed_volunteer__user=request.user) | Q(claimed_team_id__in=led_team_ids(request.user))
    ).order_by("-updated_at", "-id")
    return render(request, "wishes/claimed.html", {"rows": [
        (w, "fulfil" in allowed_moves(request.user, w)) for w in qs[:100]]})


@require_POST
@login_required
def wish_claim(request, wish_id: int):
    wish = wish_get_for_user(request.user, wish_id)
    form = ClaimForm(request.POST, user=request.user)
    if form.is_valid():
        attempt(request, services.wish_claim, _("认领成功，请在期望日期前帮助实现"), by=request.user,
                wish=wish, **form.cleaned_data)
    else:
        flash_errors(request, form)
    return done(request, wish)


@require_POST
@login_required
def wish_release(request, wish_id: int):
    wish = wish_get_for_user(request.user, wish_id)
    attempt(request, services.wish_release, _("已放弃认领，心愿回到心愿墙"), by=request.user,
            wish=wish, reason=request.POST.get("reason", "")[:1000])
    return done(request, wish)


@require_POST
@login_required
def wish_fulfil(request, wish_id: int):
    wish = wish_get_for_user(request.user, wish_id)
    form = FulfilForm(request.POST, request.FILES)
    if form.is_valid():
        attempt(request, services.wish_fulfil, _("已标记实现，等待心愿人确认"), by=request.user,
                wish=wish, **form.cleaned_data)
    else:
        flash_errors(request, form)
    return done(request, wish)


# ---- staff -------------------------------------------------------------------------------

@staff_required
def wish_review(request):
    queue = wishes_for_user(request.user).filter(subtree_q(request.user, "station__path"),
                                                 state=State.POSTED)
    form = WishFilterForm(request.GET or None, user=request.user)
    qs = form.apply(queue)
    page = Paginator(qs.order_by("created_at", "id"), 30).get_page(request.GET.get("page"))
    return render(request, "wishes/review.html", {
        "form": form, "page": page, "reject_form": RejectForm(),
        "rows": [(w, has_numbers(w), allowed_moves(request.user, w)) for w in page]})


@require_POST
@login_required
def wish_approve(request, wish_id: int):
    wish = wish_get_for_user(request.user, wish_id)
    attempt(request, services.wish_moderate, _("已通过，心愿已上墙：%(t)s") % {"t": wish.title},
            by=request.user, wish=wish, approve=True)
    return done(request, wish)


@require_POST
@login_required
def wish_reject(request, wish_id: int):
    wish = wish_get_for_user(request.user, wish_id)
    form = RejectForm(request.POST)
    if form.is_valid():
        attempt(request, services.wish_moderate, _("已标记为未通过，已通知心愿人"), by=request.user,
                wish=wish, approve=False, reason=form.cleaned_data["reason"])
    else:
        flash_errors(request, form)
    return done(request, wish)


@staff_required
def wish_stale(request):
    """On the wall a week without a claimer or due within three days; claimed and overdue."""
    today, mine = timezone.localdate(), wishes_for_user(request.user).filter(
        subtree_q(request.user, "station__path"))
    waiting = mine.filter(Q(updated_at__lte=timezone.now() - STALE_AFTER)
                          | Q(due_date__lte=today + DUE_SOON), state=State.APPROVED)
    overdue = mine.filter(state=State.CLAIMED, due_date__lt=today)
    return render(request, "wishes/stale.html", {
        "waiting": [card(w) for w in waiting.order_by("due_date", "id")[:200]],
        "overdue": list(overdue.order_by("due_date", "id")[:200])})
