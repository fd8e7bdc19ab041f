"""Pages of partner units (共建单位), 双报到, 吹哨报到 and mediation cases. Thin: scope read,
one service, render; the caps decide what each page offers."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wenming.core.errors import Forbidden, NotFound
from wenming.core.forms import attempt, call_service
from wenming.core.uploads import file_response
from wenming.core.views import flash_errors
from wenming.orders.permissions import order_get_for_user
from wenming.orgs.permissions import is_staff_member, org_get_for_user
from wenming.people.selectors import my_volunteer

from . import services
from .forms import (
    AccountForm,
    FollowUpForm,
    HandoverForm,
    MediationForm,
    ReasonForm,
    ReportForm,
    UnitForm,
)
from .models import HANDOVER_WORKFLOW, Unit
from .permissions import (
    can_record_mediation,
    can_send_handover,
    handover_caps,
    handover_get_for_user,
    handover_targets,
    handovers_for_user,
    is_unit_staff,
    mediation_get_for_user,
    mediations_for_user,
    unit_caps,
    unit_contact,
    unit_get_for_user,
    units_for_user,
    units_to_join,
)
from .selectors import handover_events, members_with_hours

PER_PAGE = 20


def _page(request, qs):
    return Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))


# ---- the register -----------------------------------------------------------------------

@login_required
def unit_list(request):
    """Staff: the units serving their subtree; a unit's account: its own unit(s)."""
    if not (is_staff_member(request.user) or is_unit_staff(request.user)):
        raise Forbidden(_("只有阵地工作人员和共建单位账号可以查看单位名册"))
    qs = units_for_user(request.user)
    kind = request.GET.get("kind", "")
    if kind in Unit.Kind.values:
        qs = qs.filter(kind=kind)
    return render(request, "partners/unit_list.html", {
        "page": _page(request, qs.order_by("org__path", "name", "id")), "kind": kind,
        "kinds": Unit.Kind.choices, "staff": is_staff_member(request.user)})


@login_required
def unit_new(request):
    if not is_staff_member(request.user):
        raise Forbidden(_("只有阵地工作人员可以登记共建单位"))
    form = UnitForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        unit = call_service(form, services.unit_create, by=request.user,
                            **form.cleaned_data)
        if unit is not None:
            messages.success(request, _("单位已登记"))
            return redirect("unit_detail", unit.pk)
    return render(request, "partners/unit_form.html", {"form": form})


def _unit_page(request, unit, *, reveal: bool = False):
    caps = unit_caps(request.user, unit)
    members = list(members_with_hours(unit)) if caps.sees_members else []
    return render(request, "partners/unit_detail.html", {
        "u": unit, "caps": caps, "members": members,
        "hours_total": sum(m.hours for m in members),
        "contact": unit_contact(request.user, unit, caps=caps, reveal=reveal,
                                ip=request.META.get("REMOTE_ADDR")),
        "open_handovers": unit.handovers.filter(
            state__in=HANDOVER_WORKFLOW.groups["open"]).select_related("order")[:20]
        if caps.sees_members else []})


@login_required
def unit_detail(request, pk: int):
    return _unit_page(request, unit_get_for_user(request.user, pk))


@login_required
def unit_account_new(request, pk: int):
    """开设单位账号: staff of the served subtree give the unit's liaison a login."""
    unit = unit_get_for_user(request.user, pk)
    if not unit_caps(request.user, unit).manages:
        raise Forbidden(_("只有该单位所服务阵地的工作人员可以管理"))
    form = AccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if call_service(form, services.unit_account_create, by=request.user, unit=unit,
                        **form.cleaned_data):
            messages.success(request, _("单位账号已开设"))
            return redirect("unit_detail", unit.pk)
    return render(request, "partners/account_form.html", {"form": form, "u": unit})


@login_required
@require_POST
def unit_contact_reveal(request, pk: int):
    """查看完整号码: audited, staff of the served subtree only."""
    return _unit_page(request, unit_get_for_user(request.user, pk), reveal=True)


# ---- 双报到: a volunteer reports to a unit of their community ---------------------------

@login_required
def unit_join_page(request):
    volunteer = my_volunteer(request.user, _("只有志愿者可以到单位报到"))
    mine = {m.unit_id: m for m in volunteer.unit_memberships.all()}
    units = [(u, mine.get(u.pk)) for u in units_to_join(volunteer).order_by("kind", "name")]
    return render(request, "partners/join.html", {"units": units})


@login_required
@require_POST
def unit_join(request, pk: int):
    volunteer = my_volunteer(request.user, _("只有志愿者可以到单位报到"))
    unit = units_to_join(volunteer).filter(pk=pk).first()
    if unit is None:
        raise NotFound()
    attempt(request, services.unit_join, _("报到成功"), volunteer=volunteer, unit=unit)
    return redirect("unit_join_page")


@login_required
@require_POST
def unit_leave(request, pk: int):
    volunteer = my_volunteer(request.user)
    membership = volunteer.unit_memberships.select_related("unit", "volunteer").filter(
        unit_id=pk).first()
    if membership is None:
        raise NotFound()
    services.unit_leave(by=request.user, membership=membership)
    messages.success(request, _("已取消报到"))
    return redirect("unit_join_page")


# ---- 吹哨报到 ---------------------------------------------------------------------------

@login_required
def handover_list(request):
    """A unit's account: what was handed to it; staff: what their subtree handed over."""
    qs = handovers_for_user(request.user)
    state = request.GET.get("state", "open")
    if state == "open":
        qs = qs.filter(state__in=HANDOVER_WORKFLOW.groups["open"])
    elif state in HANDOVER_WORKFLOW.states.values:
        qs = qs.filter(state=state)
    return render(request, "partners/handover_list.html", {
        "page": _page(request, qs.order_by("due_at", "id")), "state": state,
        "states": HANDOVER_WORKFLOW.states.choices, "wf": HANDOVER_WORKFLOW})


def _handover_page(request, handover, **forms):
    caps = handover_caps(request.user, handover)
    return render(request, "partners/handover_detail.html", {
        "h": handover, "caps": caps, "moves": caps.moves, "wf": HANDOVER_WORKFLOW,
        "order": order_get_for_user(request.user, handover.order_id),
        "history": handover_events(handover, names=caps.sees_names),
        "photos": list(handover.photos.all()),
        "report_form": forms.get("report_form") or ReportForm(),
        "reason_form": ReasonForm()})


@login_required
def handover_detail(request, pk: int):
    return _handover_page(request, handover_get_for_user(request.user, pk))


@login_required
@require_POST
def handover_move(request, pk: int, move: str):
    handover = handover_get_for_user(request.user, pk)
    if move == "accept":
        attempt(request, services.handover_accept, _("已接收，请按时办理并反馈"),
                by=request.user, handover=handover)
    elif move == "report":
        form = ReportForm(request.POST)
        if not form.is_valid():
            flash_errors(request, form)
            return redirect("handover_detail", pk)
        attempt(request, services.handover_report, _("已反馈办理情况"), by=request.user,
                handover=handover, note=form.cleaned_data["note"],
                photos=request.FILES.getlist("photos"))
    elif move in {"decline", "recall"}:
        form = ReasonForm(request.POST)
        if not form.is_valid():
            flash_errors(request, form)
            return redirect("handover_detail", pk)
        service = services.handover_decline if move == "decline" else services.handover_recall
        attempt(request, service, _("已办理"), by=request.user, handover=handover,
                reason=form.cleaned_data["reason"])
    else:
        raise NotFound()
    return redirect("handover_detail", pk)


def handover_photo(request, pk: int, photo_pk: int):
    """A report photo, only for those who see the hand-over; 404 for anyone else."""
    if not request.user.is_authenticated:
        raise NotFound()
    handover = handover_get_for_user(request.user, pk)
    photo = handover.photos.filter(pk=photo_pk).first()
    if photo is None:
        raise NotFound()
    return file_response(photo.image)


@login_required
def order_handover(request, order_pk: int):
    """吹哨: the form that hands an order or appeal to a partner unit."""
    order = order_get_for_user(request.user, order_pk)
    if not can_send_handover(request.user, order):
        raise Forbidden(_("只有受理阵地的工作人员或本网格的网格员可以交办"))
    form = HandoverForm(request.POST or None, units=handover_targets(request.user, order))
    if request.method == "POST" and form.is_valid():
        handover = call_service(form, services.handover_send, by=request.user, order=order,
                                **form.cleaned_data)
        if handover is not None:
            messages.success(request, _("已交办给%(u)s") % {"u": handover.unit.name})
            return redirect("order_detail", order.pk)
    return render(request, "partners/handover_form.html", {"form": form, "o": order})


@login_required
@require_POST
def order_hand_up(request, order_pk: int):
    order = order_get_for_user(request.user, order_pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        attempt(request, services.order_hand_up, _("已上报上级阵地"), by=request.user,
                order=order, reason=form.cleaned_data["reason"])
    else:
        flash_errors(request, form)
    return redirect("order_detail", order.pk)


# ---- mediation cases --------------------------------------------------------------------

@login_required
def mediation_list(request):
    qs = mediations_for_user(request.user)
    return render(request, "partners/mediation_list.html", {"page": _page(request, qs)})


@login_required
def mediation_new(request):
    """调解 recorded from an appeal (?order=) or for a station (?station=) directly."""
    order = grid = None
    if order_id := request.GET.get("order", "").strip():
        if not order_id.isdigit() or len(order_id) > 12:
            raise NotFound()
        order = order_get_for_user(request.user, int(order_id))
        station, grid = order.station, order.grid
    else:
        station_id = request.GET.get("station", "")
        if not station_id.isdigit() or len(station_id) > 12:
            raise NotFound()
        station = org_get_for_user(request.user, int(station_id))
    if not can_record_mediation(request.user, station, grid):
        raise Forbidden(_("只有本网格的网格员或实践站工作人员可以记录调解"))
    form = MediationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        case = call_service(form, services.mediation_record, by=request.user, station=station,
                            grid=grid, order=order, **form.cleaned_data)
        if case is not None:
            messages.success(request, _("调解案例已记录"))
            return redirect("mediation_detail", case.pk)
    return render(request, "partners/mediation_form.html", {
        "form": form, "station": station, "grid": grid, "o": order})


@login_required
def mediation_detail(request, pk: int):
    case = mediation_get_for_user(request.user, pk)
    form = FollowUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if attempt(request, services.mediation_follow_up, _("已记录回访"), by=request.user,
                   case=case, note=form.cleaned_data["note"]):
            return redirect("mediation_detail", pk)
    return render(request, "partners/mediation_detail.html", {"c": case, "form": form})
