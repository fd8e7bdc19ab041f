"""Background work of the pipeline: time limits run in the task worker, not on page loads."""

import datetime

from django_tasks import task

from .services import order_escalate_if_overdue, overdue_orders


@task()
def enforce_time_limit(order_id: int, state: str, due_at: str) -> bool:
    """Enqueued at each transition to run at the stage's deadline."""
    return order_escalate_if_overdue(order_id=order_id, state=state,
                                     due_at=datetime.datetime.fromisoformat(due_at))


@task()
def sweep_overdue() -> int:
    """A safety net for deadlines whose task was lost (e.g. a restored backup)."""
    return sum(order_escalate_if_overdue(order_id=o.pk, state=o.state, due_at=o.due_at)
               for o in overdue_orders().only("id", "state", "due_at"))
