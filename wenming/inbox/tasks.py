"""The inbox's background work: outbound copies after commit, their retries, and the sweep
that sends reminders and retries what is due (it schedules itself, like orders' sweep)."""

import datetime

from django.utils import timezone
from django_tasks import task

from . import services

SWEEP_EVERY = datetime.timedelta(minutes=5)


@task()
def deliver_outbound(notification_ids: list[int]) -> int:
    """Copy inbox messages to the person's channels, after the writing transaction commits.
    Returns how many copies went out now; the rest wait for their time or a retry."""
    sent = 0
    for delivery_id in services.deliveries_prepare(notification_ids):
        sent += services.delivery_attempt(delivery_id) == "sent"
    _schedule_retries()
    return sent


@task()
def retry_deliveries() -> int:
    sent = sum(services.delivery_attempt(i) == "sent" for i in services.deliveries_due())
    _schedule_retries()
    return sent


def _schedule_retries() -> None:
    """Queue a retry at the earliest pending delivery's time, unless one is queued."""
    from django_tasks_db.models import DBTaskResult

    from .models import Delivery

    first = Delivery.objects.filter(state=Delivery.State.PENDING).order_by("not_before").first()
    if first is None or DBTaskResult.objects.filter(task_path=retry_deliveries.module_path,
                                                    status="READY").exists():
        return
    retry_deliveries.using(run_after=max(first.not_before, timezone.now())).enqueue()


@task()
def sweep_reminders() -> int:
    """Every five minutes: reminders before activities start and for orders waiting on the
    volunteer's answer; deliveries stuck or due; call-up pushes whose worker died. Schedules
    its own next run."""
    from wenming.callups.tasks import resume_stalled_pushes

    from .reminders import remind_orders_waiting, remind_upcoming_activities

    services.deliveries_release_stuck()
    resume_stalled_pushes()
    count = remind_upcoming_activities() + remind_orders_waiting()
    retry_deliveries.call()
    schedule_reminder_sweep(exclude_running=True)
    return count


def schedule_reminder_sweep(*, exclude_running: bool = False) -> bool:
    from django_tasks_db.models import DBTaskResult

    if DBTaskResult.objects.filter(task_path=sweep_reminders.module_path,
                                   status="READY").exists():
        return False
    sweep_reminders.using(run_after=timezone.now() + (
        SWEEP_EVERY if exclude_running else datetime.timedelta())).enqueue()
    return True
