from django.db import migrations


def write_slots(apps, schema_editor):
    """Every volunteer's availability as slot rows, as `volunteer_slots_write` writes them:
    one per slot, or one without a weekday for a volunteer who gave none."""
    Volunteer = apps.get_model("people", "Volunteer")
    AvailabilitySlot = apps.get_model("people", "AvailabilitySlot")
    batch = []
    for pk, availability, cell in Volunteer.objects.order_by("pk").values_list(
            "pk", "availability", "home_cell").iterator(chunk_size=5000):
        batch += [AvailabilitySlot(volunteer_id=pk, weekday=s["weekday"], start=s["start"],
                                   end=s["end"], cell=cell) for s in availability or []] or [
            AvailabilitySlot(volunteer_id=pk, weekday=None, start="", end="", cell=cell)]
        if len(batch) >= 5000:
            AvailabilitySlot.objects.bulk_create(batch)
            batch = []
    AvailabilitySlot.objects.bulk_create(batch)


def remove_slots(apps, schema_editor):
    apps.get_model("people", "AvailabilitySlot").objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ("people", "0004_availability_slots_and_home_index"),
    ]

    operations = [
        migrations.RunPython(write_slots, remove_slots),
    ]
