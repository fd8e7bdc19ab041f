from django.contrib import admin

from wenming.core.admin import ChineseAdmin, ReadOnlyAdmin

from .models import Goods, PointsAccount, PointsEntry, PointsRules, Redemption, Store


@admin.register(PointsRules)
class PointsRulesAdmin(ChineseAdmin):
    """A district's earning rules: configuration with no service (read by
    `points_rules_for`)."""

    list_display = ("center", "per_hour", "five_star_bonus", "wish_confirmed")
    raw_id_fields = ("center",)


@admin.register(PointsAccount)
class PointsAccountAdmin(ReadOnlyAdmin):
    """Read-only: the balance is a cache of the entries, changed only with a new entry."""

    list_display = ("volunteer", "balance")
    list_select_related = ("volunteer__user",)


@admin.register(PointsEntry)
class PointsEntryAdmin(ReadOnlyAdmin):
    """Read-only: the points ledger; corrections are new entries made by `points.services`."""

    list_display = ("account", "amount", "kind", "reason", "created_at")
    list_filter = ("kind",)
    list_select_related = ("account__volunteer__user",)


@admin.register(Store)
class StoreAdmin(ReadOnlyAdmin):
    """Read-only: stores open through `store_create` (the store pages and the API)."""

    list_display = ("name", "org", "is_active")


@admin.register(Goods)
class GoodsAdmin(ReadOnlyAdmin):
    """Read-only: goods are added and changed through `goods_add` / `goods_update`."""

    list_display = ("name", "store", "price", "stock", "is_active")


@admin.register(Redemption)
class RedemptionAdmin(ReadOnlyAdmin):
    """Read-only: redemptions move (and refund) only through `points.services`."""

    list_display = ("pickup_code", "goods", "quantity", "points", "status", "created_at")
    list_filter = ("status",)
