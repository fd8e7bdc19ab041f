"""The push of a call-up to every matching volunteer, in batches (see services.fanout_batch),
and its resumption when the worker pushing it died."""

import datetime
import time

from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from . import services
from .models import Callup, State

STALLED_AFTER = datetime.timedelta(minutes=2)  # a batch takes well under a second
# SQLite has one writer: a web request that finds a batch writing sleeps in SQLite's busy
# handler, waking at growing intervals (up to 50 ms after ~130 ms of waiting, then 100 ms).
# Back-to-back batches (~20 ms apart: the next read) leave it no window, so it could wait
# several batches; this pause between batches lets it in. 100 batches: +5 s to the push.
# PostgreSQL has row locks only; the web's writes never queue behind the push there.
SQLITE_PAUSE_S = 0.05


@task()
def fan_out(callup_id: int, batch: int = services.BATCH) -> int:
    """All batches of one call-up, each its own short transaction; returns how many batches
    ran. A second run (a retried or resumed task) continues from the stored cursor."""
    pause = SQLITE_PAUSE_S if connection.vendor == "sqlite" else 0
    batches = 1
    while services.fanout_batch(callup_id=callup_id, size=batch):
        batches += 1
        time.sleep(pause)
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
