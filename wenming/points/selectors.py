"""Reads of points and stores beyond scope (which is `permissions`): what is on sale now,
and where a goods picture is served."""

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from wenming.orgs.models import RoleAssignment
from wenming.orgs.permissions import is_platform_admin, managed_nodes, roles_of

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
    elif user.is_authenticated and (nodes := managed_nodes(user)):
        stores = Q()
        for node in nodes:
            stores |= Q(store__org__path__startswith=node.path)
        parts.append(base.filter(goods_id__in=Goods.objects.filter(stores).values("pk")))
    seen, rows = set(), []
    for qs in parts:
        for r in qs.order_by(*order)[:end]:
            if r.pk not in seen:
                seen.add(r.pk)
                rows.append(r)
    rows.sort(key=lambda r: (r.created_at, r.pk), reverse=True)
    counts = [qs.order_by()[:COUNT_CAP + 1].count() for qs in parts]
    count = sum(counts)
    if len(parts) == 2:  # their own redemptions at their subtree's stores: counted twice
        count -= parts[0].filter(pk__in=parts[1].values("pk")).order_by()[:COUNT_CAP].count()
    exact = count <= COUNT_CAP and all(c <= COUNT_CAP for c in counts)
    return {"rows": rows[end - page_size:end], "count": min(count, COUNT_CAP),
            "count_exact": exact}
