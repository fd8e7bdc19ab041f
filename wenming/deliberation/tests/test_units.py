"""吹哨报到 for topic tasks: a task handed to a partner unit is seen and reported by that
unit's own account, which sees nothing else of the 议事厅."""

import datetime

import pytest
from django.utils import timezone

from wenming.core.tests.helpers import post_json
from wenming.deliberation import services
from wenming.deliberation.models import TaskUpdate, TopicTask
from wenming.deliberation.tests import support
from wenming.inbox.models import Notification
from wenming.partners.tests.support import unit_at, unit_user
from wenming.testing import logged_in

pytestmark = pytest.mark.django_db


def _due() -> str:
    return (timezone.localdate() + datetime.timedelta(days=5)).isoformat()


@pytest.fixture
def unit(world):
    return unit_at(world.sta1, account="unit1")


def test_staff_hand_a_task_to_a_unit_whose_account_reports_it_done(world, unit):
    topic = support.decided(world)
    other = support.endorsing(world, title="另一个议题")
    r = post_json(logged_in(world.sta1_staff), f"/api/topics/{topic.id}/tasks",
                  {"title": "物业维修路灯", "due": _due(), "unit_id": unit.id})
    assert r.status_code == 201, r.content
    task = r.json()
    assert task["unit_id"] == unit.id and task["owner"] == unit.name
    account = logged_in(unit_user(unit))
    assert Notification.objects.filter(user=unit_user(unit), title__contains="议事任务").exists()
    assert account.get(f"/api/topics/{topic.id}").status_code == 200
    assert account.get(f"/topics/{topic.id}/").status_code == 200
    assert account.get(f"/api/topics/{other.id}").status_code == 404
    assert account.get("/api/topics").json()["count"] == 1
    assert "物业维修路灯" in account.get("/topics/tasks/").content.decode()
    assert account.get(f"/api/topics/{topic.id}").json()["allowed_moves"] == []
    r = post_json(account, f"/api/topics/{topic.id}/tasks/{task['id']}/progress",
                  {"note": "已更换灯泡", "done": True})
    assert r.status_code == 200, r.content
    assert TopicTask.objects.get().state == "done"


def test_a_unit_of_a_sibling_station_is_not_offered_and_cannot_be_named(world):
    sibling = unit_at(world.sta2, name="石油医院", account="unit2")
    topic = support.decided(world)
    r = post_json(logged_in(world.sta1_staff), f"/api/topics/{topic.id}/tasks",
                  {"title": "维修", "due": _due(), "unit_id": sibling.id})
    assert r.status_code == 404
    assert not TopicTask.objects.exists()
    html = logged_in(world.sta1_staff).get(f"/topics/{topic.id}/").content.decode()
    assert "石油医院" not in html


def test_another_units_account_cannot_report(world, unit):
    other = unit_at(world.sta1, name="稻香园物业", account="unit3")
    topic = support.decided(world)
    task = services.task_add(by=world.sta1_staff, topic=topic, title="维修", unit=unit,
                             due=timezone.localdate() + datetime.timedelta(days=2))
    account = logged_in(unit_user(other))
    r = post_json(account, f"/api/topics/{topic.id}/tasks/{task.id}/progress", {"note": "做完了"})
    assert r.status_code == 404
    assert not TaskUpdate.objects.exists()


def test_the_task_form_offers_the_stations_units(world, unit):
    topic = support.decided(world)
    html = logged_in(world.sta1_staff).get(f"/topics/{topic.id}/").content.decode()
    assert f'value="n:{unit.id}"' in html
    logged_in(world.sta1_staff).post(f"/topics/{topic.id}/tasks/", {
        "title": "维修", "due": _due(), "owner": f"n:{unit.id}"})
    assert TopicTask.objects.get().unit == unit
