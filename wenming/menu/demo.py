"""The demo district's service menu: ten categories and forty-odd items as county menus list
them, two local items of the first institute, and the demo's service orders tied to a
matching item (so the order pages and dispatch show it)."""

from django.db.models import F

from wenming.orders.models import ServiceOrder
from wenming.orgs.models import OrgNode, Platform
from wenming.people.models import Skill, User

from .models import MenuCategory, MenuItem

# (category, [(item, platform, minutes, home visit, skills, description)])
MENU = [
    ("理论宣讲", [
        ("党的创新理论宣讲进小区", "theory", 90, False, ["宣讲"], "百姓名嘴讲政策、讲变化"),
        ("党史故事分享会", "theory", 60, False, ["宣讲"], "老党员讲身边的党史故事"),
        ("惠民政策解读", "theory", 60, False, ["宣讲"], "医保、养老、就业政策答疑"),
        ("红色观影组织", "theory", 120, False, [], "组织社区居民观看红色电影"),
    ]),
    ("文化文艺", [
        ("文艺演出进社区", "culture", 120, False, ["文艺演出"], "歌舞、戏曲、曲艺小节目"),
        ("书法绘画辅导", "culture", 90, False, ["书法"], "书法、国画入门辅导"),
        ("广场舞排练指导", "culture", 60, False, ["广场舞"], ""),
        ("剪纸非遗体验", "culture", 90, False, ["剪纸"], "适合亲子参加"),
        ("家庭照、老人照拍摄", "culture", 60, True, ["摄影"], "为老人拍摄纪念照"),
    ]),
    ("助老助残", [
        ("上门陪伴聊天", "health", 60, True, ["助老陪伴"], "独居老人陪伴、读报"),
        ("陪同就医", "health", 180, True, ["助老陪伴", "驾驶"], "陪同去医院挂号、取药"),
        ("上门理发", "health", 45, True, ["理发"], "行动不便老人上门理发"),
        ("助餐送餐", "health", 30, True, ["助老陪伴", "烹饪"], ""),
        ("手语陪同", "education", 90, False, ["手语"], "为听障人士办事陪同翻译"),
    ]),
    ("法律咨询", [
        ("法律咨询进社区", "theory", 60, False, ["法律咨询"], "律师志愿者现场答疑"),
        ("邻里纠纷调解", "theory", 90, True, ["法律咨询", "心理咨询"], ""),
        ("防范电信诈骗讲座", "theory", 60, False, ["宣讲", "法律咨询"], ""),
        ("遗嘱、赡养咨询", "theory", 60, False, ["法律咨询"], ""),
    ]),
    ("医疗健康", [
        ("上门量血压、测血糖", "health", 30, True, ["医疗护理"], ""),
        ("急救知识培训", "health", 120, False, ["急救", "应急救援"], "心肺复苏、AED使用"),
        ("中医推拿理疗", "health", 60, True, ["中医推拿"], ""),
        ("心理疏导", "health", 60, False, ["心理咨询"], "一对一倾听和疏导"),
        ("太极拳健身指导", "health", 60, False, ["太极拳"], ""),
    ]),
    ("科普", [
        ("教老人用智能手机", "science", 60, False, ["电脑维修", "编程"], "挂号、视频通话、防诈骗"),
        ("青少年编程体验", "science", 90, False, ["编程"], ""),
        ("科普讲座进社区", "science", 60, False, ["宣讲"], ""),
    ]),
    ("环境", [
        ("垃圾分类指导", "science", 60, False, ["垃圾分类指导"], "桶前值守、入户宣传"),
        ("楼道环境清理", "science", 120, False, [], ""),
        ("社区绿化养护", "science", 120, False, [], ""),
        ("河湖巡护", "science", 120, False, [], ""),
    ]),
    ("便民服务", [
        ("小家电维修", "science", 60, True, ["家电维修"], "电饭煲、电风扇等"),
        ("电脑、手机维修", "science", 60, False, ["电脑维修"], ""),
        ("代买代办", "health", 60, True, ["驾驶"], "代买药品、代缴费"),
        ("磨刀、修伞", "science", 30, False, [], ""),
    ]),
    ("教育帮扶", [
        ("课后作业辅导", "education", 90, False, ["课业辅导"], ""),
        ("英语口语陪练", "education", 60, False, ["外语"], ""),
        ("家庭教育咨询", "education", 60, False, ["心理咨询"], ""),
        ("留守儿童陪伴", "education", 120, True, ["课业辅导", "助老陪伴"], ""),
    ]),
    ("文明风尚", [
        ("移风易俗宣传", "theory", 60, False, ["宣讲"], "文明婚丧、节俭办事"),
        ("好家风分享会", "theory", 60, False, ["宣讲"], ""),
        ("文明交通劝导", "science", 120, False, [], ""),
    ]),
]
# An institute's own items (only its subtree sees them).
LOCAL = [("助老助残", "社区助浴", "health", 90, True, ["医疗护理", "助老陪伴"]),
         ("便民服务", "老旧小区加装扶手", "science", 120, True, ["家电维修"])]


def _items(center: OrgNode, platforms: dict[str, Platform]):
    categories, items, links = [], [], []
    for position, (name, rows) in enumerate(MENU, start=1):
        category = MenuCategory(org=center, name=name, position=position)
        categories.append(category)
        for n, (item, platform, minutes, home, needs, text) in enumerate(rows, start=1):
            items.append((category, MenuItem(
                org=center, name=item, platform=platforms[platform], duration_minutes=minutes,
                home_visit=home, description=text, position=n)))
            links.append(needs)
    return categories, items, links


def seed(*, size: str, nodes: dict[str, OrgNode], users: dict[str, User], rng) -> None:
    center = next(n for n in nodes.values() if n.kind == OrgNode.Kind.CENTER)
    institute = min((n for n in nodes.values() if n.kind == OrgNode.Kind.INSTITUTE),
                    key=lambda n: n.pk)
    platforms = {p.code: p for p in Platform.objects.all()}
    wanted = {s for _, rows in MENU for r in rows for s in r[4]} | {
        s for r in LOCAL for s in r[5]}
    skills = {s.name: s for s in Skill.objects.filter(name__in=wanted)}
    Skill.objects.bulk_create([Skill(name=s) for s in wanted - set(skills)])
    skills = {s.name: s for s in Skill.objects.filter(name__in=wanted)}
    categories, pairs, links = _items(center, platforms)
    MenuCategory.objects.bulk_create(categories)
    by_name = {c.name: c for c in categories}
    for category, name, platform, minutes, home, needs in LOCAL:
        pairs.append((by_name[category], MenuItem(
            org=institute, name=name, platform=platforms[platform], duration_minutes=minutes,
            home_visit=home, position=50)))
        links.append(needs)
    for category, item in pairs:
        item.category = category
    items = MenuItem.objects.bulk_create([item for _, item in pairs])
    through = MenuItem.skills.through
    through.objects.bulk_create([through(menuitem_id=item.pk, skill_id=skills[s].pk)
                                 for item, needs in zip(items, links, strict=True)
                                 for s in needs])
    _tie_orders(center, [i for i in items if i.org_id == center.pk], rng)


def _tie_orders(center: OrgNode, items: list[MenuItem], rng) -> None:
    """Most demo service orders name the item they were ordered from (one of their
    platform's, spread by id); about one in eight stays without, as placed before the menu.
    One UPDATE per item, so the district size costs no more queries than the small one."""
    path = OrgNode.objects.values_list("path", flat=True).get(pk=center.pk)
    by_platform: dict[int, list[MenuItem]] = {}
    for item in items:
        by_platform.setdefault(item.platform_id, []).append(item)
    for platform_id, offered in by_platform.items():
        orders = ServiceOrder.objects.filter(
            kind=ServiceOrder.Kind.SERVICE, platform_id=platform_id,
            station__path__startswith=path).annotate(slot=F("id") % (len(offered) + 1))
        for n, item in enumerate(offered):
            orders.filter(slot=n).update(item=item)
