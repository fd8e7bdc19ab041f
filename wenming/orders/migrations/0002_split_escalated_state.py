"""`escalated` was one state for two situations told apart by a guess (does it still have a
volunteer?). It becomes two: `escalated_queue` (escalated before a volunteer accepted: the
parent reviews or dispatches it again) and `escalated_serving` (escalated after acceptance:
the volunteer keeps serving). The state columns grow to 24 characters for the new names.

Rows: an escalated order that keeps its volunteer and was accepted becomes escalated_serving,
any other escalated_queue. Events: an escalation after the order's acceptance event is
escalated_serving, any earlier one escalated_queue (an accepted order never goes back to a
queue). A timer queued with the old state finds no order in it and stands down; the sweep
(tasks.sweep_overdue) picks the order up at its deadline. Reversible: both become
`escalated` again.
"""

from django.db import migrations, models
from django.db.models import Exists, OuterRef

OLD, QUEUE, SERVING = "escalated", "escalated_queue", "escalated_serving"

STATES = [("submitted", "待审核"), ("reviewed", "待派单"), ("rejected", "已驳回"),
          ("dispatched", "已派单"), ("open", "抢单中"), ("declined", "被拒单"),
          ("accepted", "服务中"), ("completed", "待评价"), ("rated", "已评价"),
          ("escalated_queue", "已上报待办"), ("escalated_serving", "已上报服务中"),
          ("cancelled", "已取消")]


def split(apps, schema_editor):
    Order = apps.get_model("orders", "ServiceOrder")
    Event = apps.get_model("orders", "OrderEvent")
    accepted = Event.objects.filter(order_id=OuterRef("pk"), to_state="accepted")
    Order.objects.filter(Exists(accepted), state=OLD, volunteer__isnull=False).update(
        state=SERVING)
    Order.objects.filter(state=OLD).update(state=QUEUE)
    for column in ("to_state", "from_state"):
        earlier = Event.objects.filter(order_id=OuterRef("order_id"), to_state="accepted",
                                       id__lt=OuterRef("id"))
        Event.objects.filter(Exists(earlier), **{column: OLD}).update(**{column: SERVING})
        Event.objects.filter(**{column: OLD}).update(**{column: QUEUE})


def join(apps, schema_editor):
    Order = apps.get_model("orders", "ServiceOrder")
    Event = apps.get_model("orders", "OrderEvent")
    Order.objects.filter(state__in=[QUEUE, SERVING]).update(state=OLD)
    for column in ("to_state", "from_state"):
        Event.objects.filter(**{f"{column}__in": [QUEUE, SERVING]}).update(**{column: OLD})


class Migration(migrations.Migration):

    dependencies = [
        ("orders", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="serviceorder",
            name="state",
            field=models.CharField(choices=STATES, default="submitted", max_length=24,
                                   verbose_name="状态"),
        ),
        migrations.AlterField(
            model_name="orderevent",
            name="from_state",
            field=models.CharField(blank=True, max_length=24),
        ),
        migrations.AlterField(
            model_name="orderevent",
            name="to_state",
            field=models.CharField(max_length=24),
        ),
        migrations.RunPython(split, join),
    ]
