"""Scope of every team endpoint: staff of a sibling subtree, people of another district,
residents, outsiders and anonymous callers get the answer their role allows and change
nothing. A team at sta1 has a leader and vol1 as a member, and vol1b's request is pending."""

import json

import pytest

from wenming.activities.tests.test_support import other_district
from wenming.core.tests.helpers import assert_error
from wenming.inbox.models import Notification
from wenming.orgs.models import RoleAssignment
from wenming.people.tests.factories import volunteer_at
from wenming.teams import services
from wenming.teams.models import Membership, Team

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(world):
    leader = volunteer_at(world.sta1, "leader")
    team = services.team_create(by=world.sta1_staff, name="稻香园助老队", org=world.sta1,
                                leader=leader)
    services.membership_decide(by=leader.user, approve=True, membership=(
        services.membership_request(volunteer=world.vol1, team=team)))
    request = services.membership_request(volunteer=world.vol1b, team=team)
    staff, stranger = other_district()
    return type("Scene", (), {"team": team, "leader": leader, "request": request,
                              "other_staff": staff, "stranger": stranger})


def endpoints(world, s) -> dict[str, tuple[str, str, object]]:
    t = f"/api/teams/{s.team.id}"
    return {
        "found": ("post", "/api/teams", {"name": "新队伍", "org_id": world.sta1.id}),
        "found_under": ("post", "/api/teams", {"name": "新分队", "org_id": world.sta1.id,
                                               "parent_id": s.team.id, "level": "team"}),
        "get": ("get", t, None),
        "members": ("get", f"{t}/members", None),
        "requests": ("get", f"{t}/members?status=pending", None),
        "join": ("post", f"{t}/members", {}),
        "appoint": ("post", f"{t}/members", {"volunteer_id": world.vol1.id, "role": "leader"}),
        "leave": ("delete", f"{t}/members", None),
        "decide": ("post", f"{t}/members/{s.request.id}/decide", {"approve": True}),
    }


def state() -> tuple:
    return (list(Team.objects.values()), list(Membership.objects.values("id", "status", "role")),
            list(RoleAssignment.objects.values("user", "role", "org")),
            Notification.objects.count())


def check(client, world, s, expected: dict[str, int | None]):
    before, wrong = state(), {}
    for name, (method, url, body) in endpoints(world, s).items():
        if expected[name] is None:
            continue
        if body is None:
            response = getattr(client, method)(url)
        else:
            response = getattr(client, method)(url, json.dumps(body),
                                               content_type="application/json")
        if response.status_code != expected[name]:
            wrong[name] = (response.status_code, response.content[:200])
        elif response.status_code >= 400:
            assert_error(response, expected[name])
    assert not wrong, wrong
    assert state() == before


ALL_404 = dict.fromkeys(["found", "found_under", "get", "members", "requests", "join",
                         "appoint", "leave", "decide"], 404)


def listed(client) -> set[int]:
    body = client.get("/api/teams").json()
    return {t["id"] for t in body["items"]}


@pytest.mark.parametrize("persona", ["sta2_staff", "inst2_staff"])
def test_staff_of_a_sibling_subtree_reach_nothing(world, scene, client_for, persona):
    client = client_for(getattr(world, persona))
    check(client, world, scene, ALL_404)
    assert scene.team.id not in listed(client)


@pytest.mark.parametrize("who", ["other_staff", "stranger"])
def test_people_of_another_district_reach_nothing(world, scene, client_for, who):
    user = getattr(scene, who)
    client = client_for(getattr(user, "user", user))
    check(client, world, scene, ALL_404)
    assert listed(client) == set()


def test_a_volunteer_outside_the_team_sees_it_but_not_its_roster(world, scene, client_for):
    # Asking to join is open to the district's volunteers (tested on its own).
    client = client_for(world.vol2.user)
    check(client, world, scene, {**ALL_404, "get": 200, "leave": 409, "join": None})
    assert scene.team.id in listed(client)


def test_a_resident_sees_the_team_and_nothing_of_its_people(world, scene, client_for):
    client = client_for(world.res1.user)
    check(client, world, scene, {**ALL_404, "found": 403, "get": 200, "join": 403,
                                 "leave": 403, "appoint": 404, "found_under": 403})
    assert scene.team.id in listed(client)


def test_a_member_sees_the_roster_but_not_the_requests_and_does_not_decide(world, scene,
                                                                           client_for):
    client = client_for(world.vol1.user)
    members = client.get(f"/api/teams/{scene.team.id}/members").json()
    assert {m["volunteer_id"] for m in members["items"]} == {scene.leader.id, world.vol1.id}
    assert_error(client.get(f"/api/teams/{scene.team.id}/members?status=pending"), 403)
    _, url, body = endpoints(world, scene)["decide"]
    assert_error(client.post(url, json.dumps(body), content_type="application/json"), 404)
    assert Membership.objects.get(pk=scene.request.pk).status == "pending"


def test_an_outsider_reaches_nothing(world, scene, client_for):
    client = client_for(world.outsider)
    check(client, world, scene, ALL_404)
    assert listed(client) == set()


def test_anonymous_callers_are_asked_to_log_in(world, scene, client):
    check(client, world, scene, dict.fromkeys(ALL_404, 401))
    assert_error(client.get("/api/teams"), 401, "not_authenticated")
