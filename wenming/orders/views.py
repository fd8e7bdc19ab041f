"""Order pages: 点单 in three taps (and 代点单 by staff), my orders and rating, the
volunteer's tasks and nearby grabs, the staff queue, dispatch with ranked candidates, escalated
orders, batch dispatch (批量派单) beside greedy first-come dispatch, the map of open orders, a
grid manager's appeals.

Thin like the activity pages: a selector fetches in scope (NotFound is a 404), a form checks
shape, one service writes (wenming.orders.services, as the API does), refusals come back as
messages. The helpers at the top only read.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, F, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from wenming.core.errors import Forbidden
from wenming.core.forms import attempt, call_service
from wenming.core.masking import mask_name
from wenming.core.views import back, flash_errors, require_staff
from wenming.geo import haversine_km
from wenming.menu.selectors import menu_for_station
from wenming.orgs.models import OrgNode, Platform
from wenming.orgs.permissions import (
    is_staff_member,
    org_get_for_user,
    visible_orgs,
)
from wenming.people.models import Resident, Volunteer
from wenming.people.permissions import resident_get_for_user
from wenming.people.selectors import my_volunteer

from . import batch, services
from .forms import (
    ACTIVE,
    BatchForm,
    CandidateSearchForm,
    CompleteForm,
    DispatchForm,
    OptionalReasonForm,
    OrderForm,
    QueueFilterForm,
    RateForm,
    ReasonForm,
    ResidentSearchForm,
    StartForm,
    needs_for,
)
from .models import (
    EVENT_LABELS,
    MARKER_COLOURS,
    PROPOSAL_FLOW,
    STEP_LABELS,
    WORKFLOW,
    BatchProposal,
    ServiceOrder,
    State,
    step_of,
)
from .permissions import (
    OrderCaps,
    complaint_lines,
    order_caps,
    order_contact,
    order_get_for_grab,
    order_get_for_user,
    orders_for_user,
    proposal_get_for_user,
    viewer_of,
)
from .ranking import WEIGHTS, candidates_for
from .selectors import order_history

S = State
FACTORS = {"match": gettext_lazy("类别技能"), "distance": gettext_lazy("距离"),
           "availability": gettext_lazy("时间"), "load": gettext_lazy("手头订单"),
           "rating": gettext_lazy("评分"), "fairness": gettext_lazy("均衡")}
VOLUNTEER_MOVES = {S.ACCEPTED, S.DECLINED, S.COMPLETED}  # the time line says "志愿者"
VOLUNTEERS_ONLY = gettext_lazy("只有志愿者可以接单")
STAFF_ONLY = gettext_lazy("只有阵地工作人员可以派单")


# ---- read-only helpers --------------------------------------------------------------------

def orderer(request) -> tuple[str, Resident | None]:
    """Which kind of order, and for whom: the resident themself, or a resident of the staff
    member's subtree (代点单, ?resident=). None: staff who have not picked anyone yet."""
    kind, resident_id = StartForm(request.GET).values()
    if resident_id:
        return kind, resident_get_for_user(request.user, resident_id)
    own = Resident.objects.filter(user=request.user).select_related("user", "station").first()
    if own is None and not is_staff_member(request.user):
        raise Forbidden(_("只有群众可以点单，工作人员可代群众点单"))
    return kind, own


def duration(minutes: int) -> str:
    hours, mins = divmod(abs(minutes), 60)
    if hours >= 24:
        return _("%(d)d天%(h)d小时") % {"d": hours // 24, "h": hours % 24}
    return _("%(h)d小时%(m)d分") % {"h": hours, "m": mins} if hours else _("%(m)d分钟") % {
        "m": mins}


def with_timing(orders, now=None) -> list[ServiceOrder]:
    """Time left to each order's stage deadline, for the queue (red when overdue)."""
    now = now or timezone.now()
    rows = list(orders)
    for o in rows:
        o.overdue = o.due_at is not None and o.due_at <= now
        o.left = duration(int((o.due_at - now).total_seconds() / 60)) if o.due_at else ""
    return rows


def with_steps(orders) -> list[ServiceOrder]:
    rows = list(orders)
    for o in rows:
        o.step = step_of(o.state)
    return rows


def with_caps(user, orders) -> list[ServiceOrder]:
    """Each row with the caller's caps and the contact they may see (the viewer's facts
    are read once for the page, not per row)."""
    rows = list(orders)
    for o in rows:
        o.caps = order_caps(user, o)
        o.contact = order_contact(user, o, caps=o.caps)
    return rows


# The dispatch page opens with this many candidates; the others are one tap away.
TOP_CANDIDATES = 5
# The one-line reason: where they are, whether they fit, how busy they are.
SUMMARY_FACTORS = ("distance", "match", "load")


def explained(candidates: list[dict]) -> list[dict]:
    """Each factor with its label and its share of the factor's full points (for the bar),
    and a one-line summary of the reasons (the page shows the bars only on demand)."""
    for c in candidates:
        c["key"] = f"v{c['volunteer_id']}" if "volunteer_id" in c else f"t{c['team_id']}"
        for r in c["reasons"]:
            r["label"], r["max"] = FACTORS.get(r["factor"], r["factor"]), WEIGHTS[r["factor"]]
            r["pct"] = round(100 * r["points"] / r["max"]) if r["max"] else 0
        details = {r["factor"]: r["detail"] for r in c["reasons"]}
        c["summary"] = " · ".join(details[f] for f in SUMMARY_FACTORS if f in details)
    return candidates


def with_skills(candidates: list[dict]) -> list[dict]:
    """The volunteers' skills (one query for all), for the search among candidates."""
    ids = [c["volunteer_id"] for c in candidates if "volunteer_id" in c]
    skills: dict[int, list[str]] = {}
    for volunteer_id, name in Volunteer.skills.through.objects.filter(
            volunteer_id__in=ids).values_list("volunteer_id", "skill__name"):
        skills.setdefault(volunteer_id, []).append(name)
    for c in candidates:
        c["skills"] = sorted(skills.get(c.get("volunteer_id"), []))
    return candidates


def matching(candidates: list[dict], query: str) -> list[dict]:
    """Candidates whose name, or one of whose skills, contains `query`."""
    return [c for c in candidates
            if query in c["name"] or any(query in s for s in c.get("skills", ()))]


def assignee_name(order: ServiceOrder, caps: OrderCaps) -> str:
    """Residents see the volunteer's surname only; staff and volunteers the full name."""
    if order.volunteer_id:
        name = order.volunteer.user.real_name
        return mask_name(name) if caps.masks_volunteer else name
    return order.team.name if order.team_id else ""


def timeline(order: ServiceOrder, user, *, names: bool) -> list[dict]:
    """The history as moves; who made each is named for staff, by role for everyone else."""
    def who(h):
        if h["by_id"] is None:
            return _("系统")
        if names:
            return h["by"]
        if h["by_id"] == user.pk:
            return _("我")
        return _("志愿者") if h["to"] in VOLUNTEER_MOVES else _("实践站")
    return [{**h, "label": EVENT_LABELS.get(h["to"], h["to"]), "who": who(h)}
            for h in order_history(order)]


def nearby_open(user, volunteer: Volunteer) -> list[ServiceOrder]:
    rows = with_caps(user, orders_for_user(user).filter(state=S.OPEN).order_by("due_at", "id")
                     [:100])
    if volunteer.home_lat is None:
        return rows
    for o in rows:
        o.distance_km = haversine_km(volunteer.home_lat, volunteer.home_lng, o.lat, o.lng)
    return sorted(rows, key=lambda o: o.distance_km)


def proposal_view(user, proposal: BatchProposal, pairs, left) -> dict:
    """A kept proposal for its page: the summary, what it gains over greedy first-come
    dispatch, and only the shown page's pairs and left-over orders with their orders and
    volunteers (two queries however long the proposal)."""
    found = {**proposal.summary, "capacity": proposal.capacity, "org_id": proposal.org_id}
    ids = [o for o, _v, _km in pairs.object_list] + [u["order_id"] for u in left.object_list]
    orders = ServiceOrder.objects.in_bulk(ids)
    people = Volunteer.objects.select_related("user").in_bulk(
        {v for _o, v, _km in pairs.object_list})
    found["pairs"] = [{"order_id": o, "volunteer_id": v, "km": km, "order": orders.get(o),
                       "volunteer": people.get(v)} for o, v, km in pairs.object_list]
    found["unassigned"] = [{**u, "order": orders.get(u["order_id"])} for u in left.object_list]
    found["more"] = found["solver"]["assigned"] - found["greedy"]["assigned"]
    found["saved_km"] = round(found["greedy"]["total_km"] - found["solver"]["total_km"], 3)
    return found


def manages_grids(user) -> bool:
    return user.managed_grids.exists()


# ---- the resident: 点单 in three taps, my orders, cancel, rate ---------------------------

@login_required
def order_new(request):
    """Tap 1: a category (one of the service platforms)."""
    kind, resident = orderer(request)
    if resident is None:
        return redirect(reverse("order_for_resident") + f"?kind={kind}")
    menu = menu_for_station(resident.station) if kind == ServiceOrder.Kind.SERVICE else []
    if menu:  # the district's service menu: category, item, submit (wenming.menu.views)
        return render(request, "menu/order_categories.html", {
            "kind": kind, "resident": resident, "categories": menu,
            "query": request.GET.urlencode(), "on_behalf": resident.user_id != request.user.pk})
    platforms = [(p, needs_for(p.code, kind)[:2]) for p in Platform.objects.filter(
        is_active=True)]
    return render(request, "orders/new_category.html", {
        "kind": kind, "resident": resident, "platforms": platforms,
        "query": request.GET.urlencode(), "on_behalf": resident.user_id != request.user.pk})


@login_required
def order_new_details(request, platform_code: str):
    """Tap 2: what is needed (one-tap common needs), where and when. Tap 3: submit."""
    kind, resident = orderer(request)
    if resident is None:
        return redirect("order_for_resident")
    platform = get_object_or_404(Platform, code=platform_code, is_active=True)
    form = OrderForm(request.POST if request.method == "POST" else None,
                     initial=OrderForm.initial_for(resident))
    if request.method == "POST" and form.is_valid():
        order = call_service(form, services.order_submit, by=request.user, kind=kind,
                             platform=platform, resident=resident, **form.submit_values())
        if order is not None:
            messages.success(request, _("提交成功！实践站会尽快安排志愿者，进展会发消息告诉您"))
            return redirect("order_detail", order.pk)
    return render(request, "orders/new_details.html", {
        "form": form, "platform": platform, "kind": kind, "resident": resident,
        "needs": needs_for(platform.code, kind), "query": request.GET.urlencode(),
        "on_behalf": resident.user_id != request.user.pk})


@login_required
def order_for_resident(request):
    """代点单: staff pick a resident of their subtree, then order on their behalf."""
    require_staff(request, STAFF_ONLY)
    form = ResidentSearchForm(request.GET if "q" in request.GET else None)
    kind, _resident = StartForm(request.GET).values()
    return render(request, "orders/for_resident.html", {
        "form": form, "rows": form.results(request.user), "kind": kind})


@login_required
def order_mine(request):
    qs = orders_for_user(request.user).filter(resident__user=request.user).order_by(
        "-created_at", "-id")
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    return render(request, "orders/mine.html", {
        "page": page, "rows": with_steps(page), "steps": STEP_LABELS,
        "grids": manages_grids(request.user),
        "is_resident": Resident.objects.filter(user=request.user).exists()})


@login_required
def order_detail(request, order_id: int):
    order = order_get_for_user(request.user, order_id)
    return render(request, "orders/detail.html", detail_context(request, order))


def detail_context(request, order: ServiceOrder, *, reveal: bool = False) -> dict:
    caps = order_caps(request.user, order)
    return {
        "o": order, "caps": caps, "steps": STEP_LABELS, "step": step_of(order.state),
        "contact": order_contact(request.user, order, caps=caps, reveal=reveal,
                                 ip=request.META.get("REMOTE_ADDR")),
        "history": timeline(order, request.user, names=caps.sees_names),
        "rejected": order.state == S.REJECTED, "staff_member": is_staff_member(request.user),
        "rate_form": RateForm(), "complete_form": CompleteForm(),
        "assignee_name": assignee_name(order, caps),
        "complaints": complaint_lines(request.user, order)}


@require_POST
@login_required
def order_contact_reveal(request, order_id: int):
    """查看完整号码: the resident's full phone for those who serve or handle the order,
    audited (order_contact writes the row). htmx swaps the contact in place; without
    JavaScript the order page comes back with it."""
    order = order_get_for_user(request.user, order_id)
    if request.htmx:
        contact = order_contact(request.user, order, reveal=True,
                                ip=request.META.get("REMOTE_ADDR"))
        return render(request, "orders/_contact.html", {"o": order, "contact": contact})
    return render(request, "orders/detail.html", detail_context(request, order, reveal=True))


@require_POST
@login_required
def order_cancel(request, order_id: int):
    order = order_get_for_user(request.user, order_id)
    form = OptionalReasonForm(request.POST)
    if form.is_valid():
        attempt(request, services.order_cancel, _("订单已取消"), by=request.user, order=order,
                reason=form.cleaned_data["reason"])
    else:
        flash_errors(request, form)
    return redirect(back(request, reverse("order_detail", args=[order.pk])))


@require_POST
@login_required
def order_rate(request, order_id: int):
    order = order_get_for_user(request.user, order_id)
    form = RateForm(request.POST)
    if form.is_valid():
        attempt(request, services.order_rate, _("感谢您的评价！"), by=request.user, order=order,
                **form.cleaned_data)
    else:
        flash_errors(request, form)
    return redirect("order_detail", order.pk)


# ---- the volunteer: orders for me, nearby to grab, accept / decline / complete -------------

@login_required
def order_tasks(request):
    volunteer = my_volunteer(request.user, VOLUNTEERS_ONLY)
    mine = orders_for_user(request.user).filter(
        Q(volunteer=volunteer) | Q(team_id__in=viewer_of(request.user).led_team_ids))
    todo = mine.filter(state__in=WORKFLOW.groups["todo"]).order_by(
        F("due_at").asc(nulls_last=True), "id")
    return render(request, "orders/tasks.html", {
        "tab": "tasks", "todo": with_caps(request.user, with_timing(todo)),
        "complete_form": CompleteForm(),
        "done": list(mine.filter(state__in=WORKFLOW.groups["done"]).order_by(
            "-updated_at")[:10]),
        "grids": manages_grids(request.user),
        "is_resident": Resident.objects.filter(user=request.user).exists()})


@login_required
def order_nearby(request):
    volunteer = my_volunteer(request.user, VOLUNTEERS_ONLY)
    return render(request, "orders/nearby.html", {
        "tab": "nearby", "rows": with_timing(nearby_open(request.user, volunteer)),
        "has_home": volunteer.home_lat is not None})


@require_POST
@login_required
def order_grab(request, order_id: int):
    order = order_get_for_grab(request.user, order_id)
    done = attempt(request, services.order_grab, _("抢单成功！请按约定时间上门服务"),
                   volunteer=my_volunteer(request.user, VOLUNTEERS_ONLY), order=order)
    return redirect("order_detail", order.pk) if done else redirect("order_nearby")


@require_POST
@login_required
def order_accept(request, order_id: int):
    order = order_get_for_user(request.user, order_id)
    attempt(request, services.order_accept, _("已接单，请按约定时间上门服务"),
            volunteer=my_volunteer(request.user, VOLUNTEERS_ONLY), order=order)
    return redirect(back(request, reverse("order_detail", args=[order.pk])))


@require_POST
@login_required
def order_decline(request, order_id: int):
    order = order_get_for_user(request.user, order_id)
    form = ReasonForm(request.POST)
    if form.is_valid():
        attempt(request, services.order_decline, _("已拒单，订单退回实践站重新派单"),
                volunteer=my_volunteer(request.user, VOLUNTEERS_ONLY), order=order, reason=form.cleaned_data["reason"])
    else:
        messages.error(request, _("请说明不能接单的原因"))
    return redirect(back(request, reverse("order_tasks")))


@require_POST
@login_required
def order_complete(request, order_id: int):
    order = order_get_for_user(request.user, order_id)
    form = CompleteForm(request.POST)
    if form.is_valid():
        attempt(request, services.order_complete, _("已完成，服务时长已提交审核"),
                volunteer=my_volunteer(request.user, VOLUNTEERS_ONLY), order=order, **form.cleaned_data)
    else:
        flash_errors(request, form)
    return redirect(back(request, reverse("order_detail", args=[order.pk])))


# ---- staff: the queue, dispatch, escalated orders, the map ---------------------------------

MAP_MARKERS = 200

@login_required
def order_queue(request):
    require_staff(request, STAFF_ONLY)
    form = QueueFilterForm(request.GET or None, user=request.user)
    scope = orders_for_user(request.user)
    qs = form.apply(scope).order_by(F("due_at").asc(nulls_last=True), "id")
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    counts = dict(scope.filter(state__in=ACTIVE).values_list("state").annotate(n=Count("id")))
    return render(request, "orders/queue.html", {
        "form": form, "page": page, "rows": with_caps(request.user, with_timing(page)),
        "tab": "queue",
        "counts": [(s, S(s).label, counts.get(s, 0)) for s in ACTIVE],
        "grids": manages_grids(request.user)})


@login_required
def order_escalated(request):
    """Orders passed up the tree after a time limit (站 → 所 → 中心), still being handled."""
    require_staff(request, STAFF_ONLY)
    qs = orders_for_user(request.user).filter(escalations__gt=0, state__in=ACTIVE).order_by(
        F("due_at").asc(nulls_last=True), "id")
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "orders/escalated.html", {
        "page": page, "rows": with_caps(request.user, with_timing(page)), "tab": "escalated"})


@login_required
def order_dispatch(request, order_id: int):
    """The dispatch page: the order, its history and the ranked candidates; POST dispatches
    to one of them."""
    order = order_get_for_user(request.user, order_id)
    caps = order_caps(request.user, order)
    if not caps.sees_desk:
        raise Forbidden(STAFF_ONLY)
    ranked = explained(candidates_for(order)) if caps.offers_candidates else []
    form = DispatchForm(request.POST if request.method == "POST" else None, candidates=ranked)
    if request.method == "POST":
        if form.is_valid():
            attempt(request, services.order_dispatch, _("已派单，等待接单"), by=request.user,
                    order=order, **form.assignee())
        else:
            flash_errors(request, form)
        return redirect("order_dispatch", order.pk)
    search = CandidateSearchForm(request.GET)
    query = search.query()
    with_skills(ranked)
    shown = matching(ranked, query) if query else ranked
    # A search shows every match; otherwise the best few, and the rest behind "more".
    top = len(shown) if query else TOP_CANDIDATES
    return render(request, "orders/dispatch.html", {
        "o": with_timing([order])[0], "caps": caps, "candidates": ranked,
        "top": shown[:top], "rest": shown[top:], "offset": min(top, len(shown)),
        "search": search, "query": query,
        "contact": order_contact(request.user, order, caps=caps),
        "history": timeline(order, request.user, names=True),
        "reject_form": ReasonForm()})


@require_POST
@login_required
def order_review(request, order_id: int):
    order = order_get_for_user(request.user, order_id)
    if not manages_grids(request.user):  # a grid manager 受理s the appeals of their grid
        require_staff(request, STAFF_ONLY)
    attempt(request, services.order_review, _("审核通过，请从下方推荐名单中派单"), by=request.user,
            order=order)
    return redirect("order_dispatch" if is_staff_member(request.user) else "order_detail", order.pk)


@require_POST
@login_required
def order_reject(request, order_id: int):
    order = order_get_for_user(request.user, order_id)
    if not manages_grids(request.user):  # a grid manager 受理s the appeals of their grid
        require_staff(request, STAFF_ONLY)
    form = ReasonForm(request.POST)
    if form.is_valid():
        attempt(request, services.order_reject, _("已驳回，群众会看到驳回原因"), by=request.user,
                order=order, reason=form.cleaned_data["reason"])
    else:
        messages.error(request, _("请填写驳回原因，群众可以看到"))
    return redirect("order_dispatch" if is_staff_member(request.user) else "order_detail", order.pk)


@require_POST
@login_required
def order_open(request, order_id: int):
    order = order_get_for_user(request.user, order_id)
    require_staff(request, STAFF_ONLY)
    attempt(request, services.order_open, _("已开放抢单，附近的志愿者可以接单"), by=request.user,
            order=order)
    return redirect("order_dispatch", order.pk)


@login_required
def order_batch(request):
    """批量派单: pick a node and a capacity. A GET only shows the form (and one's recent
    proposals); the POST solves the node's waiting orders once and keeps the proposal, whose
    own page shows it paged and confirms it (`order_batch_proposal`)."""
    require_staff(request, STAFF_ONLY)
    form = BatchForm(request.POST if request.method == "POST" else request.GET, user=request.user)
    if request.method == "POST" and form.is_valid() and form.cleaned_data["org"]:
        org = org_get_for_user(request.user, form.cleaned_data["org"])
        proposal = call_service(form, services.batch_propose, by=request.user, org=org,
                                capacity=form.cleaned_data["capacity"])
        if proposal is not None:
            return redirect("order_batch_proposal", proposal.pk)
    recent = (BatchProposal.objects.filter(created_by=request.user)
              .select_related("org").order_by("-created_at")[:5])
    return render(request, "orders/batch.html", {
        "form": form, "recent": recent, "tab": "batch", "grids": manages_grids(request.user),
        "max_orders": batch.MAX_ORDERS}, status=400 if form.errors else 200)


PAIRS_PER_PAGE = 50


@login_required
def order_batch_proposal(request, proposal_id: int):
    """A kept proposal: the comparison with greedy dispatch, its pairs and the orders left
    over, each paged; one button dispatches all its pairs."""
    require_staff(request, STAFF_ONLY)
    proposal = proposal_get_for_user(request.user, proposal_id)
    pairs = Paginator(proposal.pairs, PAIRS_PER_PAGE).get_page(request.GET.get("page"))
    left = Paginator(proposal.unassigned, PAIRS_PER_PAGE).get_page(request.GET.get("left"))
    return render(request, "orders/batch_proposal.html", {
        "p": proposal, "found": proposal_view(request.user, proposal, pairs, left),
        "page": pairs, "left": left, "tab": "batch", "grids": manages_grids(request.user),
        "max_orders": batch.MAX_ORDERS, "flow": PROPOSAL_FLOW})


@require_POST
@login_required
def order_batch_dispatch(request, proposal_id: int):
    require_staff(request, STAFF_ONLY)
    proposal = proposal_get_for_user(request.user, proposal_id)
    n = len(proposal.pairs)
    attempt(request, services.batch_proposal_dispatch, ngettext(
        "已按方案派出 %(n)d 单，等待志愿者接单", "已按方案派出 %(n)d 单，等待志愿者接单", n) % {"n": n},
        by=request.user, proposal=proposal)
    return redirect("order_batch_proposal", proposal.pk)


@login_required
def order_map(request):
    """Open orders of the subtree as coloured markers, stations for reference. Tiles only
    when WENMING_MAP_TILE_URL names a (intranet) tile server: nothing comes from outside."""
    require_staff(request, STAFF_ONLY)
    active = orders_for_user(request.user).filter(state__in=ACTIVE)
    # The most urgent first, at most MAP_MARKERS of them: a center's district had 2,000
    # markers and 715 KB of page (issue 10); the rest are one tap away in the queue.
    # Only what a marker and its caps read (not the volunteer, team and platform rows).
    orders = with_caps(request.user, active.select_related(None).select_related(
        "org", "station", "resident__user").order_by("due_at", "-id")[:MAP_MARKERS])
    total = len(orders) if len(orders) < MAP_MARKERS else active.count()
    markers = [{"id": o.pk, "lat": round(o.contact.lat, 5), "lng": round(o.contact.lng, 5),
                "color": MARKER_COLOURS[o.state], "state": S(o.state).label,
                "text": o.text[:30], "address": o.contact.address[:40]} for o in orders]
    stations = list(visible_orgs(request.user).filter(
        kind=OrgNode.Kind.STATION, lat__isnull=False).values_list("name", "lat", "lng")[:5000])
    return render(request, "orders/map.html", {
        "markers": markers, "total": total, "stations": stations,
        "dispatch_url": reverse("order_dispatch", args=[0]),
        "tile_url": settings.WENMING_MAP_TILE_URL,
        "legend": [(S(s).label, c) for s, c in MARKER_COLOURS.items()], "tab": "map"})


# ---- the grid manager: 民呼我应 appeals in my grids ----------------------------------------

@login_required
def order_grid(request):
    if not manages_grids(request.user):
        raise Forbidden(_("您不是网格员"))
    qs = orders_for_user(request.user).filter(
        kind=ServiceOrder.Kind.APPEAL, grid__managers=request.user).select_related(
        "grid").order_by("-created_at", "-id")
    page = Paginator(qs.distinct(), 20).get_page(request.GET.get("page"))
    return render(request, "orders/grid.html", {"page": page, "rows": with_caps(
        request.user, with_timing(with_steps(page)))})
