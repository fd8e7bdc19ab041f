from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from .models import Notification


def notify(*, users: Iterable, title: str, body: str = "", url: str = "") -> int:
    """Write one inbox message per user, inside the caller's transaction; the outbound
    channels (SMS, WeChat) get a copy once it commits, from the task worker."""
    rows = Notification.objects.bulk_create(
        [Notification(user=u, title=str(title)[:100], body=str(body), url=url) for u in users])
    ids = [n.pk for n in rows if n.pk]
    if ids:
        from .tasks import deliver_outbound

        transaction.on_commit(lambda: deliver_outbound.enqueue(ids))
    return len(rows)


@transaction.atomic
def notifications_mark_read(*, user, ids: Iterable[int] | None = None) -> int:
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())
