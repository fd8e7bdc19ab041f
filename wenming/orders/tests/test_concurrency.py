"""Moves racing on the real database (a SQLite file or PostgreSQL): two staff dispatching,
many volunteers grabbing, a resident cancelling while staff dispatch, and escalations run
by two threads or two worker processes at once. Exactly one wins each time."""

import datetime
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from wenming.activities.tests.test_support import Clock
from wenming.inbox.models import Notification
from wenming.orders.models import OrderEvent, ServiceOrder
from wenming.orders.tasks import enforce_time_limit, sweep_overdue
from wenming.orders.tests.test_support import at_home, order_in, post, submit
from wenming.people.tests.factories import volunteer_at
from wenming.testing import logged_in, race

pytestmark = pytest.mark.django_db(transaction=True)

WENMING = str(Path(sys.executable).with_name("wenming"))






def outcome(responses) -> Counter:
    return Counter((r.status_code, r.json()["error"]["code"] if r.status_code >= 400 else None)
                   for r in responses)


def test_two_staff_dispatching_one_order_at_once_one_wins_the_other_gets_409(world):
    order = order_in("reviewed", resident=world.res1, staff=world.sta1_staff,
                     volunteer=world.vol1)
    other = volunteer_at(world.sta1, "vol1c")
    url = f"/api/orders/{order.id}/dispatch"
    picks = [(world.sta1_staff, world.vol1), (world.inst1_staff, other)]
    clients = [(logged_in(staff), volunteer) for staff, volunteer in picks]
    Notification.objects.all().delete()

    responses = race([lambda c=c, v=v: post(c, url, {"volunteer_id": v.id}) for c, v in clients])

    assert outcome(responses) == {(200, None): 1, (409, "invalid_transition"): 1}
    winner = next(r.json() for r in responses if r.status_code == 200)
    order.refresh_from_db()
    assert (order.state, order.volunteer_id) == ("dispatched", winner["volunteer_id"])
    assert OrderEvent.objects.filter(order=order, to_state="dispatched").count() == 1
    told = set(Notification.objects.filter(title__startswith="新派单").values_list("user",
                                                                                 flat=True))
    assert told == {order.volunteer.user_id}


@pytest.mark.parametrize("n", [2, 10])
def test_volunteers_grabbing_one_open_order_exactly_one_gets_it(world, n):
    order = order_in("open", resident=world.res1, staff=world.sta1_staff, volunteer=world.vol1)
    volunteers = [at_home(volunteer_at(world.sta1), 39.982, 116.306) for _ in range(n)]
    clients = [logged_in(v.user) for v in volunteers]
    url = f"/api/orders/{order.id}/grab"

    responses = race([lambda c=c: post(c, url) for c in clients])

    assert outcome(responses) == {(200, None): 1, (409, "invalid_transition"): n - 1}
    winner = next(r.json()["volunteer_id"] for r in responses if r.status_code == 200)
    order.refresh_from_db()
    assert (order.state, order.volunteer_id) == ("accepted", winner)
    assert OrderEvent.objects.filter(order=order, to_state="accepted").count() == 1


@pytest.mark.parametrize("attempt", range(3))
def test_a_resident_cancelling_as_the_volunteer_accepts_ends_one_way(world, attempt):
    order = order_in("dispatched", resident=world.res1, staff=world.sta1_staff,
                     volunteer=world.vol1)
    resident, volunteer = logged_in(world.res1.user), logged_in(world.vol1.user)

    responses = race([
        lambda: post(resident, f"/api/orders/{order.id}/cancel", {"reason": "不用了"}),
        lambda: post(volunteer, f"/api/orders/{order.id}/accept"),
    ])

    assert outcome(responses) == {(200, None): 1, (409, "invalid_transition"): 1}
    winner = next(r.json()["state"] for r in responses if r.status_code == 200)
    order.refresh_from_db()
    assert order.state == winner
    assert list(order.events.values_list("to_state", flat=True))[-2:] == ["dispatched", winner]


def overdue_orders(world, n: int, monkeypatch) -> list[ServiceOrder]:
    """`n` orders submitted three hours ago: their 2-hour review limit passed an hour ago,
    and their timers (enqueued on commit by the services) are due now."""
    clock = Clock(monkeypatch, datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=3))
    orders = [submit(world.res1) for _ in range(n)]
    monkeypatch.undo()
    assert all(o.due_at < clock.now + datetime.timedelta(hours=2, seconds=1) for o in orders)
    return orders


def assert_escalated_once(world, orders) -> None:
    for order in orders:
        order.refresh_from_db()
        assert (order.state, order.org_id, order.escalations) == ("escalated_queue", world.inst1.id, 1)
        assert OrderEvent.objects.filter(order=order, to_state="escalated_queue").count() == 1
    told = Notification.objects.filter(user=world.inst1_staff, title__startswith="超时上报")
    assert sorted(told.values_list("url", flat=True)) == sorted(
        f"/orders/{o.pk}/" for o in orders)
    assert not Notification.objects.filter(title__startswith="超时上报").exclude(
        user=world.inst1_staff).exists()


def test_two_threads_running_the_timers_escalate_each_order_once(world, monkeypatch):
    orders = overdue_orders(world, 6, monkeypatch)
    args = [(o.pk, o.state, o.due_at.isoformat()) for o in orders]

    def run_all(reverse: bool) -> int:
        return sum(enforce_time_limit.call(*a) for a in (args[::-1] if reverse else args))

    assert sum(race([lambda: run_all(False), lambda: run_all(True), sweep_overdue.call])) == 6
    assert_escalated_once(world, orders)


def database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    password = f":{s['PASSWORD']}" if s["PASSWORD"] else ""
    return f"postgres://{s['USER']}{password}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def test_two_worker_processes_escalate_each_order_exactly_once(world, monkeypatch, tmp_path):
    orders = overdue_orders(world, 12, monkeypatch)
    sweep_overdue.enqueue()  # two safety-net sweeps on top: the same orders, claimed again
    sweep_overdue.enqueue()
    ours = DBTaskResult.objects.filter(task_path__startswith="wenming.orders.")
    assert ours.ready().count() == 14
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "wenming.settings",
           "DATABASE_URL": database_url(), "WENMING_VAR_DIR": str(tmp_path)}
    command = [WENMING, "db_worker", "--batch", "--no-startup-delay", "--interval", "0",
               "--worker-id"]

    workers = [subprocess.Popen([*command, f"worker{i}"], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT) for i in (1, 2)]
    logs = [w.communicate(timeout=120)[0].decode() for w in workers]

    assert [w.returncode for w in workers] == [0, 0], logs
    done = list(ours.exclude(status="READY"))
    assert len(done) == 14 and {r.status for r in done} == {"SUCCESSFUL"}, logs
    assert all(len(r.worker_ids) == 1 for r in done)  # each task claimed by one worker
    escalated = sum(r.return_value is True for r in done) + sum(
        r.return_value for r in done if r.task_path.endswith("sweep_overdue"))
    assert escalated == 12
    assert_escalated_once(world, orders)
    # The next stage's timers wait in the queue for the institute's limit, and the sweeps
    # left a successor (one per worker at most, when both sweeps finish at the same moment).
    waiting = ours.filter(status="READY", run_after__gt=timezone.now())
    assert waiting.filter(task_path__endswith="enforce_time_limit").count() == 12
    assert 1 <= waiting.filter(task_path__endswith="sweep_overdue").count() <= 2
