"""GET /api/orders/{id}/candidates: volunteers and teams ranked for an order, each score the
sum of its reasons; far-away and inactive volunteers left out; staff only; a fixed number of
queries however many candidates."""

import datetime

import pytest

from wenming.core.tests.helpers import assert_error
from wenming.orders import services
from wenming.orders.tests.test_support import at_home, order_in, platform_of, submit
from wenming.people.models import Skill, Volunteer
from wenming.people.tests.factories import volunteer_at
from wenming.teams import services as team_services

pytestmark = pytest.mark.django_db

FACTORS = {"match", "distance", "availability", "load", "rating", "fairness"}
HERE = (39.9812, 116.3052)  # 30 m from the order's place at sta1


def helper(world, name: str, *, at=HERE, skills=(), platforms=(), **fields) -> Volunteer:
    volunteer = at_home(volunteer_at(world.sta1, name, **fields), *at)
    volunteer.skills.set([Skill.objects.get_or_create(name=s)[0] for s in skills])
    volunteer.service_categories.set([platform_of(p) for p in platforms])
    return volunteer


@pytest.fixture
def order(world):
    return services.order_review(by=world.sta1_staff, order=submit(world.res1, skill="水电维修"))


def candidates(client, order) -> list[dict]:
    response = client.get(f"/api/orders/{order.id}/candidates")
    assert response.status_code == 200, response.content
    return response.json()["items"]


def by_volunteer(items) -> dict[int, dict]:
    return {c["volunteer_id"]: c for c in items if "volunteer_id" in c}


def points(candidate, factor: str) -> float:
    return next(r["points"] for r in candidate["reasons"] if r["factor"] == factor)


def test_candidates_are_ranked_and_each_score_is_the_sum_of_its_reasons(world, client_for,
                                                                        order):
    best = helper(world, "best", skills=["水电维修"], platforms=["health"])
    helper(world, "skilled", skills=["水电维修"])
    helper(world, "plain")
    helper(world, "further", at=(39.99, 116.33), skills=["水电维修"], platforms=["health"])

    items = candidates(client_for(world.sta1_staff), order)
    volunteers = [c for c in items if "volunteer_id" in c]

    assert volunteers[0]["volunteer_id"] == best.id
    assert [c["score"] for c in volunteers] == sorted((c["score"] for c in volunteers),
                                                      reverse=True)
    for c in items:
        assert {r["factor"] for r in c["reasons"]} == FACTORS
        assert all(r["detail"] for r in c["reasons"])
        assert abs(sum(r["points"] for r in c["reasons"]) - c["score"]) < 0.05, c
        assert 0 <= c["score"] <= 100


def test_skill_and_platform_match_raise_the_score(world, client_for, order):
    both = helper(world, "both", skills=["水电维修"], platforms=["health"])
    platform_only = helper(world, "platform", platforms=["health"])
    neither = helper(world, "neither", skills=["书法"], platforms=["culture"])

    found = by_volunteer(candidates(client_for(world.sta1_staff), order))

    assert points(found[both.id], "match") > points(found[platform_only.id], "match") > \
        points(found[neither.id], "match")
    assert found[both.id]["score"] > found[platform_only.id]["score"] > found[neither.id]["score"]


def test_distance_counts_and_a_volunteer_far_away_is_no_candidate(world, client_for, order):
    near = helper(world, "near")
    across = helper(world, "across", at=(40.01, 116.33))  # about 4 km
    far = helper(world, "far", at=(40.25, 116.60))  # about 40 km
    edge = helper(world, "edge", at=(40.05, 116.305))  # about 7.7 km: past the reach
    resting = helper(world, "resting", status=Volunteer.Status.SUSPENDED)
    pending = helper(world, "pending", status=Volunteer.Status.PENDING)
    homeless = volunteer_at(world.sta1, "homeless")

    found = by_volunteer(candidates(client_for(world.sta1_staff), order))

    assert near.id in found and across.id in found
    assert points(found[near.id], "distance") > points(found[across.id], "distance") > 0
    assert 3.5 < found[across.id]["distance_km"] < 5
    for absent in (far, edge, resting, pending, homeless):
        assert absent.id not in found


def test_open_orders_and_recent_assignments_lower_the_score(world, client_for, order):
    idle = helper(world, "idle")
    busy = helper(world, "busy")
    served = helper(world, "served")
    for state in ("accepted", "dispatched"):
        order_in(state, resident=world.res1, staff=world.sta1_staff, volunteer=busy)
    for _ in range(2):
        order_in("completed", resident=world.res1, staff=world.sta1_staff, volunteer=served)

    found = by_volunteer(candidates(client_for(world.sta1_staff), order))

    assert points(found[busy.id], "load") < points(found[idle.id], "load")
    assert points(found[served.id], "load") == points(found[idle.id], "load")
    assert points(found[served.id], "fairness") < points(found[idle.id], "fairness")
    assert found[idle.id]["score"] > found[busy.id]["score"]
    assert found[idle.id]["score"] > found[served.id]["score"]
    assert "2" in next(r["detail"] for r in found[busy.id]["reasons"] if r["factor"] == "load")


def test_good_ratings_and_availability_raise_the_score(world, client_for, order):
    liked = helper(world, "liked")
    disliked = helper(world, "disliked")
    for volunteer, score in ((liked, 5), (disliked, 1)):
        rated = order_in("completed", resident=world.res1, staff=world.sta1_staff,
                         volunteer=volunteer)
        services.order_rate(by=world.res1.user, order=rated, score=score)
    wished = order.wished_at.astimezone(datetime.timezone(datetime.timedelta(hours=8)))
    free = helper(world, "free", availability=[{"weekday": wished.weekday(), "start": "00:00",
                                                "end": "23:59"}])
    busy_then = helper(world, "busy_then", availability=[
        {"weekday": (wished.weekday() + 1) % 7, "start": "00:00", "end": "23:59"}])
    unknown = helper(world, "unknown")

    found = by_volunteer(candidates(client_for(world.sta1_staff), order))

    assert points(found[liked.id], "rating") > points(found[disliked.id], "rating")
    assert points(found[free.id], "availability") > points(found[unknown.id], "availability") \
        > points(found[busy_then.id], "availability")


def test_teams_of_the_institute_are_candidates_too(world, client_for, order):
    team = team_services.team_create(by=world.sta1_staff, name="稻香园健康服务队", org=world.sta1,
                                     platform=platform_of("health"))
    elsewhere = team_services.team_create(by=world.sta2_staff, name="石油大院服务队",
                                          org=world.sta2)

    items = candidates(client_for(world.sta1_staff), order)

    teams = {c["team_id"]: c for c in items if "team_id" in c}
    assert team.id in teams and elsewhere.id not in teams
    assert abs(sum(r["points"] for r in teams[team.id]["reasons"]) - teams[team.id]["score"]) \
        < 0.05


@pytest.mark.parametrize("who", ["vol1", "res1", "outsider", "inst2_staff"])
def test_only_staff_who_handle_the_order_see_its_candidates(world, client_for, who):
    order = order_in("dispatched", resident=world.res1, staff=world.sta1_staff,
                     volunteer=world.vol1)
    user = getattr(world, who)
    response = client_for(getattr(user, "user", user)).get(f"/api/orders/{order.id}/candidates")
    assert_error(response, 404 if who in ("outsider", "inst2_staff") else 403)


@pytest.mark.parametrize("who", ["sta1_staff", "inst1_staff", "center_staff", "admin"])
def test_staff_above_the_station_see_candidates(world, client_for, order, who):
    helper(world, "someone")
    assert len(candidates(client_for(getattr(world, who)), order)) >= 1


def test_candidates_take_the_same_number_of_queries_for_2_or_20_volunteers(
        world, client_for, order, django_assert_num_queries):
    def add(n: int) -> None:
        for i in range(n):
            helper(world, None, skills=["水电维修", f"技能{i}"], platforms=["health", "culture"],
                   at=(HERE[0] + i * 0.001, HERE[1]))
        team_services.team_create(by=world.sta1_staff, name=f"服务队{n}", org=world.sta1,
                                  platform=platform_of("health"))

    add(2)
    client = client_for(world.sta1_staff)
    client.get(f"/api/orders/{order.id}/candidates")
    # session, user, roles, volunteer profile, the order; the volunteers nearest the place,
    # the others around who could still rank, their order stats, the winners' names; the
    # institute's teams and their order stats.
    with django_assert_num_queries(11) as few:
        assert len(candidates(client, order)) == 2 + 1
    add(18)
    with django_assert_num_queries(len(few.captured_queries)):
        assert len(candidates(client, order)) == 20 + 2
