"""The demo district's history of orders and wishes, so every dashboard figure has something
to count: orders in every state over two years (ratings, on-time and late ones, appeals on
the grids) with their events, and wishes posted, claimed and fulfilled.

The ledger, teams, activities and points come from `wenming.demo.ledger`; the orders and
wishes apps have no bulk path of their own, so their past is written here with
`wenming.core.bulk.bulk_insert` (it keeps the given `created_at`/`at`, which `bulk_create`
would overwrite), inside the demo's one transaction. Every row is one a real move could have
made: each order's events run its states in order through the workflow's transitions.
"""

import datetime
import random

from django.utils import timezone

from wenming.core.bulk import bulk_insert
from wenming.geo import cell_of
from wenming.orders.models import TRANSITIONS, OrderEvent, ServiceOrder
from wenming.orders.models import State as S
from wenming.orgs.models import Grid, OrgNode, Platform
from wenming.people.models import Resident, User, Volunteer
from wenming.teams.models import Team
from wenming.wishes.models import State as W
from wenming.wishes.models import Wish, WishEvent

from . import tally

SIZES = {"small": (900, 240), "district": (40_000, 8_000)}  # orders, wishes
DAYS = 730
TEXTS = ["家中水管漏水，老人行动不便，希望志愿者帮忙联系维修", "想请志愿者上门帮老人理发",
         "小区健身器材损坏，希望尽快修理", "希望有志愿者辅导孩子功课", "独居老人需要代购药品",
         "楼道堆物影响通行，请求协调清理", "希望社区组织一次防诈骗宣讲", "路灯不亮，晚上出行不便",
         "希望开展老年人智能手机使用培训", "家里电路老化，请求安全检查"]
WISH_TITLES = ["一副老花镜", "一台收音机", "冬天的棉被", "孩子的书包和文具", "一次全家福拍摄",
               "助行器一个", "学一学用智能手机", "一套儿童绘本"]
# Where a finished order's path ran: each entry is the states after "submitted".
PATHS = {
    S.RATED: [S.REVIEWED, S.DISPATCHED, S.ACCEPTED, S.COMPLETED, S.RATED],
    S.COMPLETED: [S.REVIEWED, S.DISPATCHED, S.ACCEPTED, S.COMPLETED],
    S.CANCELLED: [S.CANCELLED],
    S.REJECTED: [S.REJECTED],
    S.SUBMITTED: [],
    S.REVIEWED: [S.REVIEWED],
    S.DISPATCHED: [S.REVIEWED, S.DISPATCHED],
    S.OPEN: [S.REVIEWED, S.OPEN],
    S.DECLINED: [S.REVIEWED, S.DISPATCHED, S.DECLINED],
    S.ACCEPTED: [S.REVIEWED, S.DISPATCHED, S.ACCEPTED],
    S.ESCALATED_QUEUE: [S.ESCALATED_QUEUE],
    S.ESCALATED_SERVING: [S.REVIEWED, S.DISPATCHED, S.ACCEPTED, S.ESCALATED_SERVING],
}
OLD_STATES = ([S.RATED] * 62 + [S.COMPLETED] * 10 + [S.CANCELLED] * 7 + [S.REJECTED] * 5)
NEW_STATES = list(PATHS)  # the last week: every state, the active ones too
SCORES = [5] * 52 + [4] * 28 + [3] * 11 + [2] * 5 + [1] * 4
ACTIVE = {S.SUBMITTED, S.REVIEWED, S.DISPATCHED, S.OPEN, S.DECLINED, S.ACCEPTED,
          S.ESCALATED_QUEUE, S.ESCALATED_SERVING}
HOLDS_VOLUNTEER = {S.DISPATCHED, S.ACCEPTED, S.ESCALATED_SERVING, S.COMPLETED, S.RATED}


def seed(*, size: str, nodes: dict[str, OrgNode], users: dict[str, User], rng) -> None:
    n_orders, n_wishes = SIZES.get(size, SIZES["small"])
    stations = list(OrgNode.objects.filter(kind=OrgNode.Kind.STATION).order_by("path"))
    if not stations:
        return
    _backdate_registrations()
    world = _World(stations, users)
    _orders(world, n_orders, rng)
    _wishes(world, n_wishes, rng)
    # The registrations backdated and the orders inserted above bypass the writers of the
    # per-node rollup: recount it once from the tables (grouped queries, seconds).
    tally.rebuild_now()


class _World:
    """What the rows refer to, read once."""

    def __init__(self, stations: list[OrgNode], users: dict[str, User]):
        self.stations = stations
        self.now = timezone.now()
        self.staff = users.get("center") or next(iter(users.values()))
        self.platforms = list(Platform.objects.filter(is_active=True).values_list("id", flat=True))
        self.grids: dict[int, list[int]] = {}
        for gid, sid in Grid.objects.values_list("id", "station_id"):
            self.grids.setdefault(sid, []).append(gid)
        self.residents: dict[int, list[tuple[int, int, str, str]]] = {}
        for rid, sid, uid, name, mobile in Resident.objects.values_list(
                "id", "station_id", "user_id", "user__real_name", "user__mobile"):
            self.residents.setdefault(sid, []).append((rid, uid, name, mobile or ""))
        self.any_residents = [r for rs in self.residents.values() for r in rs]
        self.volunteers: dict[int, list[int]] = {}
        for vid, sid in Volunteer.objects.filter(status=Volunteer.Status.ACTIVE).values_list(
                "id", "station_id").order_by("id"):
            self.volunteers.setdefault(sid, []).append(vid)
        # Busy stations are busy in everything: weight by their volunteers.
        self.weights = [len(self.volunteers.get(s.pk, [])) + 5 for s in stations]

    def resident(self, station: OrgNode, rng: random.Random):
        return rng.choice(self.residents.get(station.pk) or self.any_residents)


def _backdate_registrations() -> None:
    """The demo loads two years of service at once, so its volunteers and teams would all be
    registered today and a past quarter's report would count fewer registered volunteers than
    active ones. Those loaded now are dated from before the ledger began (one UPDATE each)."""
    now = timezone.now()
    before = now - datetime.timedelta(days=DAYS + 30)
    just_now = now - datetime.timedelta(hours=6)
    Volunteer.objects.filter(registered_at__gte=just_now).update(registered_at=before)
    Team.objects.filter(created_at__gte=just_now).update(created_at=before)


def _when(rng: random.Random, now: datetime.datetime, recent: bool) -> datetime.datetime:
    days = rng.uniform(0, 7) if recent else rng.uniform(7, DAYS)
    moment = now - datetime.timedelta(days=days)
    local = timezone.localtime(moment)
    return local.replace(hour=rng.choice(range(7, 21)), minute=rng.randrange(60))


def _orders(world: _World, n: int, rng: random.Random) -> None:
    if not world.any_residents or not world.platforms:
        return
    rows, paths = [], []
    for i in range(n):
        recent = i % 12 == 0
        station = rng.choices(world.stations, world.weights)[0]
        state = NEW_STATES[i // 12 % len(NEW_STATES)] if recent else rng.choice(OLD_STATES)
        created = min(_when(rng, world.now, recent), world.now - datetime.timedelta(hours=1))
        late = rng.random() < 0.14
        path = _path(state, late)
        rows.append(_order_row(world, station, state, created, late, path, rng))
        paths.append(path)
    ids = []
    for start in range(0, len(rows), 5000):
        ids += bulk_insert(ServiceOrder, rows[start:start + 5000])
    events = []
    for order_id, row, path in zip(ids, rows, paths, strict=True):
        events += _events(order_id, row, path, world, rng)
    for start in range(0, len(events), 20000):
        bulk_insert(OrderEvent, events[start:start + 20000])


def _path(state: str, late: bool) -> list[str]:
    """The states after "submitted"; a late order passed one time limit on its way."""
    path = list(PATHS[state])
    if late and state in {S.RATED, S.COMPLETED}:
        path.insert(path.index(S.ACCEPTED) + 1, S.ESCALATED_SERVING)
    elif late and state in {S.CANCELLED, S.REJECTED, S.REVIEWED}:
        path.insert(0, S.ESCALATED_QUEUE)
    prev = ""
    for to in [S.SUBMITTED, *path]:
        assert to in TRANSITIONS[prev], (prev, to)  # a path real moves could have made
        prev = to
    return path


def _order_row(world: _World, station: OrgNode, state: str, created, late: bool,
               path: list[str], rng: random.Random) -> dict:
    kind = ServiceOrder.Kind.APPEAL if rng.random() < 0.3 else ServiceOrder.Kind.SERVICE
    grids = world.grids.get(station.pk, [])
    rid, uid, name, mobile = world.resident(station, rng)
    lat = (station.lat or 39.96) + rng.uniform(-0.006, 0.006)
    lng = (station.lng or 116.30) + rng.uniform(-0.008, 0.008)
    done = state in {S.COMPLETED, S.RATED}
    vols = world.volunteers.get(station.pk) or []
    volunteer = rng.choice(vols) if vols and state in HOLDS_VOLUNTEER else None
    score = rng.choice(SCORES) if state == S.RATED else None
    return {
        "kind": kind, "state": state, "platform_id": rng.choice(world.platforms), "skill": "",
        "text": rng.choice(TEXTS), "address": f"{station.name.removesuffix('新时代文明实践站')}附近",
        "lat": lat, "lng": lng, "cell": cell_of(lat, lng),
        "wished_at": created + datetime.timedelta(days=rng.randint(1, 3)),
        "contact_name": name or "居民", "contact_phone": mobile, "resident_id": rid,
        "submitted_by_id": uid, "org_id": station.pk, "station_id": station.pk,
        "grid_id": rng.choice(grids) if grids and (kind == "appeal" or rng.random() < .5)
        else None,
        "volunteer_id": volunteer, "team_id": None,
        "due_at": world.now + datetime.timedelta(hours=rng.randint(2, 40))
        if state in ACTIVE else None,
        "escalations": sum(1 for s in path if s in (S.ESCALATED_QUEUE, S.ESCALATED_SERVING)),
        "completion_note": "已上门完成服务" if done else "",
        "people_served": rng.randint(1, 6) if done else None,
        "hours": None, "score": score,
        "comment": ("服务很周到，谢谢志愿者" if score and score >= 4 else "来得有点晚" if score
                    else ""),
        "needs_review": bool(score and score <= 2),
        "created_at": created, "updated_at": created,
    }


def _events(order_id: int, row: dict, path: list[str], world: _World,
            rng: random.Random) -> list[dict]:
    at, prev, out = row["created_at"], "", []
    for to in [S.SUBMITTED, *path]:
        out.append({"order_id": order_id, "from_state": prev, "to_state": to,
                    "by_id": row["submitted_by_id"] if to == S.SUBMITTED else
                    None if to in (S.ESCALATED_QUEUE, S.ESCALATED_SERVING) else world.staff.pk,
                    "at": at, "reason": "超过办理时限，自动上报" if to.startswith("escalated")
                    else "", "org_id": row["org_id"]})
        prev = to
        at = min(at + datetime.timedelta(minutes=rng.randint(10, 600)), world.now)
    return out


WISH_OLD = [W.CONFIRMED] * 60 + [W.FULFILLED] * 8 + [W.EXPIRED] * 10 + [W.REJECTED] * 6 + \
    [W.CANCELLED] * 6
WISH_NEW = [W.POSTED, W.APPROVED, W.CLAIMED, W.FULFILLED, W.CONFIRMED]
WISH_PATHS = {W.POSTED: [], W.APPROVED: [W.APPROVED], W.REJECTED: [W.REJECTED],
              W.CLAIMED: [W.APPROVED, W.CLAIMED], W.FULFILLED: [W.APPROVED, W.CLAIMED, W.FULFILLED],
              W.CONFIRMED: [W.APPROVED, W.CLAIMED, W.FULFILLED, W.CONFIRMED],
              W.EXPIRED: [W.APPROVED, W.EXPIRED], W.CANCELLED: [W.CANCELLED]}
DONORS = ["爱心企业", "共建单位党支部", "社区志愿服务队"]


def _wishes(world: _World, n: int, rng: random.Random) -> None:
    if not world.any_residents:
        return
    rows = []
    for i in range(n):
        recent = i % 8 == 0
        station = rng.choices(world.stations, world.weights)[0]
        state = rng.choice(WISH_NEW) if recent else rng.choice(WISH_OLD)
        created = min(_when(rng, world.now, recent), world.now - datetime.timedelta(hours=1))
        rid, uid, _name, _mobile = world.resident(station, rng)
        claimed = state in {W.CLAIMED, W.FULFILLED, W.CONFIRMED}
        rows.append({
            "resident_id": rid, "station_id": station.pk, "title": rng.choice(WISH_TITLES),
            "text": "家里老人行动不便，希望得到帮助", "reason": "", "for_whom": "",
            "due_date": timezone.localdate(created) + datetime.timedelta(days=30),
            "rough_value": rng.choice([50, 80, 120, 200]), "urgency": 0, "state": state,
            "claimed_volunteer_id": None, "claimed_team_id": None,
            "donor_name": rng.choice(DONORS) if claimed else "",
            "fulfil_note": "已送到心愿人手中" if state in {W.FULFILLED, W.CONFIRMED} else "",
            "photo": "", "posted_by_id": uid, "created_at": created, "updated_at": created})
    ids = bulk_insert(Wish, rows)
    events = []
    for wish_id, row in zip(ids, rows, strict=True):
        at, prev = row["created_at"], ""
        for to in [W.POSTED, *WISH_PATHS[row["state"]]]:
            events.append({"wish_id": wish_id, "from_state": prev, "to_state": to,
                           "by_id": row["posted_by_id"] if to == W.POSTED else world.staff.pk,
                           "at": at, "reason": ""})
            prev, at = to, min(at + datetime.timedelta(hours=rng.randint(2, 96)), world.now)
    for start in range(0, len(events), 20000):
        bulk_insert(WishEvent, events[start:start + 20000])
