"""Time limits per node and platform, deadlines per stage, and escalation 站 → 所 → 中心 run
by the task worker: exactly once per passed limit, with the parent's staff told."""

import datetime

import pytest
from django.test import TestCase
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from wenming.activities.tests.test_support import Clock
from wenming.inbox.models import Notification
from wenming.orders import services
from wenming.orders.models import OrderEvent, ServiceOrder, TimeLimit
from wenming.orders.services import time_limit_for
from wenming.orders.tasks import enforce_time_limit, sweep_overdue
from wenming.orders.tests.test_support import at_home, order_in, overdue, platform_of, submit

pytestmark = pytest.mark.django_db

MINUTE = datetime.timedelta(minutes=1)


def limits(org, platform=None, **minutes) -> TimeLimit:
    return TimeLimit.objects.create(org=org, platform=platform, **minutes)


def minutes_of(limit: TimeLimit) -> tuple[int, int, int]:
    return limit.review_minutes, limit.accept_minutes, limit.complete_minutes


def test_without_rows_the_defaults_apply(world):
    assert minutes_of(time_limit_for(world.sta1, platform_of("health"))) == (120, 30, 48 * 60)


def test_the_nearest_node_up_the_tree_wins_platform_specific_first(world):
    health, culture = platform_of("health"), platform_of("culture")
    limits(world.center, review_minutes=300)
    assert time_limit_for(world.sta1, health).review_minutes == 300
    limits(world.inst1, review_minutes=200)
    limits(world.inst1, health, review_minutes=100)
    limits(world.inst2, review_minutes=7)  # a sibling's limits never apply
    limits(world.center, culture, review_minutes=9)  # nor another platform's

    assert time_limit_for(world.sta1, health).review_minutes == 100
    assert time_limit_for(world.sta1, culture).review_minutes == 200
    assert time_limit_for(world.inst1, health).review_minutes == 100
    assert time_limit_for(world.center, culture).review_minutes == 9
    assert time_limit_for(world.center, health).review_minutes == 300
    limits(world.sta1, review_minutes=50)  # a general row nearer beats a specific one above
    assert time_limit_for(world.sta1, health).review_minutes == 50
    assert time_limit_for(world.sta1b, health).review_minutes == 100


def test_each_stage_gets_its_deadline_and_its_timer_task(world, monkeypatch,
                                                       django_capture_on_commit_callbacks):
    clock = Clock(monkeypatch)
    limits(world.sta1, platform_of("health"), review_minutes=10, accept_minutes=5,
           complete_minutes=60)
    expected = {"submitted": 10, "reviewed": 5, "dispatched": 5, "accepted": 60,
                "completed": None, "rated": None}
    for state, minutes in expected.items():
        DBTaskResult.objects.all().delete()
        with django_capture_on_commit_callbacks(execute=True):
            order = order_in(state, resident=world.res1, staff=world.sta1_staff,
                             volunteer=world.vol1)
        if minutes is None:
            assert order.due_at is None
            continue
        assert order.due_at == clock.now + minutes * MINUTE, state
        task = DBTaskResult.objects.filter(args_kwargs__args=[order.pk, state,
                                                              order.due_at.isoformat()]).get()
        assert task.task_path == "wenming.orders.tasks.enforce_time_limit"
        assert task.run_after == order.due_at


def run_worker() -> int:
    """What `wenming db_worker --batch` does with the pipeline's tasks, in this process and
    this test's transaction (so it sees the test clock, and keeps the connection the real
    worker would close): claim each due task, run it, until none is due."""
    worker = Worker(queue_names=["default"], interval=0, batch=True, backend_name="default",
                    startup_delay=False, max_tasks=None, worker_id="test-worker",
                    excluded_queue_names=[])
    ran = 0
    ours = DBTaskResult.objects.filter(task_path__startswith="wenming.orders.")
    while (result := ours.ready().get_locked()) is not None:
        # The test's transaction never commits: run what the task leaves for "on commit"
        # (the next stage's timer) when it is done, as a committed transaction would.
        with TestCase.captureOnCommitCallbacks(execute=True):
            result.claim("test-worker")
            worker.run_task(result)
        ran += 1
        assert DBTaskResult.objects.get(pk=result.pk).status == "SUCCESSFUL"
    return ran


def escalations(order) -> list[OrderEvent]:
    return list(OrderEvent.objects.filter(order=order, to_state__startswith="escalated"))


def test_passed_limits_escalate_station_institute_center_once_each(
        world, monkeypatch, django_capture_on_commit_callbacks):
    clock = Clock(monkeypatch)
    limits(world.sta1, review_minutes=10)
    limits(world.inst1, review_minutes=20)
    limits(world.center, review_minutes=30)
    with django_capture_on_commit_callbacks(execute=True):
        order = submit(world.res1)
    Notification.objects.all().delete()

    run_worker()  # nothing is due yet
    assert ServiceOrder.objects.get(pk=order.pk).state == "submitted"

    hops = [(11, world.inst1, world.inst1_staff, 20), (21, world.center, world.center_staff, 30)]
    for n, (minutes, parent, staff, its_limit) in enumerate(hops, start=1):
        clock.advance(minutes=minutes)
        run_worker()
        run_worker()  # a second run finds nothing to do
        order.refresh_from_db()
        assert (order.state, order.org, order.escalations) == ("escalated_queue", parent, n)
        assert len(escalations(order)) == n
        assert Notification.objects.filter(user=staff, title__contains="超时上报").count() == 1
        assert order.due_at == clock.now + its_limit * MINUTE  # the parent's own limit

    event = escalations(order)[0]
    assert (event.from_state, event.by, event.org) == ("submitted", None, world.inst1)
    assert "待审核" in event.reason and world.inst1.name in event.reason
    assert not Notification.objects.filter(user=world.sta1_staff).exists()

    clock.advance(minutes=31)  # the center's limit passes: there is nobody above it
    run_worker()
    order.refresh_from_db()
    assert (order.org, order.escalations, len(escalations(order))) == (world.center, 2, 2)
    assert Notification.objects.filter(user=world.center_staff).count() == 1


def test_a_stale_timer_stands_down_and_the_current_one_fires(world, monkeypatch,
                                                     django_capture_on_commit_callbacks):
    clock = Clock(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        order = submit(world.res1)
        services.order_review(by=world.sta1_staff, order=order)
    clock.advance(hours=2, minutes=1)  # the review limit would have passed; reviewed in time
    run_worker()
    order.refresh_from_db()
    assert order.state == "escalated_queue" and escalations(order)[0].from_state == "reviewed"
    assert len(escalations(order)) == 1  # the review timer found a later stage and stood down


def test_an_accepted_order_keeps_its_volunteer_up_the_chain(world):
    order = order_in("accepted", resident=world.res1, staff=world.sta1_staff,
                     volunteer=world.vol1)
    order = overdue(overdue(order))
    assert (order.org, order.volunteer, order.escalations) == (world.center, world.vol1, 2)
    done = services.order_complete(volunteer=world.vol1, order=order, note="已完成",
                                   hours=1, people_served=1)
    assert done.state == "completed"


def test_an_unaccepted_dispatch_goes_up_and_leaves_the_volunteer(world):
    order = overdue(order_in("dispatched", resident=world.res1, staff=world.sta1_staff,
                             volunteer=world.vol1))
    assert (order.state, order.org, order.volunteer) == ("escalated_queue", world.inst1, None)
    assert Notification.objects.filter(user=world.inst1_staff, title__contains="超时").exists()


def test_the_sweep_catches_a_deadline_whose_task_was_lost(world, monkeypatch):
    clock = Clock(monkeypatch)
    orders = [submit(world.res1) for _ in range(3)]
    services.order_review(by=world.sta1_staff, order=orders[2])
    DBTaskResult.objects.all().delete()
    clock.advance(minutes=29)
    assert sweep_overdue.call() == 0
    clock.advance(minutes=2)
    assert sweep_overdue.call() == 1  # the reviewed one: 30 minutes to dispatch
    clock.advance(minutes=90)
    assert sweep_overdue.call() == 2  # the submitted ones: 2 hours to review
    assert sweep_overdue.call() == 0
    assert OrderEvent.objects.filter(to_state="escalated_queue").count() == 3


def test_an_order_that_passed_its_limit_is_escalated_once_by_the_task_and_the_sweep(world,
                                                                                 monkeypatch):
    clock = Clock(monkeypatch)
    order = submit(world.res1)
    clock.advance(hours=3)
    args = (order.pk, order.state, order.due_at.isoformat())
    assert enforce_time_limit.call(*args) is True
    assert enforce_time_limit.call(*args) is False
    assert sweep_overdue.call() == 0
    assert len(escalations(order)) == 1
    assert Notification.objects.filter(user=world.inst1_staff).count() == 1


def test_auto_dispatch_sends_a_reviewed_order_to_the_best_candidate(world, client_for):
    TimeLimit.objects.create(org=world.inst1, auto_dispatch=True)
    at_home(world.vol1, 39.9811, 116.3051)
    at_home(world.vol1b, 39.99, 116.32)
    order = submit(world.res1)

    order = services.order_review(by=world.sta1_staff, order=order)

    assert (order.state, order.volunteer) == ("dispatched", world.vol1)
    last = order.events.last()
    assert (last.by, last.reason) == (None, "自动派单")
    assert Notification.objects.filter(user=world.vol1.user, title__startswith="新派单").exists()
    assert order.due_at > timezone.now()
