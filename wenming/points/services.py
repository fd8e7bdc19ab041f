"""Every write of points and stores. Balance and stock never go below zero, however many
requests arrive at once: a redemption locks the goods row, then the account row (always in
that order, so two redemptions cannot deadlock), checks, and writes entry, stock and
balance in one transaction."""

import datetime
import secrets

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.core.bulk import bulk_add, bulk_insert
from wenming.core.errors import Conflict, Forbidden
from wenming.core.uploads import checked_image
from wenming.orgs.models import OrgNode
from wenming.orgs.permissions import require_manage
from wenming.people.models import User, Volunteer
from wenming.stats import rollup

from .models import (
    REDEMPTION_FLOW,
    REDEMPTION_MOVES,
    Goods,
    PointsAccount,
    PointsEntry,
    PointsRules,
    Redemption,
    Store,
)
from .permissions import redemption_caps, store_caps

Kind = PointsEntry.Kind


def points_rules_for(org: OrgNode) -> PointsRules:
    center_id = int(org.path.strip("/").split("/")[0])
    return PointsRules.objects.filter(center_id=center_id).first() or PointsRules(
        center_id=center_id)


def account_for(volunteer: Volunteer) -> PointsAccount:
    account, _created = PointsAccount.objects.get_or_create(volunteer=volunteer)
    return account


def _post(account: PointsAccount, amount: int, kind: str, reason: str, source,
          by: User | None) -> PointsEntry | None:
    """Write one entry and move the cached balance with it (caller holds the account lock).
    A source already posted for this kind is skipped: earning is idempotent."""
    try:
        with transaction.atomic():
            entry = PointsEntry.objects.create(
                account=account, amount=amount, kind=kind, reason=str(reason)[:200],
                source_type=source._meta.label_lower, source_id=source.pk, created_by=by)
    except IntegrityError:
        return None
    PointsAccount.objects.filter(pk=account.pk).update(balance=F("balance") + amount)
    account.refresh_from_db(fields=["balance"])
    rollup.add_points([(account.volunteer_id, timezone.localdate(entry.created_at), kind,
                        amount)])
    return entry


def _locked_account(volunteer: Volunteer) -> PointsAccount:
    account = account_for(volunteer)
    return PointsAccount.objects.select_for_update().get(pk=account.pk)


# ---- earning (called by the ledger, the order pipeline and the wish wall) -----------------

def points_for_record(record) -> PointsEntry | None:
    """An approved service record earns `per_hour` points an hour (rounded down); its
    reversal takes them back."""
    rules = points_rules_for(record.org)
    amount = int(record.hours * rules.per_hour)
    if amount == 0:
        return None
    account = _locked_account(record.volunteer)
    if record.reverses_id:
        original = PointsEntry.objects.filter(
            account=account, kind=Kind.HOURS, source_type="activities.servicerecord",
            source_id=record.reverses_id).first()
        if original is None:
            return None
        amount = -min(original.amount, account.balance)  # never below zero
        return _post(account, amount, Kind.REVERSAL, _("服务记录冲正：%(t)s") % {"t": record.title},
                     record, record.decided_by) if amount else None
    return _post(account, amount, Kind.HOURS, _("服务时长：%(t)s") % {"t": record.title}, record,
                 record.decided_by)


def points_for_rating(order) -> PointsEntry | None:
    if order.score != 5 or order.volunteer_id is None:
        return None
    bonus = points_rules_for(order.station).five_star_bonus
    return _post(_locked_account(order.volunteer), bonus, Kind.RATING,
                 _("点单获五星好评：#%(id)s") % {"id": order.pk}, order, None) if bonus else None


def points_for_wish(wish) -> PointsEntry | None:
    if wish.claimed_volunteer_id is None:
        return None
    bonus = points_rules_for(wish.station).wish_confirmed
    return _post(_locked_account(wish.claimed_volunteer), bonus, Kind.WISH,
                 _("完成微心愿：%(t)s") % {"t": wish.title}, wish, None) if bonus else None


# ---- stores and goods -------------------------------------------------------------------

@transaction.atomic
def store_create(*, by: User, org: OrgNode, name: str, address: str = "",
                 opening_hours: str = "") -> Store:
    require_manage(by, org)
    if not (name or "").strip():
        raise ValidationError(_("请填写超市名称"), code="invalid_name")
    return Store.objects.create(org=org, name=name.strip()[:100], address=address.strip(),
                                opening_hours=opening_hours.strip())


def _check_goods(name: str, price: int, stock: int, per_person_limit, active_from, active_to):
    if not (name or "").strip():
        raise ValidationError(_("请填写商品名称"), code="invalid_name")
    if not 1 <= price <= 1_000_000:
        raise ValidationError(_("所需积分应在1到1000000之间"), code="invalid_price")
    if not 0 <= stock <= 1_000_000:
        raise ValidationError(_("库存应在0到1000000之间"), code="invalid_stock")
    if per_person_limit is not None and not 1 <= per_person_limit <= 1000:
        raise ValidationError(_("每人每月限兑数量不正确"), code="invalid_limit")
    if any(t is not None and timezone.is_naive(t) for t in (active_from, active_to)):
        raise ValidationError(_("时间须带时区，例如 2026-12-01T09:00:00+08:00"),
                              code="invalid_window")
    if active_from and active_to and active_from >= active_to:
        raise ValidationError(_("下架时间必须晚于上架时间"), code="invalid_window")


def _checked_picture(picture):
    return checked_image(picture, stem="picture") if picture else ""


@transaction.atomic
def goods_add(*, by: User, store: Store, name: str, price: int, stock: int,
              per_person_limit: int | None = None, active_from=None, active_to=None,
              picture=None) -> Goods:
    if not store_caps(by, store).can_edit_goods:
        raise Forbidden()
    _check_goods(name, price, stock, per_person_limit, active_from, active_to)
    return Goods.objects.create(store=store, name=name.strip()[:100], price=price, stock=stock,
                                per_person_limit=per_person_limit, active_from=active_from,
                                active_to=active_to, picture=_checked_picture(picture))


@transaction.atomic
def goods_update(*, by: User, goods: Goods, changes: dict) -> Goods:
    """Staff change price, stock, limit or window; redemptions already made keep their price."""
    if not store_caps(by, goods.store).can_edit_goods:
        raise Forbidden()
    if missing := [n for n in ("name", "price", "stock", "is_active")
                   if n in changes and changes[n] is None]:
        raise ValidationError(_("字段 %(field)s 不能为空") % {"field": missing[0]},
                              code="invalid_input")
    goods = Goods.objects.select_for_update().get(pk=goods.pk)
    if "picture" in changes:
        changes = {**changes, "picture": _checked_picture(changes["picture"])}
    for name, value in changes.items():
        setattr(goods, name, value)
    _check_goods(goods.name, goods.price, goods.stock, goods.per_person_limit,
                 goods.active_from, goods.active_to)
    goods.save()
    return goods


# ---- redemption -------------------------------------------------------------------------

def _pickup_code() -> str:
    return "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _n in range(8))


def _month_start() -> datetime.datetime:
    now = timezone.localtime()
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


@transaction.atomic
def redemption_create(*, volunteer: Volunteer, goods: Goods, quantity: int,
                      idempotency_key: str = "", expected_price: int | None = None
                      ) -> tuple[Redemption, bool]:
    """Spend points on goods. Returns (redemption, created); a retried request with the same
    Idempotency-Key returns the first redemption and spends nothing."""
    if not 1 <= quantity <= 100:
        raise ValidationError(_("兑换数量应为1到100"), code="invalid_quantity")
    key = (idempotency_key or "").strip()
    if len(key) > 100:  # cut short, two different keys could meet
        raise ValidationError(_("Idempotency-Key 最长100个字符"), code="invalid_idempotency_key")
    account = account_for(volunteer)
    if key and (done := Redemption.objects.filter(account=account, idempotency_key=key).first()):
        return _replayed(done, goods, quantity), False
    # Only the goods row: a join locked without `of` would lock the store too, and every
    # redemption in the store would queue behind one another.
    goods = Goods.objects.select_for_update(of=("self",)).select_related("store").get(pk=goods.pk)
    account = PointsAccount.objects.select_for_update().get(pk=account.pk)
    if key and (done := Redemption.objects.filter(account=account, idempotency_key=key).first()):
        # the same key won the race while we waited for the locks
        return _replayed(done, goods, quantity), False
    now = timezone.now()
    if not goods.is_active or not goods.store.is_active or (
            goods.active_from and now < goods.active_from) or (
            goods.active_to and now >= goods.active_to):
        raise Conflict(_("该商品当前不可兑换"), code="goods_unavailable")
    if expected_price is not None and expected_price != goods.price:
        raise Conflict(_("商品积分已调整为%(p)d，请确认后重新兑换") % {"p": goods.price},
                       code="price_changed")
    if goods.stock < quantity:
        raise Conflict(_("库存不足，仅剩%(n)d件") % {"n": goods.stock}, code="out_of_stock")
    if goods.per_person_limit:
        taken = Redemption.objects.filter(
            account=account, goods=goods, created_at__gte=_month_start()).exclude(
            status=Redemption.Status.CANCELLED).aggregate(n=Sum("quantity"))["n"] or 0
        if taken + quantity > goods.per_person_limit:
            raise Conflict(_("每人每月限兑%(n)d件") % {"n": goods.per_person_limit},
                           code="limit_reached")
    cost = goods.price * quantity
    if account.balance < cost:
        raise Conflict(_("积分不足：需要%(need)d，当前%(have)d") % {
            "need": cost, "have": account.balance}, code="insufficient_points")
    redemption = Redemption.objects.create(
        account=account, goods=goods, quantity=quantity, price_each=goods.price, points=cost,
        pickup_code=_pickup_code(), idempotency_key=key)
    Goods.objects.filter(pk=goods.pk).update(stock=F("stock") - quantity)
    _post(account, -cost, Kind.REDEEM, _("兑换：%(g)s × %(n)d") % {"g": goods.name, "n": quantity},
          redemption, volunteer.user)
    return redemption, True


def _replayed(done: Redemption, goods: Goods, quantity: int) -> Redemption:
    """The first redemption made with a key, if this request is the same one again."""
    if (done.goods_id, done.quantity) != (goods.pk, quantity):
        raise ValidationError(_("该 Idempotency-Key 已用于另一笔兑换，请换一个"),
                              code="idempotency_key_reused")
    return done


@transaction.atomic
def redemption_cancel(*, by: User, redemption: Redemption) -> Redemption:
    """Before pickup the volunteer (or the store's staff) cancels; points and stock return."""
    redemption = Redemption.objects.select_related("goods__store__org", "account__volunteer").get(
        pk=redemption.pk)
    if not redemption_caps(by, redemption).can_cancel:
        raise Forbidden()
    goods = Goods.objects.select_for_update().get(pk=redemption.goods_id)
    account = PointsAccount.objects.select_for_update().get(pk=redemption.account_id)
    redemption = Redemption.objects.select_for_update().get(pk=redemption.pk)
    _move(redemption, "cancel", by=by)
    Goods.objects.filter(pk=goods.pk).update(stock=F("stock") + redemption.quantity)
    _post(account, redemption.points, Kind.REFUND, _("取消兑换：%(g)s") % {"g": goods.name},
          redemption, by)
    return redemption


@transaction.atomic
def redemption_pickup(*, by: User, pickup_code: str, store: Store) -> Redemption:
    """The store's staff scan or type the pickup code and hand the goods over."""
    if not store_caps(by, store).can_pick_up:
        raise Forbidden()
    # Lock the redemption alone: with the joined goods row too, a pickup and a cancel (goods,
    # account, then redemption) could each hold what the other waits for.
    redemption = Redemption.objects.select_for_update(of=("self",)).filter(
        pickup_code=(pickup_code or "").strip().upper(), goods__store=store).first()
    if redemption is None:
        raise Conflict(_("取货码无效，或不是本超市的兑换"), code="unknown_pickup_code")
    return _move(redemption, "pick_up", by=by)


def _move(redemption: Redemption, move: str, *, by: User) -> Redemption:
    """Apply a move of the redemption map to a locked redemption, or 409 invalid_transition."""
    to, only_from = REDEMPTION_MOVES[move]
    if redemption.status not in only_from or not REDEMPTION_FLOW.can(redemption.status, to):
        raise Conflict(_("该兑换已领取或已取消"), code="invalid_transition")
    redemption.status, redemption.handled_at, redemption.handled_by = to, timezone.now(), by
    redemption.save()
    return redemption


# ---- the check ------------------------------------------------------------------------

def ledger_problems() -> list[str]:
    """Every cached balance equals its entries; no balance or stock below zero."""
    problems = []
    sums = dict(PointsEntry.objects.values_list("account").annotate(s=Sum("amount")))
    for account_id, balance in PointsAccount.objects.values_list("id", "balance").iterator():
        if balance != (sums.get(account_id) or 0):
            problems.append(f"points account {account_id}: balance {balance} != entries "
                            f"{sums.get(account_id) or 0}")
        if balance < 0:
            problems.append(f"points account {account_id}: negative balance {balance}")
    for goods_id, stock in Goods.objects.filter(stock__lt=0).values_list("id", "stock"):
        problems.append(f"goods {goods_id}: negative stock {stock}")
    return problems


# ---- bulk loading (the demo district, imports) --------------------------------------------

@transaction.atomic
def points_accounts_bulk_open(*, volunteer_ids) -> dict[int, int]:
    """An empty account for each volunteer that has none; returns account id by volunteer."""
    have = set(PointsAccount.objects.filter(volunteer_id__in=volunteer_ids)
               .values_list("volunteer_id", flat=True))
    PointsAccount.objects.bulk_create(
        [PointsAccount(volunteer_id=v) for v in volunteer_ids if v not in have], batch_size=5000)
    return dict(PointsAccount.objects.filter(volunteer_id__in=volunteer_ids)
                .values_list("volunteer_id", "id"))


@transaction.atomic
def points_bulk_post(*, entries: list[dict]) -> int:
    """Insert many entries (dicts of PointsEntry attnames, all with the same keys) and move
    each account's cached balance by their sum, in one transaction: one insert per batch and
    one statement per account touched (sent together), never a read per entry. A balance
    that would go below zero fails the whole call."""
    if not entries:
        return 0
    bulk_insert(PointsEntry, entries)
    delta: dict[int, int] = {}
    for e in entries:
        delta[e["account_id"]] = delta.get(e["account_id"], 0) + e["amount"]
    bulk_add(PointsAccount, "balance", delta)
    volunteer_of = dict(PointsAccount.objects.filter(pk__in=list(delta)).values_list(
        "pk", "volunteer_id"))
    now = timezone.now()  # what bulk_insert gave the entries without a date
    rollup.add_points((volunteer_of[e["account_id"]],
                       timezone.localdate(e.get("created_at") or now), e["kind"], e["amount"])
                      for e in entries)
    return len(entries)


@transaction.atomic
def stores_bulk_create(*, stores: list[Store], goods: list[list[Goods]]) -> list[Store]:
    """Stores with their goods (`goods[i]` belongs to `stores[i]`), each list in one insert."""
    for g in goods:
        for item in g:
            _check_goods(item.name, item.price, item.stock, item.per_person_limit,
                         item.active_from, item.active_to)
    created = Store.objects.bulk_create(stores)
    for store, items in zip(created, goods, strict=True):
        for item in items:
            item.store = store
    Goods.objects.bulk_create([item for items in goods for item in items], batch_size=2000)
    return created


@transaction.atomic
def redemptions_bulk_import(*, redemptions: list[dict], names: dict[int, str]) -> list[int]:
    """Insert past redemptions (dicts of Redemption attnames: reserved, picked up or
    cancelled) with their entries: each spends its points; a cancelled one is refunded and
    returns its stock. Stock moves once per goods, balances once per account
    (`points_bulk_post`). `names` maps goods id to name. Returns the new ids in order."""
    ids = bulk_insert(Redemption, redemptions)
    sold: dict[int, int] = {}
    entries = []
    now = timezone.now()
    for pk, r in zip(ids, redemptions, strict=True):
        name, account, points = names[r["goods_id"]], r["account_id"], r["points"]
        # The entries are dated with the redemption: spent when reserved, refunded when
        # cancelled.
        entries.append({"account_id": account, "amount": -points, "kind": Kind.REDEEM,
                        "reason": f"兑换：{name} × {r['quantity']}"[:200],
                        "source_type": "points.redemption", "source_id": pk,
                        "created_by_id": None, "created_at": r.get("created_at") or now})
        if r["status"] == Redemption.Status.CANCELLED:
            entries.append({"account_id": account, "amount": points, "kind": Kind.REFUND,
                            "reason": f"取消兑换：{name}"[:200],
                            "source_type": "points.redemption", "source_id": pk,
                            "created_by_id": r["handled_by_id"],
                            "created_at": r.get("handled_at") or now})
        else:
            sold[r["goods_id"]] = sold.get(r["goods_id"], 0) + r["quantity"]
    bulk_add(Goods, "stock", {g: -n for g, n in sold.items()})
    points_bulk_post(entries=entries)
    return ids
