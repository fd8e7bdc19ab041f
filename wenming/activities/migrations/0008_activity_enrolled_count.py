"""`Activity.enrolled_count`: the sign-up counter the enrollment services keep (issue 10),
filled from the enrollments already there."""

from django.db import migrations, models
from django.db.models import Count, IntegerField, OuterRef, Subquery


def fill(apps, schema_editor):
    Activity = apps.get_model("activities", "Activity")
    Enrollment = apps.get_model("activities", "Enrollment")
    enrolled = Enrollment.objects.filter(status="enrolled")
    counted = enrolled.filter(activity=OuterRef("pk")).order_by().values("activity").annotate(
        n=Count("pk")).values("n")
    # One UPDATE over the activities that have anyone enrolled (the rest stay 0).
    Activity.objects.filter(pk__in=enrolled.values("activity")).update(
        enrolled_count=Subquery(counted, output_field=IntegerField()))


class Migration(migrations.Migration):

    dependencies = [
        ("activities", "0007_activity_series"),
    ]

    operations = [
        migrations.AddField(
            model_name="activity",
            name="enrolled_count",
            field=models.PositiveIntegerField(default=0, editable=False,
                                              verbose_name="已报名人数"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
