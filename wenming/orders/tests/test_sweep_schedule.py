import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from wenming.orders.tasks import schedule_sweep, sweep_overdue

pytestmark = pytest.mark.django_db


def waiting_sweeps() -> int:
    return DBTaskResult.objects.filter(task_path=sweep_overdue.module_path,
                                       status="READY").count()


def test_the_sweep_is_seeded_once_however_often_it_is_asked():
    call_command("schedule-sweep")
    call_command("schedule-sweep")
    assert waiting_sweeps() == 1


def test_a_sweep_schedules_its_successor():
    assert schedule_sweep()
    DBTaskResult.objects.all().delete()
    assert sweep_overdue.call() == 0
    assert waiting_sweeps() == 1
