"""Bookings racing for one lecturer's time on the real database (a SQLite file or
PostgreSQL): exactly one wins, the others get 409 slot_taken."""

import datetime

import pytest

from wenming.core.tests.helpers import post_json
from wenming.lectures.models import Booking
from wenming.lectures.tests.factories import at, roster
from wenming.people.tests.factories import staff_at
from wenming.testing import logged_in, race

pytestmark = pytest.mark.django_db(transaction=True)


def outcome(responses) -> dict:
    found: dict = {}
    for r in responses:
        key = (r.status_code, r.json().get("error", {}).get("code"))
        found[key] = found.get(key, 0) + 1
    return found


def test_many_overlapping_bookings_one_wins(world):
    r = roster(world)
    clients = [logged_in(staff_at(world.sta1, f"booker{n}")) for n in range(8)]
    start = at()

    def book(client, n):
        begins = start + datetime.timedelta(minutes=10 * n)  # all overlap the first
        return post_json(client, "/api/lecture-bookings", {
            "lecture_id": r.lecture.id, "start": begins.isoformat(), "place": "会议室",
            "booker_kind": "community", "org_id": world.sta1.id})

    responses = race([lambda c=c, n=n: book(c, n) for n, c in enumerate(clients)])

    assert outcome(responses) == {(201, None): 1, (409, "slot_taken"): 7}
    assert Booking.objects.filter(lecturer=r.famous).count() == 1


def test_different_lecturers_do_not_block_each_other(world):
    r = roster(world)
    start = at()
    calls = []
    for n, lecturer in enumerate((r.folk1, r.folk2)):
        client = logged_in(staff_at(world.sta1, f"team{n}"))
        calls.append(lambda c=client, lid=lecturer.id: post_json(c, "/api/lecture-bookings", {
            "lecture_id": r.team_lecture.id, "lecturer_id": lid, "start": start.isoformat(),
            "place": "会议室", "booker_kind": "community", "org_id": world.sta1.id}))

    responses = race(calls)

    assert outcome(responses) == {(201, None): 2}
