"""Reads of points and stores beyond scope (which is `permissions`): what is on sale now,
and where a goods picture is served."""

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from wenming.orgs.models import RoleAssignment
from wenming.orgs.permissions import is_platform_admin, managed_nodes, roles_of, subtree_q

from .models import Goods, PointsAccount, Redemption

Role = RoleAssignment.Role
COUNT_CAP = 10_000  # a list's count stops here ("count_exact": false beyond)


def on_sale(goods: QuerySet[Goods]) -> QuerySet[Goods]:
    """Goods a volunteer may redeem now: on sale and inside their active window."""
    now = timezone.now()
    return goods.filter(Q(active_from__isnull=True) | Q(active_from__lte=now),
                        Q(active_to__isnull=True) | Q(active_to__gt=now), is_active=True)


def picture_url(goods: Goods) -> str | None:
    """The picture's address: its view, by the goods and the file's random name (a new
    picture is a new address, so browsers may keep one)."""
    if not goods.picture:
        return None
    return reverse("goods_picture", args=[goods.pk, goods.picture.name.rsplit("/", 1)[-1]])


def whole_district(nodes) -> bool:
    """Do these managed nodes hold every node (the staff of the only root)? Then a list of
    their subtree needs no filter, and no planner is led to sort a district to show twenty."""
    from wenming.orgs.models import OrgNode

    roots = [n for n in nodes if n.parent_id is None]
    return bool(roots) and not OrgNode.objects.filter(parent=None).exclude(
        pk__in=[n.pk for n in roots]).exists()


def staff_accounts(user) -> QuerySet[PointsAccount]:
    """The accounts of the staff member's subtrees' volunteers, their own left out: one
    indexed filter (no "mine or my subtree" OR), none at all for the only root's staff."""
    qs = PointsAccount.objects.select_related("volunteer__user", "volunteer__station")
    if not (is_platform_admin(user) or whole_district(managed_nodes(user))):
        qs = qs.filter(subtree_q(user, "volunteer__station__path"))
    return qs.exclude(volunteer__user=user)


def redemption_page(user, *, page: int, page_size: int, status: str = "") -> dict:
    """A page of the redemptions `user` sees (`permissions.redemptions_for_user`: their own,
    and for staff those of their subtrees' stores), newest first, as two indexed queries
    merged here rather than one OR that no index serves: their own by account, the
    subtree's by goods (ids of the subtree's goods; no filter for a platform admin). Each
    fetches at most the rows up to the page's end. The count is exact up to `COUNT_CAP`
    (a staff member's list of a whole district would otherwise count a million rows for a
    page of twenty); `count_exact` says whether it was reached."""
    base = Redemption.objects.select_related("goods__store__org", "account__volunteer__user")
    if status:
        base = base.filter(status=status)
    end = page * page_size
    order = ("-created_at", "-id")
    parts = []
    if user.is_authenticated and any(r.role == Role.VOLUNTEER for r in roles_of(user)):
        # their account as a subquery (its own index), not a query of its own
        parts.append(base.filter(account_id__in=PointsAccount.objects.filter(
            volunteer__user=user).values("pk")))
    if user.is_authenticated and is_platform_admin(user):
        parts = [base]  # everything, their own included
    elif user.is_authenticated and (nodes := managed_nodes(user)) and whole_district(nodes):
        parts.append(base)  # every store: newest first down one index, no goods list
    elif user.is_authenticated and nodes:
        stores = Q()
        for node in nodes:
            stores |= Q(store__org__path__startswith=node.path)
        parts.append(base.filter(goods_id__in=Goods.objects.filter(stores).values("pk")))
    # The page's keys first, without the joins select_related adds (SQLite would start the
    # join from the stores and sort a district's redemptions), then those rows in full.
    keys: set[tuple] = set()
    for qs in parts:
        keys.update(qs.order_by(*order).values_list("created_at", "pk")[:end])
    page_keys = sorted(keys, reverse=True)[end - page_size:end]
    rows = sorted(base.filter(pk__in=[pk for _at, pk in page_keys]),
                  key=lambda r: (r.created_at, r.pk), reverse=True)
    counts = [qs.order_by()[:COUNT_CAP + 1].count() for qs in parts]
    count = sum(counts)
    if len(parts) == 2:  # their own redemptions at their subtree's stores: counted twice
        count -= parts[0].filter(pk__in=parts[1].values("pk")).order_by()[:COUNT_CAP].count()
    exact = count <= COUNT_CAP and all(c <= COUNT_CAP for c in counts)
    return {"rows": rows, "count": min(count, COUNT_CAP),
            "count_exact": exact}
