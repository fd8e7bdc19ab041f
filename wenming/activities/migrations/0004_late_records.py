"""The 10-working-day recording rule: a line recorded late is marked when it is written, and
the district's rules say whether late lines go to the node above. Waiting lines recorded late
before this are marked too (decided lines keep what they were)."""

import datetime

from django.db import migrations, models
from django.utils import timezone


def _add_workdays(day: datetime.date, n: int) -> datetime.date:
    # A copy of rules.add_workdays as it is today: a migration does not import app code.
    while n > 0:
        day += datetime.timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


def mark_late_pending(apps, schema_editor):
    ServiceRecord = apps.get_model("activities", "ServiceRecord")
    ServiceRules = apps.get_model("activities", "ServiceRules")
    deadlines = dict(ServiceRules.objects.values_list("center_id", "record_deadline_workdays"))
    late = []
    for pk, day, created, path in ServiceRecord.objects.filter(status="pending").values_list(
            "pk", "service_date", "created_at", "org__path").iterator():
        workdays = deadlines.get(int(path.strip("/").split("/")[0]), 10)
        if timezone.localdate(created) > _add_workdays(day, workdays):
            late.append(pk)
    for start in range(0, len(late), 1000):
        ServiceRecord.objects.filter(pk__in=late[start:start + 1000]).update(late=True)


class Migration(migrations.Migration):

    dependencies = [
        ('activities', '0003_record_fewer_indexes'),
    ]

    operations = [
        migrations.AddField(
            model_name='servicerules',
            name='late_needs_parent_approval',
            field=models.BooleanField(default=True, help_text='服务日期早于录入日期超过上述工作日的记录，须由记录单位的上级阵地审核', verbose_name='逾期录入的记录需上级审核'),
        ),
        migrations.AddField(
            model_name='servicerecord',
            name='late',
            field=models.BooleanField(default=False, verbose_name='逾期录入'),
        ),
        migrations.RunPython(mark_late_pending, migrations.RunPython.noop),
    ]
