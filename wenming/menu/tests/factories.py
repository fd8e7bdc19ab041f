"""A small menu on the shared test tree: two district categories, district items and one
item local to inst1."""

from types import SimpleNamespace

from wenming.orgs.models import Platform
from wenming.people.models import Skill

from ..models import MenuCategory, MenuItem


def skill(name: str) -> Skill:
    return Skill.objects.get_or_create(name=name)[0]


def item_at(category, org, name, *, platform="health", skills=(), **fields) -> MenuItem:
    item = MenuItem.objects.create(category=category, org=org, name=name,
                                   platform=Platform.objects.get(code=platform), **fields)
    item.skills.set([skill(s) for s in skills])
    return item


def small_menu(world) -> SimpleNamespace:
    elder = MenuCategory.objects.create(org=world.center, name="助老助残", position=1)
    law = MenuCategory.objects.create(org=world.center, name="法律咨询", position=2)
    return SimpleNamespace(
        elder=elder, law=law,
        bp=item_at(elder, world.center, "上门量血压", skills=["医疗护理"], home_visit=True),
        phone=item_at(elder, world.center, "教老人用智能手机", platform="science",
                      skills=["电脑维修", "智能手机"]),
        lawyer=item_at(law, world.center, "法律咨询进社区", platform="theory", skills=["法律"]),
        local=item_at(elder, world.inst1, "海淀助浴", skills=["护理"], home_visit=True),
    )
