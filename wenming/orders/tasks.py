"""Background work of the pipeline: time limits run in the task worker, not on page loads."""

import datetime

from django.utils import timezone
from django_tasks import task

from .services import order_escalate_if_overdue, overdue_orders

SWEEP_EVERY = datetime.timedelta(minutes=5)


@task()
def enforce_time_limit(order_id: int, state: str, due_at: str) -> bool:
    """Enqueued at each transition to run at the stage's deadline."""
    return order_escalate_if_overdue(order_id=order_id, state=state,
                                     due_at=datetime.datetime.fromisoformat(due_at))


@task()
def sweep_overdue() -> int:
    """A safety net for deadlines whose task was lost (e.g. a restored backup); it schedules
    its next run itself, every five minutes."""
    escalated = sum(order_escalate_if_overdue(order_id=o.pk, state=o.state, due_at=o.due_at)
                    for o in overdue_orders().only("id", "state", "due_at"))
    schedule_sweep(exclude_running=True)
    return escalated


def schedule_sweep(*, exclude_running: bool = False) -> bool:
    """Queue the next sweep unless one is already waiting (`wenming schedule-sweep`, run
    before the worker starts, seeds the chain)."""
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(task_path=sweep_overdue.module_path, status="READY")
    if waiting.exists():
        return False
    sweep_overdue.using(run_after=timezone.now() + (SWEEP_EVERY if exclude_running else
                                                    datetime.timedelta())).enqueue()
    return True
