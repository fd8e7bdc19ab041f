"""Batch dispatch: many waiting orders at once, assigned so that the total distance volunteers
travel is least, beside what greedy first-come dispatch would have done with the same orders.

A volunteer may take an order when active, at home within `ranking.REACH_KM` of its place,
serving its platform (and having its skill, if the order names one), and while they have fewer
than `capacity` open orders. Candidates come from the h3 cells around each place (the indexed
`home_cell`) in a few queries for the whole batch; distances are measured with NumPy.

The solver is SciPy's `linear_sum_assignment` on a matrix of kilometres, one column per free
slot of a volunteer (a volunteer with room for two more orders has two columns). Pairs that may
not be made cost `NO_PAIR`, more than any sum of real distances, so the solver first assigns as
many orders as it can, then minimises the distance; such pairs are dropped afterwards. To keep
the matrix small, each order keeps its `MAX_CANDIDATES` nearest candidates plus greedy's pick;
of the volunteers no other order may have it keeps only the nearest; and the batch is split
into groups of orders that share no candidate, one matrix each. The proposal is never worse
than greedy's (greedy's pairs stay in the matrices) and says when it is provably the best:
when no order lost a candidate (always so when a batch has no more orders than
`MAX_CANDIDATES`: an order cut off from a farther volunteer finds one of its nearer ones free),
or when every order got its nearest candidate anyway (`lower_bound_km`).
"""

from dataclasses import dataclass, field

import numpy as np
from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from wenming.geo import EARTH_RADIUS_KM, cells_near, haversine_km
from wenming.orgs.models import OrgNode
from wenming.orgs.permissions import subtree_q
from wenming.people.models import User, Volunteer

from .models import ServiceOrder, in_group
from .ranking import BUSY, REACH_KM

AWAITING = in_group("awaiting")
MAX_ORDERS = 2000  # the oldest waiting orders of a batch; the rest wait for the next one
MAX_CAPACITY = 5
MAX_CANDIDATES = 20  # the nearest candidates each order keeps for the solver
HEAD = 64  # candidates sorted by distance; the rest only when greedy gets that far
NO_PAIR = 1e7
CELL_CHUNK = 500  # cells per IN list, well under every database's parameter limit
WHOLE_TABLE = 20_000  # volunteers in a pool from which their categories are read whole
NONE = np.zeros(0, dtype=np.int64)


@dataclass
class Pool:
    """Active volunteers near the batch, as arrays indexed alike (ids ascending)."""

    ids: np.ndarray
    lat: np.ndarray  # radians
    lng: np.ndarray  # radians
    slots: np.ndarray  # how many more orders each may take
    by_cell: dict[str, np.ndarray]
    platforms: dict[int, np.ndarray] = field(default_factory=dict)  # platform id -> bool mask
    skills: dict[str, np.ndarray] = field(default_factory=dict)  # skill name -> bool mask

    def __post_init__(self):
        self.cos_lat = np.cos(self.lat)
        self._free: dict[tuple[str, int], np.ndarray] = {}

    def index(self, volunteer_ids) -> tuple[np.ndarray, np.ndarray]:
        """Positions of `volunteer_ids` in the pool, and which of them are in it at all."""
        ids = np.asarray(volunteer_ids, dtype=np.int64)
        if not len(self.ids):
            return np.zeros(len(ids), dtype=np.int64), np.zeros(len(ids), dtype=bool)
        at = np.searchsorted(self.ids, ids).clip(0, len(self.ids) - 1)
        return at, self.ids[at] == ids

    def mask(self, volunteer_ids) -> np.ndarray:
        out = np.zeros(len(self.ids), dtype=bool)
        at, known = self.index(volunteer_ids)
        out[at[known]] = True
        return out

    def free(self, cell: str, platform_id: int) -> np.ndarray:
        """Who in `cell` serves the platform and has room for an order (kept: many orders
        share a cell)."""
        key = (cell, platform_id)
        if key not in self._free:
            idx = self.by_cell.get(cell, NONE)
            self._free[key] = idx[self.platforms[platform_id][idx] & (self.slots[idx] > 0)]
        return self._free[key]

    def km(self, lat: float, lng: float, idx: np.ndarray) -> np.ndarray:
        """`geo.haversine_km` from a point to the volunteers at `idx`, vectorised."""
        lat, lng = np.radians(lat), np.radians(lng)
        a = (np.sin((self.lat[idx] - lat) / 2) ** 2
             + np.cos(lat) * self.cos_lat[idx] * np.sin((self.lng[idx] - lng) / 2) ** 2)
        return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(a))


# ---- reading ----------------------------------------------------------------------------

def waiting_orders(org: OrgNode) -> list[ServiceOrder]:
    """Orders of `org`'s subtree waiting for a volunteer, oldest first (the greedy order)."""
    return list(ServiceOrder.objects.filter(
        org__path__startswith=org.path, state__in=AWAITING, volunteer__isnull=True,
        team__isnull=True).only("id", "lat", "lng", "platform_id", "skill", "created_at")
        .order_by("created_at", "id")[:MAX_ORDERS])


def _chunks(cells: list[str]):
    for i in range(0, len(cells), CELL_CHUNK):
        yield cells[i:i + CELL_CHUNK]


def volunteer_pool(by: User, cells: set[str], *, platform_ids: set[int], skills: set[str],
                   capacity: int) -> Pool:
    """The active volunteers `by` may dispatch whose homes lie in `cells`, with their open
    load (two queries per `CELL_CHUNK` cells) and the platforms and skills the orders ask
    for (one query each), however many orders there are."""
    rows, load = [], []
    for chunk in _chunks(sorted(cells)):
        rows += Volunteer.objects.filter(
            subtree_q(by, "station__path"), home_cell__in=chunk, status=Volunteer.Status.ACTIVE,
            home_lat__isnull=False, home_lng__isnull=False,
        ).values_list("id", "home_lat", "home_lng", "home_cell")
        load += ServiceOrder.objects.filter(state__in=BUSY, volunteer__home_cell__in=chunk).values(
            "volunteer_id").annotate(n=Count("id")).values_list("volunteer_id", "n")
    rows.sort()
    by_cell: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        by_cell.setdefault(row[3], []).append(i)
    pool = Pool(ids=np.array([r[0] for r in rows], dtype=np.int64),
                lat=np.radians(np.array([r[1] for r in rows], dtype=float)),
                lng=np.radians(np.array([r[2] for r in rows], dtype=float)),
                slots=np.full(len(rows), capacity, dtype=np.int64),
                by_cell={c: np.array(i, dtype=np.int64) for c, i in by_cell.items()})
    busy = np.array(load, dtype=np.int64).reshape(-1, 2)
    at, known = pool.index(busy[:, 0])
    np.subtract.at(pool.slots, at[known], busy[known, 1])
    pool.slots = pool.slots.clip(0)
    serves = np.array(_of_pool(Volunteer.service_categories.through.objects.filter(
        platform_id__in=platform_ids), cells, len(rows)).values_list("volunteer_id", "platform_id")
        if platform_ids else [], dtype=np.int64).reshape(-1, 2)
    pool.platforms = {p: pool.mask(serves[serves[:, 1] == p, 0]) for p in platform_ids}
    skilled: dict[str, list[int]] = {s: [] for s in skills}
    for v, name in (_of_pool(Volunteer.skills.through.objects.filter(skill__name__in=skills),
                             cells, len(rows)).values_list("volunteer_id", "skill__name")
                    if skills else []):
        skilled[name].append(v)
    pool.skills = {s: pool.mask(v) for s, v in skilled.items()}
    return pool


def _of_pool(rows: QuerySet, cells: set[str], size: int) -> QuerySet:
    """Rows about the volunteers at home in `cells`. When they are most of a district, the
    whole table is read and the pool keeps its own: cheaper than joining every row."""
    if size >= WHOLE_TABLE:
        return rows
    return rows.filter(volunteer__home_cell__in=list(cells))


# ---- candidates -------------------------------------------------------------------------

def _near(order: ServiceOrder, pool: Pool) -> np.ndarray:
    """Pool positions of every volunteer in the h3 cells around the order's place."""
    parts = [pool.by_cell[c] for c in cells_near(order.lat, order.lng) if c in pool.by_cell]
    return np.concatenate(parts) if parts else NONE


def feasible(order: ServiceOrder, pool: Pool) -> tuple[np.ndarray, np.ndarray]:
    """Volunteers who may take the order: (pool positions, km), the nearest `HEAD` first
    and in order, the rest after them in no order (sorting thousands per order would be the
    dearest part of a batch, and greedy and the solver seldom look past the head)."""
    parts = [pool.free(c, order.platform_id) for c in cells_near(order.lat, order.lng)]
    idx = np.concatenate(parts)
    if order.skill:
        idx = idx[pool.skills[order.skill][idx]]
    km = pool.km(order.lat, order.lng, idx)
    idx, km = idx[km <= REACH_KM], km[km <= REACH_KM]
    if len(km) > HEAD:
        part = np.argpartition(km, HEAD)
        idx, km = idx[part], km[part]
    head = np.argsort(km[:HEAD], kind="stable")
    idx[:HEAD], km[:HEAD] = idx[:HEAD][head], km[:HEAD][head]
    return idx, km


def _why_none(order: ServiceOrder, pool: Pool) -> tuple[str, str]:
    """Why no volunteer at all may take the order: the first condition nobody meets."""
    idx = _near(order, pool)
    idx = idx[pool.km(order.lat, order.lng, idx) <= REACH_KM]
    if not len(idx):
        return "none_in_reach", _("%(km).0f公里内没有可派的志愿者") % {"km": REACH_KM}
    idx = idx[pool.platforms[order.platform_id][idx]]
    if not len(idx):
        return "no_platform_match", _("附近的志愿者都不提供该类服务")
    if order.skill:
        idx = idx[pool.skills[order.skill][idx]]
        if not len(idx):
            return "no_skill_match", _("附近没有具备“%(s)s”技能的志愿者") % {"s": order.skill}
    return "all_busy", _("附近符合条件的志愿者手头订单已满")


# ---- the two ways of assigning ----------------------------------------------------------

def greedy(candidates: list[tuple[np.ndarray, np.ndarray]], slots: np.ndarray
           ) -> dict[int, tuple[int, float]]:
    """First come, first served: each order in turn takes its nearest volunteer still free.
    Returns {order position: (pool position, km)}."""
    left, chosen = slots.copy(), {}
    for i, (idx, km) in enumerate(candidates):
        free = np.flatnonzero(left[idx[:HEAD]] > 0)
        if not len(free) and len(idx) > HEAD:  # the whole head is taken: look further
            rest = HEAD + np.argsort(km[HEAD:], kind="stable")
            free = rest[left[idx[rest]] > 0]
        if len(free):
            j = free[0]
            left[idx[j]] -= 1
            chosen[i] = (int(idx[j]), float(km[j]))
    return chosen


def _kept(candidates, first_come) -> tuple[list[tuple[np.ndarray, np.ndarray]], bool]:
    """Each order's nearest `MAX_CANDIDATES` and greedy's pick; whether nothing was cut."""
    kept, exact = [], True
    for i, (idx, km) in enumerate(candidates):
        if len(idx) > MAX_CANDIDATES:
            exact = exact and len(candidates) <= MAX_CANDIDATES
            pick = first_come.get(i)
            idx, km = idx[:MAX_CANDIDATES], km[:MAX_CANDIDATES]
            if pick and pick[0] not in idx:
                idx, km = np.append(idx, pick[0]), np.append(km, pick[1])
        kept.append((idx, km))
    return kept, exact


def solve(candidates: list[tuple[np.ndarray, np.ndarray]], slots: np.ndarray,
          first_come: dict[int, tuple[int, float]] | None = None
          ) -> tuple[dict[int, tuple[int, float]], bool]:
    """The assignment of least total distance among those assigning the most orders.
    Returns ({order position: (pool position, km)}, exact)."""
    first_come = greedy(candidates, slots) if first_come is None else first_come
    kept, exact = _kept(candidates, first_come)
    rows = np.concatenate([np.full(len(idx), i) for i, (idx, _km) in enumerate(kept)] or [NONE])
    cols = np.concatenate([idx for idx, _km in kept] or [NONE]).astype(np.int64)
    kms = np.concatenate([km for _idx, km in kept] or [np.zeros(0)])
    if not len(rows):
        return {}, exact
    volunteers, col = np.unique(cols, return_inverse=True)
    # A volunteer no other order may have is interchangeable with the order's other such
    # ones: only the nearest of them can be in a best assignment.
    private = np.flatnonzero(np.bincount(col)[col] == 1)
    private = private[np.lexsort((kms[private], rows[private]))]
    dropped = private[1:][rows[private][1:] == rows[private][:-1]]
    keep = np.ones(len(rows), dtype=bool)
    keep[dropped] = False
    rows, col, kms = rows[keep], col[keep], kms[keep]
    n, m = len(kept), len(volunteers)
    graph = coo_matrix((np.ones(len(rows)), (rows, n + col)), shape=(n + m, n + m))
    _count, group = connected_components(graph, directed=False)
    chosen: dict[int, tuple[int, float]] = {}
    for g in np.unique(group[rows]):
        in_group = group[rows] == g
        chosen.update(_solve_group(rows[in_group], col[in_group], kms[in_group],
                                   volunteers, slots))
    return chosen, exact


def _solve_group(rows, col, kms, volunteers, slots) -> dict[int, tuple[int, float]]:
    """One group of orders sharing candidates: a dense matrix, one column per free slot."""
    orders, r = np.unique(rows, return_inverse=True)
    used, c = np.unique(col, return_inverse=True)
    # No volunteer needs more columns than there are orders that may go to them.
    repeat = np.minimum(slots[volunteers[used]], np.bincount(c, minlength=len(used)))
    first = np.concatenate([[0], np.cumsum(repeat)[:-1]])
    cost = np.full((len(orders), int(repeat.sum())), NO_PAIR)
    for k in range(int(repeat.max())):
        more = repeat[c] > k
        cost[r[more], first[c[more]] + k] = kms[more]
    order_at, slot_at = linear_sum_assignment(cost)
    owner = np.repeat(np.arange(len(used)), repeat)
    return {int(orders[i]): (int(volunteers[used[owner[s]]]), float(cost[i, s]))
            for i, s in zip(order_at, slot_at, strict=True) if cost[i, s] < NO_PAIR}


# ---- the proposal -----------------------------------------------------------------------

def _total(chosen: dict) -> float:
    return round(sum(km for _v, km in chosen.values()), 3)


def dispatch_proposal(*, by: User, org: OrgNode, capacity: int = 1) -> dict:
    """Who should take which of `org`'s waiting orders. The caller manages `org` (the API
    checks); volunteers are those `by` may dispatch (their subtrees'). Writes nothing."""
    orders = waiting_orders(org)
    pool = volunteer_pool(by, {c for o in orders for c in cells_near(o.lat, o.lng)},
                          platform_ids={o.platform_id for o in orders},
                          skills={o.skill for o in orders if o.skill}, capacity=capacity)
    candidates = [feasible(o, pool) for o in orders]
    first_come = greedy(candidates, pool.slots)
    chosen, exact = solve(candidates, pool.slots, first_come)
    pairs = [{"order_id": o.pk, "volunteer_id": int(pool.ids[chosen[i][0]]),
              "km": round(chosen[i][1], 3)} for i, o in enumerate(orders) if i in chosen]
    unassigned = []
    for i, o in enumerate(orders):
        if i not in chosen:
            code, detail = (_why_none(o, pool) if not len(candidates[i][0]) else
                            ("taken", _("符合条件的志愿者都已分给其他订单")))
            unassigned.append({"order_id": o.pk, "reason": code, "detail": detail})
    solver_km, greedy_km = _total(chosen), _total(first_come)
    # Nobody does better than every order with a candidate getting its nearest one.
    servable = [km[0] for _idx, km in candidates if len(km)]
    bound = round(float(sum(servable)), 3)
    exact = exact or (len(chosen) == len(servable) and solver_km <= bound + 1e-6)
    return {
        "org_id": org.pk, "capacity": capacity, "orders": len(orders), "exact": exact,
        "lower_bound_km": bound,
        "pairs": pairs, "unassigned": unassigned,
        "solver": {"assigned": len(chosen), "total_km": solver_km},
        "greedy": {"assigned": len(first_come), "total_km": greedy_km},
        "improvement_pct": round(100 * (greedy_km - solver_km) / greedy_km, 2)
        if greedy_km else 0.0,
    }


# ---- checking pairs before dispatching them ---------------------------------------------

def pair_problem(order: ServiceOrder, volunteer: Volunteer, *, platforms: set[int],
                 skills: set[str]) -> str | None:
    """Why `volunteer` may not take `order` (reach, platform, skill), or None."""
    if volunteer.home_lat is None or volunteer.home_lng is None or haversine_km(
            order.lat, order.lng, volunteer.home_lat, volunteer.home_lng) > REACH_KM:
        return _("志愿者不在订单%(km).0f公里范围内") % {"km": REACH_KM}
    if order.platform_id not in platforms:
        return _("志愿者不提供该类服务")
    if order.skill and order.skill not in skills:
        return _("志愿者不具备“%(s)s”技能") % {"s": order.skill}
    return None


def volunteer_facts(ids: set[int]) -> tuple[dict, dict, dict]:
    """Platform ids, skill names and open load of each volunteer: three queries."""
    platforms: dict[int, set[int]] = {i: set() for i in ids}
    skills: dict[int, set[str]] = {i: set() for i in ids}
    for v, p in Volunteer.service_categories.through.objects.filter(
            volunteer_id__in=ids).values_list("volunteer_id", "platform_id"):
        platforms[v].add(p)
    for v, s in Volunteer.skills.through.objects.filter(volunteer_id__in=ids).values_list(
            "volunteer_id", "skill__name"):
        skills[v].add(s)
    load = dict(ServiceOrder.objects.filter(state__in=BUSY, volunteer_id__in=ids).values(
        "volunteer_id").annotate(n=Count("id")).values_list("volunteer_id", "n"))
    return platforms, skills, load
