"""Redemptions per second (issue 5) on the district demo: gunicorn with 2 app processes
(workers), 32 concurrent clients (threads on 127.0.0.1, each its own volunteer and
connection), a bounded number of requests.

- hot: every request redeems the same item (stock HOT_STOCK, fewer than the requests, so the
  last ones must fail with 409 out_of_stock);
- spread: each request redeems one of 1,000 different items (insufficient_points is the
  expected failure once a client's balance runs out).

Every response is counted by status and error code; anything but 201 or a 409 out_of_stock /
insufficient_points is a wrong failure. Afterwards the balances, stock and entries of what was
touched are checked. Baseline in the same run, from the same server: a bare Django JSON view
(bench/urls.py) hit by the same 32 clients with as many requests.

    bash scripts/with-postgres.sh .venv/bin/python bench/bench_redeem.py
"""

import collections
import contextlib
import http.client
import json
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_volunteer_list import Api  # noqa: E402
from bench.common import (  # noqa: E402
    Database,
    district_main,
    gunicorn,
    load,
    python,
)

CLIENTS, PER_CLIENT = 32, 40
HOT_STOCK = 1000
SPREAD_ITEMS = 1000
RIGHT_FAILURES = {"out_of_stock", "insufficient_points"}
RUN = uuid.uuid4().hex[:8]  # this run's Idempotency-Keys start with it

SETUP = r"""
import json
from wenming.people.models import User
from wenming.people.services import token_issue
from wenming.points.models import Goods, PointsAccount
from wenming.points.services import goods_update
center = User.objects.get(username="center")
goods = list(Goods.objects.order_by("id"))
hot = min(goods, key=lambda g: (g.price, g.id))
goods_update(by=center, goods=hot, changes={"stock": %(hot_stock)d})
# The clients are the keenest volunteers (most points): a hot item runs out before they do.
accounts = list(PointsAccount.objects.filter(volunteer__status="active")
                .select_related("volunteer__user").order_by("-balance", "id")[:%(clients)d])
print(json.dumps({"hot": hot.pk, "hot_price": hot.price,
                  "spread": [g.pk for g in goods if g.pk != hot.pk][:%(items)d],
                  "tokens": [token_issue(user=a.volunteer.user) for a in accounts],
                  "accounts": [a.pk for a in accounts]}))
"""

VERIFY = r"""
import json
from django.db.models import Sum
from wenming.points.models import Goods, PointsAccount, PointsEntry, Redemption
ids = %(accounts)r
sums = dict(PointsEntry.objects.filter(account_id__in=ids).values_list("account")
            .annotate(s=Sum("amount")))
bad = [a for a, b in PointsAccount.objects.filter(pk__in=ids).values_list("id", "balance")
       if b != sums.get(a, 0) or b < 0]
hot = Goods.objects.get(pk=%(hot)d)
print(json.dumps({"bad_accounts": bad, "hot_stock": hot.stock,
                  "negative_stock": Goods.objects.filter(stock__lt=0).count(),
                  "hot_sold": Redemption.objects.filter(goods=hot, idempotency_key__startswith=%(run)r)
                  .count()}))
"""


def hammer(base: str, tokens: list[str], request) -> dict:
    """CLIENTS threads, PER_CLIENT requests each; `request(client, n)` -> (method, path, body)."""
    barrier = threading.Barrier(len(tokens) + 1)
    outcomes: collections.Counter = collections.Counter()
    lock = threading.Lock()

    def client(k: int, token: str):
        api = Api(base, token)
        api.call("GET", "/bench/bare")  # connect before the clock starts
        barrier.wait()
        mine = collections.Counter()
        for n in range(PER_CLIENT):
            method, path, body = request(k, n)
            if body is not None:
                api.headers["Idempotency-Key"] = f"{RUN}-{k}-{n}-{body['goods_id']}"
            try:
                status, raw = api.call(method, path, body)
            except (OSError, http.client.HTTPException) as exc:  # counted; reconnect
                mine[(0, type(exc).__name__)] += 1
                api = Api(base, token)
                continue
            code = ""
            if status >= 400:
                with contextlib.suppress(ValueError, KeyError, TypeError):
                    code = json.loads(raw)["error"]["code"]
            mine[(status, code)] += 1
        with lock:
            outcomes.update(mine)

    threads = [threading.Thread(target=client, args=(k, t)) for k, t in enumerate(tokens)]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    assert sum(outcomes.values()) == len(tokens) * PER_CLIENT, outcomes
    seconds = time.perf_counter() - started
    total = sum(outcomes.values())
    return {"requests": total, "seconds": seconds, "rps": total / seconds,
            "outcomes": {f"{s} {c}".strip(): n for (s, c), n in sorted(outcomes.items())}}


def summarise(m: dict) -> dict:
    ok = sum(n for k, n in m["outcomes"].items() if k.startswith("201"))
    right = sum(n for k, n in m["outcomes"].items()
                if k.startswith("409 ") and k[4:] in RIGHT_FAILURES)
    m["ok"], m["failed"] = ok, m["requests"] - ok
    m["wrong"] = m["requests"] - ok - right
    m["ok_rps"] = ok / m["seconds"]
    return m


def run(db: Database) -> dict:
    setup = json.loads(python(db, SETUP % {
        "hot_stock": HOT_STOCK, "clients": CLIENTS, "items": SPREAD_ITEMS})
        .strip().splitlines()[-1])
    tokens, hot, spread = setup["tokens"], setup["hot"], setup["spread"]
    with gunicorn(db, workers=2) as base:
        bare = hammer(base, tokens, lambda k, n: ("GET", "/bench/bare", None))
        hot_m = summarise(hammer(base, tokens, lambda k, n: (
            "POST", "/api/redemptions", {"goods_id": hot, "quantity": 1})))
        spread_m = summarise(hammer(base, tokens, lambda k, n: (
            "POST", "/api/redemptions",
            {"goods_id": spread[(k * PER_CLIENT + n) * 7919 % len(spread)], "quantity": 1})))
    verify = json.loads(python(db, VERIFY % {"accounts": setup["accounts"], "hot": hot,
                                             "run": RUN + "-"})
                        .strip().splitlines()[-1])
    consistent = (not verify["bad_accounts"] and verify["negative_stock"] == 0
                  and verify["hot_sold"] == hot_m["ok"] <= HOT_STOCK
                  and verify["hot_stock"] == HOT_STOCK - hot_m["ok"])
    ok = consistent and hot_m["wrong"] == 0 and spread_m["wrong"] == 0
    result = {"bench": "redeem", "database": db.describe(), "bare": bare, "hot": hot_m,
              "spread": spread_m, "verify": verify, "pass": ok}
    print(f"[redemptions] {db.describe()}; gunicorn 2 workers x 4 threads; {CLIENTS} clients "
          f"x {PER_CLIENT} requests; {load()}")
    print(f"  bare JSON view (baseline)     : {bare['rps']:7.1f} req/s")
    for label, m in [(f"one hot item (stock {HOT_STOCK})", hot_m),
                     (f"{len(spread)} different items", spread_m)]:
        print(f"  {label:<30}: {m['rps']:7.1f} req/s, {m['ok_rps']:6.1f} redemptions/s; "
              f"{m['failed'] / m['requests']:.1%} failed, {m['wrong']} for a wrong reason; "
              f"{m['rps'] / bare['rps']:.2f}x the bare view; {m['outcomes']}")
    print(f"  afterwards: balances = entries, stock >= 0, hot stock {verify['hot_stock']}: "
          f"{'consistent' if consistent else 'INCONSISTENT ' + json.dumps(verify)}; "
          f"{'PASS' if ok else 'FAIL'}", flush=True)
    return result


def main() -> None:
    district_main(__doc__, lambda db, _args: run(db), default_db="postgresql")


if __name__ == "__main__":
    main()
