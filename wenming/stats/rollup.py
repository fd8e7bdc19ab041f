"""The per-volunteer rollup (`VolunteerPeriod`): written here, in the caller's transaction,
by every write of the two ledgers, and read by the dashboards and the rankings.

Writers: `activities.services` (an approval, a reversal, the bulk import of approved lines)
calls `add_lines`; `points.services` (`_post`, `points_bulk_post`) calls `add_points`. Each
call folds its rows into one delta per (volunteer, month), spreads each delta to the
month's, the year's and the all-time row, and sends one upsert per row touched
(`INSERT … ON CONFLICT DO UPDATE`, in key order, so concurrent writers neither lose an
update nor deadlock). `expected` recomputes the rollup from the ledgers for the data
migration and for `wenming check-ledger`.

Readers cover a period of days with whole years and whole months of the rollup, and read
the ledger itself only for the days at its edges (`cover`).
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Q, QuerySet

from wenming.core.cleaning import FIRST_DAY, LAST_DAY

from . import tally
from .models import Span, VolunteerPeriod

ALL_START = FIRST_DAY  # the all-time row's `start`
FIELDS = ("cents", "lines", "activities", "orders", "points_earned", "points_spent")
EARNED_KINDS = frozenset({"hours", "rating", "wish", "reversal", "adjust"})
SPENT_KINDS = frozenset({"redeem", "refund"})
LINE_KINDS_WITH_ACTIVITY = frozenset({"attendance", "backfill"})
BATCH = 500  # rows per upsert statement (11 parameters each, under SQLite's limit)


def month_of(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def line_delta(kind: str, cents: int, activity_id, order_id) -> tuple[int, ...]:
    """What one approved ledger line adds (a reversal: negative hours) to the six fields.
    Activities and orders count as the rankings count them (docs/honors.md)."""
    reversal = kind == "reversal"
    activities = (-1 if activity_id else 0) if reversal else (
        1 if kind in LINE_KINDS_WITH_ACTIVITY and activity_id else 0)
    orders = (-1 if order_id else 0) if reversal else (1 if kind == "order" else 0)
    return (cents, 1, activities, orders, 0, 0)


def entry_delta(kind: str, amount: int) -> tuple[int, ...]:
    """What one points entry adds: earned (net of reversals and adjustments) or spent (net
    of refunds), as the dashboards define them."""
    if kind in EARNED_KINDS:
        return (0, 0, 0, 0, amount, 0)
    if kind in SPENT_KINDS:
        return (0, 0, 0, 0, 0, -amount)
    return (0, 0, 0, 0, 0, 0)


def to_cents(hours) -> int:
    return int(round(hours * 100))


# ---- writing ------------------------------------------------------------------------------

def add_lines(lines: Iterable[dict]) -> None:
    """Approved ledger lines (dicts or rows with volunteer_id, service_date, hours, kind,
    activity_id, order_id) move the rollup. A reversal is passed as its own line."""
    deltas: dict[tuple[int, datetime.date], list[int]] = {}
    for line in lines:
        get = line.get if isinstance(line, dict) else line.__getattribute__
        d = line_delta(get("kind"), to_cents(get("hours")), get("activity_id"),
                       get("order_id"))
        _fold(deltas, get("volunteer_id"), month_of(get("service_date")), d)
    _apply(deltas)


def add_points(entries: Iterable[tuple[int, datetime.date, str, int]]) -> None:
    """Points entries as (volunteer id, Asia/Shanghai day, kind, amount)."""
    deltas: dict[tuple[int, datetime.date], list[int]] = {}
    for volunteer_id, day, kind, amount in entries:
        _fold(deltas, volunteer_id, month_of(day), entry_delta(kind, amount))
    _apply(deltas)


def _fold(deltas: dict, volunteer_id: int, month: datetime.date, d: tuple[int, ...]) -> None:
    acc = deltas.setdefault((volunteer_id, month), [0] * len(FIELDS))
    for i, v in enumerate(d):
        acc[i] += v


def _apply(deltas: dict[tuple[int, datetime.date], list[int]]) -> None:
    """Spread (volunteer, month) deltas to the month, year and all-time rows and upsert
    them, one row per key, in key order."""
    if not deltas:
        return
    rows: dict[tuple[int, str, datetime.date], list[int]] = {}
    for (volunteer_id, month), d in deltas.items():
        if not any(d):
            continue
        for key in ((volunteer_id, Span.MONTH, month),
                    (volunteer_id, Span.YEAR, month.replace(month=1)),
                    (volunteer_id, Span.ALL, ALL_START)):
            acc = rows.setdefault(key, [0] * len(FIELDS))
            for i, v in enumerate(d):
                acc[i] += v
    if not rows:
        return
    from wenming.people.models import Volunteer

    stations = dict(Volunteer.objects.filter(pk__in={k[0] for k in rows}).values_list(
        "pk", "station_id"))
    ordered = sorted(rows.items(), key=lambda kv: (kv[0][1], kv[0][2], kv[0][0]))
    nodes: dict[tuple, int] = defaultdict(int)  # the per-node rollup's share (stats.tally)
    for i in range(0, len(ordered), BATCH):
        chunk = ordered[i:i + BATCH]
        after = _upsert([(v, stations[v], span, start, *d) for (v, span, start), d in chunk])
        for (v, span, start), d in chunk:
            cents = after[(v, span, start)]
            # active in the period: net hours above zero, before and after this write
            change = int(cents > 0) - int(cents - d[0] > 0)
            for metric, value in ((tally.ACTIVE, change), (tally.EARNED, d[4]),
                                  (tally.SPENT, d[5])):
                if value:
                    nodes[(span, start, stations[v], metric)] += value
    tally.apply_rows(nodes)


def _upsert(values: list[tuple]) -> dict[tuple[int, str, datetime.date], int]:
    """Upsert the rows; returns each row's `cents` after it, by (volunteer, span, start)."""
    table = VolunteerPeriod._meta.db_table
    columns = ("volunteer_id", "station_id", "span", "start", *FIELDS)
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    sets = ", ".join(["station_id = excluded.station_id",
                      *(f"{f} = {table}.{f} + excluded.{f}" for f in FIELDS)])
    sql = (f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([one] * len(values))} "
           f"ON CONFLICT (span, start, volunteer_id) DO UPDATE SET {sets} "
           "RETURNING volunteer_id, span, start, cents")
    with connection.cursor() as cursor:
        cursor.execute(sql, [x for row in values for x in row])
        return {(v, span, _date(start)): cents for v, span, start, cents in cursor.fetchall()}


def _date(value) -> datetime.date:
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


def moved(volunteer_id: int, station_id: int) -> None:
    """A volunteer moved to another station: their rows follow (the figures group by the
    station a volunteer belongs to now), and so does their share of the per-node rollup."""
    rows = VolunteerPeriod.objects.filter(volunteer_id=volunteer_id).exclude(
        station_id=station_id)
    nodes: dict[tuple, int] = defaultdict(int)
    for old, span, start, cents, earned, spent in rows.values_list(
            "station_id", "span", "start", "cents", "points_earned", "points_spent"):
        for metric, value in ((tally.ACTIVE, int(cents > 0)), (tally.EARNED, earned),
                              (tally.SPENT, spent)):
            if value:
                nodes[(span, start, old, metric)] -= value
                nodes[(span, start, station_id, metric)] += value
    rows.update(station_id=station_id)
    tally.apply_rows(nodes)


# ---- covering a period ---------------------------------------------------------------------

@dataclass(frozen=True)
class Cover:
    """A period of days as rollup rows (`rows`, a Q on VolunteerPeriod, None when no whole
    month fits) and the days left at its edges (`days`, inclusive ranges) for the ledger."""

    rows: Q | None
    days: tuple[tuple[datetime.date, datetime.date], ...]
    one_row_each: bool = False  # `rows` is one month or one year: a row per volunteer


def _next_month(first: datetime.date) -> datetime.date:
    return (first + datetime.timedelta(days=32)).replace(day=1)


def cover(first: datetime.date, last: datetime.date) -> Cover:
    """Whole years, then whole months, of [first, last]; the rest as days."""
    m1 = first if first.day == 1 else _next_month(first)
    after = last + datetime.timedelta(days=1)
    m2 = month_of(after)  # the months end before m2
    if m1 >= m2:
        return Cover(None, ((first, last),))
    days = []
    if first < m1:
        days.append((first, m1 - datetime.timedelta(days=1)))
    if m2 <= last:
        days.append((m2, last))
    y1 = m1 if m1.month == 1 else datetime.date(m1.year + 1, 1, 1)
    y2 = datetime.date(m2.year, 1, 1)
    if y1 < y2:
        parts = [Q(span=Span.YEAR, start__gte=y1, start__lt=y2)]
        if m1 < y1:
            parts.append(Q(span=Span.MONTH, start__gte=m1, start__lt=y1))
        if y2 < m2:
            parts.append(Q(span=Span.MONTH, start__gte=y2, start__lt=m2))
    else:
        parts = [Q(span=Span.MONTH, start__gte=m1, start__lt=m2)]
    rows = parts[0]
    for p in parts[1:]:
        rows |= p
    single = len(parts) == 1 and (y2 == datetime.date(y1.year + 1, 1, 1) if y1 < y2
                                  else m2 == _next_month(m1))
    if single:  # an equality on `start`, so the index's next column (station) narrows too
        rows = Q(span=Span.YEAR, start=y1) if y1 < y2 else Q(span=Span.MONTH, start=m1)
    return Cover(rows, tuple(days), single)


def rows_in(cover_: Cover) -> QuerySet:
    return VolunteerPeriod.objects.filter(cover_.rows) if cover_.rows is not None else \
        VolunteerPeriod.objects.none()


def after(last: datetime.date) -> Cover:
    """The days after `last` (up to the platform's last day), for "as at `last`" figures:
    all time minus what came after."""
    return cover(last + datetime.timedelta(days=1), LAST_DAY)


# ---- the check ------------------------------------------------------------------------------

def expected(*, ServiceRecord, PointsEntry, Volunteer) -> dict[tuple[int, str, datetime.date],
                                                                   list[int]]:
    """The rollup recomputed from the ledgers (models passed in, so the data migration can
    use its historical ones): {(volunteer, span, start): [six fields]}, zero rows left out.
    Grouped by volunteer and day in the database, folded into months here."""
    from django.db.models import Sum
    from django.db.models.functions import TruncDate
    from django.utils import timezone

    deltas: dict[tuple[int, datetime.date], list[int]] = {}
    lines = ServiceRecord.objects.filter(status="approved").values_list(
        "volunteer_id", "service_date", "hours", "kind", "activity_id", "order_id")
    for v, day, hours, kind, activity_id, order_id in lines.iterator(chunk_size=20000):
        _fold(deltas, v, month_of(day), line_delta(kind, to_cents(hours), activity_id,
                                                   order_id))
    zone = timezone.get_default_timezone()
    points = PointsEntry.objects.annotate(day=TruncDate("created_at", tzinfo=zone)).values(
        "account__volunteer_id", "day", "kind").annotate(amount=Sum("amount")).values_list(
        "account__volunteer_id", "day", "kind", "amount")
    for v, day, kind, amount in points.iterator(chunk_size=20000):
        _fold(deltas, v, month_of(day), entry_delta(kind, amount))
    out: dict[tuple[int, str, datetime.date], list[int]] = {}
    for (v, month), d in deltas.items():
        for key in ((v, Span.MONTH, month), (v, Span.YEAR, month.replace(month=1)),
                    (v, Span.ALL, ALL_START)):
            acc = out.setdefault(key, [0] * len(FIELDS))
            for i, x in enumerate(d):
                acc[i] += x
    return {k: d for k, d in out.items() if any(d)}


@transaction.atomic
def rebuild(*, ServiceRecord, PointsEntry, Volunteer, VolunteerPeriod) -> int:
    """Replace the rollup by `expected` (the data migration; a repair). Returns rows."""
    want = expected(ServiceRecord=ServiceRecord, PointsEntry=PointsEntry, Volunteer=Volunteer)
    stations = dict(Volunteer.objects.values_list("pk", "station_id"))
    VolunteerPeriod.objects.all().delete()
    ordered = sorted(want, key=lambda k: (k[1], k[2], k[0]))
    for i in range(0, len(ordered), 5000):  # model instances a batch at a time (memory)
        VolunteerPeriod.objects.bulk_create([
            VolunteerPeriod(volunteer_id=v, station_id=stations[v], span=span, start=start,
                            **dict(zip(FIELDS, want[(v, span, start)], strict=True)))
            for v, span, start in ordered[i:i + 5000]])
    return len(want)


def problems() -> list[str]:
    """Where the rollup differs from the ledgers, or a row's station from its volunteer's."""
    from wenming.activities.models import ServiceRecord
    from wenming.people.models import Volunteer
    from wenming.points.models import PointsEntry

    want = expected(ServiceRecord=ServiceRecord, PointsEntry=PointsEntry, Volunteer=Volunteer)
    stations = dict(Volunteer.objects.values_list("pk", "station_id"))
    out = []
    for row in VolunteerPeriod.objects.values_list("volunteer_id", "station_id", "span",
                                                   "start", *FIELDS).iterator(chunk_size=20000):
        v, station, span, start, *have = row
        should = want.pop((v, span, start), [0] * len(FIELDS))
        if have != should:
            out.append(f"volunteer rollup {v} {span} {start}: {have} != ledgers {should}")
        if station != stations.get(v):
            out.append(f"volunteer rollup {v} {span} {start}: station {station} != the "
                       f"volunteer's {stations.get(v)}")
    out += [f"volunteer rollup {v} {span} {start}: missing, ledgers {d}"
            for (v, span, start), d in want.items()]
    return out
