"""Hours at district size (issue 3): a volunteer's total hours and star level, and the whole
center's hours, activities and people served for a year.

- `volunteer_standing(volunteer)`, median over 200 random volunteers with approved hours
  (requirement: < 10 ms). Baseline in the same run: a raw `SELECT SUM(hours)` over that
  volunteer's approved records.
- `subtree_totals(center, year)`, median of 15 calls (requirement: < 200 ms). Baseline in
  the same run: raw aggregates over the raw records (approved hours and lines in the year;
  activities and people served in the year), i.e. what the HoursDaily rollup saves.

Both are timed in one process with Django set up against the district (no HTTP).

    .venv/bin/python bench/bench_standing.py [--db sqlite|postgresql]
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    Database,
    district_main,
    load,
    python,
)

LIMIT_STANDING_MS = 10.0
LIMIT_TOTALS_MS = 200.0

CODE = r"""
import datetime, json, random, statistics, time
from django.db import connection
from wenming.activities.models import Activity, ServiceRecord
from wenming.activities.selectors import subtree_totals, volunteer_standing
from wenming.demo.ledger import ledger_end
from wenming.orgs.models import OrgNode
from wenming.people.models import Volunteer

def ms(f):
    t = time.perf_counter(); out = f(); return (time.perf_counter() - t) * 1000, out

rec = ServiceRecord._meta.db_table
act = Activity._meta.db_table
ids = sorted(ServiceRecord.objects.filter(status="approved").values_list("volunteer_id", flat=True)
             .distinct())
sample = random.Random(3).sample(ids, 200)
std, raw = [], []
for vid in sample:
    volunteer = Volunteer.objects.select_related("station").get(pk=vid)  # as a page has it
    def plain():
        with connection.cursor() as c:
            c.execute(f"SELECT SUM(hours) FROM {rec} WHERE volunteer_id = %s AND status = %s",
                      [vid, "approved"])
            return c.fetchone()[0]
    t_raw, total = ms(plain)
    t_std, standing = ms(lambda: volunteer_standing(volunteer))
    assert standing["total_hours"] == total, (standing, total)
    std.append(t_std); raw.append(t_raw)

center = OrgNode.objects.get(kind="center")
day_to = ledger_end()
day_from = day_to - datetime.timedelta(days=364)
start = datetime.datetime.combine(day_from, datetime.time.min)
end = datetime.datetime.combine(day_to, datetime.time.max)
from django.utils import timezone
start, end = timezone.make_aware(start), timezone.make_aware(end)
def plain_totals():
    with connection.cursor() as c:
        c.execute(f"SELECT SUM(hours), COUNT(*) FROM {rec} WHERE status = %s "
                  "AND service_date BETWEEN %s AND %s", ["approved", day_from, day_to])
        h, n = c.fetchone()
        c.execute(f"SELECT COUNT(*), SUM(people_served) FROM {act} WHERE status = %s "
                  "AND start BETWEEN %s AND %s", ["published", start, end])
        a, s = c.fetchone()
    return h, n, a, s
tot, base = [], []
for _ in range(15):
    t_base, (h, n, a, s) = ms(plain_totals)
    t_tot, totals = ms(lambda: subtree_totals(center, day_from, day_to))
    assert (totals["hours"], totals["records"], totals["activities"], totals["people_served"]) \
        == (h, n, a, s), (totals, h, n, a, s)
    tot.append(t_tot); base.append(t_base)
print(json.dumps({
    "volunteers": len(sample), "standing_ms": statistics.median(std),
    "standing_p95_ms": sorted(std)[int(len(std) * .95) - 1], "raw_sum_ms": statistics.median(raw),
    "totals_ms": statistics.median(tot), "raw_totals_ms": statistics.median(base),
    "year": [str(day_from), str(day_to)], "hours": str(totals["hours"]),
    "records": totals["records"], "activities": totals["activities"],
    "people_served": totals["people_served"],
    "ledger_lines": ServiceRecord.objects.count()}))
"""


def run(db: Database) -> dict:
    m = json.loads(python(db, CODE).strip().splitlines()[-1])
    ok_std, ok_tot = m["standing_ms"] < LIMIT_STANDING_MS, m["totals_ms"] < LIMIT_TOTALS_MS
    result = {"bench": "standing", "database": db.describe(), **m, "pass": ok_std and ok_tot}
    print(f"[hours] {db.describe()}; {m['ledger_lines']:,} ledger lines; {load()}")
    print(f"  volunteer_standing, median of {m['volunteers']} volunteers: "
          f"{m['standing_ms']:6.2f} ms (p95 {m['standing_p95_ms']:.2f}; requirement < "
          f"{LIMIT_STANDING_MS:.0f} ms: {'PASS' if ok_std else 'FAIL'})")
    print(f"    baseline raw SUM(hours) of the volunteer's approved records: "
          f"{m['raw_sum_ms']:6.2f} ms; ratio {m['standing_ms'] / m['raw_sum_ms']:.1f}x")
    print(f"  subtree_totals(center, {m['year'][0]}..{m['year'][1]}), median of 15: "
          f"{m['totals_ms']:7.1f} ms (requirement < {LIMIT_TOTALS_MS:.0f} ms: "
          f"{'PASS' if ok_tot else 'FAIL'})")
    print(f"    baseline raw aggregates over the records and activities: "
          f"{m['raw_totals_ms']:7.1f} ms; ratio {m['totals_ms'] / m['raw_totals_ms']:.2f}x")
    print(f"    = {m['hours']} h in {m['records']:,} lines, {m['activities']:,} activities, "
          f"{m['people_served']:,} people served", flush=True)
    return result


def main() -> None:
    district_main(__doc__, lambda db, _args: run(db))


if __name__ == "__main__":
    main()
