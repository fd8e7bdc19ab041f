"""Points (积分): a ledger of entries, a cached balance kept in the same transaction, and
the stores (爱心超市) where points buy goods."""


from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wenming.core.uploads import random_name
from wenming.core.workflow import Workflow
from wenming.orgs.models import OrgNode
from wenming.people.models import Volunteer


class PointsRules(models.Model):
    """A district's earning rules; without a row the defaults apply (10 a certified hour, as
    in Kunshan)."""

    center = models.OneToOneField(OrgNode, on_delete=models.CASCADE, related_name="points_rules",
                                  limit_choices_to={"kind": "center"}, verbose_name=_("实践中心"))
    per_hour = models.PositiveIntegerField(_("每认定1小时积分"), default=10)
    five_star_bonus = models.PositiveIntegerField(_("点单获5星评价奖励"), default=20)
    wish_confirmed = models.PositiveIntegerField(_("微心愿完成奖励"), default=30)

    class Meta:
        verbose_name = _("积分规则")
        verbose_name_plural = _("积分规则")

    def __str__(self) -> str:
        return str(self.center)


class PointsAccount(models.Model):
    """One per volunteer. `balance` is a cache of the entries' sum, changed only together
    with a new entry; `wenming check-ledger` proves they agree."""

    volunteer = models.OneToOneField(Volunteer, on_delete=models.PROTECT,
                                     related_name="points_account")
    balance = models.IntegerField(_("积分余额"), default=0)

    class Meta:
        verbose_name = _("积分账户")
        verbose_name_plural = _("积分账户")
        constraints = [models.CheckConstraint(condition=models.Q(balance__gte=0),
                                              name="points_balance_not_negative")]
        # the staff's list, highest balance first: read in index order, twenty at a time
        indexes = [models.Index(fields=["-balance", "id"], name="points_account_balance")]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.balance}"


class PointsEntry(models.Model):
    class Kind(models.TextChoices):
        HOURS = "hours", _("服务时长")
        RATING = "rating", _("五星好评")
        WISH = "wish", _("完成微心愿")
        REDEEM = "redeem", _("兑换")
        REFUND = "refund", _("取消兑换退回")
        REVERSAL = "reversal", _("冲正")
        ADJUST = "adjust", _("调整")

    # Indexed by the composite ones below (account first); who created an entry is read
    # only if that account is deleted. Each index is written for millions of entries.
    account = models.ForeignKey(PointsAccount, on_delete=models.PROTECT, related_name="entries",
                                db_index=False)
    amount = models.IntegerField(_("积分"))
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    reason = models.CharField(_("说明"), max_length=200)
    # What earned or spent it: ("activities.servicerecord", 12), ("points.redemption", 7) ...
    source_type = models.CharField(max_length=50)
    source_id = models.BigIntegerField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+", db_index=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("积分明细")
        verbose_name_plural = _("积分明细")
        constraints = [
            # A source earns or spends once per kind: retries and races cannot double-count.
            models.UniqueConstraint(fields=["account", "kind", "source_type", "source_id"],
                                    name="points_entry_once_per_source"),
        ]
        indexes = [models.Index(fields=["account", "created_at"], name="points_entry_account")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount:+d} {self.reason}"


class Store(models.Model):
    org = models.ForeignKey(OrgNode, verbose_name=_("所属阵地"), on_delete=models.PROTECT,
                            related_name="stores")
    name = models.CharField(_("名称"), max_length=100)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    opening_hours = models.CharField(_("开放时间"), max_length=100, blank=True)
    is_active = models.BooleanField(_("营业中"), default=True)

    class Meta:
        verbose_name = _("爱心超市")
        verbose_name_plural = _("爱心超市")

    def __str__(self) -> str:
        return self.name


def picture_path(goods: "Goods", filename: str) -> str:
    return random_name("goods", filename)


class Goods(models.Model):
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="goods")
    name = models.CharField(_("名称"), max_length=100)
    picture = models.FileField(_("图片"), upload_to=picture_path, blank=True)
    price = models.PositiveIntegerField(_("所需积分"))
    stock = models.IntegerField(_("库存"))
    per_person_limit = models.PositiveIntegerField(_("每人每月限兑"), null=True, blank=True)
    active_from = models.DateTimeField(_("上架时间"), null=True, blank=True)
    active_to = models.DateTimeField(_("下架时间"), null=True, blank=True)
    is_active = models.BooleanField(_("在售"), default=True)

    class Meta:
        verbose_name = _("商品")
        verbose_name_plural = _("商品")
        constraints = [
            models.CheckConstraint(condition=models.Q(stock__gte=0),
                                   name="goods_stock_not_negative"),
            models.CheckConstraint(condition=models.Q(price__gte=1), name="goods_price_positive"),
            models.CheckConstraint(
                condition=models.Q(active_from__isnull=True) | models.Q(active_to__isnull=True)
                | models.Q(active_from__lt=models.F("active_to")),
                name="goods_window_ordered"),
        ]

    def __str__(self) -> str:
        return self.name


class Redemption(models.Model):
    class Status(models.TextChoices):
        RESERVED = "reserved", _("待领取")
        PICKED_UP = "picked_up", _("已领取")
        CANCELLED = "cancelled", _("已取消")

    # Indexed by the composite index below (account first); who handled one is read only if
    # that account is deleted.
    account = models.ForeignKey(PointsAccount, on_delete=models.PROTECT,
                                related_name="redemptions", db_index=False)
    goods = models.ForeignKey(Goods, on_delete=models.PROTECT, related_name="redemptions")
    quantity = models.PositiveIntegerField(_("数量"))
    price_each = models.PositiveIntegerField(_("单价积分"))
    points = models.PositiveIntegerField(_("共计积分"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices,
                              default=Status.RESERVED)
    pickup_code = models.CharField(_("取货码"), max_length=12, unique=True)
    idempotency_key = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+", db_index=False)

    class Meta:
        verbose_name = _("兑换记录")
        verbose_name_plural = _("兑换记录")
        constraints = [
            models.UniqueConstraint(fields=["account", "idempotency_key"],
                                    condition=~models.Q(idempotency_key=""),
                                    name="redemption_idempotency"),
        ]
        indexes = [models.Index(fields=["account", "goods", "created_at"],
                                name="redemption_monthly"),
                   # the lists, newest first: mine (account), a subtree's stores (goods),
                   # everything (a platform admin)
                   models.Index(fields=["account", "created_at"], name="redemption_mine"),
                   models.Index(fields=["goods", "created_at"], name="redemption_goods"),
                   models.Index(fields=["created_at", "id"], name="redemption_newest")]

    def __str__(self) -> str:
        return f"{self.goods} × {self.quantity}"


R = Redemption.Status
REDEMPTION_FLOW = Workflow(
    states=Redemption.Status,
    transitions={"": frozenset({R.RESERVED}),
                 R.RESERVED: frozenset({R.PICKED_UP, R.CANCELLED})},
    colours={R.RESERVED: "warn", R.PICKED_UP: "ok", R.CANCELLED: "muted"},
    steps=(R.RESERVED, R.PICKED_UP),
    groups={"active": frozenset({R.RESERVED}),  # points spent, goods not yet handed over
            "cancellable": frozenset({R.RESERVED})},
)
# A person's move on a redemption (the API's `allowed_moves`, the pages' `data-move`): the
# state it leads to and the states it starts from.
REDEMPTION_MOVES: dict[str, tuple[str, frozenset[str]]] = {
    "cancel": (R.CANCELLED, REDEMPTION_FLOW.groups["cancellable"]),
    "pick_up": (R.PICKED_UP, frozenset({R.RESERVED})),
}
