"""The per-node rollup (`NodePeriod`): the dashboards' figures from other apps' tables, kept
per node on the path of each row's station, per month, year and all time.

What it counts (the metric names):
- `v`: volunteers registered in the period at the station, not suspended now
  (`_volunteers` counts "registered before the period's end" as all the periods up to it);
  `vx` those suspended now; `r` residents registered in the period at the station (the
  tree page, `orgs.selectors.subtree_counts`, reads `v`, `vx` and `r` of all time);
- orders submitted in the period at the station, in their state now: `o` (all of them),
  `o.<state>`, `x.ontime` (completed or rated, never escalated), `x.served` (their people
  served, 1 when not given), `x.rated`, `x.good` (scored 4–5), `x.score` (the scores' sum),
  `p.<platform id>`; appeals per grid `a.g<grid id>` or, outside every grid, per station
  `a.s<station id>`;
- from the per-volunteer rollup, per span (not spread from months): `va` volunteers of the
  station whose net approved hours in the period are above zero, `pe`/`ps` their points
  earned and spent (`stats.rollup` moves them as it writes `VolunteerPeriod`, from the
  cents each upsert returns, and when a volunteer moves station).

Writers, each in the transaction of the write it follows:
- `orders.services.order_transition` (every move of an order, its submission included)
  calls `order_before` before changing the order and `order_after` once it is saved: the
  difference of the order's two contributions moves the rows;
- a volunteer's save and delete (signals in `stats/apps.py`: registration, approval,
  suspension, a move of station) and `people.services.people_bulk_register`
  (`volunteers_added`).

One call folds its deltas per (station, month, metric), spreads them to every node on the
station's path and to the month's, the year's and the all-time row, and sends one
`INSERT … ON CONFLICT DO UPDATE SET value = value + excluded.value` per 500 rows in key
order (concurrent writers neither lose an update nor deadlock).

`expected` recomputes it from the sources with grouped queries (the data migration, the
demo, `wenming check-ledger`)."""

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone

from wenming.core.cleaning import FIRST_DAY

from .models import NodePeriod, Span

ALL_START = FIRST_DAY  # the all-time row's `start` (as stats.rollup's)
BATCH = 500  # rows per upsert statement

VOLUNTEERS = "v"
SUSPENDED_VOLUNTEERS, RESIDENTS = "vx", "r"  # the tree page counts every volunteer (v + vx)
# From the per-volunteer rollup (stats.rollup keeps them as it writes VolunteerPeriod, by the
# period's own span: a volunteer active in two months is active once in their year):
ACTIVE, EARNED, SPENT = "va", "pe", "ps"
ORDERS = "o"
# (not `o.…`: a state is named `rated`)
ON_TIME, SERVED, RATED, GOOD, SCORE = "x.ontime", "x.served", "x.rated", "x.good", "x.score"
DONE_STATES = frozenset({"completed", "rated"})
SUSPENDED = "suspended"

Deltas = dict[tuple[int, datetime.date, str], int]  # (station, month, metric) -> change


def month_of(moment: datetime.datetime) -> datetime.date:
    """The Asia/Shanghai month a moment falls in."""
    return timezone.localdate(moment).replace(day=1)


# ---- what one row contributes ---------------------------------------------------------------

def order_metrics(*, state: str, station_id: int, kind: str, grid_id: int | None,
                  platform_id: int, escalations: int, score: int | None,
                  people_served: int | None) -> dict[str, int]:
    """One order's contribution, as the dashboards define the figures (docs/stats.md). An
    order being created (no state yet) contributes nothing."""
    if not state:
        return {}
    out = {ORDERS: 1, f"o.{state}": 1, f"p.{platform_id}": 1}
    if state in DONE_STATES:
        out[SERVED] = people_served or 1
        if escalations == 0:
            out[ON_TIME] = 1
    if score is not None:
        out.update({RATED: 1, GOOD: int(score >= 4), SCORE: score})
    if kind == "appeal":
        out[f"a.g{grid_id}" if grid_id else f"a.s{station_id}"] = 1
    return out


def _order_part(order) -> tuple[int, datetime.date, dict[str, int]] | None:
    if order.pk is None or not order.state or order.created_at is None:
        return None
    return order.station_id, month_of(order.created_at), order_metrics(
        state=order.state, station_id=order.station_id, kind=order.kind,
        grid_id=order.grid_id, platform_id=order.platform_id, escalations=order.escalations,
        score=order.score, people_served=order.people_served)


def _volunteer_part(station_id, status, registered_at):
    if station_id is None or registered_at is None:
        return None
    return station_id, month_of(registered_at), {
        SUSPENDED_VOLUNTEERS if status == SUSPENDED else VOLUNTEERS: 1}


def _resident_part(station_id, registered_at):
    if station_id is None or registered_at is None:
        return None
    return station_id, month_of(registered_at), {RESIDENTS: 1}


def _add(deltas: Deltas, part, sign: int) -> None:
    if part is None:
        return
    station, month, metrics = part
    for metric, value in metrics.items():
        deltas[(station, month, metric)] += sign * value


# ---- writing ----------------------------------------------------------------------------------

def order_before(order) -> None:
    """Called by `order_transition` before it changes the (locked) order."""
    order._tally_before = _order_part(order)


def order_after(order) -> None:
    """Called by `order_transition` once the order is saved: its rows move by the difference."""
    deltas: Deltas = defaultdict(int)
    _add(deltas, getattr(order, "_tally_before", None), -1)
    _add(deltas, _order_part(order), +1)
    order._tally_before = None
    apply(deltas)


def volunteer_before(volunteer) -> None:
    """pre_save: what the volunteer contributed as stored (one query, only for a save that
    can change it)."""
    from wenming.people.models import Volunteer

    row = Volunteer.objects.filter(pk=volunteer.pk).values_list(
        "station_id", "status", "registered_at").first() if volunteer.pk else None
    volunteer._tally_before = _volunteer_part(*row) if row else None


def volunteer_after(volunteer, *, deleted: bool = False) -> None:
    deltas: Deltas = defaultdict(int)
    _add(deltas, getattr(volunteer, "_tally_before", None), -1)
    if not deleted:
        _add(deltas, _volunteer_part(volunteer.station_id, volunteer.status,
                                     volunteer.registered_at), +1)
    volunteer._tally_before = None
    apply(deltas)


def volunteers_added(volunteers: Iterable, residents: Iterable = ()) -> None:
    """New volunteers and residents inserted below the ORM (`people_bulk_register`)."""
    deltas: Deltas = defaultdict(int)
    for v in volunteers:
        _add(deltas, _volunteer_part(v.station_id, v.status, v.registered_at), +1)
    for r in residents:
        _add(deltas, _resident_part(r.station_id, r.registered_at), +1)
    apply(deltas)


def resident_before(resident) -> None:
    from wenming.people.models import Resident

    row = Resident.objects.filter(pk=resident.pk).values_list(
        "station_id", "registered_at").first() if resident.pk else None
    resident._tally_before = _resident_part(*row) if row else None


def resident_after(resident, *, deleted: bool = False) -> None:
    deltas: Deltas = defaultdict(int)
    _add(deltas, getattr(resident, "_tally_before", None), -1)
    if not deleted:
        _add(deltas, _resident_part(resident.station_id, resident.registered_at), +1)
    resident._tally_before = None
    apply(deltas)


def _paths(station_ids: Iterable[int], OrgNode=None) -> dict[int, list[int]]:
    """Every node on each station's path (the station itself included)."""
    if OrgNode is None:
        from wenming.orgs.models import OrgNode
    return {pk: [int(x) for x in path.strip("/").split("/")]
            for pk, path in OrgNode.objects.filter(pk__in=set(station_ids)).values_list(
                "pk", "path")}


def spread(deltas: Deltas, paths: dict[int, list[int]]
           ) -> dict[tuple[str, datetime.date, int, str], int]:
    """(station, month, metric) deltas as rows: every node on the path × month, year, all."""
    rows: dict[tuple[str, datetime.date, int, str], int] = defaultdict(int)
    for (station, month, metric), value in deltas.items():
        if not value:
            continue
        for node in paths[station]:
            rows[(Span.MONTH, month, node, metric)] += value
            rows[(Span.YEAR, month.replace(month=1), node, metric)] += value
            rows[(Span.ALL, ALL_START, node, metric)] += value
    return rows


def apply(deltas: Deltas) -> None:
    deltas = {k: v for k, v in deltas.items() if v}
    if not deltas:
        return
    _upsert(spread(deltas, _paths(k[0] for k in deltas)))


def apply_rows(rows: dict[tuple[str, datetime.date, int, str], int]) -> None:
    """(span, start, station, metric) deltas of one span each: to every node on the path."""
    rows = {k: v for k, v in rows.items() if v}
    if not rows:
        return
    paths = _paths(k[2] for k in rows)
    out: dict[tuple[str, datetime.date, int, str], int] = defaultdict(int)
    for (span, start, station, metric), value in rows.items():
        for node in paths[station]:
            out[(str(span), start, node, metric)] += value
    _upsert(out)


def _upsert(rows: dict[tuple[str, datetime.date, int, str], int]) -> None:
    ordered = sorted((k, v) for k, v in rows.items() if v)
    table = NodePeriod._meta.db_table
    for i in range(0, len(ordered), BATCH):
        chunk = ordered[i:i + BATCH]
        sql = (f"INSERT INTO {table} (span, start, org_id, metric, value) VALUES "
               + ", ".join(["(%s, %s, %s, %s, %s)"] * len(chunk))
               + f" ON CONFLICT (span, start, org_id, metric) DO UPDATE SET "
                 f"value = {table}.value + excluded.value")
        with connection.cursor() as cursor:
            cursor.execute(sql, [x for (key, value) in chunk for x in (*key, value)])


# ---- recomputing from the sources ---------------------------------------------------------------

def expected(*, Volunteer, Resident, ServiceOrder, OrgNode, VolunteerPeriod
             ) -> dict[tuple[str, datetime.date, int, str], int]:
    """The rollup recomputed from the sources (models passed in, so the data migration can
    use its historical ones), zero rows left out. Grouped by station and month in the
    database; only the groups are folded here."""
    from django.db.models import Case, Count, IntegerField, Q, Sum, Value, When
    from django.db.models.functions import TruncMonth

    zone = timezone.get_default_timezone()
    deltas: Deltas = defaultdict(int)
    for station, month, suspended, n in Volunteer.objects.annotate(
            m=TruncMonth("registered_at", tzinfo=zone),
            out=Case(When(status=SUSPENDED, then=Value(1)), default=Value(0),
                     output_field=IntegerField())).values("station", "m", "out").annotate(
            n=Count("id")).values_list("station", "m", "out", "n").iterator(chunk_size=20000):
        deltas[(station, _day(month), SUSPENDED_VOLUNTEERS if suspended else VOLUNTEERS)] += n
    for station, month, n in Resident.objects.annotate(
            m=TruncMonth("registered_at", tzinfo=zone)).values("station", "m").annotate(
            n=Count("id")).values_list("station", "m", "n").iterator(chunk_size=20000):
        deltas[(station, _day(month), RESIDENTS)] += n
    groups = ServiceOrder.objects.exclude(state="").annotate(
        m=TruncMonth("created_at", tzinfo=zone)).values(
        "station", "m", "state", "kind", "grid", "platform", "escalations", "score",
        "people_served").annotate(n=Count("id")).values_list(
        "station", "m", "state", "kind", "grid", "platform", "escalations", "score",
        "people_served", "n")
    for station, month, state, kind, grid, platform, esc, score, served, n in groups.iterator(
            chunk_size=20000):
        metrics = order_metrics(state=state, station_id=station, kind=kind, grid_id=grid,
                                platform_id=platform, escalations=esc, score=score,
                                people_served=served)
        for metric, value in metrics.items():
            deltas[(station, _day(month), metric)] += n * value
    per_volunteer = VolunteerPeriod.objects.values("span", "start", "station").annotate(
        a=Count("id", filter=Q(cents__gt=0)), e=Sum("points_earned"), s=Sum("points_spent"))
    paths = _paths({k[0] for k in deltas} | set(per_volunteer.values_list(
        "station", flat=True).distinct()), OrgNode)
    rows = spread(deltas, paths)
    for r in per_volunteer.iterator(chunk_size=20000):
        for metric, value in ((ACTIVE, r["a"]), (EARNED, r["e"]), (SPENT, r["s"])):
            for node in paths[r["station"]]:
                rows[(r["span"], r["start"], node, metric)] += value or 0
    return {k: v for k, v in rows.items() if v}


def _day(value) -> datetime.date:
    """TruncMonth's answer (an aware datetime in the zone, or a date) as the month's day."""
    if isinstance(value, datetime.datetime):
        return (timezone.localtime(value) if timezone.is_aware(value) else value).date()
    return value


@transaction.atomic
def rebuild(*, Volunteer, Resident, ServiceOrder, OrgNode, NodePeriod, VolunteerPeriod
            ) -> int:
    """Replace the rollup by `expected` (the data migration, the demo, a repair)."""
    want = expected(Volunteer=Volunteer, Resident=Resident, ServiceOrder=ServiceOrder,
                    OrgNode=OrgNode, VolunteerPeriod=VolunteerPeriod)
    NodePeriod.objects.all().delete()
    NodePeriod.objects.bulk_create(
        [NodePeriod(span=span, start=start, org_id=org, metric=metric, value=value)
         for (span, start, org, metric), value in sorted(want.items())], batch_size=5000)
    return len(want)


def rebuild_now() -> int:
    from wenming.orders.models import ServiceOrder
    from wenming.orgs.models import OrgNode
    from wenming.people.models import Resident, Volunteer

    from .models import VolunteerPeriod

    return rebuild(Volunteer=Volunteer, Resident=Resident, ServiceOrder=ServiceOrder,
                   OrgNode=OrgNode, NodePeriod=NodePeriod, VolunteerPeriod=VolunteerPeriod)


def problems() -> list[str]:
    """Where the rollup differs from the volunteers and orders tables and from the
    per-volunteer rollup (which `rollup.problems` checks against the ledgers)."""
    from wenming.orders.models import ServiceOrder
    from wenming.orgs.models import OrgNode
    from wenming.people.models import Resident, Volunteer

    from .models import VolunteerPeriod

    want = expected(Volunteer=Volunteer, Resident=Resident, ServiceOrder=ServiceOrder,
                    OrgNode=OrgNode, VolunteerPeriod=VolunteerPeriod)
    out = []
    for span, start, org, metric, have in NodePeriod.objects.values_list(
            "span", "start", "org_id", "metric", "value").iterator(chunk_size=20000):
        should = want.pop((span, start, org, metric), 0)
        if have != should:
            out.append(f"node rollup {org} {span} {start} {metric}: {have} != source {should}")
    out += [f"node rollup {org} {span} {start} {metric}: missing, source {v}"
            for (span, start, org, metric), v in want.items()]
    return out
