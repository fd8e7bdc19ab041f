"""Scope of every wish endpoint: staff of a sibling subtree, people of another district,
volunteers who did not claim, outsiders and anonymous callers get the answer their role
allows (404 where the wish is not theirs to see, 403 where it is on the wall but the move is
not theirs) and change nothing.

At sta1, res1 has a wish waiting for moderation, one on the wall, and one vol1 claimed and
fulfilled."""

import json

import pytest

from wenming.core.tests.helpers import assert_error
from wenming.inbox.models import Notification
from wenming.people.tests.factories import staff_at
from wenming.points.models import PointsEntry
from wenming.points.tests.test_support import other_district
from wenming.wishes.models import Wish, WishEvent
from wenming.wishes.tests.test_support import approved, body, claimed, fulfilled, posted

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(world):
    staff, stranger = other_district()
    return type("Scene", (), {"waiting": posted(world), "wall": approved(world),
                              "taken": claimed(world), "done": fulfilled(world),
                              "other_staff": staff, "stranger": stranger})


def endpoints(world, s) -> dict[str, tuple[str, str, object]]:
    w = "/api/wishes"
    return {
        "post_for": ("post", w, body(resident_id=world.res1.id)),
        "get_waiting": ("get", f"{w}/{s.waiting.id}", None),
        "get_wall": ("get", f"{w}/{s.wall.id}", None),
        "approve": ("post", f"{w}/{s.waiting.id}/approve", {"approve": True}),
        "reject": ("post", f"{w}/{s.waiting.id}/approve", {"approve": False, "reason": "不符合"}),
        "claim": ("post", f"{w}/{s.wall.id}/claim", {}),
        "claim_donor": ("post", f"{w}/{s.wall.id}/claim", {"donor_name": "某单位"}),
        "release": ("post", f"{w}/{s.taken.id}/release", {"reason": "放弃"}),
        "fulfil": ("post", f"{w}/{s.taken.id}/fulfil", {"note": "已完成"}),
        "confirm": ("post", f"{w}/{s.done.id}/confirm", {}),
    }


def state() -> tuple:
    return (list(Wish.objects.order_by("id").values()), WishEvent.objects.count(),
            Notification.objects.count(), PointsEntry.objects.count())


def check(client, world, s, expected: dict[str, int | None]):
    before, wrong = state(), {}
    for name, (method, url, data) in endpoints(world, s).items():
        if expected[name] is None:
            continue
        if data is None:
            response = getattr(client, method)(url)
        else:
            response = getattr(client, method)(url, json.dumps(data),
                                               content_type="application/json")
        if response.status_code != expected[name]:
            wrong[name] = (response.status_code, response.content[:200])
        elif response.status_code >= 400:
            assert_error(response, expected[name])
    assert not wrong, wrong
    assert state() == before


def listed(client) -> set[int]:
    return {w["id"] for w in client.get("/api/wishes").json()["items"]}


ALL_404 = dict.fromkeys(["post_for", "get_waiting", "get_wall", "approve", "reject", "claim",
                         "claim_donor", "release", "fulfil", "confirm"], 404)
# The wall is the district's: a wish on it is seen, and a move on it not theirs is 403.
WALL_SEEN = {**ALL_404, "get_wall": 200, "claim": 403, "claim_donor": 403, "release": 403,
             "fulfil": 403, "confirm": 403}


@pytest.mark.parametrize("persona", ["sta2_staff", "inst2_staff"])
def test_staff_of_a_sibling_subtree_see_the_wall_and_move_nothing(world, scene, client_for,
                                                                 persona):
    client = client_for(getattr(world, persona))
    check(client, world, scene, WALL_SEEN)
    assert listed(client) == {scene.wall.id, scene.taken.id, scene.done.id}


def test_staff_of_a_sibling_station_move_nothing(world, scene, client_for):
    check(client_for(staff_at(world.sta1b, "sta1b_staff")), world, scene, WALL_SEEN)


@pytest.mark.parametrize("who", ["other_staff", "stranger"])
def test_people_of_another_district_reach_nothing(world, scene, client_for, who):
    user = getattr(scene, who)
    client = client_for(getattr(user, "user", user))
    check(client, world, scene, ALL_404)
    assert listed(client) == set()


def test_an_outsider_reaches_nothing(world, scene, client_for):
    client = client_for(world.outsider)
    check(client, world, scene, ALL_404)
    assert listed(client) == set()


def test_anonymous_callers_are_asked_to_log_in(world, scene, client):
    check(client, world, scene, dict.fromkeys(ALL_404, 401))
    assert_error(client.get("/api/wishes"), 401, "not_authenticated")
    assert_error(client.post("/api/wishes", json.dumps(body()),
                             content_type="application/json"), 401, "not_authenticated")


def test_a_volunteer_who_did_not_claim_may_only_claim(world, scene, client_for):
    client = client_for(world.vol2.user)
    check(client, world, scene, {**WALL_SEEN, "claim": None})
    assert listed(client) == {scene.wall.id, scene.taken.id, scene.done.id}
    assert client.post(f"/api/wishes/{scene.wall.id}/claim", "{}",
                       content_type="application/json").status_code == 200


def test_the_resident_follows_their_wishes_but_moves_only_the_confirmation(world, scene,
                                                                          client_for):
    client = client_for(world.res1.user)
    check(client, world, scene, {
        **WALL_SEEN, "post_for": 404, "get_waiting": 200, "approve": 403, "reject": 403,
        "confirm": None})
    assert listed(client) == {scene.waiting.id, scene.wall.id, scene.taken.id, scene.done.id}


def test_the_claimer_moves_their_claim_only(world, scene, client_for):
    client = client_for(world.vol1.user)
    check(client, world, scene, {**WALL_SEEN, "claim": None, "release": None, "fulfil": None})


def test_staff_above_the_station_reach_everything(world, scene, client_for):
    for user in (world.sta1_staff, world.inst1_staff, world.center_staff, world.admin):
        client = client_for(user)
        assert listed(client) >= {scene.waiting.id, scene.wall.id, scene.taken.id, scene.done.id}
        assert client.get(f"/api/wishes/{scene.waiting.id}").status_code == 200
