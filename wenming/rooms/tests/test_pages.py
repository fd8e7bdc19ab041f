"""The room pages: the list of my district's rooms, a room's week with its booking form, my
bookings, a booking's moves, the staff's queue and new-room form; scope on each."""

import pytest

from wenming.rooms.models import Booking, Room
from wenming.rooms.tests.support import at, begun, book, room

pytestmark = pytest.mark.django_db


def form_for(days=1, hour=10, **extra) -> dict:
    return {"date": at(days, 0).date().isoformat(), "start_time": f"{hour:02d}:00",
            "end_time": f"{hour + 1:02d}:00", "attendees": "4", "purpose": "书法兴趣小组",
            **extra}


def test_a_resident_books_from_the_rooms_week(world, client_for):
    r = room(world)
    client = client_for(world.res1.user)
    assert "稻香园暖客厅" in client.get("/rooms/").content.decode()
    page = client.get(f"/rooms/{r.id}/").content.decode()
    assert 'data-testid="booking-form"' in page and "全天空闲" in page
    response = client.post(f"/rooms/{r.id}/", form_for())
    booking = Booking.objects.get()
    assert response.status_code == 302 and response["Location"] == \
        f"/rooms/{r.id}/bookings/{booking.id}/"
    week = client.get(f"/rooms/{r.id}/?week={at(1, 0).date().isoformat()}").content.decode()
    assert "书法兴趣小组" in week
    # Someone else sees the slot taken, not what for.
    other = client_for(world.vol1.user).get(
        f"/rooms/{r.id}/?week={at(1, 0).date().isoformat()}").content.decode()
    assert "已被预约" in other and "书法兴趣小组" not in other
    assert "书法兴趣小组" in client.get("/rooms/mine/").content.decode()


def test_a_taken_slot_comes_back_as_a_form_error(world, client_for):
    r = room(world)
    book(world, r, hour=10)
    response = client_for(world.vol1.user).post(f"/rooms/{r.id}/", form_for(hour=10))
    assert response.status_code == 200 and "该时段已被预约" in response.content.decode()
    assert Booking.objects.count() == 1


@pytest.mark.parametrize("form", [form_for(days=-1), form_for(hour=6), form_for(attendees="99"),
                                  form_for(purpose=""), form_for(date="2026-13-40"),
                                  form_for(attendees="99999999999999999999999")])
def test_bad_page_bookings_are_refused(world, client_for, form):
    r = room(world)
    response = client_for(world.res1.user).post(f"/rooms/{r.id}/", form)
    assert response.status_code == 200 and 'class="error' in response.content.decode()
    assert not Booking.objects.exists()


def test_the_week_is_readable_for_weeks_far_away_or_mistyped(world, client_for):
    r = room(world)
    client = client_for(world.res1.user)
    for week in ("9999-01-01", "昨天", "0001-01-01", ""):
        assert client.get(f"/rooms/{r.id}/?week={week}").status_code == 200


def test_pages_outside_the_district_are_not_found(world, client_for):
    from wenming.points.tests.test_support import other_district

    other_staff, stranger = other_district()
    r = room(world)
    booking = book(world, r)
    for user in (other_staff, stranger.user, world.outsider):
        client = client_for(user)
        assert client.get(f"/rooms/{r.id}/").status_code == 404
        assert client.post(f"/rooms/{r.id}/", form_for(hour=15)).status_code == 404
        assert client.get(f"/rooms/{r.id}/bookings/{booking.id}/").status_code == 404
    assert client_for(world.vol1.user).get(
        f"/rooms/{r.id}/bookings/{booking.id}/").status_code == 404
    assert Booking.objects.count() == 1


def test_staff_decide_from_the_queue_only_in_their_subtree(world, client_for):
    r = room(world, needs_approval=True)
    pending = book(world, r)
    past = begun(world, r)
    page = client_for(world.sta1_staff).get("/rooms/queue/").content.decode()
    assert f'data-testid="queue-{pending.id}"' in page and f'data-testid="queue-{past.id}"' in page
    sibling = client_for(world.sta2_staff).get("/rooms/queue/").content.decode()
    assert "queue-" not in sibling
    assert client_for(world.res1.user).get("/rooms/queue/").status_code == 403
    response = client_for(world.sta2_staff).post(
        f"/rooms/{r.id}/bookings/{pending.id}/approve/")
    assert response.status_code == 404
    client_for(world.sta1_staff).post(f"/rooms/{r.id}/bookings/{pending.id}/approve/",
                                      {"next": "/rooms/queue/"})
    client_for(world.sta1_staff).post(f"/rooms/{r.id}/bookings/{past.id}/no_show/")
    assert {b.state for b in Booking.objects.all()} == {"confirmed", "no_show"}


def test_staff_open_a_room_from_the_page(world, client_for):
    client = client_for(world.sta1_staff)
    assert client.get("/rooms/new/").status_code == 200
    response = client.post("/rooms/new/", {
        "org": world.sta1.id, "name": "图书室", "kind": "library", "capacity": "12",
        "weekdays": ["5", "6"], "opens": "09:00", "closes": "16:00"})
    r = Room.objects.get()
    assert response.status_code == 302 and r.opening_hours == {"5": ["09:00", "16:00"],
                                                               "6": ["09:00", "16:00"]}
    # A sibling station is not among the choices.
    refused = client_for(world.sta2_staff).post("/rooms/new/", {
        "org": world.sta1.id, "name": "图书室", "kind": "library", "capacity": "12",
        "weekdays": ["5"], "opens": "09:00", "closes": "16:00"})
    assert refused.status_code == 200 and Room.objects.count() == 1
    assert client_for(world.vol1.user).get("/rooms/new/").status_code == 403


def test_the_new_room_form_searches_its_place_instead_of_listing_every_node(
        world, client_for, django_assert_max_num_queries):
    """Issue 10: a center's form listed all 1,672 nodes in a <select>; now a picker over the
    scoped search API, whatever the size of the subtree."""
    client = client_for(world.center_staff)
    client.get("/rooms/new/")  # the session's first queries
    with django_assert_max_num_queries(12):
        html = client.get("/rooms/new/").content.decode()
    assert "data-picker" in html and "kind=station,point" in html
    assert f'<option value="{world.sta1.id}"' not in html
    # A point outside the staff's subtree, typed into the id box, is refused as before.
    refused = client_for(world.sta2_staff).post("/rooms/new/", {
        "org": world.inst1.id, "name": "图书室", "kind": "library", "capacity": "12",
        "weekdays": ["5"], "opens": "09:00", "closes": "16:00"})
    assert refused.status_code == 200 and not Room.objects.exists()
