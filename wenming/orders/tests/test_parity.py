"""One rulebook, three readers: for every persona and every state, the moves the pages offer
(their `data-move` buttons and forms), the API's `allowed_moves` and what the services do
when the persona tries each move (succeed, or refuse with 403/404/409) are the same set.

The persona calls a service the way a page or the API does: the order through the scope
read (404 outside it), the volunteer profile through `my_volunteer` (403 without one). Each
try runs in a savepoint rolled back afterwards, so every move starts from the same order.
"""

import re
from decimal import Decimal

import pytest
from django.db import transaction

from wenming.core.errors import DomainError
from wenming.orders import services
from wenming.orders.models import MOVES
from wenming.orders.permissions import order_get_for_grab, order_get_for_user
from wenming.orders.tests.test_support import STA1, at_home, order_in, overdue
from wenming.people.selectors import my_volunteer
from wenming.teams import services as team_services
from wenming.teams.models import Membership

pytestmark = pytest.mark.django_db

STATES = ["submitted", "reviewed", "rejected", "dispatched", "open", "declined", "accepted",
          "completed", "rated", "escalated_queue", "escalated_serving", "cancelled"]
PERSONAS = ["admin", "center_staff", "inst1_staff", "inst2_staff", "sta1_staff", "sta2_staff",
            "vol1", "vol1b", "vol2", "res1", "outsider"]
MOVE = re.compile(r'data-move="([a-z]+)"')


class Rollback(Exception):
    pass


def user_of(world, name: str):
    persona = getattr(world, name)
    return getattr(persona, "user", persona)


def page_moves(client, order) -> set[str] | None:
    """The moves the order page and (for staff) the dispatch page offer; None when the
    caller may not see the order at all."""
    detail = client.get(f"/orders/{order.pk}/")
    if detail.status_code == 404:
        return None
    assert detail.status_code == 200
    moves = set(MOVE.findall(detail.content.decode()))
    desk = client.get(f"/orders/{order.pk}/dispatch/")
    assert desk.status_code in (200, 403)
    if desk.status_code == 200:
        moves |= set(MOVE.findall(desk.content.decode()))
    return moves


def api_moves(client, order) -> set[str] | None:
    response = client.get(f"/api/orders/{order.pk}")
    if response.status_code == 404:
        return None
    assert response.status_code == 200
    return set(response.json()["allowed_moves"])


def service_succeeds(user, order, move: str, *, volunteer) -> bool:
    """Try `move` as `user` would through a page or the API, then undo it."""
    try:
        with transaction.atomic():
            _try(user, order.pk, move, volunteer=volunteer)
            raise Rollback
    except Rollback:
        return True
    except DomainError:  # NotFound, Forbidden, Conflict
        return False


def _try(user, order_id: int, move: str, *, volunteer) -> None:
    if move == "grab":
        order = order_get_for_grab(user, order_id)
        services.order_grab(volunteer=my_volunteer(user), order=order)
        return
    order = order_get_for_user(user, order_id)
    if move in {"accept", "decline", "complete"}:
        mine = my_volunteer(user)
        kwargs = {"decline": {"reason": "临时有事"},
                  "complete": {"note": "已完成", "hours": Decimal("1"), "people_served": 1},
                  }.get(move, {})
        getattr(services, f"order_{move}")(volunteer=mine, order=order, **kwargs)
        return
    kwargs = {"reject": {"reason": "不属于志愿服务范围"}, "dispatch": {"volunteer": volunteer},
              "rate": {"score": 4}, "cancel": {"reason": "不需要了"}}.get(move, {})
    getattr(services, f"order_{move}")(by=user, order=order, **kwargs)


def outcomes(user, order, *, volunteer) -> set[str]:
    return {m for m in MOVES if service_succeeds(user, order, m, volunteer=volunteer)}


def assert_parity(world, client_for, order, names, *, dispatch_to) -> None:
    for name in names:
        user = user_of(world, name) if isinstance(name, str) else name
        client = client_for(user)
        on_page, in_api = page_moves(client, order), api_moves(client, order)
        done = outcomes(user, order, volunteer=dispatch_to)
        assert on_page == in_api, (name, order.state, on_page, in_api)
        assert (in_api or set()) == done, (name, order.state, in_api, done)


@pytest.fixture
def neighbours(world):
    """vol1 and vol1b live by sta1: vol1 ranks as a candidate, both see open orders."""
    at_home(world.vol1, STA1[0] + 0.0002, STA1[1] + 0.0002)
    at_home(world.vol1b, STA1[0] - 0.0002, STA1[1] - 0.0002)
    return world


@pytest.mark.parametrize("state", STATES)
def test_pages_api_and_services_agree_for_every_persona(neighbours, client_for, state):
    world = neighbours
    order = order_in(state, resident=world.res1, staff=world.sta1_staff, volunteer=world.vol1)
    assert order.state == state
    assert_parity(world, client_for, order, PERSONAS, dispatch_to=world.vol1)


@pytest.mark.parametrize("state", ["dispatched", "accepted", "escalated_serving", "completed"])
def test_a_team_order_agrees_for_its_leader_and_a_member(neighbours, client_for, state):
    world = neighbours
    team = team_services.team_create(by=world.sta1_staff, name="助老服务队", org=world.sta1,
                                     leader=world.vol1b)
    Membership.objects.create(team=team, volunteer=world.vol1, role=Membership.Role.MEMBER,
                              status=Membership.Status.ACTIVE)
    order = order_in("reviewed", resident=world.res1, staff=world.sta1_staff,
                     volunteer=world.vol1)
    order = services.order_dispatch(by=world.sta1_staff, order=order, team=team)
    if state != "dispatched":
        order = services.order_accept(volunteer=world.vol1b, order=order)
    if state == "escalated_serving":
        order = overdue(order)
    if state == "completed":
        order = services.order_complete(volunteer=world.vol1b, order=order, note="已完成",
                                        hours=Decimal("1"), people_served=1)
    assert order.state == state
    assert_parity(world, client_for, order, ["vol1b", "vol1", "res1", "sta1_staff"],
                  dispatch_to=world.vol1)
