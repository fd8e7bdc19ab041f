"""The demo district's two years of service: teams, activities, the hours ledger, points,
stores and redemptions.

Planned from its own `random.Random` seeded from the demo's seed (so the layout and people,
planned first, stay as they were), over the volunteers as loaded (in id order, which is the
plan's order). Written only through the owning apps' bulk services, batch by batch, inside
the demo's one transaction.
"""

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from wenming.activities.models import Activity, Enrollment, ServiceRecord
from wenming.activities.services import activities_bulk_import, records_bulk_import
from wenming.orgs.models import OrgNode, Platform
from wenming.people.models import User, Volunteer
from wenming.points.models import Goods, PointsEntry, Store
from wenming.points.services import (
    points_accounts_bulk_open,
    points_bulk_post,
    redemptions_bulk_import,
    stores_bulk_create,
)
from wenming.teams.models import Membership, Team
from wenming.teams.services import memberships_bulk_create, teams_bulk_create

from .plan import SEED

LEDGER_DAYS = 730
UPCOMING_DAYS = 28  # planned activities at every station over the coming four weeks
PER_HOUR = 10  # PointsRules' default
PRAISE_BONUS = 5  # the leader's commendation of a service (an adjustment)
BATCH = 20_000


def ledger_end() -> datetime.date:
    """The ledger runs up to yesterday, so a new user sees a district that lives in the
    present: two years of service behind it and activities ahead. Loaded on the same day,
    the district is the same row for row; on another day, the same rows shifted in time."""
    return timezone.localdate() - datetime.timedelta(days=1)


@dataclass(frozen=True)
class LedgerSize:
    activities: int
    records: int  # approved
    pending: int
    station_teams: tuple[int, int]  # 队 per station under its 分队: min, max
    goods_per_store: int


LEDGER_SIZES = {
    "small": LedgerSize(activities=150, records=5_000, pending=10, station_teams=(1, 2),
                        goods_per_store=8),
    "district": LedgerSize(activities=30_000, records=1_000_000, pending=200,
                           station_teams=(1, 3), goods_per_store=35),
}

TEAM_KINDS = ["学雷锋志愿服务队", "文明交通志愿服务队", "邻里守望志愿服务队", "垃圾分类志愿服务队",
              "为老服务志愿服务队", "理论宣讲志愿服务队", "科普志愿服务队", "文艺志愿服务队",
              "医疗健康志愿服务队", "法律援助志愿服务队", "平安巡逻志愿服务队", "助学志愿服务队"]
ACTIVITY_TITLES = {
    "theory": ["党的创新理论宣讲进社区", "百姓宣讲团微宣讲", "红色故事分享会", "政策解读小课堂"],
    "education": ["四点半课堂课业辅导", "家庭教育讲座", "青少年读书会", "假期托管志愿服务"],
    "culture": ["社区文艺演出", "书法绘画公益课", "广场舞展演", "非遗手工体验", "社区电影放映"],
    "science": ["防范电信诈骗宣传", "科普知识进社区", "智能手机使用教学", "垃圾分类指导"],
    "health": ["义诊与健康咨询", "为老人测血压", "中医推拿义诊", "心理健康讲座", "应急救护培训"],
}
GOODS = [("洗衣液", 30), ("食用油5L", 80), ("大米5kg", 60), ("抽纸一提", 20), ("牙膏", 15),
         ("毛巾", 12), ("香皂", 8), ("酱油", 10), ("米醋", 10), ("挂面", 10), ("鸡蛋一盒", 25),
         ("保温杯", 50), ("雨伞", 35), ("笔记本", 5), ("中性笔一盒", 12), ("环保购物袋", 6),
         ("洗洁精", 12), ("卷纸一提", 25), ("面粉5kg", 45), ("食盐", 4), ("白糖", 10),
         ("红枣", 20), ("小米", 18), ("牛奶一箱", 55), ("电蚊拍", 40), ("台灯", 70),
         ("充电宝", 90), ("志愿者马甲", 30), ("血压计", 150), ("老花镜", 25), ("拖把", 28),
         ("垃圾袋", 6), ("晾衣架", 15), ("保鲜膜", 9), ("陶瓷碗", 14), ("收纳箱", 32)]
STARTS = [datetime.time(9), datetime.time(9, 30), datetime.time(14), datetime.time(14, 30),
          datetime.time(19)]


@dataclass
class LedgerSummary:
    teams: int = 0
    memberships: int = 0
    activities: int = 0
    records: int = 0
    pending: int = 0
    entries: int = 0
    redemptions: int = 0
    goods: int = 0
    upcoming: int = 0


def load_ledger(size: str, nodes: dict[str, OrgNode], center_user: User,
                progress=None) -> LedgerSummary:
    """Everything after the people; `nodes` is every node by its plan key."""
    sz = LEDGER_SIZES[size]
    rng = random.Random(SEED * 1000 + 1)
    out = LedgerSummary()
    tick = progress or (lambda n: None)

    center = next(n for n in nodes.values() if n.kind == OrgNode.Kind.CENTER)
    institutes = sorted((n for n in nodes.values() if n.kind == OrgNode.Kind.INSTITUTE),
                        key=lambda n: n.path)
    stations = sorted((n for n in nodes.values() if n.kind == OrgNode.Kind.STATION),
                      key=lambda n: n.path)
    institute_of = {s.pk: s.parent_id for s in stations}
    volunteers = list(Volunteer.objects.filter(status=Volunteer.Status.ACTIVE).order_by("id")
                      .values_list("id", "station_id", "user_id"))
    user_of = {v: u for v, _s, u in volunteers}
    by_station: dict[int, list[int]] = {}
    for v, s, _u in volunteers:
        by_station.setdefault(s, []).append(v)
    by_institute: dict[int, list[int]] = {}
    for s in stations:
        by_institute.setdefault(s.parent_id, []).extend(by_station.get(s.pk, []))
    everyone = [v for v, _s, _u in volunteers]
    # How keen each volunteer is: a few serve far more than most (and earn stars).
    keenness = {v: rng.lognormvariate(0, 0.9) for v in everyone}
    vol1 = Volunteer.objects.filter(user__username="vol1").values_list("id", flat=True).first()

    # ---- teams: 总队 at the center, a 支队 per institute, a 分队 and its 队 per station ----
    def team(name, level, org, parent=None):
        return Team(name=name[:100], level=level, org=org, parent=parent,
                    description=f"{org.name}{Team.Level(level).label}")

    corps = teams_bulk_create(teams=[team(f"{center.name.removesuffix('新时代文明实践中心')}"
                                          "新时代文明实践志愿服务总队", Team.Level.CORPS, center)])
    detachments = teams_bulk_create(teams=[
        team(f"{i.name.removesuffix('新时代文明实践所')}志愿服务支队", Team.Level.DETACHMENT, i,
             corps[0]) for i in institutes])
    detachment_of = {t.org_id: t for t in detachments}
    squads = teams_bulk_create(teams=[
        team(f"{s.name.removesuffix('新时代文明实践站')}志愿服务分队", Team.Level.SQUAD, s,
             detachment_of[s.parent_id]) for s in stations])
    squad_of = {t.org_id: t for t in squads}
    small_teams = []
    for s in stations:
        place = s.name.removesuffix("新时代文明实践站")
        for kind in rng.sample(TEAM_KINDS, rng.randint(*sz.station_teams)):
            small_teams.append(team(place + kind, Team.Level.TEAM, s, squad_of[s.pk]))
    small_teams = teams_bulk_create(teams=small_teams)
    teams_at: dict[int, list[Team]] = {}
    for t in [*corps, *detachments, *squads, *small_teams]:
        teams_at.setdefault(t.org_id, []).append(t)
    out.teams = sum(len(t) for t in teams_at.values())

    vol1_station = next((s for v, s, _u in volunteers if v == vol1), None)
    leader_of: dict[int, int] = {}  # team id -> volunteer id
    members: dict[tuple[int, int], str] = {}
    for t in [*corps, *detachments, *squads, *small_teams]:
        pool = (everyone if t.org_id == center.pk else by_institute.get(t.org_id)
                or by_station.get(t.org_id) or everyone)
        leader = vol1 if (vol1 and t.org_id == vol1_station and t.level == Team.Level.SQUAD) \
            else rng.choice(pool)
        leader_of[t.pk] = leader
        members[(t.pk, leader)] = Membership.Role.LEADER
    for v, s, _u in volunteers:
        if rng.random() < 0.55 and (here := teams_at.get(s)):
            members.setdefault((rng.choice(here).pk, v), Membership.Role.MEMBER)
    memberships_bulk_create(by=center_user, memberships=[
        Membership(team_id=t, volunteer_id=v, role=role, status=Membership.Status.ACTIVE)
        for (t, v), role in members.items()])
    out.memberships = len(members)
    tick(out.teams)

    # ---- activities over the last two years ----
    platforms = dict(Platform.objects.filter(code__in=list(ACTIVITY_TITLES))
                     .values_list("code", "id"))
    first_day = ledger_end() - datetime.timedelta(days=LEDGER_DAYS)
    station_weights = _cumulative(len(by_station.get(s.pk, [])) + 1 for s in stations)
    planned = []
    for _n in range(sz.activities):
        roll = rng.random()
        org = (center if roll < 0.02 else rng.choice(institutes) if roll < 0.10
               else rng.choices(stations, cum_weights=station_weights)[0])
        day = first_day + datetime.timedelta(days=rng.randrange(LEDGER_DAYS))
        platform = rng.choice(sorted(platforms))
        hours = rng.choice([1, 1.5, 2, 2, 2.5, 3, 3, 4])
        planned.append((day, rng.choice(STARTS), hours, org, platform))
    planned.sort(key=lambda p: (p[0], p[1]))
    activities = []
    for day, start_time, hours, org, platform in planned:
        t = rng.choice(teams_at[org.pk])
        start = timezone.make_aware(datetime.datetime.combine(day, start_time))
        title = rng.choice(ACTIVITY_TITLES[platform])
        activities.append(Activity(
            title=title, platform_id=platforms[platform], org=org, team=t,
            content=f"{org.name}组织开展{title}活动", leader_id=user_of[leader_of[t.pk]],
            address=org.address or org.name, lat=org.lat, lng=org.lng, start=start,
            end=start + datetime.timedelta(hours=hours), quota=rng.choice([10, 20, 30, 50, 80]),
            people_served=rng.randint(10, 300), created_by=center_user))
    for batch in _chunks(activities, BATCH):
        activities_bulk_import(activities=batch)
    out.activities = len(activities)
    tick(out.activities)

    # ---- the ledger: approved lines, their points, a few still pending ----
    accounts = points_accounts_bulk_open(volunteer_ids=everyone)
    earned = dict.fromkeys(everyone, 0)
    counts = _split_evenly(sz.records, [a.quota + 20 for a in activities], rng)
    owed, records = 0, []
    weights_at: dict[tuple, list[float]] = {}

    # People have habits: each volunteer favours one or two kinds of service and two or three
    # weekdays, and serves where they live (their station's pool). The recommender's benchmark
    # (bench/bench_recommend.py) needs that structure to mean anything. Drawn from its own
    # stream, so the plan above stays as it was.
    taste = random.Random(SEED * 1000 + 4)
    codes = sorted(platforms)
    likes = {v: (frozenset(taste.sample(codes, taste.choice([1, 1, 2]))),
                 frozenset(taste.sample(range(7), taste.choice([2, 3])))) for v in everyone}
    platform_code = {pk: code for code, pk in platforms.items()}

    def pool_weights(activity: Activity, pool: list[int]) -> list[float]:
        code = platform_code[activity.platform_id]
        weekday = timezone.localdate(activity.start).weekday()
        key = (activity.org_id, code, weekday)
        if key not in weights_at:
            weights_at[key] = _cumulative(
                keenness[v] * (4.0 if code in likes[v][0] else 1.0)
                * (3.0 if weekday in likes[v][1] else 1.0) for v in pool)
        return weights_at[key]

    hours_of = {}
    for activity, want in zip(activities, counts, strict=True):
        pool = (everyone if activity.org_id == center.pk else by_institute.get(activity.org_id)
                or by_station.get(activity.org_id, []))
        want += owed
        chosen = _pick(rng, pool, pool_weights(activity, pool), min(want, len(pool)))
        owed = want - len(chosen)
        span = (activity.end - activity.start).total_seconds() / 3600
        hours = hours_of.setdefault(span, Decimal(str(span)).quantize(Decimal("0.01")))
        day = timezone.localdate(activity.start)
        line = {"activity_id": activity.pk, "org_id": activity.org_id,
                "kind": ServiceRecord.Kind.ATTENDANCE, "title": activity.title,
                "place": activity.address, "content": activity.content, "service_date": day,
                "hours": hours, "status": ServiceRecord.Status.APPROVED,
                "decided_by_id": activity.leader_id, "decided_at": activity.end,
                "created_by_id": activity.leader_id, "created_at": activity.end}
        records += [{"volunteer_id": v, **line} for v in chosen]
        if len(records) >= BATCH:
            out.entries += _import(records, accounts, earned, rng)
            out.records += len(records)
            tick(len(records))
            records = []
    if records:
        out.entries += _import(records, accounts, earned, rng)
        out.records += len(records)
        tick(len(records))
    recent = activities[-max(1, sz.pending // 5):]
    pending = []
    for n in range(sz.pending):
        activity = recent[n % len(recent)]
        pool = by_station.get(activity.org_id) or everyone
        pending.append({
            "volunteer_id": rng.choice(pool), "activity_id": activity.pk,
            "org_id": activity.org_id, "kind": ServiceRecord.Kind.BACKFILL,
            "title": activity.title, "place": activity.address, "content": activity.content,
            "service_date": timezone.localdate(activity.start), "hours": Decimal("2.00"),
            "reason": "现场签到失败，补录", "created_by_id": activity.leader_id})
    records_bulk_import(rows=pending)
    out.pending = len(pending)

    # ---- a store per institute, and what volunteers redeemed there ----
    goods_plan = [[(name, price) for name, price in rng.sample(GOODS, sz.goods_per_store)]
                  for _i in institutes]
    redemptions: list[tuple[int, int, int, int, str]] = []  # volunteer, inst idx, goods idx, qty
    inst_index = {i.pk: k for k, i in enumerate(institutes)}
    codes: set[str] = set()
    for v, s, _u in volunteers:
        budget = int(earned[v] * rng.uniform(0.3, 0.9))
        k = inst_index[institute_of[s]]
        items = goods_plan[k]
        while True:
            g = rng.randrange(len(items))
            price = items[g][1]
            if price > budget:
                break
            qty = 2 if price * 2 <= budget and rng.random() < 0.15 else 1
            status = rng.choices(["picked_up", "reserved", "cancelled"], weights=[85, 5, 10])[0]
            redemptions.append((v, k, g, qty, status))
            budget -= price * qty  # a cancelled one is refunded: the balance only grows
    sold = [[0] * len(items) for items in goods_plan]
    for _v, k, g, qty, status in redemptions:
        if status != "cancelled":
            sold[k][g] += qty
    stores = stores_bulk_create(
        stores=[Store(org=i, name=f"{i.name.removesuffix('新时代文明实践所')}爱心超市",
                      address=i.address, opening_hours="周一至周五 9:00-17:00")
                for i in institutes],
        goods=[[Goods(name=name, price=price, stock=sold[k][g] + rng.randint(20, 200))
                for g, (name, price) in enumerate(items)]
               for k, items in enumerate(goods_plan)])
    goods_ids = [list(Goods.objects.filter(store=st).order_by("id").values_list("id", flat=True))
                 for st in stores]
    names = {goods_ids[k][g]: name for k, items in enumerate(goods_plan)
             for g, (name, _p) in enumerate(items)}
    out.goods = len(names)
    now = timezone.now()
    when = random.Random(SEED * 1000 + 2)  # its own stream: the plan above stays as it was
    rows = []
    for v, k, g, qty, status in redemptions:
        # Reserved ones wait at the store now; the others were handled within days.
        age = when.uniform(0, 5) if status == "reserved" else when.uniform(7, LEDGER_DAYS - 30)
        created = now - datetime.timedelta(days=age)
        price = goods_plan[k][g][1]
        while (code := "".join(rng.choices("ABCDEFGHJKLMNPQRSTUVWXYZ23456789", k=8))) in codes:
            pass
        codes.add(code)
        rows.append({
            "account_id": accounts[v], "goods_id": goods_ids[k][g], "quantity": qty,
            "price_each": price, "points": price * qty, "status": status, "pickup_code": code,
            "created_at": created,
            "handled_at": None if status == "reserved" else min(
                now, created + datetime.timedelta(hours=when.uniform(1, 72))),
            "handled_by_id": user_of[v] if status == "cancelled" else None})
        if len(rows) >= BATCH:
            redemptions_bulk_import(redemptions=rows, names=names)
            out.entries += len(rows) + sum(r["status"] == "cancelled" for r in rows)
            tick(len(rows))
            rows = []
    if rows:
        redemptions_bulk_import(redemptions=rows, names=names)
        out.entries += len(rows) + sum(r["status"] == "cancelled" for r in rows)
    out.redemptions = len(redemptions)
    out.upcoming = _plan_upcoming(stations, teams_at, leader_of, user_of, by_station, platforms,
                                  center_user, vol1)
    return out


def _plan_upcoming(stations, teams_at, leader_of, user_of, by_station, platforms, center_user,
                   vol1) -> int:
    """Activities at every station over the coming weeks, some volunteers already signed up
    (vol1 for a few of those at their station), so that a new user finds something to join."""
    rng = random.Random(SEED * 1000 + 3)
    today = timezone.localdate()
    planned = []
    for station in stations:
        for _n in range(3):
            day = today + datetime.timedelta(days=rng.randrange(1, UPCOMING_DAYS))
            start = timezone.make_aware(datetime.datetime.combine(day, rng.choice(STARTS)))
            platform = rng.choice(sorted(platforms))
            title, t = rng.choice(ACTIVITY_TITLES[platform]), rng.choice(teams_at[station.pk])
            planned.append(Activity(
                title=title, platform_id=platforms[platform], org=station, team=t,
                content=f"{station.name}组织开展{title}活动", leader_id=user_of[leader_of[t.pk]],
                address=station.address or station.name, lat=station.lat, lng=station.lng,
                start=start, end=start + datetime.timedelta(hours=rng.choice([1.5, 2, 3])),
                quota=rng.choice([10, 20, 30]), people_served=None, created_by=center_user))
    activities = activities_bulk_import(activities=planned)
    enrollments = []
    for activity in activities:
        pool = by_station.get(activity.org_id, [])
        chosen = set(rng.sample(pool, min(len(pool), rng.randint(0, activity.quota // 2))))
        if vol1 in pool and rng.random() < 0.5:
            chosen.add(vol1)
        enrollments += [Enrollment(activity=activity, volunteer_id=v,
                                   status=Enrollment.Status.ENROLLED) for v in sorted(chosen)]
    Enrollment.objects.bulk_create(enrollments, batch_size=5000)
    return len(activities)


def _import(records: list[dict], accounts: dict[int, int], earned: dict[int, int],
            rng: random.Random) -> int:
    """One batch of approved lines, then their points: an hour's worth each, and now and
    then the leader's commendation."""
    ids = records_bulk_import(rows=records)
    entries = []
    for pk, r in zip(ids, records, strict=True):
        amount, v = int(r["hours"] * PER_HOUR), r["volunteer_id"]
        entry = {"account_id": accounts[v], "amount": amount, "kind": PointsEntry.Kind.HOURS,
                 "reason": f"服务时长：{r['title']}", "source_type": "activities.servicerecord",
                 "source_id": pk, "created_by_id": r["decided_by_id"],
                 "created_at": r["decided_at"]}
        entries.append(entry)
        earned[v] += amount
        if rng.random() < 0.55:
            entries.append({**entry, "amount": PRAISE_BONUS, "kind": PointsEntry.Kind.ADJUST,
                            "reason": f"服务表现优秀加分：{r['title']}"})
            earned[v] += PRAISE_BONUS
    return points_bulk_post(entries=entries)


def _pick(rng: random.Random, pool: list[int], cum: list[float], n: int) -> list[int]:
    """`n` different volunteers of `pool`, the keen ones (by cumulative weights) more often."""
    if n <= 0:
        return []
    if n * 2 >= len(pool):
        return rng.sample(pool, n)
    chosen = list(dict.fromkeys(rng.choices(pool, cum_weights=cum, k=n + n // 2 + 4)))[:n]
    if len(chosen) < n:
        taken = set(chosen)
        chosen += rng.sample([v for v in pool if v not in taken], n - len(chosen))
    return chosen


def _cumulative(weights) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


def _split_evenly(total: int, weights: list[int], rng: random.Random) -> list[int]:
    """`total` in whole parts roughly proportional to `weights`, with some spread."""
    raw = [w * rng.uniform(0.5, 1.5) for w in weights]
    scale = total / sum(raw)
    parts = [int(r * scale) for r in raw]
    for i in range(total - sum(parts)):
        parts[i % len(parts)] += 1
    return parts


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i:i + size]
