"""The rooms API: opening rooms, booking slots, the refusals (past, closed hours, capacity,
overlap) and scope."""

import pytest

from wenming.core.tests.helpers import assert_error, post_json
from wenming.rooms.models import Booking, BookingEvent, Room
from wenming.rooms.tests.support import at, book, iso, room, slot

pytestmark = pytest.mark.django_db


def booking_body(days=1, hour=10, hours=1, **extra) -> dict:
    s = slot(days, hour, hours)
    return {"start": iso(s["start"]), "end": iso(s["end"]), "purpose": "合唱排练",
            "attendees": 5, **extra}


def test_staff_open_a_room_of_their_station(world, client_for):
    response = post_json(client_for(world.sta1_staff), "/api/rooms", {
        "org_id": world.sta1.id, "name": "活动室", "capacity": 30,
        "opening_hours": {"0": ["09:00", "17:00"]}, "needs_approval": True})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["opening_hours"] == {"0": ["09:00", "17:00"]} and body["manages"] is True


def test_a_sibling_station_staff_cannot_open_a_room_here(world, client_for):
    response = post_json(client_for(world.sta2_staff), "/api/rooms", {
        "org_id": world.sta1.id, "name": "活动室", "capacity": 30})
    assert_error(response, 404)
    assert not Room.objects.exists()


def test_a_room_belongs_to_a_station_or_point(world, client_for):
    response = post_json(client_for(world.inst1_staff), "/api/rooms", {
        "org_id": world.inst1.id, "name": "活动室", "capacity": 30})
    assert_error(response, 422, "invalid_org")


@pytest.mark.parametrize("hours", [{"7": ["09:00", "17:00"]}, {"0": ["17:00", "09:00"]},
                                   {"0": ["9点", "17:00"]}, {"0": ["09:00"]}])
def test_bad_opening_hours_are_refused(world, client_for, hours):
    response = post_json(client_for(world.sta1_staff), "/api/rooms", {
        "org_id": world.sta1.id, "name": "活动室", "capacity": 30, "opening_hours": hours})
    assert response.status_code in (400, 422)
    assert not Room.objects.exists()


def test_a_resident_books_a_free_slot(world, client_for):
    r = room(world)
    response = post_json(client_for(world.res1.user), f"/api/rooms/{r.id}/bookings",
                         booking_body())
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "confirmed" and body["allowed_moves"] == ["cancel"]
    assert BookingEvent.objects.filter(booking_id=body["id"], to_state="confirmed").count() == 1


def test_an_overlapping_booking_is_a_conflict(world, client_for):
    r = room(world)
    book(world, r, hour=10, hours=2)
    client = client_for(world.vol1.user)
    response = post_json(client, f"/api/rooms/{r.id}/bookings", booking_body(hour=11))
    assert_error(response, 409, "slot_taken")
    # Back to back is not an overlap.
    assert post_json(client, f"/api/rooms/{r.id}/bookings",
                     booking_body(hour=12)).status_code == 201
    assert Booking.objects.count() == 2


def test_a_cancelled_booking_frees_its_slot(world, client_for):
    r = room(world)
    booking = book(world, r)
    client = client_for(world.res1.user)
    assert post_json(client, f"/api/rooms/{r.id}/bookings/{booking.id}/cancel",
                     {}).status_code == 200
    assert post_json(client, f"/api/rooms/{r.id}/bookings", booking_body()).status_code == 201


@pytest.mark.parametrize(("body", "code"), [
    (lambda: booking_body(days=-1), "in_past"),
    (lambda: booking_body(hour=6), "outside_hours"),
    (lambda: booking_body(hour=20, hours=2), "outside_hours"),
    (lambda: {**booking_body(), "attendees": 21}, "over_capacity"),
    (lambda: {**booking_body(), "end": iso(at(1, 9))}, "invalid_time"),
    (lambda: booking_body(days=200), "too_far_ahead"),
    (lambda: {**booking_body(), "purpose": "  "}, None),
    (lambda: {**booking_body(), "attendees": 0}, None),
    (lambda: {**booking_body(), "start": "明天"}, None),
    (lambda: {**booking_body(), "start": "9999-01-01T10:00:00+08:00"}, None),
    (lambda: {**booking_body(), "surprise": 1}, None),
])
def test_bad_bookings_are_refused_and_nothing_is_written(world, client_for, body, code):
    r = room(world)
    response = post_json(client_for(world.res1.user), f"/api/rooms/{r.id}/bookings", body())
    assert 400 <= response.status_code < 500 and response.status_code != 404
    if code:
        assert_error(response, 422, code)
    assert not Booking.objects.exists() and not BookingEvent.objects.exists()


def test_a_closed_weekday_cannot_be_booked(world, client_for):
    tomorrow = at(1, 10).weekday()
    r = room(world, hours={str(d): ["08:00", "21:00"] for d in range(7) if d != tomorrow})
    response = post_json(client_for(world.res1.user), f"/api/rooms/{r.id}/bookings",
                         booking_body())
    assert_error(response, 422, "outside_hours")


def test_a_room_needing_approval_waits_for_its_staff(world, client_for):
    r = room(world, needs_approval=True)
    body = post_json(client_for(world.res1.user), f"/api/rooms/{r.id}/bookings",
                     booking_body()).json()
    assert body["state"] == "pending"
    url = f"/api/rooms/{r.id}/bookings/{body['id']}"
    assert_error(post_json(client_for(world.sta2_staff), f"{url}/approve", {}), 404)
    assert_error(post_json(client_for(world.res1.user), f"{url}/approve", {}), 403)
    assert_error(post_json(client_for(world.sta1_staff), f"{url}/reject", {}), 422,
                 "reason_required")
    approved = post_json(client_for(world.sta1_staff), f"{url}/approve", {}).json()
    assert approved["state"] == "confirmed"
    assert [h["to"] for h in approved["history"]] == ["pending", "confirmed"]
    assert world.res1.user.notifications.filter(title__contains="已预约").exists()


def test_staff_booking_their_own_room_need_no_approval(world):
    assert book(world, room(world, needs_approval=True), by=world.sta1_staff).state == "confirmed"


def test_others_see_a_taken_slot_but_not_who_or_why(world, client_for):
    r = room(world)
    book(world, r)
    items = client_for(world.vol2.user).get(f"/api/rooms/{r.id}/bookings?from="
                                            f"{at(0, 0).date()}").json()["items"]
    assert len(items) == 1 and "purpose" not in items[0] and items[0]["allowed_moves"] == []
    mine = client_for(world.res1.user).get(f"/api/rooms/{r.id}/bookings?from="
                                           f"{at(0, 0).date()}").json()["items"]
    assert mine[0]["purpose"] == "老年合唱排练" and mine[0]["mine"] is True


def test_a_booking_in_another_district_is_not_found(world, client_for):
    from wenming.points.tests.test_support import other_district

    other_staff, stranger = other_district()
    r = room(world)
    booking = book(world, r)
    for user in (other_staff, stranger.user, world.outsider):
        client = client_for(user)
        assert_error(client.get(f"/api/rooms/{r.id}"), 404)
        assert_error(client.get(f"/api/rooms/{r.id}/bookings/{booking.id}"), 404)
        assert_error(post_json(client, f"/api/rooms/{r.id}/bookings", booking_body(hour=15)),
                     404)
    assert client_for(world.outsider).get("/api/rooms").json()["count"] == 0


def test_a_booking_is_seen_only_by_its_booker_and_the_rooms_staff(world, client_for):
    r = room(world)
    booking = book(world, r)
    url = f"/api/rooms/{r.id}/bookings/{booking.id}"
    for user in (world.vol1.user, world.sta2_staff, world.inst2_staff):
        assert_error(client_for(user).get(url), 404)
    for user in (world.res1.user, world.sta1_staff, world.inst1_staff, world.center_staff):
        assert client_for(user).get(url).status_code == 200


def test_no_show_is_recorded_once_the_slot_has_begun(world, client_for):
    from wenming.rooms.tests.support import begun

    r = room(world)
    future, past = book(world, r), begun(world, r)
    staff = client_for(world.sta1_staff)
    assert client_for(world.sta1_staff).get(
        f"/api/rooms/{r.id}/bookings/{future.id}").json()["allowed_moves"] == ["cancel"]
    assert_error(post_json(staff, f"/api/rooms/{r.id}/bookings/{future.id}/no_show", {}), 403)
    body = post_json(staff, f"/api/rooms/{r.id}/bookings/{past.id}/no_show", {}).json()
    assert body["state"] == "no_show"
    assert_error(post_json(staff, f"/api/rooms/{r.id}/bookings/{past.id}/attend", {}), 409,
                 "invalid_transition")


def test_an_unknown_move_is_not_found(world, client_for):
    r = room(world)
    booking = book(world, r)
    assert_error(post_json(client_for(world.sta1_staff),
                           f"/api/rooms/{r.id}/bookings/{booking.id}/explode", {}), 404)


def test_staff_change_their_rooms_only(world, client_for):
    r = room(world)
    url = f"/api/rooms/{r.id}"
    # A sibling station's staff see the room (it is open to the district), never edit it.
    assert_error(client_for(world.sta2_staff).patch(url, {"capacity": 5},
                                                    content_type="application/json"), 403)
    assert_error(client_for(world.res1.user).patch(url, {"capacity": 5},
                                                   content_type="application/json"), 403)
    assert_error(client_for(world.sta1_staff).patch(
        url, {"opening_hours": {"0": ["18:00", "08:00"]}}, content_type="application/json"),
        422, "invalid_hours")
    changed = client_for(world.inst1_staff).patch(url, {"capacity": 8, "is_open": False},
                                                  content_type="application/json")
    assert changed.status_code == 200 and changed.json()["can_book"] is False
    r.refresh_from_db()
    assert (r.capacity, r.is_open, r.opening_hours["0"]) == (8, False, ["08:00", "21:00"])
    assert_error(post_json(client_for(world.res1.user), f"/api/rooms/{r.id}/bookings",
                           booking_body()), 403)


def test_the_lists_take_a_fixed_number_of_queries(world, client_for,
                                                  django_assert_max_num_queries):
    rooms = [room(world) for _ in range(3)]
    for i, r in enumerate(rooms):
        book(world, r, hour=10 + i)
        book(world, r, hour=15, by=world.vol1.user)
    client = client_for(world.sta1_staff)
    with django_assert_max_num_queries(8):
        assert client.get("/api/rooms").json()["count"] == 3
    with django_assert_max_num_queries(10):
        assert len(client.get(f"/api/rooms/{rooms[0].id}/bookings").json()["items"]) >= 1
