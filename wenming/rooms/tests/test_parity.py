"""Parity: for every persona and every state of a booking, the moves its page offers
(`data-move`), the moves the API lists (`allowed_moves`) and the moves the service carries
out are the same set; and the rules themselves are pinned."""

import re

import pytest
from django.db import transaction

from wenming.core.errors import DomainError
from wenming.rooms import services
from wenming.rooms.models import MOVES, Booking
from wenming.rooms.permissions import booking_get_for_user
from wenming.rooms.tests.support import begun, book, room

pytestmark = pytest.mark.django_db

PERSONAS = ["admin", "center_staff", "inst1_staff", "inst2_staff", "sta1_staff", "sta2_staff",
            "vol1", "vol2", "res1", "outsider"]
STAFF_ABOVE = ["admin", "center_staff", "inst1_staff", "sta1_staff"]


class RolledBack(Exception):
    pass


def _moved(world, booking, move, by=None):
    return services.booking_move(by=by or world.sta1_staff, booking=booking, move=move,
                                 reason="场地维修")


SCENES = {
    "pending": lambda w: book(w, room(w, needs_approval=True)),
    "confirmed": lambda w: book(w, room(w)),
    "begun": lambda w: begun(w, room(w)),
    "rejected": lambda w: _moved(w, book(w, room(w, needs_approval=True)), "reject"),
    "cancelled": lambda w: _moved(w, book(w, room(w)), "cancel", by=w.res1.user),
    "no_show": lambda w: _moved(w, begun(w, room(w)), "no_show"),
}
EXPECTED = {
    "pending": {**{p: {"approve", "reject", "cancel"} for p in STAFF_ABOVE}, "res1": {"cancel"}},
    "confirmed": {**{p: {"cancel"} for p in STAFF_ABOVE}, "res1": {"cancel"}},
    "begun": {p: {"attend", "no_show"} for p in STAFF_ABOVE},
    "rejected": {}, "cancelled": {}, "no_show": {},
}


def service_moves(user, booking) -> set[str]:
    done = set()
    for move in MOVES:
        try:
            with transaction.atomic():
                fresh = booking_get_for_user(user, booking.room, booking.pk)
                services.booking_move(by=user, booking=fresh, move=move, reason="原因")
                raise RolledBack
        except RolledBack:
            done.add(move)
        except DomainError:
            pass
    return done


def page_moves(client, booking) -> set[str] | None:
    response = client.get(f"/rooms/{booking.room_id}/bookings/{booking.pk}/")
    if response.status_code == 404:
        return None
    return set(re.findall(r'data-move="([a-z_]+)"', response.content.decode()))


def api_moves(client, booking) -> set[str] | None:
    response = client.get(f"/api/rooms/{booking.room_id}/bookings/{booking.pk}")
    if response.status_code == 404:
        return None
    return set(response.json()["allowed_moves"])


@pytest.mark.parametrize("scene", SCENES)
def test_page_api_and_service_agree_for_every_persona(world, client_for, scene):
    booking = SCENES[scene](world)
    seen = {}
    for persona in PERSONAS:
        person = getattr(world, persona)
        user = getattr(person, "user", person)
        client = client_for(user)
        page, api = page_moves(client, booking), api_moves(client, booking)
        assert page == api, (scene, persona, page, api)
        if page is not None:
            assert page == service_moves(user, booking), (scene, persona)
        seen[persona] = page
    assert Booking.objects.get(pk=booking.pk).state == booking.state
    assert {p: m for p, m in seen.items() if m} == EXPECTED[scene]
