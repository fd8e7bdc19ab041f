"""The transition map through the API: for every state and every move, an allowed move
lands in its state and writes one event; any other is refused with 409 invalid_transition
and changes nothing. The caller holds every role, so only the state decides."""

import pytest

from wenming.core.tests.helpers import assert_error
from wenming.orders.models import OrderEvent, ServiceOrder
from wenming.orders.tests.test_support import everyone, order_body, order_in, overdue, post
from wenming.people.tests.factories import volunteer_at

pytestmark = pytest.mark.django_db

STATES = ["submitted", "reviewed", "rejected", "dispatched", "open", "declined", "accepted",
          "completed", "rated", "escalated_queue", "escalated_serving", "cancelled"]

# move -> (the state it leads to, the states it may start from): the pipeline of issue 4.
MOVES = {
    "review": ("reviewed", {"submitted", "escalated_queue"}),
    "reject": ("rejected", {"submitted", "reviewed", "escalated_queue"}),
    "dispatch": ("dispatched", {"reviewed", "declined", "open", "escalated_queue"}),
    "open": ("open", {"reviewed", "declined", "escalated_queue"}),
    "grab": ("accepted", {"open"}),
    "accept": ("accepted", {"dispatched"}),
    "decline": ("declined", {"dispatched"}),
    "complete": ("completed", {"accepted", "escalated_serving"}),
    "rate": ("rated", {"completed"}),
    "cancel": ("cancelled", {"submitted", "reviewed", "dispatched", "declined", "open",
                             "escalated_queue"}),
}


def body(move: str, volunteer) -> dict:
    return {"reject": {"reason": "不属于志愿服务范围"}, "dispatch": {"volunteer_id": volunteer.id},
            "decline": {"reason": "临时有事"},
            "complete": {"note": "已完成", "hours": "1.5", "people_served": 2},
            "rate": {"score": 4, "comment": "满意"}, "cancel": {"reason": "不需要了"},
            }.get(move, {})


@pytest.fixture
def person(world):
    return everyone(world)


@pytest.mark.parametrize("state", STATES)
def test_each_move_from_each_state(world, person, client_for, state):
    """Each refused move is tried on one order (it must stay as it was); each allowed move
    on a fresh order in `state`."""
    client = client_for(person.user)

    def build() -> ServiceOrder:
        order = order_in(state, resident=person.user.resident, staff=person.user,
                         volunteer=person)
        assert order.state == state
        return order

    refused = build()
    events = OrderEvent.objects.filter(order=refused).count()
    for move, (to, sources) in MOVES.items():
        order = build() if state in sources else refused
        before = OrderEvent.objects.filter(order=order).count()

        response = post(client, f"/api/orders/{order.id}/{move}", body(move, person))

        stored = ServiceOrder.objects.get(pk=order.pk)
        if state in sources:
            assert response.status_code == 200, (move, response.content)
            assert response.json()["state"] == stored.state == to, move
            assert OrderEvent.objects.filter(order=order).count() == before + 1, move
        else:
            assert response.status_code == 409, (move, response.content)
            assert_error(response, 409, "invalid_transition")
            assert (stored.state, stored.updated_at) == (state, refused.updated_at), move
    assert OrderEvent.objects.filter(order=refused).count() == events


def test_an_order_escalated_after_acceptance_stays_with_its_volunteer(world, person, client_for):
    """Past the completion limit the parent takes over, but the volunteer who accepted may
    still finish, and the resident may no longer cancel (cancelling is before acceptance)."""
    order = overdue(order_in("accepted", resident=world.res1, staff=world.sta1_staff,
                             volunteer=world.vol1))
    assert (order.state, order.org_id, order.volunteer_id) == ("escalated_serving",
                                                               world.inst1.id, world.vol1.id)
    for user, move in [(world.res1.user, "cancel"), (world.vol1.user, "accept"),
                       (world.vol1.user, "decline")]:
        assert_error(post(client_for(user), f"/api/orders/{order.id}/{move}",
                          body(move, world.vol1)), 409, "invalid_transition")
    response = post(client_for(world.vol1.user), f"/api/orders/{order.id}/complete",
                    body("complete", world.vol1))
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "completed"


def test_the_whole_pipeline_keeps_who_when_and_why(world, client_for):
    """点单-审单-派单-拒单-派单-接单-完成-评单, every step in the history in order."""
    res = client_for(world.res1.user)
    staff = client_for(world.sta1_staff)
    other = volunteer_at(world.sta1, "vol1c")
    vol1, vol1c = client_for(world.vol1.user), client_for(other.user)
    created = post(res, "/api/orders", order_body())
    assert created.status_code == 201, created.content
    oid = created.json()["id"]
    url = f"/api/orders/{oid}"
    steps = [
        (staff, "review", {}),
        (staff, "dispatch", {"volunteer_id": world.vol1.id}),
        (vol1, "decline", {"reason": "今天在外地"}),
        (staff, "dispatch", {"volunteer_id": other.id}),
        (vol1c, "accept", {}),
        (vol1c, "complete", {"note": "药已送到", "hours": "1", "people_served": 1}),
        (res, "rate", {"score": 5, "comment": "非常感谢"}),
    ]
    for client, move, data in steps:
        response = post(client, f"{url}/{move}", data)
        assert response.status_code == 200, (move, response.content)

    detail = res.get(url).json()
    assert detail["state"] == "rated"
    assert detail["volunteer_id"] == other.id
    history = detail["history"]
    assert [(h["from"], h["to"]) for h in history] == [
        (None, "submitted"), ("submitted", "reviewed"), ("reviewed", "dispatched"),
        ("dispatched", "declined"), ("declined", "dispatched"), ("dispatched", "accepted"),
        ("accepted", "completed"), ("completed", "rated")]
    by = [h["by_id"] for h in history]
    assert by == [world.res1.user.id, world.sta1_staff.id, world.sta1_staff.id,
                  world.vol1.user.id, world.sta1_staff.id, other.user.id,
                  other.user.id, world.res1.user.id]
    assert all(h["by"] for h in history)
    assert history[3]["reason"] == "今天在外地"
    times = [h["at"] for h in history]
    assert times == sorted(times) and all(t.endswith("+08:00") for t in times)
    assert set(history[0]) >= {"from", "to", "by", "at", "reason"}
