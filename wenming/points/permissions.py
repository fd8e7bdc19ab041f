"""Who may see and do what with points, stores, goods and redemptions: the scope reads and
one capabilities object per entity.

Services enforce the capabilities (403) and the redemption workflow (409); pages, templates
and the API only read them, and `allowed_moves` lists the moves they and the workflow allow
from a redemption's state. The pickup code is the volunteer's proof at the counter: only they
see it (the store's staff read it off the volunteer's phone, or scan it).
"""

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from wenming.core.errors import NotFound
from wenming.orgs.models import RoleAssignment
from wenming.orgs.permissions import (
    can_manage,
    is_platform_admin,
    is_staff_member,
    roles_of,
    subtree_q,
)

from .models import REDEMPTION_FLOW, REDEMPTION_MOVES, Goods, PointsAccount, Redemption, Store

# ---- scope reads --------------------------------------------------------------------------


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


def goods_get_for_user(user, goods_id: int) -> Goods:
    """Goods of a store the user may see (on sale or not: `StoreCaps.sees_off_sale` says
    whether a list shows them)."""
    goods = Goods.objects.select_related("store__org").filter(
        pk=goods_id, store__in=stores_for_user(user)).first()
    if goods is None:
        raise NotFound()
    return goods


def redemptions_for_user(user) -> QuerySet[Redemption]:
    """A volunteer: their own. Staff: those made in their subtrees' stores."""
    qs = Redemption.objects.select_related("goods__store__org", "account__volunteer__user")
    if is_platform_admin(user):
        return qs
    if not user.is_authenticated:
        return qs.none()
    scope = Q(account__volunteer__user=user)
    if is_staff_member(user):
        scope |= subtree_q(user, "goods__store__org__path")
    return qs.filter(scope)


def redemption_get_for_user(user, redemption_id: int) -> Redemption:
    redemption = redemptions_for_user(user).filter(pk=redemption_id).first()
    if redemption is None:
        raise NotFound()
    return redemption


def accounts_for_user(user) -> QuerySet[PointsAccount]:
    """A volunteer: their own. Staff: their subtrees' volunteers'."""
    qs = PointsAccount.objects.select_related("volunteer__user", "volunteer__station")
    if is_platform_admin(user):
        return qs
    if not user.is_authenticated:
        return qs.none()
    scope = Q(volunteer__user=user)
    if is_staff_member(user):
        scope |= subtree_q(user, "volunteer__station__path")
    return qs.filter(scope)


def account_get_for_user(user, account_id: int) -> PointsAccount:
    account = accounts_for_user(user).filter(pk=account_id).first()
    if account is None:
        raise NotFound()
    return account


# ---- stores and goods ---------------------------------------------------------------------

@dataclass(frozen=True)
class StoreCaps:
    can_manage_store: bool  # its management page, its waiting redemptions
    can_edit_goods: bool  # add goods, change price, stock, window, picture
    can_pick_up: bool  # hand goods over at its counter
    can_redeem: bool  # spend one's own points here
    sees_off_sale: bool  # goods off sale or outside their window are listed too


def is_volunteer(user) -> bool:
    return any(r.role == RoleAssignment.Role.VOLUNTEER for r in roles_of(user))


def store_caps(user, store: Store) -> StoreCaps:
    manages = can_manage(user, store.org)
    return StoreCaps(can_manage_store=manages, can_edit_goods=manages, can_pick_up=manages,
                     can_redeem=is_volunteer(user), sees_off_sale=manages)


def goods_file_for_user(user, goods_id: int, name: str):
    """A goods picture by its file name, for anyone who may see the store; 404 otherwise
    (no such goods in scope, or a name that is not its picture's)."""
    goods = goods_get_for_user(user, goods_id)
    if not (goods.picture and goods.picture.name.rsplit("/", 1)[-1] == name):
        raise NotFound()
    return goods.picture


# ---- redemptions --------------------------------------------------------------------------

@dataclass(frozen=True)
class RedemptionCaps:
    own: bool  # the volunteer who redeemed
    can_cancel: bool  # before pickup: the volunteer, or the store's staff
    can_pick_up: bool  # the store's staff, with the code the volunteer shows
    sees_pickup_code: bool


def redemption_caps(user, redemption: Redemption) -> RedemptionCaps:
    own = user.is_authenticated and redemption.account.volunteer.user_id == user.pk
    manages = can_manage(user, redemption.goods.store.org)
    return RedemptionCaps(own=own, can_cancel=own or manages, can_pick_up=manages,
                          sees_pickup_code=own)


def allowed_moves(user, redemption: Redemption, caps: RedemptionCaps | None = None
                  ) -> list[str]:
    """The moves `user` may make on `redemption` now: their capabilities and the workflow
    agree."""
    caps = caps or redemption_caps(user, redemption)
    return [move for move, (to, only_from) in REDEMPTION_MOVES.items()
            if getattr(caps, f"can_{move}") and redemption.status in only_from
            and REDEMPTION_FLOW.can(redemption.status, to)]
