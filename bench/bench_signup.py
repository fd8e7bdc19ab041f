"""Concurrent sign-up for one popular activity (issue 10), through the real server.

An activity with a quota of 50 is published at a station of the district; 1,000 approved
volunteers of the district (each with an API token) sign up for it at once from 32 concurrent
clients (`POST /api/activities/{id}/enrollments`), served by gunicorn 2 workers x 4 threads
as `wenming serve` serves it. Printed: sign-ups per second, SQL queries per sign-up (the
`X-Queries` header of bench/settings.py), and exactness: exactly 50 enrolled and 950
waitlisted, nobody twice, never over-booked (asserted). Three rounds, each on a fresh
activity; the median round is the figure.

Baseline in the same run: the same 32 clients asking the bare JSON view of bench/urls.py.
Target (issue 10): >= 1.5x volunteer_planner's 109-121/s, i.e. >= 170 sign-ups/s on
PostgreSQL; peers measured before: ephios 24-27/s (30.7 queries), volunteer_planner
109-121/s (7.3 queries, over-booked by 3-4 every run), wenming 107-114/s (14 queries).

    .venv/bin/python bench/bench_signup.py --database-url URL | --var-dir DIR | --db sqlite
        [--rounds 3] [--profile]
"""

import http.client
import json
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Database, district_main, gunicorn, load, python  # noqa: E402

QUOTA, VOLUNTEERS, CLIENTS = 50, 1000, 32
TARGET_RPS = 170.0

SETUP = r"""
import datetime, json
from django.utils import timezone
from wenming.activities.services import activity_publish
from wenming.orgs.models import OrgNode, Platform, RoleAssignment
from wenming.people.models import ApiToken, Volunteer
from wenming.people.services import token_issue

center = OrgNode.objects.get(parent=None)
staff = RoleAssignment.objects.filter(role="staff", org=center).select_related("user").first().user
station = OrgNode.objects.filter(kind="station", path__startswith=center.path).order_by("id").first()
start = timezone.now() + datetime.timedelta(days=10)
ids = []
for i in range(%(rounds)d):
    a = activity_publish(by=staff, org=station, platform=Platform.objects.order_by("id").first(),
                         title=f"国庆游园志愿服务（压测 {i + 1}）", address=station.address or "实践站",
                         lat=station.lat or 39.98, lng=station.lng or 116.30, start=start,
                         end=start + datetime.timedelta(hours=3), quota=%(quota)d)
    ids.append(a.id)
volunteers = list(Volunteer.objects.filter(status="active", user__is_active=True,
                  station__path__startswith=center.path).select_related("user")
                  .order_by("id")[:%(n)d])
tokens = [token_issue(user=v.user) for v in volunteers]
print(json.dumps({"activities": ids, "tokens": tokens, "station": station.name}))
"""

CHECK = r"""
import json
from django.db.models import Count
from wenming.activities.models import Enrollment
rows = Enrollment.objects.filter(activity_id=%(id)d)
by = dict(rows.values_list("status").annotate(n=Count("id")))
dupes = rows.values("volunteer_id").annotate(n=Count("id")).filter(n__gt=1).count()
print(json.dumps({"by_status": by, "dupes": dupes, "rows": rows.count()}))
"""

PROFILE = r"""
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
client = Client(HTTP_HOST="127.0.0.1")
with CaptureQueriesContext(connection) as ctx:
    r = client.post("/api/activities/%(id)d/enrollments", HTTP_AUTHORIZATION="Bearer %(token)s")
print("status", r.status_code, "queries", len(ctx.captured_queries))
for q in ctx.captured_queries:
    print("  %%6.2f ms  %%s" %% (float(q["time"]) * 1000, q["sql"][:300]))
"""


class Conn:
    def __init__(self, base: str):
        parts = urlsplit(base)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)

    def call(self, method: str, path: str, token: str | None = None) -> tuple[int, int, bytes]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.conn.request(method, path, headers=headers)
        response = self.conn.getresponse()
        body = response.read()
        return response.status, int(response.headers.get("X-Queries", 0)), body


def storm(base: str, jobs: list[tuple[str, str, str | None]]) -> dict:
    """`jobs` (method, path, token) spread over CLIENTS threads started together."""
    shares = [jobs[i::CLIENTS] for i in range(CLIENTS)]
    results: list[tuple[int, int, bytes]] = []
    lock, barrier = threading.Lock(), threading.Barrier(CLIENTS + 1)

    def client(share):
        conn = Conn(base)
        conn.call("GET", "/bench/bare")  # connected before the clock starts
        barrier.wait()
        mine = [conn.call(*job) for job in share]
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=client, args=(s,)) for s in shares]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    statuses: dict[int, int] = {}
    for status, _q, _b in results:
        statuses[status] = statuses.get(status, 0) + 1
    return {"rps": len(jobs) / elapsed, "seconds": elapsed, "statuses": statuses,
            "queries": statistics.mean(q for _s, q, _b in results),
            "bodies": [b for _s, _q, b in results]}


def round_once(db: Database, base: str, activity: int, tokens: list[str]) -> dict:
    path = f"/api/activities/{activity}/enrollments"
    got = storm(base, [("POST", path, t) for t in tokens])
    check = json.loads(python(db, CHECK % {"id": activity}).strip().splitlines()[-1])
    by = check["by_status"]
    states = {}
    for body in got["bodies"]:
        try:
            state = json.loads(body).get("status", "?")
        except ValueError:
            state = "?"
        states[state] = states.get(state, 0) + 1
    exact = (by.get("enrolled", 0) == QUOTA and by.get("waitlisted", 0) == len(tokens) - QUOTA
             and check["dupes"] == 0 and got["statuses"] == {201: len(tokens)})
    return {"rps": got["rps"], "seconds": got["seconds"], "queries": got["queries"],
            "statuses": got["statuses"], "answers": states, "db": by, "dupes": check["dupes"],
            "exact": exact}


def run(db: Database, rounds: int = 3, profile: bool = False,
        volunteers: int = VOLUNTEERS) -> dict:
    setup = json.loads(python(db, SETUP % {"rounds": rounds, "quota": QUOTA,
                                           "n": volunteers}).strip().splitlines()[-1])
    tokens = setup["tokens"]
    assert len(tokens) == volunteers, f"only {len(tokens)} active volunteers"
    with gunicorn(db) as base:
        bare = storm(base, [("GET", "/bench/bare", None)] * volunteers)
        done = [round_once(db, base, a, tokens) for a in setup["activities"]]
        bare_after = storm(base, [("GET", "/bench/bare", None)] * volunteers)
    rates = sorted(r["rps"] for r in done)
    median = statistics.median(rates)
    queries = statistics.mean(r["queries"] for r in done)
    exact = all(r["exact"] for r in done)
    bare_rps = statistics.mean([bare["rps"], bare_after["rps"]])
    print(f"[signup] {db.describe()}; gunicorn 2 workers x 4 threads; {CLIENTS} clients, "
          f"{volunteers:,} volunteers, quota {QUOTA}, at {setup['station']}; {load()}")
    for i, r in enumerate(done, 1):
        print(f"  round {i}: {r['rps']:6.1f} sign-ups/s ({r['seconds']:.2f} s), "
              f"{r['queries']:.1f} queries per sign-up; answers {r['answers']}, "
              f"HTTP {r['statuses']}; in the database {r['db']}, {r['dupes']} twice: "
              f"{'EXACT' if r['exact'] else 'WRONG'}")
    print(f"  bare JSON view, same clients: {bare['rps']:.0f} / {bare_after['rps']:.0f} req/s "
          f"(before / after)")
    ok = exact and median >= TARGET_RPS
    print(f"  median {median:.1f} sign-ups/s (target >= {TARGET_RPS:.0f}: "
          f"{'PASS' if median >= TARGET_RPS else 'FAIL'}), {median / bare_rps:.2f}x the bare "
          f"view's rate; never over-booked: {'yes' if exact else 'NO'}", flush=True)
    if profile:
        one = json.loads(python(db, SETUP % {"rounds": 1, "quota": QUOTA, "n": 1})
                         .strip().splitlines()[-1])
        print(python(db, PROFILE % {"id": one["activities"][0], "token": one["tokens"][0]}))
    figure = (f"sign-up storm {median:.0f}/s (>= {TARGET_RPS:.0f}/s), {queries:.1f} queries "
              f"each, {'never over-booked' if exact else 'OVER-BOOKED OR WRONG'}; bare view "
              f"{bare_rps:.0f} req/s")
    return {"bench": "signup", "database": db.describe(), "figure": figure, "pass": ok,
            "median_rps": median, "queries": queries, "exact": exact, "bare_rps": bare_rps,
            "rounds": [{k: v for k, v in r.items()} for r in done]}


def main() -> None:
    district_main(__doc__, lambda db, args: run(db, args.rounds, args.profile,
                                                     args.volunteers), options=[
        (["--rounds"], {"type": int, "default": 3}),
        (["--volunteers"], {"type": int, "default": VOLUNTEERS}),
        (["--profile"], {"action": "store_true", "help": "print one sign-up's queries"}),
    ])


if __name__ == "__main__":
    main()
