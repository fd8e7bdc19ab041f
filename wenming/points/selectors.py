"""Reads of points and stores, through the caller's scope."""

from django.db.models import Q, QuerySet
from django.utils import timezone

from wenming.core.errors import NotFound
from wenming.orgs.permissions import is_platform_admin, is_staff_member, roles_of, subtree_q

from .models import Goods, PointsAccount, Redemption, Store


def stores_for_user(user) -> QuerySet[Store]:
    """Staff: stores of their subtrees. Volunteers: stores of their district's stations
    that are open (they may shop anywhere in their district)."""
    qs = Store.objects.select_related("org")
    if is_platform_admin(user):
        return qs
    if is_staff_member(user):
        return qs.filter(subtree_q(user, "org__path"))
    districts = {r.org.path.split("/")[1] for r in roles_of(user) if r.org}
    scope = Q(pk__in=[])
    for d in districts:
        scope |= Q(org__path__startswith=f"/{d}/")
    return qs.filter(scope, is_active=True)


def store_get_for_user(user, store_id: int) -> Store:
    store = stores_for_user(user).filter(pk=store_id).first()
    if store is None:
        raise NotFound()
    return store


def on_sale(goods: QuerySet[Goods]) -> QuerySet[Goods]:
    """Goods a volunteer may redeem now: on sale and inside their active window."""
    now = timezone.now()
    return goods.filter(Q(active_from__isnull=True) | Q(active_from__lte=now),
                        Q(active_to__isnull=True) | Q(active_to__gt=now), is_active=True)


def goods_get_for_user(user, goods_id: int) -> Goods:
    goods = Goods.objects.select_related("store__org").filter(
        pk=goods_id, store__in=stores_for_user(user)).first()
    if goods is None:
        raise NotFound()
    return goods


def redemptions_for_user(user) -> QuerySet[Redemption]:
    qs = Redemption.objects.select_related("goods__store", "account__volunteer__user")
    if is_platform_admin(user):
        return qs
    scope = Q(account__volunteer__user=user)
    if is_staff_member(user):
        scope |= subtree_q(user, "goods__store__org__path")
    return qs.filter(scope)


def accounts_for_user(user) -> QuerySet[PointsAccount]:
    qs = PointsAccount.objects.select_related("volunteer__user", "volunteer__station")
    if is_platform_admin(user):
        return qs
    scope = Q(volunteer__user=user)
    if is_staff_member(user):
        scope |= subtree_q(user, "volunteer__station__path")
    return qs.filter(scope)
