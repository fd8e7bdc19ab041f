"""Batch dispatch: POST /api/orders/batch/proposals assigns waiting orders to volunteers for the
least total distance, compares it with greedy first-come dispatch and keeps the proposal
(GET .../proposals/{id} reads it paged, POST .../proposals/{id}/dispatch confirms it once);
POST /api/orders/batch/dispatch applies accepted pairs through `order_dispatch`, all or none.

Places are laid out east of sta1 along its parallel, in km (`east`), so that the totals can
be worked out by hand and asserted exactly."""

import math

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wenming.core.tests.helpers import assert_error
from wenming.geo import EARTH_RADIUS_KM, haversine_km
from wenming.orders import batch, services
from wenming.orders.models import BatchProposal, OrderEvent, ServiceOrder
from wenming.orders.tests.test_support import STA1, at_home, platform_of, post, submit
from wenming.people.models import Skill, Volunteer
from wenming.people.tests.factories import volunteer_at

pytestmark = pytest.mark.django_db

PROPOSAL = "/api/orders/batch/proposals"
DISPATCH = "/api/orders/batch/dispatch"


def east(km: float) -> tuple[float, float]:
    """The place `km` east (west if negative) of sta1's spot."""
    per_degree = 2 * math.pi * EARTH_RADIUS_KM / 360 * math.cos(math.radians(STA1[0]))
    return STA1[0], STA1[1] + km / per_degree


def helper(world, name: str, km: float, *, platforms=("health",), skills=(), station=None,
           **fields) -> Volunteer:
    volunteer = at_home(volunteer_at(station or world.sta1, name, **fields), *east(km))
    volunteer.service_categories.set([platform_of(p) for p in platforms])
    volunteer.skills.set([Skill.objects.get_or_create(name=s)[0] for s in skills])
    return volunteer


def waiting(world, km: float, *, platform: str = "health", skill: str = "") -> ServiceOrder:
    """A reviewed order placed `km` east of sta1, waiting for a volunteer."""
    order = submit(world.res1, at=east(km), platform=platform, skill=skill)
    return services.order_review(by=world.center_staff, order=order)


def km(order: ServiceOrder, volunteer: Volunteer) -> float:
    return haversine_km(order.lat, order.lng, volunteer.home_lat, volunteer.home_lng)


def proposal(client, org, **params) -> dict:
    """POST a proposal (computed once and kept); its first page holds every pair here."""
    response = post(client, PROPOSAL, {"org_id": org.pk, **params})
    assert response.status_code == 201, response.content
    return response.json()


def pairs_of(found: dict) -> dict[int, int]:
    return {p["order_id"]: p["volunteer_id"] for p in found["pairs"]}


def reasons_of(found: dict) -> dict[int, str]:
    return {u["order_id"]: u["reason"] for u in found["unassigned"]}


# ---- the solver against greedy ----------------------------------------------------------

def test_the_solver_beats_greedy_where_first_come_takes_the_volunteer_the_next_one_needs(
        world, client_for):
    # a (first) at 0, x at 1, b at 2.2, y at -1.1: greedy gives a its nearest, x, and leaves
    # b only y, 3.3 km away; the best is a-y and b-x.
    a, b = waiting(world, 0), waiting(world, 2.2)
    x, y = helper(world, "x", 1.0), helper(world, "y", -1.1)

    found = proposal(client_for(world.center_staff), world.center)

    best = round(km(a, y) + km(b, x), 3)
    first_come = round(km(a, x) + km(b, y), 3)
    assert pairs_of(found) == {a.pk: y.pk, b.pk: x.pk}
    assert found["solver"] == {"assigned": 2, "total_km": best}
    assert found["greedy"] == {"assigned": 2, "total_km": first_come}
    assert abs(best - 2.3) < 0.01 and abs(first_come - 4.3) < 0.01
    assert found["improvement_pct"] == round(100 * (first_come - best) / first_come, 2)
    assert found["exact"] is True and found["unassigned"] == []
    assert {p["order_id"]: p["km"] for p in found["pairs"]} == {
        a.pk: round(km(a, y), 3), b.pk: round(km(b, x), 3)}


def test_the_solver_equals_greedy_when_nobody_competes(world, client_for):
    a, b = waiting(world, 0), waiting(world, 4)
    x, y = helper(world, "x", 0.5), helper(world, "y", 4.5)

    found = proposal(client_for(world.center_staff), world.center)

    assert pairs_of(found) == {a.pk: x.pk, b.pk: y.pk}
    assert found["solver"]["total_km"] == found["greedy"]["total_km"] == round(
        km(a, x) + km(b, y), 3)
    assert found["improvement_pct"] == 0


def test_the_solver_assigns_more_orders_than_greedy_when_greedy_strands_one(world, client_for):
    # x serves both platforms, y only health: greedy gives a (health, first) the nearer x and
    # leaves b (culture) nobody; the solver gives a y and b x.
    a, b = waiting(world, 0), waiting(world, 0.3, platform="culture")
    x = helper(world, "x", 0.1, platforms=("health", "culture"))
    y = helper(world, "y", 1.0)

    found = proposal(client_for(world.center_staff), world.center)

    assert pairs_of(found) == {a.pk: y.pk, b.pk: x.pk}
    assert found["solver"]["assigned"] == 2 and found["greedy"]["assigned"] == 1


def test_solve_with_cut_candidate_lists_stays_optimal_and_never_worse_than_greedy():
    """Many orders, candidates cut to MAX_CANDIDATES: the totals against a full matrix."""
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    rng = np.random.default_rng(7)
    n, m = 60, 90
    cost = rng.uniform(0.1, 7, size=(n, m))
    candidates = [(np.argsort(row), np.sort(row)) for row in cost]
    slots = np.ones(m, dtype=np.int64)
    chosen, exact = batch.solve(candidates, slots)
    rows, cols = linear_sum_assignment(cost)
    first_come = batch.greedy(candidates, slots)
    assert len(chosen) == n and exact is False
    assert sum(k for _v, k in chosen.values()) <= sum(k for _v, k in first_come.values())
    assert sum(k for _v, k in chosen.values()) == pytest.approx(cost[rows, cols].sum(), rel=0.02)


# ---- constraints ------------------------------------------------------------------------

def test_skill_platform_reach_and_status_decide_who_may_take_an_order(world, client_for):
    skilled = waiting(world, 0, skill="急救")
    culture = waiting(world, 3, platform="culture")
    lonely = waiting(world, -9)  # nobody lives within 7 km of it
    plain = helper(world, "plain", 0.1)  # health, no skill: the nearest to `skilled`
    medic = helper(world, "medic", 1.5, skills=["急救"])
    helper(world, "resting", 0.05, skills=["急救"], status=Volunteer.Status.SUSPENDED)

    found = proposal(client_for(world.center_staff), world.center)

    assert pairs_of(found) == {skilled.pk: medic.pk}
    assert reasons_of(found) == {culture.pk: "no_platform_match", lonely.pk: "none_in_reach"}
    assert plain.pk not in pairs_of(found).values()
    assert all(u["detail"] for u in found["unassigned"])


def test_a_missing_skill_is_named(world, client_for):
    order = waiting(world, 0, skill="手语")
    helper(world, "plain", 0.1)
    found = proposal(client_for(world.center_staff), world.center)
    assert reasons_of(found) == {order.pk: "no_skill_match"}


def test_each_volunteer_takes_at_most_capacity_orders_counting_those_they_have(world,
                                                                              client_for):
    a, b, c = waiting(world, 0), waiting(world, 0.2), waiting(world, 0.4)
    only = helper(world, "only", 0.1)
    client = client_for(world.center_staff)

    one = proposal(client, world.center)
    assert len(one["pairs"]) == 1 and set(reasons_of(one).values()) == {"taken"}

    two = proposal(client, world.center, capacity=2)
    assert len(two["pairs"]) == 2 and list(pairs_of(two).values()) == [only.pk, only.pk]

    services.order_dispatch(by=world.center_staff, order=c, volunteer=only)  # now busy once
    again = proposal(client, world.center, capacity=2)
    assert len(again["pairs"]) == 1
    assert reasons_of(proposal(client, world.center)) == {a.pk: "all_busy", b.pk: "all_busy"}


def test_only_orders_waiting_for_a_volunteer_are_proposed(world, client_for):
    waiting_one = waiting(world, 0)
    submitted = submit(world.res1, at=east(0.2))  # not reviewed yet
    dispatched = waiting(world, 0.4)
    helper(world, "x", 0.1)
    helper(world, "y", 0.3)
    services.order_dispatch(by=world.center_staff, order=dispatched,
                            volunteer=helper(world, "z", 0.5))

    found = proposal(client_for(world.center_staff), world.center)

    assert set(pairs_of(found)) == {waiting_one.pk}
    assert submitted.pk not in reasons_of(found) and found["orders"] == 1


# ---- scope ------------------------------------------------------------------------------

def test_station_staff_get_their_own_orders_and_volunteers_only(world, client_for):
    here = waiting(world, 0)  # routed to sta1
    there = waiting(world, 1.2)  # nearer sta1b
    helper(world, "ours", 0.1)
    helper(world, "theirs", 1.1, station=world.sta1b)
    assert here.station_id == world.sta1.pk and there.station_id == world.sta1b.pk

    found = proposal(client_for(world.sta1_staff), world.sta1)

    assert found["orders"] == 1 and set(pairs_of(found)) == {here.pk}
    assert found["greedy"]["assigned"] == 1


@pytest.mark.parametrize("who, status", [("sta2_staff", 404), ("inst2_staff", 404),
                                         ("outsider", 404), ("vol1", 403), ("res1", 403)])
def test_others_get_no_proposal(world, client_for, who, status):
    waiting(world, 0)
    user = getattr(world, who)
    response = post(client_for(getattr(user, "user", user)), PROPOSAL, {"org_id": world.sta1.pk})
    assert_error(response, status)
    assert not BatchProposal.objects.exists()


@pytest.mark.parametrize("who", ["sta2_staff", "inst2_staff", "outsider", "vol1"])
def test_others_cannot_dispatch_a_batch(world, client_for, who):
    order = waiting(world, 0)
    volunteer = helper(world, "x", 0.1)
    user = getattr(world, who)
    response = post(client_for(getattr(user, "user", user)), DISPATCH,
                    {"pairs": [{"order_id": order.pk, "volunteer_id": volunteer.pk}]})
    assert_error(response, 404)
    assert ServiceOrder.objects.get(pk=order.pk).state == "reviewed"


def test_a_volunteer_outside_the_callers_subtree_cannot_be_dispatched(world, client_for):
    order = waiting(world, 0)
    stranger = helper(world, "stranger", 0.1, station=world.sta2)
    response = post(client_for(world.sta1_staff), DISPATCH,
                    {"pairs": [{"order_id": order.pk, "volunteer_id": stranger.pk}]})
    assert_error(response, 404)


# ---- dispatching a batch ----------------------------------------------------------------

def test_dispatch_applies_every_pair_of_the_proposal(world, client_for):
    a, b = waiting(world, 0), waiting(world, 2.2)
    helper(world, "x", 1.0)
    helper(world, "y", -1.1)
    client = client_for(world.center_staff)
    found = proposal(client, world.center)

    response = post(client, DISPATCH, {"pairs": [
        {"order_id": p["order_id"], "volunteer_id": p["volunteer_id"]} for p in found["pairs"]]})

    assert response.status_code == 200, response.content
    assert response.json()["dispatched"] == 2
    for order_id, volunteer_id in pairs_of(found).items():
        order = ServiceOrder.objects.get(pk=order_id)
        assert (order.state, order.volunteer_id) == ("dispatched", volunteer_id)
        assert order.events.last().by_id == world.center_staff.pk
    assert proposal(client, world.center)["orders"] == 0
    assert {a.pk, b.pk} == set(pairs_of(found))


def test_one_order_changed_meanwhile_fails_the_whole_batch(world, client_for):
    a, b = waiting(world, 0), waiting(world, 2.2)
    x, y = helper(world, "x", 1.0), helper(world, "y", -1.1)
    services.order_cancel(by=world.res1.user, order=b, reason="已自行解决")
    events = OrderEvent.objects.count()

    response = post(client_for(world.center_staff), DISPATCH, {"pairs": [
        {"order_id": a.pk, "volunteer_id": y.pk}, {"order_id": b.pk, "volunteer_id": x.pk}]})

    assert str(b.pk) in assert_error(response, 409, "order_changed")
    assert ServiceOrder.objects.get(pk=a.pk).state == "reviewed"
    assert OrderEvent.objects.count() == events


def test_a_volunteer_suspended_meanwhile_fails_the_whole_batch(world, client_for):
    a, b = waiting(world, 0), waiting(world, 2.2)
    x, y = helper(world, "x", 1.0), helper(world, "y", -1.1)
    Volunteer.objects.filter(pk=x.pk).update(status=Volunteer.Status.SUSPENDED)

    response = post(client_for(world.center_staff), DISPATCH, {"pairs": [
        {"order_id": a.pk, "volunteer_id": y.pk}, {"order_id": b.pk, "volunteer_id": x.pk}]})

    assert_error(response, 409, "volunteer_not_active")
    assert set(ServiceOrder.objects.filter(pk__in=[a.pk, b.pk]).values_list(
        "state", flat=True)) == {"reviewed"}


def test_pairs_that_break_a_constraint_are_refused_whole(world, client_for):
    near, far_order = waiting(world, 0, skill="急救"), waiting(world, 10)
    medic, plain = helper(world, "medic", 0.2, skills=["急救"]), helper(world, "plain", 0.1)
    client = client_for(world.center_staff)

    def dispatch(*pairs, **extra):
        return post(client, DISPATCH, {"pairs": [{"order_id": o.pk, "volunteer_id": v.pk}
                                                 for o, v in pairs], **extra})

    assert_error(dispatch((near, plain)), 422, "infeasible_pair")  # no skill
    assert_error(dispatch((near, medic), (far_order, plain)), 422, "infeasible_pair")  # 10 km
    other = waiting(world, 0.3)
    assert_error(dispatch((near, medic), (other, medic)), 409, "volunteer_busy")
    assert not ServiceOrder.objects.filter(state="dispatched").exists()
    assert dispatch((near, medic), (other, medic), capacity=2).status_code == 200


@pytest.mark.parametrize("body, status", [
    ({"pairs": []}, 422),
    ({}, 422),
    ({"pairs": [{"order_id": "a", "volunteer_id": 1}]}, 422),
    ({"pairs": [{"order_id": 1}]}, 422),
    ({"pairs": [{"order_id": 1, "volunteer_id": 1, "km": 1}]}, 422),
    ({"pairs": [{"order_id": 1, "volunteer_id": 1}], "capacity": 0}, 422),
    ({"pairs": [{"order_id": 1, "volunteer_id": 1}], "capacity": 99}, 422),
    ("not json", 400),
])
def test_bad_batch_input_is_refused(world, client_for, body, status):
    assert_error(post(client_for(world.center_staff), DISPATCH, body), status)


def test_the_same_order_twice_or_an_unknown_one_is_refused(world, client_for):
    order = waiting(world, 0)
    x, y = helper(world, "x", 0.1), helper(world, "y", 0.2)
    client = client_for(world.center_staff)
    twice = post(client, DISPATCH, {"pairs": [{"order_id": order.pk, "volunteer_id": x.pk},
                                              {"order_id": order.pk, "volunteer_id": y.pk}]})
    assert_error(twice, 422, "duplicate_order")
    unknown = post(client, DISPATCH, {"pairs": [{"order_id": order.pk + 999,
                                                 "volunteer_id": x.pk}]})
    assert_error(unknown, 404)


@pytest.mark.parametrize("body", [{}, {"org_id": "abc"}, {"org_id": 1, "capacity": 0},
                                  {"org_id": 1, "capacity": 6}, {"org_id": 1, "extra": 1}])
def test_bad_proposal_bodies_are_refused(world, client_for, body):
    assert_error(post(client_for(world.center_staff), PROPOSAL, body), 422)
    assert not BatchProposal.objects.exists()


def test_the_proposal_takes_the_same_number_of_queries_for_2_or_8_orders(
        world, client_for, django_assert_num_queries):
    client = client_for(world.center_staff)
    for i in range(2):
        waiting(world, i * 0.3)
        helper(world, f"v{i}", i * 0.3 + 0.1, skills=["急救"])
    proposal(client, world.center)
    # session, user, roles; the node; the orders, the volunteers, their loads, platforms;
    # the proposal kept (and the request's transaction around it).
    with CaptureQueriesContext(connection) as few:
        proposal(client, world.center)
    for i in range(2, 8):
        waiting(world, i * 0.3, skill="急救" if i % 2 else "")
        helper(world, f"v{i}", i * 0.3 + 0.1, skills=["急救"])
    with django_assert_num_queries(len(few.captured_queries) + 1):  # + skills, asked now
        assert len(proposal(client, world.center)["pairs"]) == 8


# ---- a kept proposal: read paged, confirmed once -----------------------------------------

def test_a_kept_proposal_is_read_without_solving_again(world, client_for,
                                                        django_assert_max_num_queries):
    waiting(world, 0), waiting(world, 2.2)
    helper(world, "x", 1.0)
    helper(world, "y", -1.1)
    client = client_for(world.center_staff)
    found = proposal(client, world.center)
    kept = BatchProposal.objects.get()
    assert (found["id"], found["state"], found["pairs_count"]) == (kept.pk, "proposed", 2)
    # a third order arrives: the kept proposal does not change, and reading it solves nothing
    waiting(world, 0.5)
    with django_assert_max_num_queries(6):
        again = client.get(f"{PROPOSAL}/{kept.pk}").json()
    assert pairs_of(again) == pairs_of(found) and again["orders"] == 2
    assert again["solver"] == found["solver"] and again["greedy"] == found["greedy"]


def test_a_kept_proposal_is_paged(world, client_for):
    for i in range(3):
        waiting(world, i * 0.3)
        helper(world, f"v{i}", i * 0.3 + 0.1)
    client = client_for(world.center_staff)
    kept = proposal(client, world.center)
    pages = [client.get(f"{PROPOSAL}/{kept['id']}?page={n}&page_size=2").json()
             for n in (1, 2)]
    assert [len(p["pairs"]) for p in pages] == [2, 1]
    assert {**pairs_of(pages[0]), **pairs_of(pages[1])} == pairs_of(kept)
    assert all(p["pairs_count"] == 3 for p in pages)


def test_confirming_a_kept_proposal_dispatches_it_once(world, client_for):
    waiting(world, 0), waiting(world, 2.2)
    helper(world, "x", 1.0)
    helper(world, "y", -1.1)
    client = client_for(world.center_staff)
    kept = proposal(client, world.center)
    r = post(client, f"{PROPOSAL}/{kept['id']}/dispatch")
    assert r.status_code == 200, r.content
    assert r.json()["dispatched"] == 2
    for order_id, volunteer_id in pairs_of(kept).items():
        order = ServiceOrder.objects.get(pk=order_id)
        assert (order.state, order.volunteer_id) == ("dispatched", volunteer_id)
    row = BatchProposal.objects.get()
    assert (row.state, row.dispatched_by) == ("dispatched", world.center_staff)
    assert_error(post(client, f"{PROPOSAL}/{kept['id']}/dispatch"), 409, "invalid_transition")
    assert OrderEvent.objects.filter(to_state="dispatched").count() == 2


def test_a_stale_kept_proposal_dispatches_nothing(world, client_for):
    a = waiting(world, 0)
    helper(world, "x", 0.1)
    client = client_for(world.center_staff)
    kept = proposal(client, world.center)
    services.order_cancel(by=world.res1.user, order=a, reason="已自行解决")
    assert_error(post(client, f"{PROPOSAL}/{kept['id']}/dispatch"), 409, "order_changed")
    assert BatchProposal.objects.get().state == "proposed"


def test_an_empty_kept_proposal_cannot_be_confirmed(world, client_for):
    client = client_for(world.center_staff)
    kept = proposal(client, world.center)
    assert kept["orders"] == 0 and kept["pairs"] == []
    assert_error(post(client, f"{PROPOSAL}/{kept['id']}/dispatch"), 422, "no_pairs")


@pytest.mark.parametrize("who", ["sta2_staff", "inst2_staff", "outsider", "vol1", "res1"])
def test_others_neither_read_nor_confirm_a_kept_proposal(world, client_for, who):
    order = waiting(world, 0)
    helper(world, "x", 0.1)
    kept = proposal(client_for(world.sta1_staff), world.sta1)
    user = getattr(world, who)
    client = client_for(getattr(user, "user", user))
    assert client.get(f"{PROPOSAL}/{kept['id']}").status_code == 404
    assert post(client, f"{PROPOSAL}/{kept['id']}/dispatch").status_code == 404
    assert ServiceOrder.objects.get(pk=order.pk).state == "reviewed"
    assert BatchProposal.objects.get().state == "proposed"


def test_staff_above_may_confirm_a_stations_proposal(world, client_for):
    waiting(world, 0)
    helper(world, "x", 0.1)
    kept = proposal(client_for(world.sta1_staff), world.sta1)
    r = post(client_for(world.inst1_staff), f"{PROPOSAL}/{kept['id']}/dispatch")
    assert r.status_code == 200 and r.json()["dispatched"] == 1
