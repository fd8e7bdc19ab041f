"""Who sees and edits the service menu.

Everyone with a role in a district reads its menu; an item offered by an institute is read
only inside that institute's subtree (its residents, volunteers and staff) and by the staff
above it. Categories are the district's and only the center's staff (and admins) edit them;
an item is edited by whoever manages the node that offers it (`MenuItem.org`). Services
enforce `category_caps`/`item_caps`; pages and the API read them.
"""

from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet

from wenming.core.errors import NotFound
from wenming.orgs.models import OrgNode
from wenming.orgs.permissions import can_manage, is_platform_admin, managed_nodes, roles_of

from .models import MenuCategory, MenuItem


def _own_paths(user) -> list[str]:
    return [r.org.path for r in roles_of(user) if r.org]


def district_of(node: OrgNode) -> int:
    """The id of the center a node belongs to (the first id of its path)."""
    return int(node.path.strip("/").split("/")[0])


def _offered_q(paths: list[str], field: str = "org__path") -> Q:
    """Items offered at a node on the way down to one of `paths` (the district, the institute
    above a station) or inside one of them (what a manager's subtree offers)."""
    parts = [Q(**{f"{field}__startswith": p}) for p in paths]
    for p in paths:
        ids = p.strip("/").split("/")
        parts += [Q(**{field: "/" + "/".join(ids[:n]) + "/"}) for n in range(1, len(ids))]
    return reduce(or_, parts, Q(pk__in=[]))


def categories_for_user(user) -> QuerySet[MenuCategory]:
    qs = MenuCategory.objects.select_related("org")
    if is_platform_admin(user):
        return qs
    districts = {p.strip("/").split("/")[0] for p in _own_paths(user)}
    return qs.filter(org_id__in=[int(d) for d in districts])


def items_for_user(user) -> QuerySet[MenuItem]:
    qs = MenuItem.objects.select_related("category", "org", "platform")
    if is_platform_admin(user):
        return qs
    return qs.filter(_offered_q(_own_paths(user)))


def category_get_for_user(user, category_id: int) -> MenuCategory:
    category = categories_for_user(user).filter(pk=category_id).first()
    if category is None:
        raise NotFound()
    return category


def item_get_for_user(user, item_id: int) -> MenuItem:
    item = items_for_user(user).filter(pk=item_id).first()
    if item is None:
        raise NotFound()
    return item


@dataclass(frozen=True)
class CategoryCaps:
    can_edit: bool  # rename, reorder, switch off, add district-wide items
    can_add_local: bool  # an institute's staff add local items to it


def category_caps(user, category: MenuCategory) -> CategoryCaps:
    edit = can_manage(user, category.org)
    local = edit or any(n.kind == OrgNode.Kind.INSTITUTE and category.org.contains(n)
                        for n in managed_nodes(user))
    return CategoryCaps(can_edit=edit, can_add_local=local)


@dataclass(frozen=True)
class ItemCaps:
    can_edit: bool
    can_order: bool  # a resident of its area, or staff ordering for one (代点单)


def item_caps(user, item: MenuItem) -> ItemCaps:
    return ItemCaps(can_edit=can_manage(user, item.org),
                    can_order=item.is_active and item.category.is_active)


def offering_nodes(user, category: MenuCategory) -> list[OrgNode]:
    """The nodes the caller may offer a new item at: the center (if they manage it) and the
    institutes of that district they manage."""
    if can_manage(user, category.org):
        return [category.org]
    return [n for n in managed_nodes(user)
            if n.kind == OrgNode.Kind.INSTITUTE and category.org.contains(n)]


def can_edit_menu(user) -> bool:
    """Whether the menu page offers editing at all (a center's or an institute's staff)."""
    return is_platform_admin(user) or any(
        n.kind in (OrgNode.Kind.CENTER, OrgNode.Kind.INSTITUTE) for n in managed_nodes(user))
