"""Menu pages: ordering from the menu (taps 2 and 3 after the category of /orders/new/), the
staff's menu editor, the hotline's 代点单, and the community hall's kiosk.

Thin: a selector fetches in scope, a form checks shape, one service writes (as the API does).
"""

import time

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wenming.core.errors import DomainError, Forbidden, NotFound
from wenming.core.forms import call_service
from wenming.core.views import require_staff
from wenming.orders import services as order_services
from wenming.orders.forms import OrderForm
from wenming.orders.models import ServiceOrder
from wenming.orders.views import orderer
from wenming.orgs.models import OrgNode
from wenming.orgs.permissions import can_manage, managed_nodes
from wenming.people.models import Resident, User

from . import services
from .forms import (
    CategoryForm,
    HotlineForm,
    ItemForm,
    KioskCodeForm,
    KioskOpenForm,
    KioskOrderForm,
    KioskPhoneForm,
    wished_at_for,
)
from .models import MenuItem
from .permissions import (
    can_edit_menu,
    category_caps,
    category_get_for_user,
    district_of,
    item_caps,
    item_get_for_user,
    items_for_user,
    offering_nodes,
)
from .selectors import menu_for_editor, menu_for_station

KIOSK_IDLE_SECONDS = 120  # a resident left at the kiosk is forgotten after this


def _posted(request):
    """The form's data on a POST (even an empty one: it is bound and fails), else None."""
    return request.POST if request.method == "POST" else None


def _station_menu_category(station: OrgNode, category_id: int):
    category = next((c for c in menu_for_station(station) if c.pk == category_id), None)
    if category is None:
        raise NotFound()
    return category


def _station_menu_item(station: OrgNode, item_id: int) -> MenuItem:
    item = next((i for c in menu_for_station(station) for i in c.shown if i.pk == item_id), None)
    if item is None:
        raise NotFound()
    return item


# ---- ordering from the menu: tap 2 (an item) and tap 3 (submit) --------------------------

@login_required
def order_category(request, category_id: int):
    """Tap 2: the items of the category tapped on /orders/new/."""
    _kind, resident = orderer(request)
    if resident is None:
        return redirect("order_for_resident")
    category = _station_menu_category(resident.station, category_id)
    return render(request, "menu/order_items.html", {
        "category": category, "resident": resident, "query": request.GET.urlencode(),
        "on_behalf": resident.user_id != request.user.pk})


@login_required
def order_item(request, item_id: int):
    """Tap 3: the order form, filled in from the item and the resident's address; submit."""
    _kind, resident = orderer(request)
    if resident is None:
        return redirect("order_for_resident")
    item = _station_menu_item(resident.station, item_id)
    form = OrderForm(request.POST if request.method == "POST" else None,
                     initial={**OrderForm.initial_for(resident), "text": item.name})
    if request.method == "POST" and form.is_valid():
        order = call_service(form, order_services.order_submit, by=request.user,
                             kind=ServiceOrder.Kind.SERVICE, platform=item.platform, item=item,
                             resident=resident, **form.submit_values())
        if order is not None:
            messages.success(request, _("提交成功！实践站会尽快安排志愿者，进展会发消息告诉您"))
            return redirect("order_detail", order.pk)
    return render(request, "orders/new_details.html", {
        "form": form, "platform": item.platform, "item": item, "kind": "service",
        "resident": resident, "needs": [], "query": request.GET.urlencode(),
        "on_behalf": resident.user_id != request.user.pk})


# ---- the staff's menu editor --------------------------------------------------------------

def _district(user) -> OrgNode:
    nodes = managed_nodes(user)
    if not nodes:
        raise NotFound()
    return get_object_or_404(OrgNode, pk=district_of(nodes[0]))


@login_required
def menu_home(request):
    """Residents and volunteers order (/orders/new/); staff see and edit their district's
    menu as far as their caps go."""
    if not managed_nodes(request.user):
        return redirect("order_new")
    district = _district(request.user)
    return render(request, "menu/home.html", {
        "district": district, "categories": menu_for_editor(request.user, district.pk),
        "can_add_category": can_manage(request.user, district),
        "can_edit": can_edit_menu(request.user)})


@login_required
def category_new(request):
    require_staff(request)
    district = _district(request.user)
    form = CategoryForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if call_service(form, services.category_create, by=request.user, org=district,
                        name=d["name"], description=d["description"],
                        position=d["position"]) is not None:
            messages.success(request, _("已新增类别"))
            return redirect("menu_home")
    return render(request, "menu/category_form.html", {"form": form, "category": None})


@login_required
def category_edit(request, category_id: int):
    category = category_get_for_user(request.user, category_id)
    if not category_caps(request.user, category).can_edit:
        raise NotFound()
    form = CategoryForm(_posted(request), initial=CategoryForm.initial_for(category))
    if request.method == "POST" and form.is_valid():
        if call_service(form, services.category_update, by=request.user, category=category,
                        changes=form.cleaned_data) is not None:
            messages.success(request, _("已保存"))
            return redirect("menu_home")
    return render(request, "menu/category_form.html", {"form": form, "category": category})


@login_required
def item_new(request, category_id: int):
    category = category_get_for_user(request.user, category_id)
    offer_at = offering_nodes(request.user, category)
    if not offer_at:
        raise NotFound()
    form = ItemForm(_posted(request), offer_at=offer_at)
    if request.method == "POST" and form.is_valid():
        if call_service(form, services.item_create, by=request.user, category=category,
                        org=form.cleaned_data["org"], **form.values()) is not None:
            messages.success(request, _("已新增服务项目"))
            return redirect("menu_home")
    return render(request, "menu/item_form.html", {"form": form, "category": category,
                                                   "item": None})


@login_required
def item_edit(request, item_id: int):
    item = item_get_for_user(request.user, item_id)
    if not item_caps(request.user, item).can_edit:
        raise Forbidden()
    form = ItemForm(_posted(request), initial=ItemForm.initial_for(item))
    if request.method == "POST" and form.is_valid():
        if call_service(form, services.item_update, by=request.user, item=item,
                        changes=form.values()) is not None:
            messages.success(request, _("已保存"))
            return redirect("menu_home")
    return render(request, "menu/item_form.html", {
        "form": form, "category": item.category, "item": item})


# ---- the hotline: 代点单 for someone without an account ----------------------------------

@login_required
def hotline(request):
    require_staff(request)
    items = items_for_user(request.user).filter(is_active=True, category__is_active=True) \
        .order_by("category__position", "category_id", "position", "id")
    form = HotlineForm(_posted(request), user=request.user, items=items)
    if request.method == "POST" and form.is_valid():
        order = call_service(form, services.hotline_order, by=request.user, **form.values())
        if order is not None:
            messages.success(request, _("已为来电群众下单，订单进展会通知所属实践站"))
            return redirect("order_detail", order.pk)
    return render(request, "menu/hotline.html", {"form": form})


# ---- the kiosk ---------------------------------------------------------------------------

@login_required
def kiosk_open(request):
    """Staff turn this browser into the hall's kiosk: their own login ends here, the
    screen keeps only the station and who opened it."""
    require_staff(request)
    form = KioskOpenForm(_posted(request), user=request.user)
    if request.method == "POST" and form.is_valid():
        station, opener = form.cleaned_data["station"], request.user.pk
        logout(request)
        request.session["kiosk"] = {"station": station.pk, "by": opener}
        return redirect("kiosk_home")
    return render(request, "menu/kiosk_open.html", {"form": form})


def _kiosk(request) -> tuple[OrgNode, User]:
    state = request.session.get("kiosk")
    if not state:
        raise NotFound()
    opener = User.objects.filter(pk=state["by"], is_active=True).first()
    station = OrgNode.objects.filter(pk=state["station"]).first()
    if opener is None or station is None:
        raise NotFound()
    return station, opener


def _kiosk_resident(request, station: OrgNode) -> Resident | None:
    """The resident who proved their number, unless they walked away (idle too long)."""
    state = request.session.get("kiosk_resident")
    if not state or time.time() - state["seen"] > KIOSK_IDLE_SECONDS:
        request.session.pop("kiosk_resident", None)
        return None
    request.session["kiosk_resident"] = {**state, "seen": time.time()}
    return Resident.objects.filter(pk=state["id"], station__path__startswith=station.path) \
        .select_related("user", "station").first()


def _kiosk_page(request, template: str, context: dict):
    return render(request, f"menu/{template}", {"idle_seconds": KIOSK_IDLE_SECONDS, **context})


def kiosk_home(request):
    station, _opener = _kiosk(request)
    request.session.pop("kiosk_resident", None)
    return _kiosk_page(request, "kiosk_home.html", {"station": station})


def kiosk_phone(request):
    """The number pad: the resident types their number; a code is texted to it."""
    station, _opener = _kiosk(request)
    form = KioskPhoneForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        mobile = form.cleaned_data["mobile"]
        if call_service(form, services.kiosk_code_send, station=station, mobile=mobile) \
                is None and not form.errors:
            return redirect(reverse("kiosk_code") + f"?mobile={mobile}")
    return _kiosk_page(request, "kiosk_phone.html", {"station": station, "form": form})


def kiosk_code(request):
    station, _opener = _kiosk(request)
    form = KioskCodeForm(_posted(request), initial={"mobile": request.GET.get("mobile", "")})
    if request.method == "POST" and form.is_valid():
        try:
            resident = services.kiosk_code_check(station=station, **form.cleaned_data)
        except DomainError as exc:
            form.add_error("code", str(exc.message))
        else:
            request.session["kiosk_resident"] = {"id": resident.pk, "seen": time.time()}
            return redirect("kiosk_menu")
    return _kiosk_page(request, "kiosk_code.html", {
        "station": station, "form": form,
        "mobile": form["mobile"].value() or request.GET.get("mobile", "")})


def _kiosk_who(request):
    station, opener = _kiosk(request)
    resident = _kiosk_resident(request, station)
    return station, opener, resident


def kiosk_menu(request, category_id: int | None = None):
    station, _opener, resident = _kiosk_who(request)
    if resident is None:
        return redirect("kiosk_home")
    categories = menu_for_station(resident.station)
    chosen = next((c for c in categories if c.pk == category_id), None)
    if category_id is not None and chosen is None:
        raise NotFound()
    return _kiosk_page(request, "kiosk_menu.html", {
        "station": station, "resident": resident, "categories": categories, "chosen": chosen})


def kiosk_item(request, item_id: int):
    """The item and three big buttons for when; a tap on one orders it."""
    station, opener, resident = _kiosk_who(request)
    if resident is None:
        return redirect("kiosk_home")
    item = _station_menu_item(resident.station, item_id)
    form = KioskOrderForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        order = call_service(form, services.kiosk_order, opened_by=opener, station=station,
                             resident=resident, item=item,
                             wished_at=wished_at_for(form.cleaned_data["when"]))
        if order is not None:
            request.session.pop("kiosk_resident", None)
            return _kiosk_page(request, "kiosk_done.html", {"station": station,
                                                            "order": order, "item": item})
    return _kiosk_page(request, "kiosk_item.html", {
        "station": station, "resident": resident, "item": item, "form": form,
        "choices": KioskOrderForm.base_fields["when"].choices})


@require_POST
def kiosk_leave(request):
    request.session.pop("kiosk_resident", None)
    return redirect("kiosk_home")
