"""Teams through the API: founding (staff only, levels in order), join requests decided by a
leader, leaving and asking again, leaders (and their team_leader role in /api/me), the roster's
visibility, bad input, and the list's query count."""

import json

import pytest

from wenming.activities.tests.test_support import post
from wenming.core.tests.helpers import assert_chinese_error, assert_error
from wenming.inbox.models import Notification
from wenming.orgs.models import RoleAssignment
from wenming.people.models import Volunteer
from wenming.people.tests.factories import volunteer_at
from wenming.teams import services
from wenming.teams.models import Membership, Team

pytestmark = pytest.mark.django_db


def found(client, org, **fields):
    return post(client, "/api/teams", {"name": "稻香园助老服务队", "org_id": org.id, **fields})


@pytest.fixture
def team(world):
    """A team at sta1 led by `leader`, a volunteer of sta1."""
    leader = volunteer_at(world.sta1, "leader")
    return services.team_create(by=world.sta1_staff, name="稻香园助老服务队", org=world.sta1,
                                leader=leader)


@pytest.fixture
def leader(team):
    return Volunteer.objects.get(user__username="leader")


def members_url(team) -> str:
    return f"/api/teams/{team.id}/members"


def team_leader_orgs(client) -> set[int]:
    me = client.get("/api/me").json()
    return {r["org_id"] for r in me["roles"] if r["role"] == "team_leader"}


# ---- founding ------------------------------------------------------------------------------

def test_staff_found_a_team_with_a_leader(world, client_for):
    client = client_for(world.sta1_staff)
    response = found(client, world.sta1, platform="health", description="为高龄老人上门服务",
                     leader_volunteer_id=world.vol1.id)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["name"], body["org_id"], body["level"], body["platform"]) == (
        "稻香园助老服务队", world.sta1.id, "team", "health")
    membership = Membership.objects.get(team_id=body["id"])
    assert (membership.volunteer, membership.role, membership.status) == (
        world.vol1, "leader", "active")
    assert team_leader_orgs(client_for(world.vol1.user)) == {world.sta1.id}


def test_levels_go_down_from_corps_to_team(world, client_for):
    client = client_for(world.center_staff)
    corps = found(client, world.center, name="海淀区志愿服务总队", level="corps").json()
    detachment = found(client, world.inst1, name="海淀街道支队", level="detachment",
                       parent_id=corps["id"])
    assert detachment.status_code == 201, detachment.content
    squad = found(client, world.sta1, name="稻香园分队", level="squad",
                  parent_id=detachment.json()["id"])
    assert squad.status_code == 201
    assert squad.json()["parent_id"] == detachment.json()["id"]
    for level in ("corps", "detachment"):  # not the parent's level or above
        response = found(client, world.sta1, name="越级队伍", level=level,
                         parent_id=detachment.json()["id"])
        assert_chinese_error(response, 422, "invalid_parent")
    assert Team.objects.count() == 3


def test_a_parent_team_sits_at_the_node_or_above(world, client_for):
    client = client_for(world.inst1_staff)
    parent = found(client, world.sta1b, name="芙蓉里分队", level="squad").json()
    response = found(client, world.sta1, name="稻香园小队", parent_id=parent["id"])
    assert_chinese_error(response, 422, "invalid_parent")
    assert Team.objects.count() == 1


@pytest.mark.parametrize("persona,status", [("vol1", 403), ("res1", 403), ("sta2_staff", 404),
                                            ("inst2_staff", 404), ("outsider", 404)])
def test_only_staff_of_the_node_found_teams(world, client_for, persona, status):
    user = getattr(world, persona)
    assert_chinese_error(found(client_for(getattr(user, "user", user)), world.sta1), status)
    assert not Team.objects.exists()


BAD_TEAM = [
    ("missing name", {"name": None}, 422, "invalid_input"),
    ("blank name", {"name": "  "}, 422, "invalid_name"),
    ("one character", {"name": "队"}, 422, "invalid_name"),
    ("huge name", {"name": "长" * 101}, 422, "invalid_input"),
    ("huge description", {"description": "长" * 2001}, 422, "invalid_input"),
    ("unknown level", {"level": "army"}, 422, "invalid_level"),
    ("unknown field", {"motto": "奉献"}, 422, "invalid_input"),
    ("unknown platform", {"platform": "sports"}, 404, "unknown_platform"),
    ("unknown parent", {"parent_id": 99999}, 404, "not_found"),
    ("unknown org", {"org_id": 99999}, 404, "not_found"),
    ("org not a number", {"org_id": "稻香园"}, 422, "invalid_input"),
    ("leader of another subtree", {"leader_volunteer_id": -1}, 404, "not_found"),
]


@pytest.mark.parametrize("case,fields,status,code", BAD_TEAM, ids=[c[0] for c in BAD_TEAM])
def test_bad_input_founds_nothing(world, client_for, case, fields, status, code):
    body = {k: v for k, v in {"name": "稻香园助老服务队", "org_id": world.sta1.id,
                              **fields}.items() if v is not None}
    if fields.get("leader_volunteer_id"):
        body["leader_volunteer_id"] = world.vol2.id
    assert_chinese_error(post(client_for(world.sta1_staff), "/api/teams", body), status, code)
    assert not Team.objects.exists()
    assert not RoleAssignment.objects.filter(role="team_leader").exists()


@pytest.mark.parametrize("raw,status", [("not json", 400), ("[]", 422), ("null", 422)])
def test_a_body_that_is_not_an_object_founds_nothing(world, client_for, raw, status):
    assert_error(post(client_for(world.sta1_staff), "/api/teams", raw), status)
    assert not Team.objects.exists()


# ---- joining, deciding, leaving ------------------------------------------------------------

def test_join_approve_leave_and_ask_again(world, team, leader, client_for):
    vol, lead = client_for(world.vol1.user), client_for(leader.user)
    response = post(vol, members_url(team))
    assert response.status_code == 201, response.content
    request = response.json()
    assert (request["volunteer_id"], request["status"], request["role"]) == (
        world.vol1.id, "pending", "member")
    assert Notification.objects.get(user=leader.user).title == "新的入队申请"
    assert_chinese_error(post(vol, members_url(team)), 409, "already_member")

    pending = lead.get(f"{members_url(team)}?status=pending").json()
    assert [m["volunteer_id"] for m in pending["items"]] == [world.vol1.id]
    decide = f"{members_url(team)}/{request['id']}/decide"
    assert post(lead, decide, {"approve": True}).json()["status"] == "active"
    assert Notification.objects.filter(user=world.vol1.user, title="入队申请已通过").exists()
    assert_chinese_error(post(lead, decide, {"approve": False}), 409, "invalid_transition")
    assert world.vol1.id in {m["volunteer_id"] for m in vol.get(members_url(team)).json()["items"]}

    left = vol.delete(members_url(team))
    assert left.status_code == 200 and left.json()["status"] == "left"
    assert_chinese_error(vol.delete(members_url(team)), 409, "not_a_member")
    assert_chinese_error(vol.get(members_url(team)), 404)  # no longer on the roster

    again = post(vol, members_url(team))
    assert again.status_code == 201
    assert (again.json()["id"], again.json()["status"]) == (request["id"], "pending")
    assert post(lead, decide, {"approve": False}).json()["status"] == "rejected"
    assert Notification.objects.filter(user=world.vol1.user, title="入队申请未通过").exists()
    assert post(vol, members_url(team)).json()["status"] == "pending"  # may ask once more


def test_only_a_leader_or_staff_decide_and_see_requests(world, team, client_for):
    request = services.membership_request(volunteer=world.vol1, team=team)
    member = volunteer_at(world.sta1)
    services.membership_decide(by=world.sta1_staff, membership=services.membership_request(
        volunteer=member, team=team), approve=True)
    decide = f"{members_url(team)}/{request.id}/decide"
    for user in (world.vol1.user, member.user, world.vol1b.user, world.res1.user):
        assert_chinese_error(post(client_for(user), decide, {"approve": True}), 404)
    assert_chinese_error(client_for(member.user).get(f"{members_url(team)}?status=pending"), 403)
    assert_chinese_error(post(client_for(world.sta2_staff), decide, {"approve": True}), 404)
    assert Membership.objects.get(pk=request.pk).status == "pending"
    assert post(client_for(world.inst1_staff), decide, {"approve": True}).status_code == 200


def test_a_leader_of_another_team_cannot_decide(world, team, client_for):
    other_leader = volunteer_at(world.sta1)
    services.team_create(by=world.sta1_staff, name="稻香园环保队", org=world.sta1,
                         leader=other_leader)
    request = services.membership_request(volunteer=world.vol1, team=team)
    response = post(client_for(other_leader.user), f"{members_url(team)}/{request.id}/decide",
                    {"approve": True})
    assert_chinese_error(response, 404)
    assert Membership.objects.get(pk=request.pk).status == "pending"


def test_a_decision_of_another_teams_request_is_not_found(world, team, client_for):
    other = services.team_create(by=world.sta1_staff, name="稻香园环保队", org=world.sta1)
    request = services.membership_request(volunteer=world.vol1, team=other)
    response = post(client_for(world.sta1_staff), f"{members_url(team)}/{request.id}/decide",
                    {"approve": True})
    assert_chinese_error(response, 404)


def test_an_unapproved_volunteer_or_a_resident_cannot_join(world, team, client_for):
    pending = volunteer_at(world.sta1, status=Volunteer.Status.PENDING)
    assert_chinese_error(post(client_for(pending.user), members_url(team)), 409,
                         "volunteer_not_active")
    assert_chinese_error(post(client_for(world.res1.user), members_url(team)), 403)
    assert_chinese_error(post(client_for(world.sta1_staff), members_url(team)), 403)
    assert Membership.objects.filter(team=team).count() == 1  # the leader


@pytest.mark.parametrize("body", [{"role": "captain"}, {"role": "leader", "volunteer_id": "x"},
                                  {"approve": True}, {"role": None}])
def test_bad_membership_input_is_refused(world, team, client_for, body):
    assert_chinese_error(post(client_for(world.vol1.user), members_url(team), body), 422,
                         "invalid_input")
    assert not Membership.objects.filter(volunteer=world.vol1).exists()


@pytest.mark.parametrize("body", [{}, {"approve": "也许"}, {"approve": True, "role": "leader"}])
def test_bad_decision_input_is_refused(world, team, client_for, body):
    request = services.membership_request(volunteer=world.vol1, team=team)
    response = post(client_for(world.sta1_staff), f"{members_url(team)}/{request.id}/decide",
                    body)
    assert_chinese_error(response, 422, "invalid_input")
    assert Membership.objects.get(pk=request.pk).status == "pending"


# ---- leaders -----------------------------------------------------------------------------

def test_appointing_a_leader_gives_the_role_and_leaving_takes_it_away(world, team, client_for):
    staff, vol = client_for(world.sta1_staff), client_for(world.vol1.user)
    assert team_leader_orgs(vol) == set()
    response = post(staff, members_url(team), {"volunteer_id": world.vol1.id, "role": "leader"})
    assert response.status_code == 201, response.content
    assert (response.json()["role"], response.json()["status"]) == ("leader", "active")
    assert team_leader_orgs(vol) == {world.sta1.id}
    # The new leader now decides requests.
    request = services.membership_request(volunteer=world.vol1b, team=team)
    assert post(vol, f"{members_url(team)}/{request.id}/decide",
                {"approve": True}).status_code == 200
    assert vol.delete(members_url(team)).status_code == 200
    assert team_leader_orgs(vol) == set()
    assert Membership.objects.get(team=team, volunteer=world.vol1).role == "member"


def test_leading_two_teams_at_one_node_keeps_the_role_until_both_are_left(world, team, leader,
                                                                          client_for):
    second = services.team_create(by=world.sta1_staff, name="稻香园文艺队", org=world.sta1,
                                  leader=leader)
    client = client_for(leader.user)
    assert RoleAssignment.objects.filter(user=leader.user, role="team_leader").count() == 1
    client.delete(members_url(team))
    assert team_leader_orgs(client) == {world.sta1.id}
    client.delete(members_url(second))
    assert team_leader_orgs(client) == set()


@pytest.mark.parametrize("persona,status", [("vol1", 403), ("sta2_staff", 404),
                                            ("inst2_staff", 404)])
def test_only_staff_of_the_node_appoint_leaders(world, team, client_for, persona, status):
    user = getattr(world, persona)
    response = post(client_for(getattr(user, "user", user)), members_url(team),
                    {"volunteer_id": world.vol1.id, "role": "leader"})
    assert_chinese_error(response, status)
    assert not RoleAssignment.objects.filter(user=world.vol1.user, role="team_leader").exists()


def test_a_leader_cannot_appoint_another_leader(world, team, leader, client_for):
    services.membership_decide(by=leader.user, approve=True, membership=services.
                               membership_request(volunteer=world.vol1, team=team))
    response = post(client_for(leader.user), members_url(team),
                    {"volunteer_id": world.vol1.id, "role": "leader"})
    assert_chinese_error(response, 404)  # volunteers are not in a leader's reach
    response = post(client_for(leader.user), members_url(team),
                    {"volunteer_id": leader.id, "role": "leader"})
    assert_chinese_error(response, 403)
    assert Membership.objects.get(volunteer=world.vol1).role == "member"


def test_an_unapproved_volunteer_is_not_appointed(world, team, client_for):
    pending = volunteer_at(world.sta1, status=Volunteer.Status.PENDING)
    response = post(client_for(world.sta1_staff), members_url(team),
                    {"volunteer_id": pending.id, "role": "leader"})
    assert_chinese_error(response, 409, "volunteer_not_active")


# ---- the roster ----------------------------------------------------------------------------

@pytest.mark.parametrize("persona,visible", [
    ("leader", True), ("member", True), ("sta1_staff", True), ("inst1_staff", True),
    ("center_staff", True), ("admin", True), ("vol1b", False), ("vol2", False), ("res1", False),
    ("sta2_staff", False), ("inst2_staff", False), ("outsider", False),
])
def test_the_roster_is_for_leaders_staff_and_members(world, team, leader, client_for, persona,
                                                     visible):
    member = volunteer_at(world.sta1, "member")
    services.membership_decide(by=leader.user, approve=True, membership=services.
                               membership_request(volunteer=member, team=team))
    people = {"leader": leader.user, "member": member.user}
    user = people.get(persona) or getattr(world, persona)
    response = client_for(getattr(user, "user", user)).get(members_url(team))
    if not visible:
        assert_chinese_error(response, 404)
        return
    body = response.json()
    assert [(m["volunteer_id"], m["role"]) for m in body["items"]] == [
        (leader.id, "leader"), (member.id, "member")]  # leaders first
    assert body["count"] == 2
    mobile = member.user.mobile
    assert mobile not in json.dumps(body, ensure_ascii=False)
    assert f"{mobile[:3]}****{mobile[-4:]}" in json.dumps(body, ensure_ascii=False)


# ---- the list -----------------------------------------------------------------------------

def test_the_list_filters_by_node_text_and_platform(world, client_for):
    a = services.team_create(by=world.sta1_staff, name="稻香园助老队", org=world.sta1)
    b = services.team_create(by=world.inst1_staff, name="芙蓉里环保队", org=world.sta1b)
    c = services.team_create(by=world.sta2_staff, name="石油大院助老队", org=world.sta2)
    client = client_for(world.center_staff)
    ids = [t["id"] for t in client.get("/api/teams").json()["items"]]
    assert sorted(ids) == sorted([a.id, b.id, c.id])
    assert [t["id"] for t in client.get(f"/api/teams?org={world.inst1.id}").json()["items"]] \
        == [a.id, b.id]
    assert sorted(t["id"] for t in client.get("/api/teams?q=助老").json()["items"]) == \
        sorted([a.id, c.id])
    assert_chinese_error(client_for(world.sta1_staff).get(f"/api/teams?org={world.sta2.id}"),
                         404)


def test_one_team_shows_its_member_count(world, team, client_for):
    body = client_for(world.vol2.user).get(f"/api/teams/{team.id}").json()
    assert (body["name"], body["member_count"]) == ("稻香园助老服务队", 1)


# session, user, roles, the page, the count (and a volunteer's led teams)
@pytest.mark.parametrize("persona,queries", [("sta1_staff", 5), ("vol1", 6)])
def test_the_list_runs_a_fixed_number_of_queries(world, client_for, django_assert_num_queries,
                                                  persona, queries):
    user = getattr(world, persona)
    client = client_for(getattr(user, "user", user))
    corps = services.team_create(by=world.center_staff, name="海淀区总队", org=world.center,
                                 level="corps")
    for rows in (1, 6):
        for i in range(rows):
            services.team_create(by=world.sta1_staff, name=f"稻香园{rows}-{i}队", org=world.sta1,
                                 parent=corps, leader=volunteer_at(world.sta1),
                                 platform=None)
        with django_assert_num_queries(queries):
            response = client.get("/api/teams")
        assert response.status_code == 200
        assert len(response.json()["items"]) >= rows
