"""`wenming check-ledger` over the district demo's points entries (issue 5: at least
2,000,000 entries, requirement < 30 s).

Timed as a subprocess (`wenming check-ledger`, wall clock, Django start-up included).
Baseline in the same run: a plain `SELECT account_id, SUM(amount) FROM <entries> GROUP BY
account_id`, fetched in full, timed in one process — the least any check of the balances must
read. The command also checks stock, the hours rollup against the 1,000,000-line ledger and
the volunteers' searchable names, so the ratio shows what those cost on top.

    .venv/bin/python bench/bench_ledger_check.py [--db sqlite|postgresql] [--var-dir DIR]
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    Database,
    district_main,
    load,
    manage,
    python,
)

LIMIT_S = 30.0
MIN_ENTRIES = 2_000_000

BASELINE = r"""
import json, time
from django.db import connection
from wenming.points.models import PointsEntry
table = PointsEntry._meta.db_table
with connection.cursor() as c:
    c.execute(f"SELECT COUNT(*) FROM {table}")
    n = c.fetchone()[0]
    started = time.perf_counter()
    c.execute(f"SELECT account_id, SUM(amount) FROM {table} GROUP BY account_id")
    rows = c.fetchall()
    seconds = time.perf_counter() - started
print(json.dumps({"entries": n, "accounts": len(rows), "baseline_s": seconds}))
"""


def run(db: Database) -> dict:
    base = json.loads(python(db, BASELINE).strip().splitlines()[-1])
    check = manage(db, "check-ledger")  # raises if the check finds a problem
    base2 = json.loads(python(db, BASELINE).strip().splitlines()[-1])  # after: warm too
    baseline = min(base["baseline_s"], base2["baseline_s"])
    ok = check < LIMIT_S and base["entries"] >= MIN_ENTRIES
    result = {"bench": "ledger_check", "database": db.describe(), "check_s": check,
              "baseline_s": baseline, "entries": base["entries"], "pass": ok}
    print(f"[check-ledger] {db.describe()}; {base['entries']:,} points entries in "
          f"{base['accounts']:,} accounts; {load()}")
    print(f"  wenming check-ledger (passed)         : {check:6.1f} s  (requirement < "
          f"{LIMIT_S:.0f} s over >= {MIN_ENTRIES:,} entries: {'PASS' if ok else 'FAIL'})")
    print(f"  baseline GROUP BY account SUM(amount) : {baseline:6.2f} s")
    print(f"  ratio                                 : {check / baseline:6.1f}x", flush=True)
    return result


def main() -> None:
    district_main(__doc__, lambda db, _args: run(db))


if __name__ == "__main__":
    main()
