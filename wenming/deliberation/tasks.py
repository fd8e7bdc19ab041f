"""Background work of the 议事厅: overdue tasks escalate up the tree, rating windows close."""

import datetime

from django.utils import timezone
from django_tasks import task

from . import services

SWEEP_EVERY = datetime.timedelta(minutes=15)


@task()
def escalate_task(task_id: int, level: int) -> bool:
    """Enqueued when a task is added (and at each escalation) to run at its deadline."""
    return services.task_escalate_if_overdue(task_id=task_id, level=level)


@task()
def sweep_topics() -> int:
    """A safety net for lost deadline tasks, and the end of rating windows; it schedules its
    next run itself (`wenming schedule-topic-sweep` seeds the chain)."""
    done = sum(services.task_escalate_if_overdue(task_id=t.pk, level=t.escalations)
               for t in services.overdue_tasks().only("id", "escalations"))
    for topic in services.rating_due_topics().only("id"):
        services.topic_close(by=None, topic=topic)
        done += 1
    schedule_sweep(exclude_running=True)
    return done


def schedule_sweep(*, exclude_running: bool = False) -> bool:
    """Queue the next sweep unless one is already waiting."""
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(task_path=sweep_topics.module_path, status="READY")
    if waiting.exists():
        return False
    sweep_topics.using(run_after=timezone.now() + (SWEEP_EVERY if exclude_running else
                                                   datetime.timedelta())).enqueue()
    return True
