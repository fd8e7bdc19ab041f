"""Run every benchmark and print a summary; exit 1 if a requirement is missed.

    .venv/bin/python bench/run_all.py                 # SQLite
    bash scripts/with-postgres.sh .venv/bin/python bench/run_all.py   # SQLite, then PostgreSQL
    (`make bench` runs the second line.)

Each database gets one fresh district (`wenming demo --size district`, timed by bench_demo),
which the volunteer-list, hours (bench_standing) and ledger-check benchmarks then use; on
PostgreSQL the redemption benchmark (bench_redeem) runs last, as it spends points.
"""

import argparse
import contextlib
import datetime
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import (  # noqa: E402
    bench_callup,
    bench_deliberation,
    bench_demo,
    bench_dispatch,
    bench_export,
    bench_honors,
    bench_ledger_check,
    bench_pages,
    bench_recommend,
    bench_redeem,
    bench_signup,
    bench_standing,
    bench_stats,
    bench_volunteer_list,
)
from bench.common import cleanup_on_sigterm, load, machine  # noqa: E402

# The page sweep first (it only reads); the sign-up storm adds activities, so it runs last.
SECOND_ROUND = [bench_pages, bench_recommend, bench_honors, bench_export, bench_callup,
                bench_stats, bench_deliberation, bench_signup]


def engines(choice: str) -> list[str]:
    if choice != "auto":
        return ["sqlite", "postgresql"] if choice == "all" else [choice]
    has_pg = os.environ.get("DATABASE_URL", "").startswith("postgres")
    return ["sqlite", "postgresql"] if has_pg else ["sqlite"]


def main() -> None:
    cleanup_on_sigterm()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["auto", "sqlite", "postgresql", "all"], default="auto",
                        help="auto: SQLite, plus PostgreSQL when DATABASE_URL names one")
    args = parser.parse_args()
    print(f"wenming benchmarks, {datetime.datetime.now():%Y-%m-%d %H:%M}, {machine()}, "
          f"{load()}\n", flush=True)
    results = []
    for engine in engines(args.db):
        with contextlib.ExitStack() as stack:
            demo = bench_demo.run(engine, stack)
            print(flush=True)
            results += [demo, bench_volunteer_list.run(demo["db"])]
            print(flush=True)
            results.append(bench_standing.run(demo["db"]))
            print(flush=True)
            results.append(bench_ledger_check.run(demo["db"]))
            print(flush=True)
            results.append(bench_dispatch.run(demo["db"]))
            print(flush=True)
            # The second round's benchmarks: each `run(db)` returns its result with a
            # one-line "figure" for the summary. Add a module to SECOND_ROUND to run it here.
            for module in SECOND_ROUND:
                results.append(module.run(demo["db"]))
                print(flush=True)
            if engine == "postgresql":
                results.append(bench_redeem.run(demo["db"]))
                print(flush=True)
    print(f"summary ({load()})")
    for r in results:
        if "figure" in r:
            figure = r["figure"]
        elif r["bench"] == "demo":
            figure = f"demo district {r['demo_s']:.1f} s (< 300 s), {r['ratio']:.1f}x a bare insert"
        elif r["bench"] == "standing":
            figure = (f"volunteer_standing median {r['standing_ms']:.2f} ms (< 10 ms), "
                      f"{r['standing_ms'] / r['raw_sum_ms']:.1f}x a raw SUM; center's year "
                      f"{r['totals_ms']:.1f} ms (< 200 ms), "
                      f"{r['totals_ms'] / r['raw_totals_ms']:.2f}x raw aggregates")
        elif r["bench"] == "ledger_check":
            figure = (f"check-ledger {r['check_s']:.1f} s over {r['entries']:,} entries "
                      f"(< 30 s), {r['check_s'] / r['baseline_s']:.1f}x a GROUP BY")
        elif r["bench"] == "dispatch":
            c, b = r["candidates"]["ours"], r["batch"]
            figure = (f"candidates median {c['median_ms']:.1f} ms (< 50 ms), "
                      f"{c['median_ms'] / r['candidates']['floor']['median_ms']:.0f}x the NumPy "
                      f"floor; batch of {b['orders']:,} in {b['median_s']:.2f} s (< 5 s), "
                      f"{b['solver']['total_km']:,.1f} km vs greedy's "
                      f"{b['greedy']['total_km']:,.1f} km")
        elif r["bench"] == "redeem":
            hot, spread = r["hot"], r["spread"]
            figure = (f"redemptions: hot item {hot['ok_rps']:.0f}/s "
                      f"({hot['failed'] / hot['requests']:.0%} failed), 1,000 items "
                      f"{spread['ok_rps']:.0f}/s ({spread['failed'] / spread['requests']:.0%} "
                      f"failed), {hot['wrong'] + spread['wrong']} wrong failures; bare view "
                      f"{r['bare']['rps']:.0f} req/s")
        else:
            m = r["list"]
            figure = (f"volunteer list q=王 median {m['median_ms']:.1f} ms (< 30 ms), "
                      f"p95 {m['p95_ms']:.1f} ms, {m['rps']:.0f} req/s; "
                      f"{m['median_ms'] / r['bare']['median_ms']:.0f}x the bare view's median")
        print(f"  {'PASS' if r['pass'] else 'FAIL'}  {r['database'].split(' ')[0]:<10} {figure}")
    sys.exit(0 if all(r["pass"] for r in results) else 1)


if __name__ == "__main__":
    main()
