"""Dashboards at district size (issue 12): the server time of a node's yearly dashboard
(`stats.selectors.dashboard`: every figure with the child breakdown, the grids, the platforms
and the 12-month trend), for the center (requirement: < 100 ms) and for stations (< 30 ms).

Baseline in the same run, per node: raw SQL aggregates over the raw tables for the same year
and subtree — approved hours of the ledger, orders submitted, points entries — i.e. the
minimum any exact dashboard must read without a rollup.

    .venv/bin/python bench/bench_stats.py [--db sqlite|postgresql] [--var-dir DIR]
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Database, district_main, load, python  # noqa: E402

LIMIT_CENTER_MS = 100.0
LIMIT_STATION_MS = 30.0

CODE = r"""
import datetime, json, random, statistics, time
from django.db import connection
from django.utils import timezone
from wenming.activities.models import ServiceRecord
from wenming.orders.models import ServiceOrder
from wenming.orgs.models import OrgNode
from wenming.people.models import Volunteer
from wenming.points.models import PointsAccount, PointsEntry
from wenming.stats.selectors import calendar_period, dashboard

def ms(f):
    t = time.perf_counter(); out = f(); return (time.perf_counter() - t) * 1000, out

rec, vol = ServiceRecord._meta.db_table, Volunteer._meta.db_table
orders, org = ServiceOrder._meta.db_table, OrgNode._meta.db_table
pts, acc = PointsEntry._meta.db_table, PointsAccount._meta.db_table
year = calendar_period("year", timezone.localdate())

def raw(node):
    with connection.cursor() as c:
        c.execute(f"SELECT SUM(r.hours) FROM {rec} r JOIN {vol} v ON v.id = r.volunteer_id "
                  f"JOIN {org} o ON o.id = v.station_id WHERE r.status = %s AND "
                  "r.service_date BETWEEN %s AND %s AND o.path LIKE %s",
                  ["approved", year.first, year.last, node.path + "%"])
        h = c.fetchone()[0]
        c.execute(f"SELECT COUNT(*) FROM {orders} s JOIN {org} o ON o.id = s.station_id "
                  "WHERE s.created_at >= %s AND s.created_at < %s AND o.path LIKE %s",
                  [year.start, year.end, node.path + "%"])
        n = c.fetchone()[0]
        c.execute(f"SELECT SUM(e.amount) FROM {pts} e JOIN {acc} a ON a.id = e.account_id "
                  f"JOIN {vol} v ON v.id = a.volunteer_id JOIN {org} o ON o.id = v.station_id "
                  "WHERE e.created_at >= %s AND e.created_at < %s AND o.path LIKE %s",
                  [year.start, year.end, node.path + "%"])
        p = c.fetchone()[0]
    return h, n, p

def bench(nodes, runs):
    dash, base = [], []
    for node in nodes:
        for _ in range(runs):
            t_base, _out = ms(lambda: raw(node))
            t_dash, data = ms(lambda: dashboard(node, year))
            dash.append(t_dash); base.append(t_base)
    return statistics.median(dash), statistics.median(base), data

center = OrgNode.objects.get(parent=None)
stations = random.Random(12).sample(list(OrgNode.objects.filter(kind="station")), 15)
c_ms, c_base, c_data = bench([center], 3)
s_ms, s_base, _s = bench(stations, 1)
print(json.dumps({"center_ms": c_ms, "center_raw_ms": c_base, "station_ms": s_ms,
                  "station_raw_ms": s_base, "stations": len(stations),
                  "year": [str(year.first), str(year.last)], "hours": c_data["hours"],
                  "orders": c_data["orders_total"], "volunteers": c_data["volunteers"],
                  "ledger_lines": ServiceRecord.objects.count(),
                  "points_entries": PointsEntry.objects.count()}))
"""


def run(db: Database) -> dict:
    m = json.loads(python(db, CODE).strip().splitlines()[-1])
    ok_c, ok_s = m["center_ms"] < LIMIT_CENTER_MS, m["station_ms"] < LIMIT_STATION_MS
    print(f"[stats] {db.describe()}; {m['ledger_lines']:,} ledger lines, "
          f"{m['points_entries']:,} points entries; {load()}")
    print(f"  center's dashboard {m['year'][0]}..{m['year'][1]}, median of 3: "
          f"{m['center_ms']:8.1f} ms (requirement < {LIMIT_CENTER_MS:.0f} ms: "
          f"{'PASS' if ok_c else 'FAIL'})")
    print(f"    baseline raw aggregates (hours, orders, points of the subtree's year): "
          f"{m['center_raw_ms']:8.1f} ms; ratio {m['center_ms'] / m['center_raw_ms']:.2f}x")
    print(f"  a station's dashboard, median of {m['stations']} stations: "
          f"{m['station_ms']:8.1f} ms (requirement < {LIMIT_STATION_MS:.0f} ms: "
          f"{'PASS' if ok_s else 'FAIL'})")
    print(f"    baseline raw aggregates: {m['station_raw_ms']:8.1f} ms; "
          f"ratio {m['station_ms'] / m['station_raw_ms']:.2f}x")
    print(f"    = {m['hours']} h, {m['orders']:,} orders, {m['volunteers']:,} volunteers",
          flush=True)
    figure = (f"center's yearly dashboard {m['center_ms']:.0f} ms (< 100 ms), "
              f"{m['center_ms'] / m['center_raw_ms']:.1f}x raw aggregates; a station's "
              f"{m['station_ms']:.1f} ms (< 30 ms), {m['station_ms'] / m['station_raw_ms']:.1f}x")
    return {"bench": "stats", "database": db.describe(), **m, "figure": figure,
            "pass": ok_c and ok_s}


def main() -> None:
    district_main(__doc__, lambda db, _args: run(db))


if __name__ == "__main__":
    main()
