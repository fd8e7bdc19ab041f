"""The staff volunteer list at district size, served by gunicorn as `wenming serve` does.

Logs in as `center` (POST /api/auth/token) and measures
`GET /api/volunteers?org=<center>&page_size=50&q=王`: latency (median, p95; requirement:
median < 30 ms) one request at a time, then throughput with a few concurrent clients.
Baseline, from the same server in the same run: a bare Django JSON view (bench/urls.py).

    .venv/bin/python bench/bench_volunteer_list.py [--db sqlite|postgresql] [--explain]
        [--var-dir DIR]
"""

import http.client
import json
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    Database,
    district_main,
    gunicorn,
    load,
    python,
)

LIMIT_MEDIAN_MS = 30.0
SEQUENTIAL = 300  # requests timed one at a time
CLIENTS, PER_CLIENT = 4, 150  # concurrent clients, requests each

EXPLAIN = """
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
client = Client(HTTP_HOST="127.0.0.1")
token = client.post("/api/auth/token", {"username": "center", "password": "Demo@2026"},
                    content_type="application/json").json()["token"]
with CaptureQueriesContext(connection) as ctx:
    r = client.get(%(path)r, HTTP_AUTHORIZATION=f"Bearer {token}")
print("status", r.status_code, "queries", len(ctx.captured_queries))
explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN ANALYZE "
for q in ctx.captured_queries:
    print("  %%6.1f ms  %%s" %% (float(q["time"]) * 1000, q["sql"][:400]))
    if q["sql"].startswith("SELECT") and "people_volunteer" in q["sql"]:
        with connection.cursor() as cur:
            cur.execute(explain + q["sql"].replace("%%", "%%%%"))
            for row in cur.fetchall():
                print("      ", row)
"""


class Api:
    def __init__(self, base: str, token: str | None = None):
        parts = urlsplit(base)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        headers = dict(self.headers)
        if body is not None:
            headers["Content-Type"] = "application/json"
        self.conn.request(method, path, body=json.dumps(body) if body else None, headers=headers)
        response = self.conn.getresponse()
        return response.status, response.read()


def login(base: str) -> tuple[str, int]:
    status, body = Api(base).call("POST", "/api/auth/token",
                                  {"username": "center", "password": "Demo@2026"})
    assert status == 200, body
    token = json.loads(body)["token"]
    status, body = Api(base, token).call("GET", "/api/me")
    center = next(r["org_id"] for r in json.loads(body)["roles"] if r["role"] == "staff")
    return token, center


def latencies(base: str, token: str, path: str, n: int) -> list[float]:
    api, times = Api(base, token), []
    for _ in range(n):
        started = time.perf_counter()
        status, body = api.call("GET", path)
        times.append((time.perf_counter() - started) * 1000)
        assert status == 200, body[:300]
    return times


def throughput(base: str, token: str, path: str) -> float:
    barrier = threading.Barrier(CLIENTS + 1)

    def client():
        api = Api(base, token)
        api.call("GET", path)  # connect before the clock starts
        barrier.wait()
        for _ in range(PER_CLIENT):
            status, _body = api.call("GET", path)
            assert status == 200

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    return CLIENTS * PER_CLIENT / (time.perf_counter() - started)


def measure(base: str, token: str, path: str) -> dict:
    latencies(base, token, path, 30)  # warm both workers' caches and connections
    times = sorted(latencies(base, token, path, SEQUENTIAL))
    return {"path": path, "median_ms": statistics.median(times),
            "p95_ms": times[int(len(times) * 0.95) - 1], "rps": throughput(base, token, path)}


def run(db: Database, explain: bool = False) -> dict:
    with gunicorn(db) as base:
        token, center = login(base)
        listing = f"/api/volunteers?org={center}&page_size=50&q={quote('王')}"
        status, body = Api(base, token).call("GET", listing)
        found = json.loads(body)
        assert status == 200 and len(found["items"]) == 50, body[:300]
        result = {"bench": "volunteer_list", "database": db.describe(), "count": found["count"],
                  "list": measure(base, token, listing),
                  "unfiltered": measure(base, token, f"/api/volunteers?org={center}&page_size=50"),
                  "bare": measure(base, token, "/bench/bare")}
    lst, bare = result["list"], result["bare"]
    result["pass"] = lst["median_ms"] < LIMIT_MEDIAN_MS
    print(f"[volunteer list] {db.describe()}; gunicorn 2 workers x 4 threads; "
          f"{SEQUENTIAL} sequential requests, then {CLIENTS} clients x {PER_CLIENT}; {load()}")
    for key, label in [("list", f"list, q=王 ({result['count']:,} matches)"),
                       ("unfiltered", "list, no q"), ("bare", "bare JSON view (baseline)")]:
        m = result[key]
        print(f"  {label:<34} median {m['median_ms']:6.1f} ms  p95 {m['p95_ms']:6.1f} ms  "
              f"{m['rps']:7.1f} req/s")
    print(f"  requirement median < {LIMIT_MEDIAN_MS:.0f} ms: {'PASS' if result['pass'] else 'FAIL'}")
    print(f"  ratio list / bare: median {lst['median_ms'] / bare['median_ms']:.1f}x, "
          f"throughput {lst['rps'] / bare['rps']:.2f}x", flush=True)
    if explain:
        print(python(db, EXPLAIN % {"path": listing}))
    return result


def main() -> None:
    district_main(__doc__, lambda db, args: run(db, args.explain), options=[
        (["--explain"], {"action": "store_true", "help": "print the queries and plans"})])


if __name__ == "__main__":
    main()
