"""Scope: the people of a sibling station (and its institute), and an outsider, get a 404 on
every page and endpoint of a sta1 topic, and nothing is written. The public board shows only
public stages, masked, to anyone."""

import pytest

from wenming.core.tests.helpers import post_json
from wenming.deliberation.models import Comment, Endorsement, Rating, TaskUpdate, Topic, Vote
from wenming.deliberation.tests import support
from wenming.people.tests.factories import resident_at
from wenming.testing import logged_in

pytestmark = pytest.mark.django_db

PAGE_POSTS = ["follow", "approve", "reject", "merge", "endorse", "schedule", "vote", "decide",
              "tasks", "conclude", "rate", "close", "comments"]
# A valid body for each step, so the only reason to refuse is the scope.
API_POSTS = {"approve": {"approve": True}, "merge": {"into_id": 1}, "endorse": {},
             "schedule": {"at": "2030-01-01T10:00:00+08:00", "place": "议事厅", "reason": "急"},
             "vote": {"option_id": 1}, "decide": {"decision": "照办"},
             "tasks": {"title": "办理", "due": "2030-01-01"}, "conclude": {"reason": "无须办理"},
             "rate": {"score": 5}, "close": {}, "comments": {"text": "好"}}


@pytest.fixture
def outsiders(world):
    return {"sta2_staff": world.sta2_staff, "inst2_staff": world.inst2_staff,
            "vol2": world.vol2.user, "res2": resident_at(world.sta2).user,
            "outsider": world.outsider}


def _writes() -> tuple:
    return (Endorsement.objects.count(), Vote.objects.count(), Rating.objects.count(),
            Comment.objects.count(), TaskUpdate.objects.count(),
            list(Topic.objects.values_list("stage", flat=True)))


@pytest.mark.parametrize("make", [support.collecting, support.endorsing, support.scheduled,
                                  support.executing, support.evaluating])
def test_a_sibling_station_gets_404_everywhere(world, outsiders, make):
    topic = make(world)
    comment = Comment.objects.create(topic=topic, user=world.res1.user, text="支持")
    task = topic.tasks.first()
    before = _writes()
    for name, user in outsiders.items():
        client = logged_in(user)
        assert client.get(f"/topics/{topic.id}/").status_code == 404, name
        assert client.get(f"/api/topics/{topic.id}").status_code == 404, name
        assert client.get(f"/api/topics/{topic.id}/tasks").status_code == 404, name
        assert client.get(f"/api/topics/{topic.id}/comments").status_code == 404, name
        for step in PAGE_POSTS:
            r = client.post(f"/topics/{topic.id}/{step}/", {"reason": "x", "text": "x"})
            assert r.status_code == 404, (name, step)
        for step, body in API_POSTS.items():
            r = post_json(client, f"/api/topics/{topic.id}/{step}", body)
            assert r.status_code == 404, (name, step, r.status_code)
        r = post_json(client, f"/api/topics/{topic.id}/report", {"comment_id": comment.id})
        assert r.status_code == 404, name
        assert client.post(f"/topics/{topic.id}/comments/{comment.id}/report/").status_code == 404
        if task:
            r = post_json(client, f"/api/topics/{topic.id}/tasks/{task.id}/progress",
                          {"note": "做完了", "done": True})
            assert r.status_code == 404, name
            r = client.post(f"/topics/{topic.id}/tasks/{task.id}/report/", {"note": "做完了"})
            assert r.status_code == 404, name
    assert _writes() == before


def test_a_real_option_from_a_sibling_is_404_too(world, outsiders):
    topic = support.scheduled(world)
    option = topic.options.first().id
    for user in outsiders.values():
        r = post_json(logged_in(user), f"/api/topics/{topic.id}/vote", {"option_id": option})
        assert r.status_code == 404
    assert not Vote.objects.exists()


def test_a_resident_of_a_sibling_station_under_the_same_institute_cannot_endorse(world):
    topic = support.endorsing(world)
    client = logged_in(resident_at(world.sta1b).user)
    assert post_json(client, f"/api/topics/{topic.id}/endorse", {}).status_code == 404
    assert not Endorsement.objects.exists()


def test_the_board_shows_public_stages_masked_to_anyone(world, client):
    public = support.endorsing(world, text="联系我13912345678")
    hidden = support.collecting(world, title="待审核的议题")
    page = client.get(f"/topics/board/{world.sta1.id}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert public.title in html and hidden.title not in html
    assert "13912345678" not in html
    assert client.get(f"/topics/board/{world.sta1.id}/{public.id}/").status_code == 200
    assert client.get(f"/topics/board/{world.sta1.id}/{hidden.id}/").status_code == 404
    assert client.get(f"/topics/board/{world.sta2.id}/{public.id}/").status_code == 404


def test_a_topic_photo_is_served_only_to_those_who_see_the_topic(world, outsiders):
    from wenming.deliberation import services
    from wenming.deliberation.tests.test_pages import png

    topic = services.topic_raise(by=world.res1.user, title="井盖破损", text="3号楼前井盖破了",
                                 photos=[png()])
    name = topic.photos.get().image.name.rsplit("/", 1)[-1]
    url = f"/topics/{topic.id}/photos/{name}"
    assert logged_in(world.sta1_staff).get(url).status_code == 200
    assert logged_in(world.res1.user).get(url).status_code == 200
    for user in outsiders.values():
        assert logged_in(user).get(url).status_code == 404
    assert logged_in(world.sta1_staff).get(f"/topics/{topic.id}/photos/other.png").status_code \
        == 404
