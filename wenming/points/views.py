"""Points and store pages: my points, the stores and their goods, redeeming (idempotent),
my redemptions with the pickup code and its QR; for staff the subtree's accounts, store and
goods management and the pickup counter.

Thin: who is asking (`permissions` raises NotFound, a 404), a form, one service, a page.
Every write goes through wenming.points.services, as the API's do; what a page offers is read
from the caps (`store_caps`, `redemption_caps`, `allowed_moves`), the API's rule too.
"""

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wenming.core.errors import Forbidden
from wenming.core.forms import attempt, call_service
from wenming.core.uploads import file_response
from wenming.core.views import flash_errors
from wenming.orgs.permissions import is_staff_member
from wenming.people.models import Resident, Volunteer
from wenming.people.selectors import my_volunteer
from wenming.people.views import staff_required

from . import services
from .forms import GoodsEditForm, GoodsForm, PickupForm, RedeemForm, StoreForm
from .models import REDEMPTION_FLOW, PointsEntry, Redemption
from .permissions import (
    account_get_for_user,
    accounts_for_user,
    allowed_moves,
    goods_file_for_user,
    goods_get_for_user,
    redemption_caps,
    redemption_get_for_user,
    redemptions_for_user,
    store_caps,
    store_get_for_user,
    stores_for_user,
)
from .selectors import on_sale, picture_url

Status = Redemption.Status


# ---- helpers ----------------------------------------------------------------------------

def my_balance(user) -> int:
    """Read only: a volunteer who never earned has no account yet, and a page makes none."""
    account = accounts_for_user(user).filter(volunteer__user=user).first()
    return account.balance if account else 0


def pickup_qr(request, redemption: Redemption) -> str:
    """The QR a store's staff scan: their pickup counter, with the code filled in."""
    url = request.build_absolute_uri(reverse("store_pickup", args=[redemption.goods.store_id])
                                     + f"?code={redemption.pickup_code}")
    return mark_safe(segno.make(url, error="m").svg_inline(scale=1, omitsize=True, light="#fff"))


def shown_code(request, redemption: Redemption, caps) -> str:
    """The pickup QR while the code is still good, and only for whom caps show the code."""
    if caps.sees_pickup_code and REDEMPTION_FLOW.in_group(redemption.status, "active"):
        return pickup_qr(request, redemption)
    return ""


def outcome(redemption: Redemption) -> str:
    """A finished redemption in a sentence."""
    if redemption.status == Status.PICKED_UP:
        return _("已于 %(t)s 领取") % {"t": date_format(
            timezone.localtime(redemption.handled_at), "n月j日 H:i")}
    return _("已取消，积分已退回。") if redemption.status == Status.CANCELLED else ""


def require(allowed: bool) -> None:
    """A page only for those whose caps allow it (the services check again on every POST)."""
    if not allowed:
        raise Forbidden()


# ---- my points ---------------------------------------------------------------------------

@login_required
def points_home(request):
    if not Volunteer.objects.filter(user=request.user).exists():
        if is_staff_member(request.user):
            return redirect("points_accounts")
        resident = Resident.objects.filter(user=request.user).select_related("station").first()
        if resident is None:
            raise Forbidden(_("只有志愿者有积分账户"))
        # Residents have no account: they see how points are earned, and where to start.
        return render(request, "points/for_residents.html", {
            "rules": services.points_rules_for(resident.station)})
    account = accounts_for_user(request.user).filter(volunteer__user=request.user).first()
    entries = account.entries.order_by("-created_at", "-id") if account else \
        PointsEntry.objects.none()
    page = Paginator(entries, 30).get_page(request.GET.get("page"))
    return render(request, "points/points_home.html", {
        "balance": account.balance if account else 0, "page": page,
        "reserved": redemptions_for_user(request.user).filter(
            account__volunteer__user=request.user, status=Status.RESERVED).count()})


@staff_required
def points_accounts(request):
    qs = accounts_for_user(request.user).exclude(volunteer__user=request.user)
    page = Paginator(qs.order_by("-balance", "id"), 30).get_page(request.GET.get("page"))
    return render(request, "points/accounts.html", {"page": page})


@staff_required
def points_account(request, account_id: int):
    account = account_get_for_user(request.user, account_id)
    page = Paginator(account.entries.order_by("-created_at", "-id"), 30).get_page(
        request.GET.get("page"))
    return render(request, "points/account.html", {"account": account, "page": page})


# ---- stores and redeeming ----------------------------------------------------------------

@login_required
def store_list(request):
    stores = stores_for_user(request.user).order_by("org__path", "id")
    return render(request, "points/store_list.html", {
        "stores": [(s, store_caps(request.user, s)) for s in stores[:200]],
        "staff": is_staff_member(request.user)})


@login_required
def store_detail(request, store_id: int):
    store = store_get_for_user(request.user, store_id)
    caps = store_caps(request.user, store)
    goods = store.goods.all() if caps.sees_off_sale else on_sale(store.goods.all())
    return render(request, "points/store_detail.html", {
        "store": store, "caps": caps,
        "balance": my_balance(request.user) if caps.can_redeem else None,
        "goods": [(g, RedeemForm.new_key(), picture_url(g))
                  for g in goods.order_by("price", "id")]})


def goods_picture(request, goods_id: int, name: str):
    """A goods picture, for anyone who may see its store; 404 for anyone else."""
    return file_response(goods_file_for_user(request.user, goods_id, name))


@require_POST
@login_required
def redeem(request, goods_id: int):
    goods = goods_get_for_user(request.user, goods_id)
    form = RedeemForm(request.POST)
    if not form.is_valid():
        flash_errors(request, form)
        return redirect("store_detail", goods.store_id)
    d = form.cleaned_data
    result = attempt(request, services.redemption_create, volunteer=my_volunteer(
                         request.user, _("只有志愿者有积分账户")),
                     goods=goods, quantity=d["quantity"], idempotency_key=d["key"],
                     expected_price=d["expected_price"])
    if result is None:
        return redirect("store_detail", goods.store_id)
    redemption, created = result
    messages.success(request, _("兑换成功，请凭取货码到超市领取") if created
                     else _("兑换成功，请凭取货码到超市领取（重复提交不会重复扣分）"))
    return redirect("redemption_detail", redemption.pk)


@login_required
def my_redemptions(request):
    qs = redemptions_for_user(request.user).filter(account__volunteer__user=request.user)
    page = Paginator(qs.order_by("-created_at", "-id"), 20).get_page(request.GET.get("page"))
    return render(request, "points/my_redemptions.html", {"page": page, "rows": [
        (r, shown_code(request, r, redemption_caps(request.user, r))) for r in page]})


@login_required
def redemption_detail(request, redemption_id: int):
    r = redemption_get_for_user(request.user, redemption_id)
    caps = redemption_caps(request.user, r)
    return render(request, "points/redemption_detail.html", {
        "r": r, "caps": caps, "moves": allowed_moves(request.user, r, caps),
        "qr_svg": shown_code(request, r, caps), "outcome": outcome(r)})


@require_POST
@login_required
def redemption_cancel(request, redemption_id: int):
    redemption = redemption_get_for_user(request.user, redemption_id)
    attempt(request, services.redemption_cancel, _("已取消兑换，积分和库存已退回"),
            by=request.user, redemption=redemption)
    return redirect("redemption_detail", redemption.pk)


# ---- staff: stores, goods, pickup --------------------------------------------------------

@staff_required
def store_new(request):
    form = StoreForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        store = call_service(form, services.store_create, by=request.user, **form.cleaned_data)
        if store is not None:
            messages.success(request, _("爱心超市已开设，请上架商品"))
            return redirect("store_manage", store.pk)
    return render(request, "points/store_form.html", {"form": form})


@login_required
def store_manage(request, store_id: int):
    store = store_get_for_user(request.user, store_id)
    require(store_caps(request.user, store).can_manage_store)
    form = GoodsForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        if call_service(form, services.goods_add, by=request.user, store=store,
                        **form.goods_values()):
            messages.success(request, _("商品已上架"))
            return redirect("store_manage", store.pk)
    waiting = redemptions_for_user(request.user).filter(goods__store=store,
                                                        status=Status.RESERVED)
    return render(request, "points/store_manage.html", {
        "store": store, "form": form, "goods": store.goods.order_by("-is_active", "name", "id"),
        "waiting": waiting.order_by("created_at", "id")[:50], "waiting_count": waiting.count()})


@login_required
def goods_edit(request, goods_id: int):
    goods = goods_get_for_user(request.user, goods_id)
    require(store_caps(request.user, goods.store).can_edit_goods)
    form = GoodsEditForm(request.POST or None, request.FILES or None, initial={
        f: getattr(goods, f) for f in ("name", "price", "stock", "per_person_limit",
                                        "is_active", "active_from", "active_to")})
    if request.method == "POST" and form.is_valid():
        if call_service(form, services.goods_update, by=request.user, goods=goods,
                        changes=form.goods_values()):
            messages.success(request, _("商品已保存"))
            return redirect("store_manage", goods.store_id)
    return render(request, "points/goods_form.html", {"form": form, "goods": goods,
                                                      "picture": picture_url(goods)})


@login_required
def store_pickup(request, store_id: int):
    """The counter: type or scan a code, see what to hand over, confirm."""
    store = store_get_for_user(request.user, store_id)
    require(store_caps(request.user, store).can_pick_up)
    form = PickupForm(request.POST or request.GET or None)
    if request.method == "POST" and form.is_valid():
        r = call_service(form, services.redemption_pickup, by=request.user, store=store,
                         pickup_code=form.cleaned_data["code"])
        if r is not None:
            messages.success(request, _("已发放：%(g)s × %(n)d（%(who)s）") % {
                "g": r.goods.name, "n": r.quantity, "who": r.account.volunteer.user.real_name})
            return redirect("store_pickup", store.pk)
    found = redemptions_for_user(request.user).filter(
        goods__store=store, pickup_code=form.cleaned_data["code"]).first() \
        if request.method == "GET" and form.is_bound and form.is_valid() else None
    return render(request, "points/pickup.html", {"store": store, "form": form, "found": found})
