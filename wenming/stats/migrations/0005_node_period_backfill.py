"""Fill the per-node rollup from the volunteers and orders already there (grouped queries
per station and month; `wenming check-ledger` then proves it)."""

import time

from django.db import migrations


def backfill(apps, schema_editor):
    from wenming.stats.tally import rebuild

    started = time.perf_counter()
    rows = rebuild(Volunteer=apps.get_model("people", "Volunteer"),
                   Resident=apps.get_model("people", "Resident"),
                   ServiceOrder=apps.get_model("orders", "ServiceOrder"),
                   OrgNode=apps.get_model("orgs", "OrgNode"),
                   NodePeriod=apps.get_model("stats", "NodePeriod"),
                   VolunteerPeriod=apps.get_model("stats", "VolunteerPeriod"))
    if rows and schema_editor.connection.vendor == "postgresql":
        # 267,828 fresh rows at district size: without statistics the planner guessed the
        # trend's 12-month read of one node at 14-16 ms instead of 0.3 ms until autovacuum
        # came by (and a benchmark right after `migrate` measured those plans)
        schema_editor.execute(f"ANALYZE {apps.get_model('stats', 'NodePeriod')._meta.db_table}")
    if rows:
        print(f"\n  stats: node rollup backfilled, {rows:,} rows in "
              f"{time.perf_counter() - started:.1f} s", flush=True)


class Migration(migrations.Migration):

    dependencies = [
        ("stats", "0004_node_period"),
        ("people", "0009_volunteer_registered_index"),
        ("orders", "0004_batch_proposal"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
