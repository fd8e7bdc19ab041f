"""Background work of 吹哨报到: a hand-over's time limit runs in the task worker."""

import datetime

from django.utils import timezone
from django_tasks import task

from .services import handover_escalate_if_overdue, overdue_handovers

SWEEP_EVERY = datetime.timedelta(minutes=5)


@task()
def enforce_handover_limit(handover_id: int, due_at: str) -> bool:
    """Enqueued when a hand-over is sent (and at each escalation) to run at its deadline."""
    return handover_escalate_if_overdue(handover_id=handover_id,
                                        due_at=datetime.datetime.fromisoformat(due_at))


@task()
def sweep_overdue_handovers() -> int:
    """A safety net for deadlines whose task was lost; it schedules its next run itself."""
    escalated = sum(handover_escalate_if_overdue(handover_id=h.pk, due_at=h.due_at)
                    for h in overdue_handovers().only("id", "due_at"))
    schedule_handover_sweep(exclude_running=True)
    return escalated


def schedule_handover_sweep(*, exclude_running: bool = False) -> bool:
    """Queue the next sweep unless one is already waiting (seeded by
    `wenming schedule-handover-sweep`, run before the worker starts)."""
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(task_path=sweep_overdue_handovers.module_path,
                                          status="READY")
    if waiting.exists():
        return False
    sweep_overdue_handovers.using(run_after=timezone.now() + (
        SWEEP_EVERY if exclude_running else datetime.timedelta())).enqueue()
    return True
