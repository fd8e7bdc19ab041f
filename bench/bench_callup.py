"""招募令 at district size (issue 15): a call-up to the whole district reaching every active
volunteer's inbox through the task function (`callups.tasks.fan_out`: batches of 1,000 in
volunteer-id order, one short transaction each), requirement < 60 s; against a raw
`INSERT ... SELECT` of the same rows in one statement in the same run (the floor: no batches,
no cursor, no outbound queueing).

Responsiveness: while the push runs, a second thread plays the web: every 50 ms a small write
transaction (a sign-up's size) and a read; their latencies (median, p95, max) show how long a
request waits behind a batch: at most about one batch's write transaction, never the whole
push. The baseline: the same thread for 5 s before the push, with nothing else running.

    .venv/bin/python bench/bench_callup.py [--db sqlite|postgresql] [--var-dir DIR]
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Database, district_main, load, python  # noqa: E402

LIMIT_S = 60.0

CODE = r"""
import datetime, json, statistics, threading, time
from django.db import connection, connections, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from wenming.callups import services
from wenming.callups.models import Callup, Shift
from wenming.callups.tasks import fan_out
from wenming.inbox.models import Notification, Reminder
from wenming.orgs.models import OrgNode, RoleAssignment
from wenming.people.models import Volunteer

center = OrgNode.objects.get(kind="center")
staff = RoleAssignment.objects.filter(role="staff", org=center).select_related("user").first().user
active = Volunteer.objects.filter(status="active", station__path__startswith=center.path).count()
start = timezone.now() + datetime.timedelta(days=1)
with transaction.atomic():
    callup = services.callup_publish(
        by=staff, org=center, title="防汛抢险志愿者招募令", text="持续强降雨，急需志愿者。",
        shifts=[{"start": start, "end": start + datetime.timedelta(hours=6), "quota": 500}])
tasks_before = DBTaskResult.objects.count()

stop = threading.Event()
write_ms, read_ms = [], []
def web(prefix="bench-web"):
    n = 0
    while not stop.is_set():
        t = time.perf_counter()
        with transaction.atomic():
            Reminder.objects.create(key=f"{prefix}-{n}")
        write_ms.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        list(Shift.objects.filter(callup_id=callup.pk).values_list("id", "quota"))
        read_ms.append((time.perf_counter() - t) * 1000)
        n += 1
        time.sleep(0.05)
    connections.close_all()

# The baseline of the web's latency: the same writes and reads for 5 s with no push running.
thread = threading.Thread(target=web, args=("bench-idle",))
thread.start()
time.sleep(5)
stop.set(); thread.join()
idle_write_ms, idle_read_ms = write_ms, read_ms
stop = threading.Event()
write_ms, read_ms = [], []
thread = threading.Thread(target=web)
thread.start()
t = time.perf_counter()
batches = fan_out.call(callup.pk)
push_s = time.perf_counter() - t
stop.set(); thread.join()
callup.refresh_from_db()
reached = callup.reached
queued = DBTaskResult.objects.count() - tasks_before
pushed = Notification.objects.filter(url=f"/callups/{callup.pk}/").count()

# The floor: the same rows in one INSERT ... SELECT.
n_table, v_table = Notification._meta.db_table, Volunteer._meta.db_table
o_table = OrgNode._meta.db_table
t = time.perf_counter()
with transaction.atomic(), connection.cursor() as c:
    c.execute(f"INSERT INTO {n_table} (user_id, title, body, url, created_at) "
              f"SELECT v.user_id, %s, %s, %s, %s FROM {v_table} v JOIN {o_table} o "
              f"ON o.id = v.station_id WHERE v.status = 'active' AND o.path LIKE %s",
              ["baseline", "", "/baseline/", timezone.now(), center.path + "%"])
    raw_rows = c.rowcount
raw_s = time.perf_counter() - t
Notification.objects.filter(url="/baseline/").delete()
Notification.objects.filter(url=f"/callups/{callup.pk}/").delete()
Reminder.objects.filter(key__startswith="bench-web-").delete()
Reminder.objects.filter(key__startswith="bench-idle-").delete()

def stats(xs):
    xs = sorted(xs)
    return {"median": statistics.median(xs) if xs else 0,
            "p95": xs[max(0, -(-len(xs) * 95 // 100) - 1)] if xs else 0,
            "max": xs[-1] if xs else 0, "n": len(xs)}
print(json.dumps({"active": active, "reached": reached, "pushed": pushed, "batches": batches,
                  "push_s": push_s, "raw_s": raw_s, "raw_rows": raw_rows,
                  "outbound_tasks": queued, "web_write_ms": stats(write_ms),
                  "web_read_ms": stats(read_ms), "idle_write_ms": stats(idle_write_ms),
                  "idle_read_ms": stats(idle_read_ms)}))
"""


def run(db: Database) -> dict:
    m = json.loads(python(db, CODE).strip().splitlines()[-1])
    ok = m["push_s"] < LIMIT_S and m["reached"] == m["pushed"] == m["raw_rows"]
    w, r, iw = m["web_write_ms"], m["web_read_ms"], m["idle_write_ms"]
    print(f"[callup] {db.describe()}; {load()}")
    print(f"  fan_out: {m['pushed']:,} inboxes ({m['active']:,} active volunteers) in "
          f"{m['push_s']:.1f} s, {m['batches']} batches, {m['outbound_tasks']} outbound tasks "
          f"queued (requirement < {LIMIT_S:.0f} s: {'PASS' if ok else 'FAIL'})")
    print(f"  raw INSERT ... SELECT of {m['raw_rows']:,} rows: {m['raw_s']:.1f} s; ratio "
          f"{m['push_s'] / max(m['raw_s'], 1e-9):.1f}x")
    print(f"  meanwhile a web-sized write: median {w['median']:.1f} ms, p95 {w['p95']:.1f} ms, "
          f"max {w['max']:.1f} ms ({w['n']} writes); a read: median {r['median']:.1f} ms, "
          f"max {r['max']:.1f} ms", flush=True)
    print(f"  baseline, the same write with no push running: median {iw['median']:.1f} ms, "
          f"p95 {iw['p95']:.1f} ms ({iw['n']} writes); during the push the median is "
          f"{w['median'] / max(iw['median'], 1e-9):.1f}x, the p95 "
          f"{w['p95'] / max(iw['p95'], 1e-9):.1f}x", flush=True)
    figure = (f"call-up to {m['pushed']:,} inboxes in {m['push_s']:.1f} s (< 60 s), "
              f"{m['push_s'] / max(m['raw_s'], 1e-9):.1f}x a raw INSERT...SELECT; web write "
              f"p95 {w['p95']:.0f} ms during it")
    return {"bench": "callup", "database": db.describe(), **m, "figure": figure, "pass": ok}


def main() -> None:
    district_main(__doc__, lambda db, _args: run(db))


if __name__ == "__main__":
    main()
