"""Reads of the service menu."""

from django.db.models import Prefetch

from wenming.orgs.models import OrgNode

from .models import MenuCategory, MenuItem
from .permissions import category_caps, district_of, item_caps, items_for_user


def menu_for_station(station: OrgNode) -> list[MenuCategory]:
    """What a resident of `station` orders from: the district's active categories, each with
    its active items offered on the station's way up (the district's, its institute's).
    Categories without any item are left out."""
    ids = [int(i) for i in station.path.strip("/").split("/")]
    items = MenuItem.objects.filter(is_active=True, org_id__in=ids).select_related(
        "platform").prefetch_related("skills")
    categories = MenuCategory.objects.filter(org_id=district_of(station), is_active=True) \
        .prefetch_related(Prefetch("items", queryset=items, to_attr="shown"))
    return [c for c in categories if c.shown]


def menu_for_editor(user, district_id: int) -> list[MenuCategory]:
    """The staff page: every category of the district (off ones too) with the items the
    caller may read, and the caps of each."""
    items = items_for_user(user).prefetch_related("skills").select_related("org")
    categories = list(MenuCategory.objects.filter(org_id=district_id).select_related("org")
                      .prefetch_related(Prefetch("items", queryset=items, to_attr="shown")))
    for c in categories:
        c.caps = category_caps(user, c)
        for i in c.shown:
            i.category = c
            i.caps = item_caps(user, i)
    return categories


def item_out(item: MenuItem) -> dict:
    return {"id": item.pk, "name": item.name, "description": item.description,
            "platform": item.platform.code, "skills": item.skill_names,
            "duration_minutes": item.duration_minutes, "home_visit": item.home_visit,
            "org_id": item.org_id, "is_active": item.is_active}


def category_out(category: MenuCategory, items: list[MenuItem]) -> dict:
    return {"id": category.pk, "name": category.name, "description": category.description,
            "org_id": category.org_id, "is_active": category.is_active,
            "items": [item_out(i) for i in items]}
