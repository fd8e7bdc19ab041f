"""Reminders: before an activity starts (each person's lead time), when its time or place
changes or it is cancelled (detected by receivers on activities' `Activity`, connected in
`apps.py`), and when a dispatched order waits for the volunteer's answer.

Each reminder has a key naming what and for whom; a `Reminder` row per key, written under the
activity's (or order's) row lock, makes a second sweep or a second worker send nothing.
"""

import datetime
import zlib

from django.db import transaction
from django.db.models.signals import post_save, pre_save
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Notification, Preference, Reminder
from .services import notify_user_ids

DEFAULT_LEAD = datetime.timedelta(minutes=120)
LOOKAHEAD = datetime.timedelta(days=1)  # the longest lead a person may choose
ORDER_WAIT = datetime.timedelta(minutes=30)
WATCHED = ("start", "end", "address", "status")


def send_once(pairs: list[tuple[str, int]], *, title: str, body: str = "", url: str = "") -> int:
    """Send to the users of the (key, user id) pairs whose key has not been sent; call it
    holding the row lock of what the keys are about."""
    keys = [k for k, _uid in pairs]
    sent = set(Reminder.objects.filter(key__in=keys).values_list("key", flat=True))
    fresh = [(k, uid) for k, uid in pairs if k not in sent]
    Reminder.objects.bulk_create([Reminder(key=k) for k, _uid in fresh])
    return notify_user_ids(user_ids=[uid for _k, uid in fresh], title=title, body=body,
                           url=url) if fresh else 0


def _enrolled_user_ids(activity) -> list[int]:
    from wenming.activities.models import Enrollment

    return list(Enrollment.objects.filter(
        activity=activity, status__in=[Enrollment.Status.ENROLLED, Enrollment.Status.WAITLISTED]
    ).values_list("volunteer__user_id", flat=True))


def _when(activity) -> str:
    return f"{timezone.localtime(activity.start):%m-%d %H:%M}"


# ---- before an activity starts -------------------------------------------------------------

def remind_upcoming_activities(now: datetime.datetime | None = None) -> int:
    from wenming.activities.models import Activity

    now = now or timezone.now()
    ids = Activity.objects.filter(status=Activity.Status.PUBLISHED, start__gt=now,
                                  start__lte=now + LOOKAHEAD).values_list("pk", flat=True)
    return sum(_remind_activity(pk, now) for pk in ids)


@transaction.atomic
def _remind_activity(activity_id: int, now: datetime.datetime) -> int:
    from wenming.activities.models import Activity

    activity = Activity.objects.select_for_update().get(pk=activity_id)
    users = _enrolled_user_ids(activity)
    leads = dict(Preference.objects.filter(user_id__in=users).values_list(
        "user_id", "reminder_lead_minutes"))
    due = [uid for uid in users
           if activity.start - now <= (datetime.timedelta(minutes=leads[uid])
                                       if uid in leads else DEFAULT_LEAD)]
    stamp = f"{activity.start:%Y%m%d%H%M}"
    return send_once([(f"activity:{activity.pk}:start:{stamp}:u{uid}", uid) for uid in due],
                     title=_("活动即将开始：%(t)s") % {"t": activity.title[:60]},
                     body=_("%(when)s 在 %(place)s，请按时签到") % {
                         "when": _when(activity), "place": activity.address},
                     url=f"/activities/{activity.pk}/")


# ---- a dispatched order waiting for its volunteer ------------------------------------------

def remind_orders_waiting(now: datetime.datetime | None = None) -> int:
    from wenming.orders.models import OrderEvent, ServiceOrder

    now = now or timezone.now()
    waiting = ServiceOrder.objects.filter(state="dispatched", volunteer__isnull=False)
    count = 0
    for order in waiting.only("pk"):
        event = OrderEvent.objects.filter(order_id=order.pk, to_state="dispatched").order_by(
            "-at", "-id").first()
        if event is not None and event.at <= now - ORDER_WAIT:
            count += _remind_order(order.pk, event.pk)
    return count


@transaction.atomic
def _remind_order(order_id: int, event_id: int) -> int:
    from wenming.orders.models import ServiceOrder

    order = ServiceOrder.objects.select_for_update(of=("self",)).select_related("volunteer").filter(
        pk=order_id, state="dispatched").first()
    if order is None or order.volunteer is None:
        return 0
    uid = order.volunteer.user_id
    return send_once([(f"order:{order.pk}:dispatched:{event_id}:u{uid}", uid)],
                     title=_("有一张派给您的服务订单等待确认"),
                     body=_("请尽快接单或说明无法接单的原因"), url=f"/orders/{order.pk}/")


# ---- an activity's time or place changed, or it was cancelled ------------------------------

def activity_before_save(sender, instance, **kwargs) -> None:
    """Remember what the row held, so that after the save we know what changed."""
    if instance.pk:
        instance._inbox_before = sender.objects.filter(pk=instance.pk).values(*WATCHED).first()


def activity_after_save(sender, instance, created, **kwargs) -> None:
    before = getattr(instance, "_inbox_before", None)
    if created or not before:
        return
    if before["status"] != instance.status and instance.status == "cancelled":
        activity_id, since = instance.pk, timezone.now()
        transaction.on_commit(lambda: _told_cancelled(activity_id, since))
    elif instance.status == "published" and any(
            before[f] != getattr(instance, f) for f in ("start", "end", "address")):
        _told_changed(instance)


def _told_changed(activity) -> int:
    stamp = f"{activity.start:%Y%m%d%H%M}:{zlib.crc32(activity.address.encode())}"
    users = _enrolled_user_ids(activity)
    return send_once([(f"activity:{activity.pk}:changed:{stamp}:u{uid}", uid) for uid in users],
                     title=_("活动时间或地点有变：%(t)s") % {"t": activity.title[:60]},
                     body=_("现在是 %(when)s 在 %(place)s") % {
                         "when": _when(activity), "place": activity.address},
                     url=f"/activities/{activity.pk}/")


@transaction.atomic
def _told_cancelled(activity_id: int, since: datetime.datetime) -> int:
    """After the cancellation commits: everyone signed up hears of it once. The activities'
    own cancel service already writes that message (with the organiser's reason); those it
    reached are not told again."""
    from wenming.activities.models import Activity

    activity = Activity.objects.select_for_update().get(pk=activity_id)
    url = f"/activities/{activity.pk}/"
    told = set(Notification.objects.filter(url=url, created_at__gte=since - datetime.timedelta(
        seconds=5), title__startswith=_("活动已取消")).values_list("user_id", flat=True))
    users = [uid for uid in _enrolled_user_ids(activity) if uid not in told]
    keys = [(f"activity:{activity.pk}:cancelled:u{uid}", uid) for uid in told]
    Reminder.objects.bulk_create([Reminder(key=k) for k, _u in keys], ignore_conflicts=True)
    return send_once([(f"activity:{activity.pk}:cancelled:u{uid}", uid) for uid in users],
                     title=_("活动已取消：%(title)s") % {"title": activity.title}, url=url)


def connect() -> None:
    from wenming.activities.models import Activity

    pre_save.connect(activity_before_save, sender=Activity, dispatch_uid="inbox_activity_pre")
    post_save.connect(activity_after_save, sender=Activity, dispatch_uid="inbox_activity_post")
