"""How long `wenming demo --size district` takes on a fresh database (requirement: < 5 min).

Baseline, in the same run and on the same kind of database: a bare ORM bulk insert of as
many minimal accounts (username and password only) as the demo registers people. The ratio
says what validation, realistic rows, profiles, skills, categories, roles and grids cost on
top of writing the accounts at all.

    .venv/bin/python bench/bench_demo.py [--db sqlite|postgresql]
"""

import argparse
import contextlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    DEMO_SIZE_LIMIT_S,
    cleanup_on_sigterm,
    fresh_database,
    load,
    manage,
    python,
)

BASELINE = """
import time
from django.contrib.auth.hashers import make_password
from django.db import transaction
from wenming.demo import data
from wenming.demo.plan import SIZES
from wenming.people.models import User
size = SIZES["district"]
n = size.volunteers + size.residents + len(data.ACCOUNTS)
encoded = make_password(data.PASSWORD)
started = time.perf_counter()
with transaction.atomic():
    User.objects.bulk_create(User(username=f"u{i}", password=encoded) for i in range(n))
print(n, time.perf_counter() - started)
"""
COUNTS = "from wenming.demo.selectors import demo_counts; print(demo_counts())"


def run(engine: str = "sqlite", stack: contextlib.ExitStack | None = None) -> dict:
    """Measure; with `stack`, the district database stays open in it for other benchmarks."""
    with fresh_database(engine) as scratch:
        n, baseline = python(scratch, BASELINE).split()
        n, baseline = int(n), float(baseline)
    with contextlib.ExitStack() as own:
        db = (stack or own).enter_context(fresh_database(engine))
        demo = manage(db, "demo", "--size", "district", "--no-progress")
        counts = python(db, COUNTS).strip()
    result = {"bench": "demo", "database": db.describe(), "db": db, "demo_s": demo,
              "baseline_s": baseline, "ratio": demo / baseline, "people": n,
              "counts": counts, "pass": demo < DEMO_SIZE_LIMIT_S}
    print(f"[demo] {db.describe()}; {load()} after")
    print(f"  wenming demo --size district        : {demo:7.1f} s  (requirement < "
          f"{DEMO_SIZE_LIMIT_S:.0f} s: {'PASS' if result['pass'] else 'FAIL'})")
    print(f"  baseline: bulk insert {n:,} bare users: {baseline:7.1f} s")
    print(f"  ratio demo / baseline               : {demo / baseline:7.1f}x")
    print(f"  loaded: {counts}", flush=True)
    return result


def main() -> None:
    cleanup_on_sigterm()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    sys.exit(0 if run(parser.parse_args().db)["pass"] else 1)


if __name__ == "__main__":
    main()
