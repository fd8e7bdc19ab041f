"""Messages: the inbox (`notify`, `notify_user_ids`), each person's channels and quiet
hours, and the outbound copies (`deliveries_prepare`, `delivery_attempt`).

Every other app keeps calling `notify(users=..., title=..., body=..., url=...)` inside its
transaction; the outbound copies are made by the task worker once that transaction commits,
through the person's channels, delayed by their quiet hours, retried, never sent twice (one
`Delivery` per message × channel, claimed with a conditional update), and logged.
"""

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from .channels import ChannelError, channels
from .models import Delivery, Notification, Preference

BATCH = 2000  # rows per insert, ids per outbound task
MAX_ATTEMPTS = 5
RETRY_AFTER = datetime.timedelta(minutes=2)  # doubled after each failure


def _enqueue_outbound(ids: list[int]) -> None:
    from .tasks import deliver_outbound

    for i in range(0, len(ids), BATCH):
        chunk = ids[i:i + BATCH]
        transaction.on_commit(lambda chunk=chunk: deliver_outbound.enqueue(chunk))


def notify(*, users: Iterable, title: str, body: str = "", url: str = "") -> int:
    """Write one inbox message per user, inside the caller's transaction; the outbound
    channels (SMS, WeChat) get a copy once it commits, from the task worker."""
    rows = Notification.objects.bulk_create(
        [Notification(user=u, title=str(title)[:100], body=str(body), url=url) for u in users])
    ids = [n.pk for n in rows if n.pk]
    if ids:
        _enqueue_outbound(ids)
    return len(rows)


def notify_user_ids(*, user_ids: list[int], title: str, body: str = "", url: str = "",
                    outbound: bool = True) -> int:
    """`notify` for many people by their user ids (a call-up's batch): one insert per
    `BATCH` rows, no user rows read."""
    title, body = str(title)[:100], str(body)
    ids: list[int] = []
    for i in range(0, len(user_ids), BATCH):
        rows = Notification.objects.bulk_create(
            [Notification(user_id=uid, title=title, body=body, url=url)
             for uid in user_ids[i:i + BATCH]])
        ids.extend(n.pk for n in rows if n.pk)
    if outbound and ids:
        _enqueue_outbound(ids)
    return len(user_ids)


@transaction.atomic
def notifications_mark_read(*, user, ids: Iterable[int] | None = None) -> int:
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


# ---- preferences -------------------------------------------------------------------------

DEFAULT_CHANNELS = [Preference.Channel.SMS.value]


def preference_of(user) -> Preference:
    """The person's settings, or the defaults (an SMS copy, no quiet hours) unsaved."""
    pref = Preference.objects.filter(user=user).first()
    return pref or Preference(user=user, channels=list(DEFAULT_CHANNELS))


@transaction.atomic
def preference_set(*, user, channels: list[str], quiet_start: datetime.time | None = None,
                   quiet_end: datetime.time | None = None,
                   reminder_lead_minutes: int = 120) -> Preference:
    if set(channels) - set(Preference.Channel.values):
        raise ValidationError(_("接收渠道不正确"), code="invalid_channel")
    if (quiet_start is None) != (quiet_end is None) or (quiet_start and quiet_start == quiet_end):
        raise ValidationError(_("免打扰时段应有开始和结束，且二者不同"), code="invalid_quiet_hours")
    if not 10 <= reminder_lead_minutes <= 24 * 60:
        raise ValidationError(_("提醒提前量应为10分钟到24小时"), code="invalid_lead")
    pref, _created = Preference.objects.update_or_create(user=user, defaults={
        "channels": sorted(set(channels)), "quiet_start": quiet_start, "quiet_end": quiet_end,
        "reminder_lead_minutes": reminder_lead_minutes})
    return pref


def quiet_until(pref: Preference, now: datetime.datetime) -> datetime.datetime | None:
    """When the person's quiet hours end, if `now` falls inside them (a span may pass
    midnight); None outside them."""
    if pref.quiet_start is None or pref.quiet_end is None:
        return None
    local = timezone.localtime(now)
    t, start, end = local.time(), pref.quiet_start, pref.quiet_end
    inside = start <= t < end if start < end else (t >= start or t < end)
    if not inside:
        return None
    day = local.date() if t < end else local.date() + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, end))


def _applies(channel, pref: Preference) -> bool:
    """The console channel stands for any channel the person chose (development, tests)."""
    return channel.name in pref.channels or (channel.name == "console" and bool(pref.channels))


# ---- outbound copies -----------------------------------------------------------------------

def deliveries_prepare(notification_ids: list[int]) -> list[int]:
    """One `Delivery` per message × channel the person receives on, not before their quiet
    hours end. The unique pair makes a second call (a retried task) add nothing; returns the
    ids of the deliveries of these messages that are still pending."""
    now = timezone.now()
    notifications = list(Notification.objects.filter(pk__in=notification_ids).only(
        "id", "user_id"))
    prefs = {p.user_id: p for p in Preference.objects.filter(
        user_id__in={n.user_id for n in notifications})}
    rows = []
    for n in notifications:
        pref = prefs.get(n.user_id) or Preference(user_id=n.user_id, channels=DEFAULT_CHANNELS)
        for channel in channels():
            if _applies(channel, pref):
                rows.append(Delivery(notification_id=n.pk, channel=channel.name,
                                     not_before=quiet_until(pref, now) or now))
    Delivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=BATCH)
    return list(Delivery.objects.filter(notification_id__in=notification_ids,
                                        state=Delivery.State.PENDING).values_list("pk", flat=True))


def _claim(delivery_id: int, now: datetime.datetime) -> bool:
    """Take a due delivery for this worker alone: a conditional update, so of two workers
    (or a retry racing the first try) exactly one sends."""
    return Delivery.objects.filter(pk=delivery_id, state=Delivery.State.PENDING,
                                   not_before__lte=now).update(
        state=Delivery.State.SENDING, attempts=F("attempts") + 1) == 1


def delivery_attempt(delivery_id: int) -> str:
    """Send one due delivery through its channel once; on failure put it back with a later
    `not_before` (or give up after MAX_ATTEMPTS). Quiet hours that began since it was made
    delay it again. Returns the delivery's state afterwards ("" when not due or not ours)."""
    now = timezone.now()
    delivery = Delivery.objects.select_related("notification__user").filter(pk=delivery_id).first()
    if delivery is None:
        return ""
    later = quiet_until(preference_of(delivery.notification.user), now)
    if later is not None:
        Delivery.objects.filter(pk=delivery_id, state=Delivery.State.PENDING).update(
            not_before=later)
        return ""
    if not _claim(delivery_id, now):
        return ""
    delivery.refresh_from_db(fields=["attempts"])
    channel = next((c for c in channels() if c.name == delivery.channel), None)
    try:
        if channel is None:
            raise ChannelError(f"channel {delivery.channel} is not configured")
        channel.send(delivery.notification, key=delivery.key)
    except ChannelError as exc:
        failed = delivery.attempts >= MAX_ATTEMPTS
        Delivery.objects.filter(pk=delivery_id).update(
            state=Delivery.State.FAILED if failed else Delivery.State.PENDING,
            last_error=str(exc)[:200],
            not_before=now + RETRY_AFTER * 2 ** (delivery.attempts - 1))
        return Delivery.State.FAILED if failed else Delivery.State.PENDING
    Delivery.objects.filter(pk=delivery_id).update(state=Delivery.State.SENT, sent_at=now,
                                                   last_error="")
    return Delivery.State.SENT


def deliveries_due(limit: int = 5000) -> list[int]:
    return list(Delivery.objects.filter(state=Delivery.State.PENDING,
                                        not_before__lte=timezone.now()).order_by(
        "not_before", "id").values_list("pk", flat=True)[:limit])


def deliveries_release_stuck(older_than: datetime.timedelta = datetime.timedelta(minutes=10)
                             ) -> int:
    """A worker that died mid-send leaves a delivery `sending`; put it back for a retry (the
    gateway drops the copy if the first one did go out: same idempotency key)."""
    return Delivery.objects.filter(state=Delivery.State.SENDING,
                                   not_before__lte=timezone.now() - older_than).update(
        state=Delivery.State.PENDING)
