"""GET /api/orders/{id}/candidates: volunteers and teams ranked for an order, each score the
sum of its reasons; far-away and inactive volunteers left out; staff only; a fixed number of
queries however many candidates; the top 20 those of scoring every volunteer in reach."""

import datetime
import math
import random

import pytest
from django.utils import timezone

from wenming.core.tests.helpers import assert_error
from wenming.geo import haversine_km
from wenming.orders import ranking, services
from wenming.orders.models import ServiceOrder, State
from wenming.orders.tests.test_support import at_home, order_in, platform_of, submit
from wenming.people.models import Skill, Volunteer
from wenming.people.services import VolunteerInput, people_bulk_register, volunteer_update
from wenming.people.tests.factories import next_id_number, next_mobile, volunteer_at
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


# ---- exactness: the ranking against scoring every volunteer in reach ----------------------

def wished_at(hour: int, minute: int = 0) -> datetime.datetime:
    day = timezone.localtime() + datetime.timedelta(days=3)
    return day.replace(hour=hour, minute=minute, second=0, microsecond=0)


def crowd(world, rng: random.Random, n: int, wished: datetime.datetime,
          free_share: float) -> list[Volunteer]:
    """`n` volunteers around HERE, registered in one batch: a third within ~1 km, the rest
    spread out to 7.5 km (past the reach); some free at `wished`, some busy then, some
    without slots; either platform, with or without the order's skill."""
    weekday, hhmm = wished.weekday(), f"{wished:%H:%M}"
    later = f"{(wished.hour + 1) % 24:02d}:{wished:%M}" if wished.hour < 23 else "23:59"

    def slots() -> list[dict]:
        roll = rng.random()
        if roll < free_share:
            return [{"weekday": (weekday + 2) % 7, "start": "09:00", "end": "12:00"},
                    {"weekday": weekday, "start": hhmm, "end": later}]
        if roll < free_share + 0.2:
            return []
        return [{"weekday": rng.choice([weekday, (weekday + 1) % 7]), "start": later,
                 "end": "23:59"} if later < "23:59" else
                {"weekday": (weekday + 1) % 7, "start": "09:00", "end": "12:00"}]

    def place() -> tuple[float, float]:
        km = rng.gauss(0, 0.4) if rng.random() < 0.2 else 7.5 * math.sqrt(rng.random())
        angle = rng.uniform(0, 2 * math.pi)
        return (round(HERE[0] + km * math.cos(angle) / 111.2, 6),
                round(HERE[1] + km * math.sin(angle) / (111.2 * math.cos(math.radians(HERE[0]))),
                      6))

    rows = []
    for i in range(n):
        lat, lng = place()
        rows.append(VolunteerInput(
            real_name=f"志愿者{i}", id_number=next_id_number(), mobile=next_mobile(),
            password=None, station=world.sta1, home_lat=lat, home_lng=lng,
            skills=rng.choice([[], ["水电维修"], ["书法"]]),
            service_categories=rng.choice([[], ["health"], ["culture"], ["health", "culture"]]),
            availability=slots()))
    volunteers, _residents = people_bulk_register(volunteers=rows, by=world.sta1_staff)
    Volunteer.objects.filter(pk__in=[v.pk for v in rng.sample(volunteers, n // 20)]).update(
        status=Volunteer.Status.SUSPENDED)
    return volunteers


def brute_force(order: ServiceOrder, limit: int = 20) -> list[dict]:
    """Every active volunteer within reach scored one by one, best first."""
    local = timezone.localtime(order.wished_at)
    weekday, hhmm = local.weekday(), f"{local:%H:%M}"
    since = timezone.now() - datetime.timedelta(days=30)
    orders = list(ServiceOrder.objects.filter(volunteer__isnull=False))
    scored = []
    for v in Volunteer.objects.filter(status=Volunteer.Status.ACTIVE, home_lat__isnull=False):
        km = haversine_km(order.lat, order.lng, v.home_lat, v.home_lng)
        if km > ranking.REACH_KM:
            continue
        mine = [o for o in orders if o.volunteer_id == v.pk]
        rated = [o.score for o in mine if o.state == State.RATED]
        slots = v.availability
        shares = ranking._shares(
            platform=v.service_categories.filter(pk=order.platform_id).exists(),
            skill=not order.skill or v.skills.filter(name=order.skill).exists(), km=km,
            available=any(s["weekday"] == weekday and s["start"] <= hhmm < s["end"]
                          for s in slots) if slots else None,
            load=sum(o.state in ranking.BUSY for o in mine),
            rating=sum(rated) / len(rated) if rated else None,
            recent=sum(o.created_at >= since for o in mine))
        scored.append({"volunteer_id": v.pk, "score": ranking._score(shares),
                       "distance_km": round(km, 2)})
    return sorted(scored, key=lambda c: (-c["score"], c["distance_km"]))[:limit]


def assert_same_ranking(found: list[dict], exact: list[dict]) -> None:
    """The same scores and distances in the same order, and the same volunteers but where
    two tie on both."""
    assert [(c["score"], c["distance_km"]) for c in found] == \
        [(c["score"], c["distance_km"]) for c in exact]
    key = {(c["score"], c["distance_km"]) for c in exact}
    tied = {k for k in key if sum((c["score"], c["distance_km"]) == k for c in exact) > 1}
    assert {c["volunteer_id"] for c in found if (c["score"], c["distance_km"]) not in tied} \
        == {c["volunteer_id"] for c in exact if (c["score"], c["distance_km"]) not in tied}


@pytest.mark.parametrize(("seed", "hour", "free_share", "skill"), [
    (1, 16, 0.0, "水电维修"),  # nobody free then: the floor is low, the reach wide
    (2, 10, 0.05, ""),  # a few free then, far and near
    (3, 19, 0.3, "水电维修"),  # many free then: the floor is high
    (4, 8, 0.1, "书法"),
    (5, 9, 0.6, ""),
    (6, 20, 0.02, "书法"),
])
def test_the_top_20_are_those_of_scoring_everyone_in_reach(world, monkeypatch, seed, hour,
                                                           free_share, skill):
    rng = random.Random(seed)
    wished = wished_at(hour, 30)
    order = services.order_review(by=world.sta1_staff, order=submit(
        world.res1, skill=skill, wished_at=wished))
    volunteers = crowd(world, rng, 300, wished, free_share)
    near = sorted(volunteers, key=lambda v: haversine_km(*HERE, v.home_lat, v.home_lng))
    for volunteer in near[:3]:  # open orders pull some of the nearest below the floor
        order_in("dispatched", resident=world.res1, staff=world.sta1_staff, volunteer=volunteer)
    for volunteer in rng.sample(near[3:200], 12):  # five stars: the bound's best case
        services.order_rate(by=world.res1.user, score=5, order=order_in(
            "completed", resident=world.res1, staff=world.sta1_staff, volunteer=volunteer))
    monkeypatch.setattr(ranking, "FIRST", 25)  # a floor from few, so the bound does the work

    assert_same_ranking(ranking.volunteer_candidates(order), brute_force(order))


def test_volunteers_free_then_or_without_slots_outrank_nearer_ones_busy_then(world,
                                                                             monkeypatch):
    """Nobody near the place serves the wished time. One 4 km out does, one 2.1 km out has
    no slots (5 points, not 0) and five stars: both rank among the first 20, found past the
    nearest."""
    wished = wished_at(16)
    order = services.order_review(by=world.sta1_staff, order=submit(world.res1,
                                                                     wished_at=wished))
    busy = [{"weekday": (wished.weekday() + 1) % 7, "start": "09:00", "end": "12:00"}]
    for i in range(30):
        helper(world, f"near{i}", at=(HERE[0] + i * 0.0002, HERE[1]), platforms=["health"],
               availability=busy)
    free = helper(world, "free", at=(HERE[0] + 0.036, HERE[1]), platforms=["health"],
                  availability=[{"weekday": wished.weekday(), "start": "15:00", "end": "17:00"}])
    unknown = helper(world, "unknown", at=(HERE[0], HERE[1] + 0.0247), platforms=["health"])
    services.order_rate(by=world.res1.user, score=5, order=order_in(
        "completed", resident=world.res1, staff=world.sta1_staff, volunteer=unknown))
    monkeypatch.setattr(ranking, "FIRST", 20)

    found = ranking.volunteer_candidates(order)

    assert found[0]["volunteer_id"] == free.id and 3.9 < found[0]["distance_km"] < 4.1
    assert unknown.id in {c["volunteer_id"] for c in found}
    assert_same_ranking(found, brute_force(order))


def test_a_changed_availability_or_home_changes_the_ranking(world):
    wished = wished_at(16)
    order = services.order_review(by=world.sta1_staff, order=submit(world.res1,
                                                                     wished_at=wished))
    helper(world, "near", platforms=["health"])
    mover = helper(world, "mover", at=(40.05, 116.305), platforms=["health"])  # past reach
    ids = lambda: [c["volunteer_id"] for c in ranking.volunteer_candidates(order)]  # noqa: E731
    assert mover.id not in ids()

    volunteer_update(volunteer=mover, by=world.sta1_staff, changes={
        "home_lat": HERE[0] + 0.01, "home_lng": HERE[1], "availability": [
            {"weekday": wished.weekday(), "start": "15:00", "end": "17:00"}]})

    assert ids()[0] == mover.id
