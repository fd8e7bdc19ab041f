"""The 议事厅 over JSON: the contract's paths and fields, each step, bad input (4xx, nothing
written)."""

import datetime

import pytest
from django.utils import timezone

from wenming.core.tests.helpers import assert_error, post_json
from wenming.deliberation.models import Endorsement, Rating, Topic, TopicTask, Vote
from wenming.deliberation.tests import support
from wenming.testing import logged_in

pytestmark = pytest.mark.django_db


def test_a_resident_raises_a_topic_with_the_contract_fields(world):
    client = logged_in(world.res1.user)
    r = post_json(client, "/api/topics", {"title": "楼道堆物", "text": "3号楼楼道堆满杂物，消防隐患",
                                          "org_id": world.sta1.id, "lat": 39.98, "lng": 116.3})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["stage"] == "collecting" and body["org_id"] == world.sta1.id
    assert {"endorsements", "threshold", "allowed_moves", "history"} <= set(body)
    assert body["allowed_moves"] == []


def test_a_topic_at_another_station_is_refused_and_not_written(world):
    client = logged_in(world.res1.user)
    r = post_json(client, "/api/topics", {"title": "楼道堆物", "text": "3号楼楼道堆满杂物",
                                          "org_id": world.sta2.id})
    assert_error(r, 422)
    assert not Topic.objects.exists()


@pytest.mark.parametrize("payload", [
    {"title": "", "text": "内容内容"},
    {"title": "x" * 61, "text": "内容内容"},
    {"title": "标题", "text": "内容", "lat": 91, "lng": 116},
    {"title": "标题", "text": "内容", "lat": 39.9},
    {"title": "标题", "text": "内容内容", "category": "nope"},
    {"title": "标\x00题", "text": "内容内容"},
    {"title": "标题", "text": "内容内容", "org_id": 0},
])
def test_bad_topics_are_4xx_and_write_nothing(world, payload):
    r = post_json(logged_in(world.res1.user), "/api/topics", payload)
    assert 400 <= r.status_code < 500, r.content
    assert not Topic.objects.exists()


def test_staff_raise_a_topic_on_a_residents_behalf(world):
    r = post_json(logged_in(world.sta1_staff), "/api/topics",
                  {"title": "加装电梯", "text": "老楼加装电梯", "resident_id": world.res1.id})
    assert r.status_code == 201
    assert Topic.objects.get().raised_by == world.sta1_staff


def test_the_five_steps_over_the_api(world):
    staff, resident = logged_in(world.sta1_staff), logged_in(world.res1.user)
    topic = support.collecting(world)
    url = f"/api/topics/{topic.id}"
    assert post_json(staff, f"{url}/approve", {"approve": True}).json()["stage"] == "endorsing"
    neighbour = support.neighbours(world, 1)[0]
    body = post_json(logged_in(neighbour.user), f"{url}/endorse", {}).json()
    assert body["endorsements"] == 1 and body["endorsed"] is True
    at = (timezone.now() + datetime.timedelta(days=2)).isoformat()
    body = post_json(staff, f"{url}/schedule", {"at": at, "place": "议事厅", "reason": "居民急需",
                                                "options": ["装两盏", "装四盏", "不装"]}).json()
    assert body["stage"] == "scheduled" and len(body["options"]) == 3
    option = body["options"][1]["id"]
    assert post_json(resident, f"{url}/vote", {"option_id": option}).json()["voted"] is True
    assert resident.get(url).json()["options"][1]["online"] == 1
    body = post_json(staff, f"{url}/decide", {"decision": "装四盏", "minutes": "纪要",
                                              "votes_for": 3, "votes_against": 9}).json()
    assert body["stage"] == "decided"
    assert [o["total"] for o in body["options"]] == [3, 10, 0]
    due = (timezone.localdate() + datetime.timedelta(days=5)).isoformat()
    r = post_json(staff, f"{url}/tasks", {"title": "安装", "due": due, "owner_id": world.vol1.user.id})
    assert r.status_code == 201, r.content
    task = r.json()["id"]
    assert logged_in(world.vol1.user).get(f"{url}/tasks").status_code == 200
    r = post_json(logged_in(world.vol1.user), f"{url}/tasks/{task}/progress",
                  {"note": "已安装", "done": True})
    assert r.status_code == 200, r.content
    body = post_json(resident, f"{url}/rate", {"score": 5, "comment": "亮了"}).json()
    assert body["stage"] == "evaluating" and body["rating"] == {"average": 5.0, "count": 1}
    assert post_json(staff, f"{url}/close", {}).json()["stage"] == "closed"


def test_moves_out_of_stage_are_409_and_write_nothing(world):
    topic = support.executing(world)
    client = logged_in(world.res1.user)
    assert_error(post_json(client, f"/api/topics/{topic.id}/rate", {"score": 5}), 409,
                 "invalid_transition")
    assert_error(post_json(client, f"/api/topics/{topic.id}/vote",
                           {"option_id": topic.options.first().id}), 409, "invalid_transition")
    assert_error(post_json(client, f"/api/topics/{topic.id}/endorse", {}), 409)
    assert not Rating.objects.exists() and Vote.objects.count() == 1


def test_endorsing_twice_is_a_409(world):
    topic = support.endorsing(world)
    client = logged_in(world.res1.user)
    assert post_json(client, f"/api/topics/{topic.id}/endorse", {}).status_code == 200
    assert_error(post_json(client, f"/api/topics/{topic.id}/endorse", {}), 409, "already_endorsed")
    assert Endorsement.objects.count() == 1


@pytest.mark.parametrize("payload", [{"score": 0}, {"score": 6}, {"score": "x"}, {}])
def test_bad_ratings_are_422(world, payload):
    topic = support.evaluating(world)
    r = post_json(logged_in(world.res1.user), f"/api/topics/{topic.id}/rate", payload)
    assert_error(r, 422)
    assert not Rating.objects.exists()


@pytest.mark.parametrize("payload", [
    {"title": "安装", "due": "2020-01-01", "owner_id": None},
    {"title": "安装", "due": "tomorrow"},
    {"title": "", "due": "2030-01-01"},
    {"title": "安装", "due": "2030-01-01"},  # nobody owns it
    {"title": "安装", "due": "2030-01-01", "unit_id": 99},
    {"title": "安装", "due": "2030-01-01", "owner_id": 9999999},
])
def test_bad_tasks_are_4xx_and_write_nothing(world, payload):
    topic = support.decided(world)
    r = post_json(logged_in(world.sta1_staff), f"/api/topics/{topic.id}/tasks", payload)
    assert 400 <= r.status_code < 500, r.content
    assert not TopicTask.objects.exists()
    assert Topic.objects.get(pk=topic.pk).stage == "decided"


def test_a_text_with_a_mobile_is_masked_for_neighbours_and_flagged_for_the_moderator(world):
    topic = support.endorsing(world, text="有事请打13912345678找我")
    neighbour = support.neighbours(world, 1)[0]
    public = logged_in(neighbour.user).get(f"/api/topics/{topic.id}").json()
    assert "13912345678" not in public["text"] and "139****5678" in public["text"]
    own = logged_in(world.sta1_staff).get(f"/api/topics/{topic.id}").json()
    assert own["has_numbers"] is True and "13912345678" in own["text"]


def test_comments_report_and_moderate(world):
    topic = support.endorsing(world)
    client = logged_in(world.res1.user)
    r = post_json(client, f"/api/topics/{topic.id}/comments", {"text": "同意"})
    assert r.status_code == 201
    comment = r.json()["id"]
    neighbour = logged_in(support.neighbours(world, 1)[0].user)
    assert post_json(neighbour, f"/api/topics/{topic.id}/report",
                     {"comment_id": comment}).json()["reports"] == 1
    assert_error(post_json(neighbour, f"/api/topics/{topic.id}/report", {"comment_id": comment}),
                 409, "already_reported")
    assert_error(post_json(client, f"/api/topics/{topic.id}/report", {"comment_id": comment}), 403)
    r = post_json(logged_in(world.sta1_staff),
                  f"/api/topics/{topic.id}/comments/{comment}/moderate", {"keep": False})
    assert r.json()["hidden"] is True
    assert neighbour.get(f"/api/topics/{topic.id}/comments").json()["count"] == 0


def test_the_list_pages_and_filters(world):
    support.endorsing(world)
    support.collecting(world, title="第二个议题")
    body = logged_in(world.sta1_staff).get("/api/topics?stage=collecting").json()
    assert body["count"] == 1
    neighbour = logged_in(support.neighbours(world, 1)[0].user)
    assert neighbour.get("/api/topics").json()["count"] == 1  # the approved one only
