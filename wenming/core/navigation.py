"""What each role finds where: the phone's bottom tab bar, the desktop side navigation and the
home screen's icon grid. One table, read by base.html and the home pages, so that a link is
added once and shows up in every place it belongs.

Roles come from the request's flags (`core.context_processors.ui`); an entry lists the roles
that see it. A tab is "current" when the request's path starts with one of its prefixes.
"""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

RESIDENT, VOLUNTEER, STAFF, REVIEWER = "resident", "volunteer", "staff", "reviewer"
UNIT = "unit"  # a partner unit's own account (共建单位): what was handed to it, its members


@dataclass(frozen=True)
class Entry:
    key: str
    label: str
    url_name: str
    icon: str
    roles: frozenset[str]
    prefixes: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        return reverse(self.url_name)


def _e(key, label, url_name, icon, roles, *prefixes) -> Entry:
    return Entry(key, label, url_name, icon, frozenset(roles), prefixes)


ALL = (RESIDENT, VOLUNTEER, STAFF)

# The bottom tab bar: five at most, the same order for every role (首页 / 活动 / 服务 / 消息 / 我的).
TABS = (
    _e("home", _("首页"), "home", "home", {*ALL, UNIT}),
    _e("activities", _("活动"), "activity_list", "calendar", ALL, "/activities/"),
    _e("orders_resident", _("点单"), "order_new", "hand", {RESIDENT}, "/orders/"),
    _e("orders_volunteer", _("订单"), "order_tasks", "hand", {VOLUNTEER}, "/orders/"),
    _e("orders_staff", _("派单"), "order_queue", "dispatch", {STAFF}, "/orders/"),
    _e("handovers", _("交办"), "handover_list", "list", {UNIT}, "/units/handovers/"),
    _e("inbox", _("消息"), "inbox", "bell", {*ALL, UNIT}, "/inbox/"),
    _e("me", _("我的"), "my_profile", "user", {*ALL, UNIT}, "/me/", "/my/"),
)

# Everything else a role does, as the home screen's icon grid and the desktop side navigation,
# in groups: a staff member has some thirty entries, which read as a wall without headings.
TILE_GROUPS = (
    (_("服务群众"), (
        _e("order_new", _("我要点单"), "order_new", "hand", {RESIDENT}),
        _e("order_mine", _("我的订单"), "order_mine", "list", {RESIDENT}),
        _e("order_tasks", _("我的接单"), "order_tasks", "hand", {VOLUNTEER}),
        _e("order_nearby", _("附近抢单"), "order_nearby", "pin", {VOLUNTEER}),
        _e("order_queue", _("派单"), "order_queue", "dispatch", {STAFF}, "/orders/"),
        _e("order_map", _("订单地图"), "order_map", "pin", {STAFF}),
        _e("hotline", _("热线代点单"), "menu_hotline", "hand", {STAFF}, "/menu/hotline/"),
        _e("menu", _("服务菜单"), "menu_home", "list", {STAFF}, "/menu/"),
        _e("wishes", _("微心愿"), "wish_list", "heart", ALL, "/wishes/"),
        _e("callups", _("招募令"), "callup_list", "bell", {VOLUNTEER, STAFF}, "/callups/"),
        _e("activities", _("找活动"), "activity_list", "calendar", {RESIDENT, VOLUNTEER}),
        _e("activity_new", _("发布活动"), "activity_new", "plus", {STAFF}),
        _e("recommended", _("为你推荐"), "recommended", "heart", {RESIDENT, VOLUNTEER}, "/recommend/"),
    )),
    (_("时长与证明"), (
        _e("my_hours", _("我的时长"), "my_hours", "clock", {VOLUNTEER}, "/my/hours/"),
        _e("ecard", _("电子证"), "my_ecard", "user", {VOLUNTEER}, "/my/ecard/"),
        _e("time_code", _("输入时长码"), "time_code_claim", "clock", {VOLUNTEER}, "/my/time-code/"),
        _e("certificate", _("时长证明"), "my_certificate_pdf", "doc", {VOLUNTEER}),
        _e("my_record", _("服务记录"), "my_record", "list", {VOLUNTEER}, "/me/record/"),
        _e("records_pending", _("时长审核"), "records_pending", "check", {REVIEWER},
           "/records/"),
        _e("records_export", _("导出时长"), "records_export", "download", {STAFF}),
        _e("corrections", _("更正申请"), "correction_list", "check", {STAFF}, "/corrections/"),
        _e("declarations", _("个人申报"), "declaration_list", "check", {STAFF}, "/declarations/"),
        _e("complaints", _("投诉"), "complaint_list", "bell", {STAFF}, "/complaints/"),
        _e("seals", _("盖章证明"), "seal_list", "shield", {STAFF}, "/seals/"),
        _e("national", _("国家标准数据"), "national_export", "download", {STAFF}, "/export/national/"),
        _e("verify", _("证明查验"), "certificate_verify_form", "shield", ALL),
    )),
    (_("队伍与激励"), (
        _e("teams", _("志愿队伍"), "team_list", "team", {VOLUNTEER, STAFF}, "/teams/"),
        _e("volunteers", _("志愿者"), "volunteer_list", "team", {STAFF}, "/volunteers/"),
        _e("volunteer_import", _("导入志愿者"), "volunteer_import", "upload", {STAFF}),
        _e("projects", _("志愿项目"), "project_list", "doc", {VOLUNTEER, STAFF}, "/projects/"),
        _e("points", _("积分超市"), "points_home", "gift", {VOLUNTEER, STAFF}, "/points/"),
        _e("points_earn", _("积分"), "points_home", "gift", {RESIDENT}, "/points/"),
        _e("honors", _("排行榜"), "honors_rankings", "shield", {VOLUNTEER, STAFF}, "/honors/"),
        _e("unit_join", _("单位报到"), "unit_join_page", "check", {VOLUNTEER}, "/units/join/"),
    )),
    (_("阵地与社区"), (
        _e("orgs", _("阵地"), "org_tree", "tree", {STAFF}, "/orgs/"),
        _e("units", _("共建单位"), "unit_list", "team", {STAFF}, "/units/"),
        _e("topics", _("议事厅"), "topic_list", "team", ALL, "/topics/"),
        _e("rooms", _("场地预约"), "room_list", "calendar", ALL, "/rooms/"),
        _e("lectures", _("宣讲"), "lecture_list", "team", ALL, "/lectures/"),
        _e("notices", _("通知公告"), "notice_list", "bell", {STAFF}, "/notices/"),
        _e("news", _("新闻动态"), "notice_list", "doc", {RESIDENT, VOLUNTEER}, "/notices/"),
        _e("stats", _("数据统计"), "stats_home", "list", {STAFF}, "/stats/"),
    )),
)
TILES = tuple(entry for _label, entries in TILE_GROUPS for entry in entries)


def roles_of_request(flags: dict) -> set[str]:
    """The navigation roles from the context processor's flags."""
    roles = set()
    if flags.get("is_unit"):
        return {UNIT}
    if flags.get("is_node_staff"):
        roles.add(STAFF)
    elif flags.get("is_volunteer"):
        roles.add(VOLUNTEER)
    else:
        roles.add(RESIDENT)
    if flags.get("is_reviewer"):
        roles.add(REVIEWER)
    return roles


def _visible(entries, roles: set[str], path: str) -> list[dict]:
    out = []
    for entry in entries:
        if entry.roles & roles:
            url = entry.url
            current = path == url or any(path.startswith(p) for p in entry.prefixes)
            out.append({"key": entry.key, "label": entry.label, "url": url,
                        "icon": entry.icon, "current": current})
    return out


def tabs_for(roles: set[str], path: str) -> list[dict]:
    tabs = _visible(TABS, roles, path)
    if not any(t["current"] for t in tabs[1:]) and path == "/":
        tabs[0]["current"] = True
    return tabs


def tiles_for(roles: set[str], path: str = "") -> list[dict]:
    return _visible(TILES, roles, path)


def tile_groups_for(roles: set[str], path: str = "") -> list[dict]:
    """The tiles under their group's heading; groups the role has nothing in are left out."""
    groups = ({"label": label, "tiles": _visible(entries, roles, path)}
              for label, entries in TILE_GROUPS)
    return [g for g in groups if g["tiles"]]
