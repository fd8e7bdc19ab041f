import re

from django.db import migrations


def give_numbers(apps, schema_editor):
    """Every volunteer registered before numbering gets one, in registration order, under
    the prefix their registration year and district would have given (people.numbering)."""
    Volunteer = apps.get_model("people", "Volunteer")
    OrgNode = apps.get_model("orgs", "OrgNode")
    Sequence = apps.get_model("people", "VolunteerNoSequence")
    codes = {}

    def district(path: str) -> str:
        center_id = int(path.strip("/").split("/")[0])
        if center_id not in codes:
            code = OrgNode.objects.filter(pk=center_id).values_list("code", flat=True).first()
            code = re.sub(r"[^0-9A-Z]", "", (code or "").upper())
            codes[center_id] = code[:6] if len(code) >= 6 else f"{center_id:06d}"[-6:]
        return codes[center_id]

    last = {s.prefix: s.last for s in Sequence.objects.all()}
    batch = []
    for v in Volunteer.objects.filter(volunteer_no__isnull=True).select_related(
            "station").order_by("registered_at", "pk").only(
            "pk", "registered_at", "station__path").iterator(chunk_size=5000):
        prefix = f"V{district(v.station.path)}{v.registered_at.year:04d}"
        last[prefix] = last.get(prefix, 0) + 1
        v.volunteer_no = f"{prefix}{last[prefix]:06d}"
        batch.append(v)
        if len(batch) >= 5000:
            Volunteer.objects.bulk_update(batch, ["volunteer_no"])
            batch = []
    Volunteer.objects.bulk_update(batch, ["volunteer_no"])
    for prefix, n in last.items():
        Sequence.objects.update_or_create(prefix=prefix, defaults={"last": n})


def take_numbers_back(apps, schema_editor):
    apps.get_model("people", "Volunteer").objects.update(volunteer_no=None)
    apps.get_model("people", "VolunteerNoSequence").objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ("orgs", "0001_initial"),
        ("people", "0007_volunteer_number"),
    ]

    operations = [
        migrations.RunPython(give_numbers, take_numbers_back),
    ]
