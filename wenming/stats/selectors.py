"""Every dashboard figure of a node's subtree for a period of Asia/Shanghai days.

One aggregate query per figure, grouped by the leaf node a row belongs to (a volunteer's
station, a line's unit, an order's station); Python then folds the leaves into the node's
total and into its direct children, so the children table costs no extra query per child.

Where each figure counts (decided once, see docs/stats.md):
- hours: approved ledger lines by their service day and unit, from the `HoursDaily` rollup
  (reversals are negative lines, so they subtract; a line approved late counts on its service
  day, because the rollup is keyed by that day);
- volunteers, active volunteers, star levels, points: by the volunteer's station;
- activities and their people served: by the activity's unit and start day;
- orders, wishes: the ones submitted (posted) in the period, at their station, in the state
  they are in now.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import Case, Count, F, IntegerField, Q, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.activities.models import Activity, HoursDaily, ServiceRecord
from wenming.activities.rules import rules_for
from wenming.core.errors import DomainError
from wenming.orders.models import ServiceOrder, State
from wenming.orgs.models import Grid, OrgNode, Platform
from wenming.people.models import Volunteer
from wenming.points.models import PointsAccount, PointsEntry
from wenming.teams.models import Team
from wenming.wishes.models import State as WishState
from wenming.wishes.models import Wish

from . import tally
from .models import NodePeriod, Span, VolunteerPeriod
from .rollup import ALL_START, Cover, after, cover, rows_in, to_cents

ZERO = Decimal("0")
MAX_DAYS = 3 * 366 + 1  # a custom range spans at most three years
# An order a volunteer holds or held: it was dispatched (or grabbed) to somebody.
REACHED = frozenset({State.DISPATCHED, State.ACCEPTED, State.ESCALATED_SERVING,
                     State.COMPLETED, State.RATED})
CLOSED_UNSERVED = frozenset({State.CANCELLED, State.REJECTED})
DONE = frozenset({State.COMPLETED, State.RATED})
FULFILLED = frozenset({WishState.FULFILLED, WishState.CONFIRMED})
EARNED_KINDS = (PointsEntry.Kind.HOURS, PointsEntry.Kind.RATING, PointsEntry.Kind.WISH,
                PointsEntry.Kind.REVERSAL, PointsEntry.Kind.ADJUST)
SPENT_KINDS = (PointsEntry.Kind.REDEEM, PointsEntry.Kind.REFUND)


class PeriodError(DomainError):
    code = "invalid_period"


@dataclass(frozen=True)
class Period:
    first: datetime.date
    last: datetime.date

    @property
    def start(self) -> datetime.datetime:
        return _midnight(self.first)

    @property
    def end(self) -> datetime.datetime:
        """The first instant after the period (exclusive bound)."""
        return _midnight(self.last + datetime.timedelta(days=1))


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def period_of(first: datetime.date | None, last: datetime.date | None) -> Period:
    """A checked range; this month so far by default. Raises 400 `invalid_period`."""
    today = timezone.localdate()
    first = first or (last or today).replace(day=1)
    last = last or max(first, today if first <= today else first)
    if first > last:
        raise PeriodError(_("起始日期不能晚于截止日期"))
    if (last - first).days >= MAX_DAYS:
        raise PeriodError(_("统计区间最长三年"))
    return Period(first, last)


def calendar_period(kind: str, day: datetime.date) -> Period:
    """The natural month, quarter or year holding `day`."""
    if kind == "month":
        first = day.replace(day=1)
        last = _month_end(first)
    elif kind == "quarter":
        first = day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
        last = _month_end(_add_months(first, 2))
    elif kind == "year":
        first, last = day.replace(month=1, day=1), day.replace(month=12, day=31)
    else:
        raise PeriodError(_("统计周期应为月、季度或年"))
    return Period(first, last)


def _add_months(day: datetime.date, n: int) -> datetime.date:
    months = day.year * 12 + day.month - 1 + n
    return datetime.date(months // 12, months % 12 + 1, 1)


def _month_end(first: datetime.date) -> datetime.date:
    return _add_months(first, 1) - datetime.timedelta(days=1)


# ---- the tree: which child each leaf folds into -----------------------------------------

@dataclass
class Tree:
    node: OrgNode
    children: list[OrgNode]
    child_of: dict[int, int | None] = field(default_factory=dict)  # leaf id -> child id

    @property
    def ids(self) -> list[int]:
        """Every node of the subtree: filters read `org_id IN (...)` on their own indexes
        instead of joining the tree for a path prefix."""
        return list(self.child_of)

    def where(self, field: str) -> Q:
        """Rows of the subtree: no filter at all for the district's only root (a list of
        every node costs Python time to build and the database a probe per node)."""
        return Q() if _whole(self.node) else Q(**{f"{field}__in": self.ids})


def _whole(node: OrgNode) -> bool:
    """Is the node the root of every node (one district)? Asked once per node object."""
    if "_whole" not in node.__dict__:
        node.__dict__["_whole"] = node.parent_id is None and not OrgNode.objects.filter(
            parent=None).exclude(pk=node.pk).exists()
    return node.__dict__["_whole"]


def _scope(node: OrgNode, field: str) -> Q:
    return Q() if _whole(node) else Q(**{f"{field}__in": _subtree(node)})


def tree_of(node: OrgNode) -> Tree:
    """The node's direct children (points aside) and, for every node of the subtree, the
    child whose subtree holds it (None for the node itself and points hung right under it)."""
    rows = list(OrgNode.objects.filter(path__startswith=node.path).values_list(
        "id", "path", "kind", "name", "parent_id", "lat", "lng"))
    children = [OrgNode(id=i, path=p, kind=k, name=n, parent_id=par, lat=la, lng=lo,
                        depth=node.depth + 1)
                for i, p, k, n, par, la, lo in rows
                if par == node.pk and k != OrgNode.Kind.POINT]
    child_ids = {c.pk for c in children}
    child_of = {}
    for i, p, *_rest in rows:
        ids = [int(x) for x in p.strip("/").split("/")]
        below = ids[node.depth + 1] if len(ids) > node.depth + 1 else None
        child_of[i] = below if below in child_ids else None
    return Tree(node, children, child_of)


# ---- the figures ------------------------------------------------------------------------

ADDITIVE = ("volunteers", "active_volunteers", "teams", "activities", "hours",
            "people_served", "wishes_posted", "wishes_fulfilled", "points_earned",
            "points_spent", "orders_reached", "orders_handled", "orders_done",
            "orders_on_time", "ratings", "ratings_good", "rating_sum")


def _blank() -> dict:
    out = {k: 0 for k in ADDITIVE}
    out["hours"] = ZERO
    out["orders"] = {s: 0 for s in State.values}
    out["stars"] = defaultdict(int)
    return out


class Folder:
    """Sums per-leaf rows into the node's total and its children's."""

    def __init__(self, tree: Tree):
        self.tree = tree
        self.total = _blank()
        self.by_child = {c.pk: _blank() for c in tree.children}

    def add(self, leaf_id: int | None, name: str, value, key: str | None = None) -> None:
        targets = [self.total]
        child = self.tree.child_of.get(leaf_id)
        if child is not None:
            targets.append(self.by_child[child])
        for t in targets:
            _put(t, name, value, key)

    def add_node(self, org_id: int, name: str, value, key: str | None = None) -> None:
        """A row of the per-node rollup: already summed over the node's (or the child's)
        whole subtree."""
        target = self.total if org_id == self.tree.node.pk else self.by_child.get(org_id)
        if target is not None:
            _put(target, name, value, key)


def _put(t: dict, name: str, value, key: str | None) -> None:
    if key is None:
        t[name] += value
    else:
        t[name][key] += value


# ---- the per-node rollup (stats.tally): whole months and years of a period ------------------

def _to_now(period: Period) -> Period:
    """Registrations and orders are dated up to now: a period reaching today reads as if it
    ran to the end of its last month, so "this month so far" is one month's rows."""
    if period.last >= timezone.localdate():
        return Period(period.first, _month_end(period.last.replace(day=1)))
    return period


def _tallies(org_ids: list[int], c: Cover, **metric) -> dict[tuple[int, str], int]:
    """{(node, metric): value} of the rollup rows covering the period's whole months."""
    if c.rows is None:
        return {}
    rows = NodePeriod.objects.filter(c.rows, org_id__in=org_ids, **metric)
    if c.one_row_each:
        return {(o, m): v for o, m, v in rows.values_list("org", "metric", "value")}
    return {(o, m): v for o, m, v in rows.values("org", "metric").annotate(
        v=Sum("value")).values_list("org", "metric", "v")}


def _nodes(tree: Tree) -> list[int]:
    return [tree.node.pk, *(c.pk for c in tree.children)]


def _grouped(sql_qs, outer_select: str, group: str) -> list[tuple]:
    """Aggregate over an already grouped queryset (COUNT of HAVING rows), portably."""
    sql, params = sql_qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {outer_select} FROM ({sql}) t GROUP BY {group}", params)
        return cursor.fetchall()


def _volunteers(f: Folder, node: OrgNode, period: Period) -> None:
    """Registered before the period's end, not suspended: the rollup's whole years and
    months from the first day on, the volunteers table for the days at the end."""
    if period.last >= timezone.localdate():  # nobody registers after today: all time
        c = Cover(Q(span=Span.ALL, start=ALL_START), (), True)
    else:
        c = cover(ALL_START, period.last)
    for (org, _m), n in _tallies(_nodes(f.tree), c, metric=tally.VOLUNTEERS).items():
        f.add_node(org, "volunteers", n)
    for first, last in c.days:
        rows = Volunteer.objects.filter(
            f.tree.where("station_id"), registered_at__gte=_midnight(first),
            registered_at__lt=Period(first, last).end).exclude(
            status=Volunteer.Status.SUSPENDED).values("station").annotate(n=Count("id"))
        for r in rows:
            f.add(r["station"], "volunteers", r["n"])


def _approved_lines(tree: Tree):
    """Approved lines of the subtree's volunteers (found through the volunteer's index)."""
    return ServiceRecord.objects.filter(
        status=ServiceRecord.Status.APPROVED,
        volunteer_id__in=Volunteer.objects.filter(tree.where("station_id")).values("id"))


def _active(f: Folder, node: OrgNode, period: Period) -> None:
    """Volunteers whose approved hours in the period are more than zero (a line reversed in
    full leaves its volunteer inactive), with the points they earned and spent: from the
    rollup's whole years and months, the ledgers for the days at the period's edges."""
    c = cover(period.first, period.last)
    if not c.days and c.one_row_each:
        # a calendar month or year: the per-node rollup holds the node's and each child's
        # active volunteers and points of that very period (one row each)
        names = {tally.ACTIVE: "active_volunteers", tally.EARNED: "points_earned",
                 tally.SPENT: "points_spent"}
        for (org, metric), n in _tallies(_nodes(f.tree), c, metric__in=list(names)).items():
            f.add_node(org, names[metric], n)
        return
    rows = rows_in(c).filter(f.tree.where("station_id"))
    cents: dict[tuple[int, int], int] = defaultdict(int)  # (volunteer, station) -> hundredths
    for v, st, h, earned, spent in rows.values("volunteer", "station").annotate(
            h=Sum("cents"), earned=Sum("points_earned"), spent=Sum("points_spent")
    ).values_list("volunteer", "station", "h", "earned", "spent"):
        cents[(v, st)] += h
        f.add(st, "points_earned", earned)
        f.add(st, "points_spent", spent)
    for first, last in c.days:
        for v, st, h in _approved_lines(f.tree).filter(
                service_date__gte=first, service_date__lte=last).values("volunteer").annotate(
                st=F("volunteer__station"), h=Sum("hours")).values_list("volunteer", "st", "h"):
            cents[(v, st)] += to_cents(h)
        _points(f, Period(first, last))
    for (_v, st), h in cents.items():
        if h > 0:
            f.add(st, "active_volunteers", 1)


def _stars(f: Folder, node: OrgNode, period: Period) -> list[int]:
    """Star levels as at the period's last day: every approved line served by then, of the
    volunteers counted as registered then. All time (the rollup's one row per volunteer)
    less what came after the period; when nothing did (a period reaching today, as a rule),
    only the rows above the first threshold are read."""
    thresholds = rules_for(node).stars
    later = after(period.last)
    everyone = VolunteerPeriod.objects.filter(f.tree.where("station_id"), span=Span.ALL,
                                              start=ALL_START)
    counted = everyone.filter(volunteer__registered_at__lt=period.end).exclude(
        volunteer__status=Volunteer.Status.SUSPENDED)
    late_days = [d for d in later.days
                 if HoursDaily.objects.filter(day__gte=d[0], day__lte=d[1]).exists()]
    late_rows = rows_in(later).filter(f.tree.where("station_id"))
    if not late_days and not late_rows.exists():
        level = Case(*[When(cents__gte=int(t) * 100, then=Value(k + 1))
                       for k, t in reversed(list(enumerate(thresholds)))],
                     default=Value(0), output_field=IntegerField())
        def levels(rows, sign: int) -> None:
            for r in rows.filter(cents__gte=int(thresholds[0]) * 100).values(
                    "station").annotate(lvl=level).values("station", "lvl").annotate(
                    n=Count("id")):
                f.add(r["station"], "stars", sign * r["n"], key=int(r["lvl"]))

        if period.end > timezone.now():
            # everyone is registered by then: the index alone, less the few suspended
            levels(everyone, +1)
            levels(everyone.filter(volunteer__status=Volunteer.Status.SUSPENDED), -1)
        else:
            levels(counted, +1)
        return thresholds
    hours = dict(((v, st), h) for v, st, h in counted.values_list("volunteer", "station",
                                                                  "cents"))
    for v, h in late_rows.values("volunteer").annotate(h=Sum("cents")).values_list(
            "volunteer", "h"):
        for key in [k for k in hours if k[0] == v]:
            hours[key] -= h
    for first, last in late_days:
        for v, h in _approved_lines(f.tree).filter(
                service_date__gte=first, service_date__lte=last).values("volunteer").annotate(
                h=Sum("hours")).values_list("volunteer", "h"):
            for key in [k for k in hours if k[0] == v]:
                hours[key] -= to_cents(h)
    for (_v, st), h in hours.items():
        lvl = sum(1 for t in thresholds if h >= int(t) * 100)
        if lvl:
            f.add(st, "stars", 1, key=lvl)
    return thresholds


def _teams(f: Folder, node: OrgNode, period: Period) -> None:
    rows = Team.objects.filter(f.tree.where("org_id"), is_active=True,
                               created_at__lt=period.end).values("org").annotate(n=Count("id"))
    for r in rows:
        f.add(r["org"], "teams", r["n"])


def _subtree(node: OrgNode):
    """The subtree's node ids as a subquery (one indexed prefix scan of the tree)."""
    return OrgNode.objects.filter(path__startswith=node.path).values("id")


def _activities_in(node: OrgNode, period: Period):
    return Activity.objects.filter(_scope(node, "org_id"), start__gte=period.start,
                                   start__lt=period.end, status=Activity.Status.PUBLISHED)


@dataclass(frozen=True)
class Activities:
    """A dashboard's published activities read once for its figures, platforms and trend
    (one grouped scan instead of three): (org, platform, month of the trend or -1, in the
    period, count, people served) per group."""

    period: Period
    trend: Period
    rows: list[tuple[int, int, int, int, int, int]]


def activities_of(node: OrgNode, period: Period, around: Period) -> Activities:
    """One grouped scan, written as SQL: the ORM's thirteen-arm CASE took longer to compile
    than a station's scan takes to run."""
    months = _months(around)
    span = Period(min(period.first, around.first), max(period.last, around.last))
    at = connection.ops.adapt_datetimefield_value
    table, nodes = Activity._meta.db_table, OrgNode._meta.db_table
    arms = " ".join(["WHEN start < %s THEN -1"] + [f"WHEN start < %s THEN {i}"
                                                  for i in range(len(months))])
    params = [at(months[0].start), *(at(m.end) for m in months), at(period.start),
              at(period.end), Activity.Status.PUBLISHED.value, at(span.start), at(span.end)]
    scope = ""
    if not _whole(node):
        scope = f" AND org_id IN (SELECT id FROM {nodes} WHERE path LIKE %s)"
        params.append(node.path + "%")
    sql = (f"SELECT org_id, platform_id, CASE {arms} ELSE -1 END, "
           "CASE WHEN start >= %s AND start < %s THEN 1 ELSE 0 END, COUNT(*), "
           f"COALESCE(SUM(people_served), 0) FROM {table} WHERE status = %s "
           f"AND start >= %s AND start < %s{scope} GROUP BY 1, 2, 3, 4")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return Activities(period, around, [tuple(r) for r in cursor.fetchall()])


def _activities(f: Folder, node: OrgNode, period: Period,
                acts: Activities | None = None) -> None:
    if acts is not None and acts.period == period:
        per_org: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for org, _platform, _month, inside, n, served in acts.rows:
            if inside:
                sums = per_org[org]
                sums[0] += n
                sums[1] += served
        for org, (n, served) in per_org.items():
            f.add(org, "activities", n)
            f.add(org, "people_served", served)
        return
    rows = _activities_in(node, period).values("org").annotate(
        n=Count("id"), served=Coalesce(Sum("people_served"), 0))
    for r in rows:
        f.add(r["org"], "activities", r["n"])
        f.add(r["org"], "people_served", r["served"])


def _hours(f: Folder, node: OrgNode, period: Period) -> None:
    rows = HoursDaily.objects.filter(f.tree.where("org_id"), day__gte=period.first,
                                     day__lte=period.last).values("org").annotate(h=Sum("hours"))
    for r in rows:
        f.add(r["org"], "hours", r["h"] or ZERO)


def _orders_in(node: OrgNode, period: Period):
    return ServiceOrder.objects.filter(_scope(node, "station_id"),
                                       created_at__gte=period.start, created_at__lt=period.end)


ORDER_PARTS = {tally.ON_TIME: "orders_on_time", tally.SERVED: "people_served",
               tally.RATED: "ratings", tally.GOOD: "ratings_good", tally.SCORE: "rating_sum"}


def _orders(f: Folder, node: OrgNode, period: Period) -> None:
    """Orders submitted in the period, in their state now: the rollup's whole months, the
    orders table for the days at the edges."""
    c = cover(period.first, _to_now(period).last)
    metrics = [*(f"o.{s}" for s in State.values), *ORDER_PARTS]
    for (org, metric), n in _tallies(_nodes(f.tree), c, metric__in=metrics).items():
        if metric in ORDER_PARTS:
            f.add_node(org, ORDER_PARTS[metric], n)
            continue
        state = metric[2:]
        f.add_node(org, "orders", n, key=state)
        f.add_node(org, "orders_reached", n if state in REACHED else 0)
        f.add_node(org, "orders_handled", 0 if state in CLOSED_UNSERVED else n)
        f.add_node(org, "orders_done", n if state in DONE else 0)
    for first, last in c.days:
        _orders_raw(f, node, Period(first, last))


def _orders_raw(f: Folder, node: OrgNode, period: Period) -> None:
    done = Q(state__in=DONE)
    rows = _orders_in(node, period).values("station", "state").annotate(
        n=Count("id"),
        on_time=Count("id", filter=done & Q(escalations=0)),
        served=Coalesce(Sum(Coalesce("people_served", 1), filter=done), 0),
        ratings=Count("score"), good=Count("id", filter=Q(score__gte=4)),
        score_sum=Coalesce(Sum("score"), 0))
    for r in rows:
        leaf, state, n = r["station"], r["state"], r["n"]
        f.add(leaf, "orders", n, key=state)
        f.add(leaf, "orders_reached", n if state in REACHED else 0)
        f.add(leaf, "orders_handled", 0 if state in CLOSED_UNSERVED else n)
        f.add(leaf, "orders_done", n if state in DONE else 0)
        f.add(leaf, "orders_on_time", r["on_time"])
        f.add(leaf, "people_served", r["served"])
        f.add(leaf, "ratings", r["ratings"])
        f.add(leaf, "ratings_good", r["good"])
        f.add(leaf, "rating_sum", r["score_sum"])


def _wishes(f: Folder, node: OrgNode, period: Period) -> None:
    rows = Wish.objects.filter(f.tree.where("station_id"),
                               created_at__gte=period.start, created_at__lt=period.end).values(
        "station").annotate(n=Count("id"), done=Count("id", filter=Q(state__in=FULFILLED)))
    for r in rows:
        f.add(r["station"], "wishes_posted", r["n"])
        f.add(r["station"], "wishes_fulfilled", r["done"])


def _points(f: Folder, period: Period) -> None:
    """Points entries of the subtree's volunteers dated in `period` (the days at the edges
    of a dashboard's period; whole months and years come from the rollup)."""
    rows = PointsEntry.objects.filter(
        account_id__in=PointsAccount.objects.filter(
            f.tree.where("volunteer__station_id")).values("id"),
        created_at__gte=period.start, created_at__lt=period.end).values(
        st=F("account__volunteer__station")).annotate(
        earned=Coalesce(Sum("amount", filter=Q(kind__in=EARNED_KINDS)), 0),
        spent=Coalesce(Sum("amount", filter=Q(kind__in=SPENT_KINDS)), 0))
    for r in rows:
        f.add(r["st"], "points_earned", r["earned"])
        f.add(r["st"], "points_spent", -r["spent"])


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def finish(raw: dict, thresholds: list[int]) -> dict:
    """The contract's figures from the summed parts."""
    stars = [raw["stars"].get(level, 0) for level in range(1, len(thresholds) + 1)]
    return {
        "volunteers": raw["volunteers"], "active_volunteers": raw["active_volunteers"],
        "teams": raw["teams"], "activities": raw["activities"], "hours": float(raw["hours"]),
        "people_served": raw["people_served"], "orders": raw["orders"],
        "orders_total": sum(raw["orders"].values()),
        "dispatch_rate": _rate(raw["orders_reached"], raw["orders_handled"]),
        "on_time_rate": _rate(raw["orders_on_time"], raw["orders_done"]),
        "satisfaction": _rate(raw["ratings_good"], raw["ratings"]),
        "avg_rating": round(raw["rating_sum"] / raw["ratings"], 2) if raw["ratings"] else None,
        "ratings": raw["ratings"],
        "wishes_posted": raw["wishes_posted"], "wishes_fulfilled": raw["wishes_fulfilled"],
        "points_earned": raw["points_earned"], "points_spent": raw["points_spent"],
        "star_levels": {str(level): n for level, n in
                        enumerate([raw["volunteers"] - sum(stars), *stars])},
    }


def short_name(name: str) -> str:
    """A node's name without the common suffix, for narrow tables and the big screen."""
    for suffix in ("新时代文明实践中心", "新时代文明实践所", "新时代文明实践站"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name.removesuffix(suffix)
    return name


FIGURES = (_volunteers, _active, _teams, _hours, _orders, _wishes)


def figures(node: OrgNode, period: Period, *, tree: Tree | None = None,
            acts: Activities | None = None) -> dict:
    """Every figure of the node's subtree, and the same per direct child (`children`)."""
    tree = tree or tree_of(node)
    f = Folder(tree)
    for figure in FIGURES:
        figure(f, node, period)
    _activities(f, node, period, acts)
    thresholds = _stars(f, node, period)
    out = finish(f.total, thresholds)
    out["children"] = [{"org_id": c.pk, "name": c.name, "short_name": short_name(c.name),
                        "kind": c.kind,
                        **finish(f.by_child[c.pk], thresholds)} for c in tree.children]
    return out


# ---- around the figures: grids, platforms, trend, places --------------------------------

def appeals_by_grid(node: OrgNode, period: Period) -> list[dict]:
    """Appeals per grid (outside every grid: per station), most first."""
    c = cover(period.first, _to_now(period).last)
    counts: dict[tuple[str, int], int] = defaultdict(int)  # ("g", grid) / ("s", station)
    for (_org, metric), n in _tallies([node.pk], c, metric__startswith="a.").items():
        counts[(metric[2], int(metric[3:]))] += n
    for first, last in c.days:
        for grid, station, n in _orders_in(node, Period(first, last)).filter(
                kind=ServiceOrder.Kind.APPEAL).values("grid", "station").annotate(
                n=Count("id")).values_list("grid", "station", "n"):
            counts[("g", grid) if grid else ("s", station)] += n
    counts = {k: n for k, n in counts.items() if n}
    grids = {g: (name, st) for g, name, st in Grid.objects.filter(
        pk__in=[i for k, i in counts if k == "g"]).values_list("pk", "name", "station__name")}
    stations = dict(OrgNode.objects.filter(pk__in=[i for k, i in counts if k == "s"])
                    .values_list("pk", "name"))
    rows = [{"grid_id": i, "name": grids[i][0], "station": short_name(grids[i][1]),
             "appeals": n} if k == "g" else
            {"grid_id": None, "name": _("未划入网格"), "station": short_name(stations[i]),
             "appeals": n} for (k, i), n in counts.items()]
    return sorted(rows, key=lambda r: (-r["appeals"], r["grid_id"] is None,
                                       r["grid_id"] or 0, r["station"]))


def by_platform(node: OrgNode, period: Period, activities: Activities | None = None
                ) -> list[dict]:
    if activities is not None and activities.period == period:
        acts: dict[int, int] = defaultdict(int)
        for _org, platform, _month, inside, n, _served in activities.rows:
            acts[platform] += n if inside else 0
    else:
        acts = dict(_activities_in(node, period).values_list("platform").annotate(
            n=Count("id")))
    c = cover(period.first, _to_now(period).last)
    orders: dict[int, int] = defaultdict(int)
    for (_org, metric), n in _tallies([node.pk], c, metric__startswith="p.").items():
        orders[int(metric[2:])] += n
    for first, last in c.days:
        for platform, n in _orders_in(node, Period(first, last)).values_list(
                "platform").annotate(n=Count("id")):
            orders[platform] += n
    return [{"code": p.code, "name": p.name, "short_name": p.name.removesuffix("平台").removesuffix(
        "服务"), "activities": acts.get(p.pk, 0),
             "orders": orders.get(p.pk, 0)}
            for p in Platform.objects.all() if p.is_active or acts.get(p.pk) or orders.get(p.pk)]


def _months(span: Period) -> list[Period]:
    """The calendar months of a span that starts on a month's first day."""
    out, first = [], span.first
    while first <= span.last:
        out.append(Period(first, _month_end(first)))
        first = _add_months(first, 1)
    return out


def trend_span(last: datetime.date) -> Period:
    first = _add_months(last.replace(day=1), -11)
    return Period(first, _month_end(last.replace(day=1)))


def trend(node: OrgNode, last: datetime.date, activities: Activities | None = None
          ) -> list[dict]:
    """The 12 calendar months ending with `last`'s month: hours, activities, orders. One
    scan per table with a filtered aggregate per month (no per-row date function)."""
    span = trend_span(last)
    months = _months(span)
    # per day, folded into months here: twelve filtered sums cost more to compile than to run
    hours: dict[str, Decimal] = defaultdict(Decimal)
    for day, h in HoursDaily.objects.filter(
            _scope(node, "org_id"), day__gte=span.first, day__lte=span.last).values(
            "day").annotate(h=Sum("hours")).values_list("day", "h"):
        hours[f"m{(day.year - span.first.year) * 12 + day.month - span.first.month}"] += h or 0
    if activities is not None and activities.trend == span:
        acts = {f"m{i}": 0 for i in range(12)}
        for _org, _platform, month, _inside, n, _served in activities.rows:
            if month >= 0:
                acts[f"m{month}"] += n
    else:
        acts = _activities_in(node, span).aggregate(**{
            f"m{i}": Count("id", filter=Q(start__gte=m.start, start__lt=m.end))
            for i, m in enumerate(months)})
    orders = dict(NodePeriod.objects.filter(  # each month by equality: the node's rows only
        span=Span.MONTH, start__in=[m.first for m in months], org=node,
        metric=tally.ORDERS).values_list("start", "value"))
    return [{"month": f"{m.first:%Y-%m}", "hours": float(hours[f"m{i}"] or 0),
             "activities": acts[f"m{i}"], "orders": orders.get(m.first, 0)}
            for i, m in enumerate(months)]


PLACES_MAX = 2000  # the map shows at most this many of each kind (the latest)


def places(node: OrgNode, period: Period) -> dict:
    """Where orders and activities of the period took place, and the subtree's stations."""
    orders = _orders_in(node, period).order_by("-created_at").values_list(
        "lat", "lng", "state")[:PLACES_MAX]
    acts = _activities_in(node, period).order_by("-start").values_list(
        "lat", "lng", "title")[:PLACES_MAX]
    stations = OrgNode.objects.filter(path__startswith=node.path, lat__isnull=False).exclude(
        kind=OrgNode.Kind.POINT).values_list("lat", "lng", "name", "kind")
    return {"orders": [{"lat": a, "lng": b, "state": s} for a, b, s in orders],
            "activities": [{"lat": a, "lng": b, "title": t} for a, b, t in acts],
            "nodes": [{"lat": a, "lng": b, "name": n, "kind": k} for a, b, n, k in stations]}


def dashboard(node: OrgNode, period: Period) -> dict:
    """The whole page's data: figures with children, grids, platforms, the trend."""
    acts = activities_of(node, period, trend_span(period.last))
    out = figures(node, period, acts=acts)
    out.update(org_id=node.pk, name=node.name, kind=node.kind,
               **{"from": period.first.isoformat(), "to": period.last.isoformat()},
               appeals_by_grid=appeals_by_grid(node, period),
               platforms=by_platform(node, period, acts),
               trend=trend(node, period.last, acts))
    return out


def order_state_labels() -> dict[str, str]:
    return {s.value: str(s.label) for s in State}

