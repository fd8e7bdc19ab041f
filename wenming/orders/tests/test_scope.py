"""Who sees which orders, endpoint by endpoint. A resident sees their own; staff their
subtree's; a volunteer what is dispatched to them (or to the team they lead) or open near
them; a grid manager the appeals of their grid. Everyone else gets 404 (or 403 where they
may see but not act) and changes nothing."""

import pytest

from wenming.core.tests.helpers import assert_error
from wenming.orders import services
from wenming.orders.models import OrderEvent, ServiceOrder
from wenming.orders.tests.test_support import (
    GRID_SQUARE,
    INSIDE_GRID,
    STA1,
    at_home,
    order_body,
    order_in,
    overdue,
    post,
    submit,
)
from wenming.orgs.services import grid_create, org_create
from wenming.people.models import Resident
from wenming.people.tests.factories import UserFactory, resident_at, staff_at, volunteer_at
from wenming.teams import services as team_services
from wenming.testing import logged_in

pytestmark = pytest.mark.django_db


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {o["id"] for o in response.json()["items"]}


@pytest.fixture
def orders(world):
    """One order of res1 at sta1 in each state a move starts from."""
    def make(state):
        return order_in(state, resident=world.res1, staff=world.sta1_staff, volunteer=world.vol1)
    return {s: make(s) for s in ["submitted", "reviewed", "open", "dispatched", "accepted",
                                 "completed"]}


# Each endpoint with the state in which its rightful caller could use it, and a body.
ENDPOINTS = [
    ("GET", "", "submitted", None),
    ("GET", "/candidates", "reviewed", None),
    ("POST", "/review", "submitted", {}),
    ("POST", "/reject", "submitted", {"reason": "不在服务范围"}),
    ("POST", "/dispatch", "reviewed", "volunteer"),
    ("POST", "/open", "reviewed", {}),
    ("POST", "/grab", "open", {}),
    ("POST", "/accept", "dispatched", {}),
    ("POST", "/decline", "dispatched", {"reason": "有事"}),
    ("POST", "/complete", "accepted", {"note": "完成", "hours": "1", "people_served": 1}),
    ("POST", "/rate", "completed", {"score": 5, "comment": "好"}),
    ("POST", "/cancel", "submitted", {}),
]
OUTSIDERS = ["sta2_staff", "inst2_staff", "sta1b_staff", "vol2", "vol1b", "res2", "neighbour",
             "outsider", "chaoyang_staff"]


@pytest.fixture
def people(world):
    """The callers from outside the order's subtree (volunteers with no home on file, so
    no open order is near them; see test_a_volunteer_sees_open_orders_near_home_only)."""
    chaoyang = org_create(kind="center", name="朝阳区新时代文明实践中心", lat=39.92, lng=116.44)
    return {
        "sta2_staff": world.sta2_staff, "inst2_staff": world.inst2_staff,
        "sta1b_staff": staff_at(world.sta1b, "sta1b_staff"),
        "vol2": world.vol2.user, "vol1b": world.vol1b.user,
        "res2": resident_at(world.sta2, "res2").user,
        "neighbour": resident_at(world.sta1, "neighbour").user,  # same station, not theirs
        "outsider": world.outsider,
        "chaoyang_staff": staff_at(chaoyang, "chaoyang_staff"),
    }


@pytest.mark.parametrize(("method", "path", "state", "body"), ENDPOINTS,
                         ids=[f"{m}{p or '/'}" for m, p, _s, _b in ENDPOINTS])
def test_every_endpoint_refuses_callers_outside_the_orders_scope(
        world, client_for, orders, people, method, path, state, body):
    order = orders[state]
    url = f"/api/orders/{order.id}{path}"
    if body == "volunteer":
        body = {"volunteer_id": world.vol1.id}
    events = OrderEvent.objects.count()
    for who in OUTSIDERS:
        client = client_for(people[who])

        response = client.get(url) if method == "GET" else post(client, url, body)

        assert response.status_code == 404, (who, response.content)
        assert_error(response, 404, "not_found")
        assert ServiceOrder.objects.get(pk=order.pk).state == state, who
        assert OrderEvent.objects.count() == events, who
        assert order.id not in ids(client.get("/api/orders")), who


@pytest.mark.parametrize(("method", "path", "state", "body"), ENDPOINTS,
                         ids=[f"{m}{p or '/'}" for m, p, _s, _b in ENDPOINTS])
def test_every_endpoint_answers_401_to_anonymous_callers(client, orders, method, path, state,
                                                          body):
    url = f"/api/orders/{orders[state].id}{path}"
    response = client.get(url) if method == "GET" else post(client, url, {})
    assert_error(response, 401, "not_authenticated")


@pytest.mark.parametrize(("who", "path", "state", "body"), [
    ("res1", "/review", "submitted", {}),
    ("res1", "/dispatch", "reviewed", "volunteer"),  # 404: res1 cannot see that volunteer
    ("res1", "/accept", "dispatched", {}),
    ("res1", "/complete", "accepted", {"note": "完成", "hours": "1", "people_served": 1}),
    ("vol1", "/review", "submitted", None),  # vol1 cannot even see a submitted order
    ("vol1", "/cancel", "dispatched", {}),
    ("vol1", "/rate", "completed", {"score": 5}),
    ("sta1_staff", "/accept", "dispatched", {}),
    ("sta1_staff", "/rate", "completed", {"score": 5}),
])
def test_a_caller_who_sees_an_order_may_only_make_their_own_moves(
        world, client_for, orders, who, path, state, body):
    order = orders[state]
    user = getattr(world, who)
    client = client_for(getattr(user, "user", user))
    if body == "volunteer":
        body = {"volunteer_id": world.vol1.id}
    response = post(client, f"/api/orders/{order.id}{path}", body or {})
    assert_error(response, 404 if body is None or path == "/dispatch" else 403)
    assert ServiceOrder.objects.get(pk=order.pk).state == state


def test_a_resident_sees_only_their_own_orders(world, client_for):
    mine = submit(world.res1)
    neighbour = resident_at(world.sta1, "neighbour")
    theirs = submit(neighbour)
    client = client_for(world.res1.user)

    assert ids(client.get("/api/orders")) == {mine.id}
    assert ids(client.get("/api/orders?mine=1")) == {mine.id}
    assert client.get(f"/api/orders/{mine.id}").status_code == 200
    assert_error(client.get(f"/api/orders/{theirs.id}"), 404, "not_found")


def test_staff_see_their_subtrees_orders_and_nothing_else(world, client_for):
    at_sta1 = submit(world.res1)
    at_sta2 = submit(world.res1, at=(39.995, 116.352))
    at_sta1b = submit(world.res1, at=(39.985, 116.312))
    assert (at_sta1.org, at_sta2.org, at_sta1b.org) == (world.sta1, world.sta2, world.sta1b)

    seen = {who: ids(client_for(getattr(world, who)).get("/api/orders")) for who in
            ["sta1_staff", "sta2_staff", "inst1_staff", "inst2_staff", "center_staff", "admin"]}

    assert seen == {
        "sta1_staff": {at_sta1.id}, "sta2_staff": {at_sta2.id},
        "inst1_staff": {at_sta1.id, at_sta1b.id}, "inst2_staff": {at_sta2.id},
        "center_staff": {at_sta1.id, at_sta2.id, at_sta1b.id},
        "admin": {at_sta1.id, at_sta2.id, at_sta1b.id},
    }
    client = client_for(world.inst1_staff)
    assert ids(client.get(f"/api/orders?org={world.sta1b.id}")) == {at_sta1b.id}
    assert_error(client.get(f"/api/orders?org={world.sta2.id}"), 404)


def test_a_station_still_sees_its_escalated_order_but_only_the_parent_handles_it(
        world, client_for):
    order = overdue(submit(world.res1))
    assert order.org == world.inst1

    sta1 = client_for(world.sta1_staff)
    assert order.id in ids(sta1.get("/api/orders"))
    assert sta1.get(f"/api/orders/{order.id}").json()["state"] == "escalated_queue"
    assert_error(post(sta1, f"/api/orders/{order.id}/review"), 403, "forbidden")
    assert_error(sta1.get(f"/api/orders/{order.id}/candidates"), 403, "forbidden")
    assert order.id not in ids(client_for(world.sta2_staff).get("/api/orders"))

    inst1 = client_for(world.inst1_staff)
    assert post(inst1, f"/api/orders/{order.id}/review").json()["state"] == "reviewed"


def test_a_volunteer_sees_orders_dispatched_to_them_and_nothing_else(world, client_for):
    mine = order_in("dispatched", resident=world.res1, staff=world.sta1_staff,
                    volunteer=world.vol1)
    other = order_in("dispatched", resident=world.res1, staff=world.sta1_staff,
                     volunteer=volunteer_at(world.sta1, "vol1c"))
    submitted = submit(world.res1)
    client = client_for(world.vol1.user)

    assert ids(client.get("/api/orders")) == {mine.id}
    for order in (other, submitted):
        assert_error(client.get(f"/api/orders/{order.id}"), 404)
        assert_error(post(client, f"/api/orders/{order.id}/accept"), 404)


def test_a_volunteer_sees_open_orders_near_home_only(world, client_for):
    open_order = order_in("open", resident=world.res1, staff=world.sta1_staff,
                          volunteer=world.vol1)
    near, far = world.vol1, world.vol2
    at_home(near, 39.983, 116.307)
    at_home(far, 40.25, 116.60)  # about 40 km away
    homeless = world.vol1b  # no home on file: nothing is "near"

    assert ids(client_for(near.user).get("/api/orders")) == {open_order.id}
    for volunteer in (far, homeless):
        client = client_for(volunteer.user)
        assert ids(client.get("/api/orders")) == set()
        assert_error(post(client, f"/api/orders/{open_order.id}/grab"), 404)

    response = post(client_for(near.user), f"/api/orders/{open_order.id}/grab")
    assert response.status_code == 200
    assert response.json()["volunteer_id"] == near.id
    # Once taken it is no longer open to the others; the grabber keeps seeing it.
    at_home(far, 39.983, 116.307)
    late = client_for(far.user)
    assert ids(late.get("/api/orders")) == set()
    assert_error(late.get(f"/api/orders/{open_order.id}"), 404)
    assert_error(post(late, f"/api/orders/{open_order.id}/grab"), 409, "invalid_transition")
    assert ids(client_for(near.user).get("/api/orders")) == {open_order.id}
    never_offered = submit(world.res1)  # near, but never open: nothing to grab, nothing shown
    assert_error(post(late, f"/api/orders/{never_offered.id}/grab"), 404)


def test_a_team_leader_sees_and_accepts_orders_of_their_team_but_members_do_not(
        world, client_for):
    member = volunteer_at(world.sta1, "member")
    team = team_services.team_create(by=world.sta1_staff, name="稻香园助老队", org=world.sta1,
                                     leader=world.vol1)
    team.memberships.create(volunteer=member, status="active")
    order = services.order_review(by=world.sta1_staff, order=submit(world.res1))
    response = post(client_for(world.sta1_staff), f"/api/orders/{order.id}/dispatch",
                    {"team_id": team.id})
    assert response.json()["team_id"] == team.id

    assert_error(client_for(member.user).get(f"/api/orders/{order.id}"), 404)
    leader = client_for(world.vol1.user)
    assert ids(leader.get("/api/orders")) == {order.id}
    accepted = post(leader, f"/api/orders/{order.id}/accept").json()
    assert (accepted["state"], accepted["volunteer_id"], accepted["team_id"]) == \
        ("accepted", world.vol1.id, team.id)


def test_a_grid_manager_sees_the_appeals_of_their_grid_only(world, client_for):
    manager, other_manager = UserFactory(username="gm1"), UserFactory(username="gm2")
    grid_create(station=world.sta1b, name="一网格", polygon=GRID_SQUARE, managers=[manager])
    grid_create(station=world.sta2, name="二网格",
                polygon=[[39.994, 116.351], [39.994, 116.353], [39.996, 116.353],
                         [39.996, 116.351]], managers=[other_manager])
    appeal = submit(world.res1, kind="appeal", at=INSIDE_GRID)
    service = submit(world.res1, at=INSIDE_GRID)
    elsewhere = submit(world.res1, kind="appeal", at=STA1)

    client = client_for(manager)
    assert ids(client.get("/api/orders")) == {appeal.id}
    assert ids(client.get("/api/orders?kind=appeal")) == {appeal.id}
    assert client.get(f"/api/orders/{appeal.id}").status_code == 200
    for order in (service, elsewhere):
        assert_error(client.get(f"/api/orders/{order.id}"), 404)
    assert ids(client_for(other_manager).get("/api/orders")) == set()
    # A grid manager acts on the appeals of their grid (issue 13): 受理 here; dispatching to
    # volunteers stays the station's work.
    assert post(client, f"/api/orders/{appeal.id}/review").json()["state"] == "reviewed"
    assert_error(post(client_for(other_manager), f"/api/orders/{appeal.id}/review"), 404)
    assert_error(post(client, f"/api/orders/{appeal.id}/open"), 403)


def test_list_filters_by_state_and_kind(world, client_for):
    submitted = submit(world.res1)
    appeal = submit(world.res1, kind="appeal")
    reviewed = services.order_review(by=world.sta1_staff, order=submit(world.res1))
    client = client_for(world.sta1_staff)

    assert ids(client.get("/api/orders?state=submitted")) == {submitted.id, appeal.id}
    assert ids(client.get("/api/orders?state=reviewed")) == {reviewed.id}
    assert ids(client.get("/api/orders?kind=appeal")) == {appeal.id}
    assert ids(client.get("/api/orders?kind=service&state=submitted")) == {submitted.id}
    body = client.get("/api/orders?page_size=2").json()
    assert (len(body["items"]), body["count"]) == (2, 3)
    assert_error(client.get("/api/orders?page_size=500"), 422)


def test_the_phone_is_masked_until_those_who_serve_ask_and_the_resident_sees_their_own(
        world, client_for):
    """Issue 9: the full phone only on an explicit, audited reveal (?reveal=1); the list
    and the plain detail mask it for staff and the volunteer (they showed it in full)."""
    order = order_in("dispatched", resident=world.res1, staff=world.sta1_staff,
                     volunteer=world.vol1)
    mobile = world.res1.user.mobile
    masked = f"{mobile[:3]}****{mobile[-4:]}"
    for user in (world.sta1_staff, world.vol1.user):
        client = client_for(user)
        assert client.get("/api/orders").json()["items"][0]["contact_phone"] == masked
        assert client.get(f"/api/orders/{order.id}").json()["contact_phone"] == masked
        assert client.get(f"/api/orders/{order.id}?reveal=1").json()["contact_phone"] == mobile
    client = client_for(world.res1.user)
    assert client.get("/api/orders").json()["items"][0]["contact_phone"] == mobile
    assert client.get(f"/api/orders/{order.id}").json()["contact_phone"] == mobile


def _orders(world, n: int) -> None:
    residents = [Resident.objects.create(user=UserFactory(), station=world.sta1)
                 for _ in range(n)]
    volunteers = [volunteer_at(world.sta1) for _ in range(n)]
    for resident, volunteer in zip(residents, volunteers, strict=True):
        order_in("accepted", resident=resident, staff=world.sta1_staff, volunteer=volunteer)


@pytest.mark.parametrize("who", ["sta1_staff", "vol1", "res1"])
def test_the_list_takes_the_same_number_of_queries_for_1_or_15_orders(
        world, client_for, django_assert_num_queries, who):
    user = getattr(world, who)
    client = client_for(getattr(user, "user", user))
    order_in("accepted", resident=world.res1, staff=world.sta1_staff, volunteer=world.vol1)
    client.get("/api/orders")  # warm up: session and language
    with django_assert_num_queries(QUERIES[who]) as few:
        assert len(client.get("/api/orders").json()["items"]) == 1
    _orders(world, 14)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get("/api/orders?page_size=50")


# Session, user, roles, the volunteer profile (and a volunteer's led teams), page, count;
# and the scope's id lists (issue 10): my resident row, my grids, whether I am a unit's
# account, my subtree's nodes (staff only) — constant however many orders.
QUERIES = {"sta1_staff": 10, "vol1": 10, "res1": 9}


def test_the_detail_takes_the_same_number_of_queries_however_long_its_history(
        world, client_for, django_assert_num_queries):
    short = submit(world.res1)
    long = order_in("rated", resident=world.res1, staff=world.sta1_staff, volunteer=world.vol1)
    client = client_for(world.sta1_staff)
    client.get(f"/api/orders/{short.id}")
    with django_assert_num_queries(6) as few:  # session, user, roles, volunteer, order, history
        client.get(f"/api/orders/{short.id}")
    with django_assert_num_queries(len(few.captured_queries)):
        assert len(client.get(f"/api/orders/{long.id}").json()["history"]) == 6


def test_a_staff_member_orders_on_behalf_only_within_their_subtree(world, client_for):
    response = post(client_for(world.sta2_staff), "/api/orders",
                    order_body(resident_id=world.res1.id))
    assert_error(response, 404, "unknown_resident")


def test_the_list_is_a_fixed_number_of_queries_with_a_capped_count(
        world, orders, monkeypatch, django_assert_max_num_queries):
    """Issue 10: the scope is id lists on indexed columns (no OR over joins, no DISTINCT)
    and the count stops at a cap, as the ledger's lists do."""
    from wenming.orders import api

    client = logged_in(world.center_staff)
    client.get("/api/orders")
    with django_assert_max_num_queries(10):
        body = client.get("/api/orders").json()
    assert body["count"] == len(orders) and body["count_capped"] is False
    monkeypatch.setattr(api, "COUNT_CAP", 2)
    body = client.get("/api/orders").json()
    assert (body["count"], body["count_capped"]) == (2, True)
    assert len(body["items"]) == min(20, len(orders))
    # the subtree filter (by node ids) keeps the scope: a sibling's node is a 404
    assert ids(client.get(f"/api/orders?org={world.sta1.pk}")) == {o.pk for o in orders.values()}
    assert logged_in(world.sta2_staff).get(f"/api/orders?org={world.sta1.pk}").status_code == 404


def test_a_large_subtree_reads_its_nodes_as_a_subquery(world, orders, monkeypatch):
    """The same orders whether the subtree's nodes come as a list or, past NODE_LIST_MAX,
    as a subquery."""
    from wenming.orders import permissions

    listed = ids(logged_in(world.center_staff).get("/api/orders?page_size=200"))
    monkeypatch.setattr(permissions, "NODE_LIST_MAX", 1)
    assert ids(logged_in(world.center_staff).get("/api/orders?page_size=200")) == listed
    assert ids(logged_in(world.sta2_staff).get("/api/orders?page_size=200")) == set()
