"""Team pages through Django's test client: find, join, decide, leave, found."""

import pytest

from wenming.inbox.models import Notification
from wenming.people.tests.factories import volunteer_at
from wenming.teams.models import Membership, Team
from wenming.teams.services import membership_request, team_create

pytestmark = pytest.mark.django_db


def page(response) -> str:
    return response.content.decode()


@pytest.fixture
def team(world):
    """稻香园助老队 at sta1, led by vol1b's neighbour: a volunteer of sta1 made leader."""
    world.leader = volunteer_at(world.sta1, "leader")
    return team_create(by=world.sta1_staff, name="稻香园助老服务队", org=world.sta1,
                       leader=world.leader)


def test_the_list_searches_teams(world, client_for, team):
    team_create(by=world.sta2_staff, name="石油大院文艺队", org=world.sta2)
    client = client_for(world.vol1.user)
    html = page(client.get("/teams/"))
    assert "稻香园助老服务队" in html and "石油大院文艺队" in html
    html = page(client.get("/teams/", {"q": "助老"}))
    assert "稻香园助老服务队" in html and "石油大院文艺队" not in html
    assert "1 名队员" in html
    response = client.get("/teams/", {"q": "文艺"}, headers={"HX-Request": "true"})
    assert "<html" not in page(response) and "石油大院文艺队" in page(response)


def test_staff_list_only_their_subtrees_teams(world, client_for, team):
    html = page(client_for(world.sta2_staff).get("/teams/"))
    assert "稻香园助老服务队" not in html


def test_a_volunteer_asks_to_join_and_the_leader_approves(world, client_for, team):
    volunteer = client_for(world.vol1.user)
    html = page(volunteer.post(f"/teams/{team.id}/join/", follow=True))
    assert "已提交入队申请" in html and "入队申请待审核" in html
    membership = Membership.objects.get(team=team, volunteer=world.vol1)
    assert membership.status == Membership.Status.PENDING
    assert "队员名单" not in html  # not a member yet

    leader = client_for(world.leader.user)
    html = page(leader.get(f"/teams/{team.id}/"))
    assert "入队申请" in html and world.vol1.user.real_name in html
    assert world.vol1.user.mobile not in html
    leader.post(f"/teams/{team.id}/members/{membership.id}/decide/", {"approve": "1"})
    membership.refresh_from_db()
    assert membership.status == Membership.Status.ACTIVE
    assert Notification.objects.filter(user=world.vol1.user, title="入队申请已通过").exists()

    html = page(volunteer.get(f"/teams/{team.id}/"))
    assert "我在队中" in html and "队员名单" in html and world.leader.user.real_name in html


def test_the_leader_rejects_a_request(world, client_for, team):
    membership = membership_request(volunteer=world.vol1, team=team)
    client_for(world.leader.user).post(f"/teams/{team.id}/members/{membership.id}/decide/",
                                       {"approve": "0"})
    membership.refresh_from_db()
    assert membership.status == Membership.Status.REJECTED


def test_asking_twice_is_explained(world, client_for, team):
    client = client_for(world.vol1.user)
    client.post(f"/teams/{team.id}/join/")
    html = page(client.post(f"/teams/{team.id}/join/", follow=True))
    assert "您已申请或已在该队伍中" in html
    assert Membership.objects.filter(volunteer=world.vol1).count() == 1


def test_a_member_leaves(world, client_for, team):
    membership = membership_request(volunteer=world.vol1, team=team)
    membership.status = Membership.Status.ACTIVE
    membership.save()
    html = page(client_for(world.vol1.user).post(f"/teams/{team.id}/leave/", follow=True))
    assert "您已退出该队伍" in html
    membership.refresh_from_db()
    assert membership.status == Membership.Status.LEFT


def test_the_roster_is_hidden_from_non_members(world, client_for, team):
    html = page(client_for(world.vol2.user).get(f"/teams/{team.id}/"))
    assert "稻香园助老服务队" in html and "队员名单" not in html
    assert world.leader.user.real_name not in html


def test_a_leader_of_another_team_cannot_decide(world, client_for, team):
    other = volunteer_at(world.sta1, "other_leader")
    team_create(by=world.sta1_staff, name="芙蓉里文艺队", org=world.sta1, leader=other)
    membership = membership_request(volunteer=world.vol1, team=team)
    client = client_for(other.user)
    assert "入队申请" not in page(client.get(f"/teams/{team.id}/"))
    response = client.post(f"/teams/{team.id}/members/{membership.id}/decide/", {"approve": "1"})
    assert response.status_code == 403
    membership.refresh_from_db()
    assert membership.status == Membership.Status.PENDING


def test_a_sibling_station_cannot_reach_the_team(world, client_for, team):
    membership = membership_request(volunteer=world.vol1, team=team)
    client = client_for(world.sta2_staff)
    assert client.get(f"/teams/{team.id}/").status_code == 404
    response = client.post(f"/teams/{team.id}/members/{membership.id}/decide/", {"approve": "1"})
    assert response.status_code == 404
    membership.refresh_from_db()
    assert membership.status == Membership.Status.PENDING


def test_staff_found_a_team_with_a_leader(world, client_for):
    client = client_for(world.sta1_staff)
    response = client.post("/teams/new/", {"name": "稻香园理发队", "org": world.sta1.id,
                                           "level": "team", "leader_mobile": world.vol1.user.mobile})
    team = Team.objects.get(name="稻香园理发队")
    assert response.status_code == 302 and response["Location"] == f"/teams/{team.id}/"
    assert team.memberships.get().volunteer == world.vol1


@pytest.mark.parametrize("overrides,message", [
    ({"name": "队"}, "队名应为2到100个字"),
    ({"leader_mobile": "13800000000"}, "您管辖范围内没有这个手机号的志愿者"),
    ({"leader_mobile": "12345"}, "手机号应为以1开头的11位数字"),
    ({"level": "army"}, "选择一个有效的选项"),
])
def test_bad_team_input_is_explained_and_writes_nothing(world, client_for, overrides, message):
    form = {"name": "稻香园理发队", "org": world.sta1.id, "level": "team", **overrides}
    response = client_for(world.sta1_staff).post("/teams/new/", form)
    assert response.status_code == 200 and message in page(response)
    assert not Team.objects.exists()


def test_a_leader_outside_the_subtree_cannot_be_named(world, client_for):
    form = {"name": "稻香园理发队", "org": world.sta1.id, "level": "team",
            "leader_mobile": world.vol2.user.mobile}
    assert "您管辖范围内没有这个手机号的志愿者" in page(
        client_for(world.sta1_staff).post("/teams/new/", form))
    form["org"] = world.sta2.id
    assert "没有找到这个编号，或它不在您的管辖范围内" in page(client_for(world.sta1_staff).post("/teams/new/", form))
    assert not Team.objects.exists()


@pytest.mark.parametrize("persona", ["vol1", "res1", "outsider"])
def test_founding_is_for_staff(world, client_for, persona):
    user = getattr(world, persona)
    assert client_for(getattr(user, "user", user)).get("/teams/new/").status_code == 403
