"""Fill the per-volunteer rollup from the ledgers already there, so an upgraded district is
right from the start (`wenming check-ledger` then proves it)."""

import time

from django.db import migrations


def backfill(apps, schema_editor):
    from wenming.stats.rollup import rebuild

    started = time.perf_counter()
    rows = rebuild(ServiceRecord=apps.get_model("activities", "ServiceRecord"),
                   PointsEntry=apps.get_model("points", "PointsEntry"),
                   Volunteer=apps.get_model("people", "Volunteer"),
                   VolunteerPeriod=apps.get_model("stats", "VolunteerPeriod"))
    if rows:
        print(f"\n  stats: volunteer rollup backfilled, {rows:,} rows in "
              f"{time.perf_counter() - started:.1f} s", flush=True)


class Migration(migrations.Migration):

    dependencies = [
        ("stats", "0002_volunteer_period"),
        ("activities", "0006_ecard_time_codes_insurance_project_states"),
        ("points", "0004_random_picture_names"),
        ("people", "0008_volunteer_number_backfill"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
