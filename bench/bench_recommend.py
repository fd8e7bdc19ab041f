"""为你推荐 at district size (issue 15): does it find what volunteers go on to do, and how fast.

Quality, by replaying the past: the demo's last month of service is held out. For up to
2,000 volunteers who served in that month and had at least three lines before it, the
activities of the month that the recommender would consider (near home, or at the five
places they served most: `recommend.selectors.around`) are ranked two ways:
- ours: `recommend.selectors.ranked` with the volunteer's habits as they stood before the
  month (`habits_of(before=...)`), exactly the rule the pages use;
- baseline, in the same run: nearest first (distance from home, then the earlier start).
What the volunteer actually served in the month is the truth; precision@10 and recall@10 are
averaged over the volunteers. (A past activity stands in for an upcoming one: sign-ups of
the past are the approved lines, as the demo keeps no enrolments for ended activities.)

Speed: `recommendations_for(user)` for 200 random active volunteers (requirement: median
< 100 ms), against a raw query of the upcoming activities in the same box, nearest first.

    .venv/bin/python bench/bench_recommend.py [--db sqlite|postgresql] [--var-dir DIR]
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Database, district_main, load, python  # noqa: E402

LIMIT_MS = 100.0

CODE = r"""
import datetime, json, random, statistics, time
from django.db import connection
from django.utils import timezone
from wenming.activities.models import Activity, ServiceRecord
from wenming.demo.ledger import ledger_end
from wenming.geo import haversine_km
from wenming.people.models import Volunteer
from wenming.recommend.selectors import (activity_candidates, around, near, person_of,
                                         ranked, recommendations_for)

end = ledger_end()
cutoff = end - datetime.timedelta(days=30)
lines = ServiceRecord.objects.filter(status="approved", service_date__gte=cutoff,
                                     service_date__lte=end, activity__isnull=False)
served = {}
for vid, aid in lines.values_list("volunteer_id", "activity_id"):
    served.setdefault(vid, set()).add(aid)
before = dict(ServiceRecord.objects.filter(status="approved", service_date__lt=cutoff,
                                           volunteer_id__in=list(served))
              .values_list("volunteer_id").annotate(n=__import__("django").db.models.Count("id")))
eligible = sorted(v for v in served if before.get(v, 0) >= 3)
sample = random.Random(15).sample(eligible, min(2000, len(eligible)))
month = Activity.objects.filter(start__date__gte=cutoff, start__date__lte=end,
                                status="published")
p_ours = p_near = r_ours = r_near = 0.0
reachable = 0
for vid in sample:
    volunteer = Volunteer.objects.select_related("station").get(pk=vid)
    person = person_of(volunteer, before=cutoff)
    candidates = activity_candidates(around(month, person))
    truth = served[vid]
    reachable += bool(truth & {c.id for c in candidates})
    ours = [r["id"] for r in ranked(person, candidates, 10)]
    nearest = [c.id for c in sorted(candidates, key=lambda c: (
        haversine_km(person.lat, person.lng, c.lat, c.lng), c.start, c.id))[:10]]
    for top, which in ((ours, "ours"), (nearest, "near")):
        hits = len(truth & set(top))
        if which == "ours":
            p_ours += hits / 10; r_ours += hits / len(truth)
        else:
            p_near += hits / 10; r_near += hits / len(truth)
n = len(sample)

def ms(f):
    t = time.perf_counter(); f(); return (time.perf_counter() - t) * 1000

act = Activity._meta.db_table
active = list(Volunteer.objects.filter(status="active").values_list("id", flat=True))
timed = random.Random(16).sample(active, 200)
ours_ms, raw_ms = [], []
now = timezone.now()
for vid in timed:
    volunteer = Volunteer.objects.select_related("station", "user").get(pk=vid)
    lat = volunteer.home_lat or volunteer.station.lat
    lng = volunteer.home_lng or volunteer.station.lng
    box = near(lat, lng).children
    (la, (la0, la1)), (ln, (ln0, ln1)) = box
    def raw():
        with connection.cursor() as c:
            c.execute(f"SELECT id, lat, lng FROM {act} WHERE status = %s AND start > %s AND "
                      f"start <= %s AND lat BETWEEN %s AND %s AND lng BETWEEN %s AND %s",
                      ["published", now, now + datetime.timedelta(days=30), la0, la1, ln0, ln1])
            rows = c.fetchall()
        return sorted(rows, key=lambda r: haversine_km(lat, lng, r[1], r[2]))[:20]
    raw_ms.append(ms(raw))
    ours_ms.append(ms(lambda: recommendations_for(volunteer.user)))
print(json.dumps({
    "volunteers": n, "holdout": [str(cutoff), str(end)], "holdout_activities": month.count(),
    "reachable": reachable / n if n else 0,
    "ours": {"precision_at_10": p_ours / n, "recall_at_10": r_ours / n},
    "nearest": {"precision_at_10": p_near / n, "recall_at_10": r_near / n},
    "latency_ms": statistics.median(ours_ms), "latency_p95_ms": sorted(ours_ms)[189],
    "raw_ms": statistics.median(raw_ms), "timed": len(timed)}))
"""


def run(db: Database) -> dict:
    m = json.loads(python(db, CODE).strip().splitlines()[-1])
    ours, base = m["ours"], m["nearest"]
    better = ours["precision_at_10"] > base["precision_at_10"]
    fast = m["latency_ms"] < LIMIT_MS
    print(f"[recommend] {db.describe()}; {load()}")
    print(f"  held out {m['holdout'][0]}..{m['holdout'][1]}: {m['holdout_activities']:,} "
          f"activities, {m['volunteers']:,} volunteers ({m['reachable']:.0%} had a served "
          f"activity among the candidates)")
    print(f"  ours:           precision@10 {ours['precision_at_10']:.3f}, "
          f"recall@10 {ours['recall_at_10']:.3f}")
    print(f"  nearest first:  precision@10 {base['precision_at_10']:.3f}, "
          f"recall@10 {base['recall_at_10']:.3f}  (ratio "
          f"{ours['precision_at_10'] / max(base['precision_at_10'], 1e-9):.2f}x)")
    print(f"  recommendations_for, median of {m['timed']}: {m['latency_ms']:.1f} ms (p95 "
          f"{m['latency_p95_ms']:.1f}; requirement < {LIMIT_MS:.0f} ms: "
          f"{'PASS' if fast else 'FAIL'}); raw box query {m['raw_ms']:.1f} ms, ratio "
          f"{m['latency_ms'] / m['raw_ms']:.1f}x", flush=True)
    figure = (f"recommendations precision@10 {ours['precision_at_10']:.3f} vs nearest-first "
              f"{base['precision_at_10']:.3f}; {m['latency_ms']:.1f} ms median (< 100 ms), "
              f"{m['latency_ms'] / m['raw_ms']:.1f}x a raw box query")
    return {"bench": "recommend", "database": db.describe(), **m, "figure": figure,
            "pass": better and fast}


def main() -> None:
    district_main(__doc__, lambda db, _args: run(db))


if __name__ == "__main__":
    main()
