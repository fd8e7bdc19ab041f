from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_names(apps, schema_editor):
    Volunteer, User = apps.get_model("people", "Volunteer"), apps.get_model("people", "User")
    Volunteer.objects.update(real_name=Subquery(
        User.objects.filter(pk=OuterRef("user_id")).values("real_name")[:1]))


class Migration(migrations.Migration):

    dependencies = [
        ('orgs', '0003_default_platforms'),
        ('people', '0002_volunteer_home_cell'),
    ]

    operations = [
        migrations.AddField(
            model_name='volunteer',
            name='real_name',
            field=models.CharField(blank=True, editable=False, max_length=50),
        ),
        migrations.RunPython(copy_names, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='volunteer',
            index=models.Index(fields=['station', 'real_name'], name='volunteer_station_name'),
        ),
    ]
