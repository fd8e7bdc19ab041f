"""The push of a call-up to every matching volunteer, in batches (see services.fanout_batch),
and its resumption when the worker pushing it died."""

import datetime

from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from . import services
from .models import Callup, State

STALLED_AFTER = datetime.timedelta(minutes=2)  # a batch takes well under a second


@task()
def fan_out(callup_id: int, batch: int = services.BATCH) -> int:
    """All batches of one call-up, each its own short transaction; returns how many batches
    ran. A second run (a retried or resumed task) continues from the stored cursor."""
    batches = 1
    while services.fanout_batch(callup_id=callup_id, size=batch):
        batches += 1
    return batches


def resume_stalled_pushes() -> list[int]:
    """Queue the push again for every published call-up whose push is unfinished and has not
    moved for `STALLED_AFTER` (its worker died, or the task was lost); run by the reminder
    sweep. Harmless if the first worker is only slow: the cursor keeps them apart."""
    stale = timezone.now() - STALLED_AFTER
    ids = list(Callup.objects.filter(state=State.PUBLISHED, fanout_done_at__isnull=True).filter(
        Q(fanout_at__lt=stale) | Q(fanout_at__isnull=True, created_at__lt=stale))
        .values_list("pk", flat=True)[:100])
    for callup_id in ids:
        fan_out.enqueue(callup_id)
    return ids
