"""The push of a call-up to every matching volunteer, in batches (see services.fanout_batch)."""

from django_tasks import task

from . import services


@task()
def fan_out(callup_id: int, batch: int = services.BATCH) -> int:
    """All batches of one call-up, each its own short transaction; returns how many batches
    ran. A second run (a retried task) continues from the stored cursor."""
    batches = 1
    while services.fanout_batch(callup_id=callup_id, size=batch):
        batches += 1
    return batches
