"""Slots racing on the real database (a SQLite file or PostgreSQL): the room's row lock and
the overlap check inside the transaction let exactly one of the overlapping requests win."""

import pytest

from wenming.core.tests.helpers import post_json
from wenming.people.tests.factories import resident_at
from wenming.points.tests.test_support import outcome
from wenming.rooms.models import Booking, BookingEvent
from wenming.rooms.tests.support import iso, room, slot
from wenming.testing import logged_in, race

pytestmark = pytest.mark.django_db(transaction=True)


def body(hour: int, hours: int = 1) -> dict:
    s = slot(1, hour, hours)
    return {"start": iso(s["start"]), "end": iso(s["end"]), "purpose": "读书会", "attendees": 3}


def test_many_people_booking_one_slot_one_gets_it(world):
    r = room(world)
    clients = [logged_in(resident_at(world.sta1).user) for _ in range(8)]

    responses = race([lambda c=c: post_json(c, f"/api/rooms/{r.id}/bookings", body(10))
                      for c in clients])

    assert outcome(responses) == {(201, None): 1, (409, "slot_taken"): 7}
    assert Booking.objects.count() == 1 and BookingEvent.objects.count() == 1


def test_overlapping_but_different_slots_one_wins_and_a_separate_one_too(world):
    r = room(world)
    clients = [logged_in(resident_at(world.sta1).user) for _ in range(3)]
    bodies = [body(10, 2), body(11, 2), body(14)]  # the first two overlap, the third is apart

    responses = race([lambda c=c, b=b: post_json(c, f"/api/rooms/{r.id}/bookings", b)
                      for c, b in zip(clients, bodies, strict=True)])

    assert outcome(responses) == {(201, None): 2, (409, "slot_taken"): 1}
    held = list(Booking.objects.order_by("start"))
    assert held[0].end <= held[1].start  # no two held slots overlap
