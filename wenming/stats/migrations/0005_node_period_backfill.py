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
