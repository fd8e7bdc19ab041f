"""Staff edit a room on a phone page (and `PATCH /api/rooms/{id}`): its details, its hours per
weekday, approval and pausing; through `room_update`, within their subtree; bad input comes
back as form errors with nothing written."""

import io

import pytest
from PIL import Image

from wenming.core.tests.helpers import assert_error
from wenming.rooms.models import Booking, Room
from wenming.rooms.tests.support import EVERY_DAY, book, room

pytestmark = pytest.mark.django_db


def edit_form(**extra) -> dict:
    data = {"name": "稻香园暖客厅（二楼）", "kind": "counselling", "capacity": "6",
            "equipment": "沙盘、茶具", "needs_approval": "on", "is_open": "on",
            "opens_0": "09:00", "closes_0": "17:00", "opens_5": "14:00", "closes_5": "20:30"}
    return {**data, **extra}


def test_staff_edit_a_room_on_the_page(world, client_for):
    r = room(world)
    booking = book(world, r, hour=19)  # made under the old hours: it keeps its slot
    client = client_for(world.sta1_staff)
    assert 'data-testid="room-edit-link"' in client.get(f"/rooms/{r.id}/").content.decode()
    page = client.get(f"/rooms/{r.id}/edit/").content.decode()
    assert 'value="稻香园暖客厅"' in page and 'name="opens_6" value="08:00"' in page

    response = client.post(f"/rooms/{r.id}/edit/", edit_form())

    assert response.status_code == 302 and response["Location"] == f"/rooms/{r.id}/"
    r.refresh_from_db()
    assert (r.name, r.kind, r.capacity, r.equipment, r.needs_approval, r.is_open) == (
        "稻香园暖客厅（二楼）", "counselling", 6, "沙盘、茶具", True, True)
    assert r.opening_hours == {"0": ["09:00", "17:00"], "5": ["14:00", "20:30"]}
    assert Booking.objects.get(pk=booking.pk).state == "confirmed"


def test_pausing_a_room_stops_new_bookings(world, client_for):
    r = room(world)
    form = edit_form()
    del form["is_open"]
    client_for(world.inst1_staff).post(f"/rooms/{r.id}/edit/", form)  # staff above the station
    r.refresh_from_db()
    assert r.is_open is False
    assert 'data-testid="booking-form"' not in client_for(world.res1.user).get(
        f"/rooms/{r.id}/").content.decode()


@pytest.mark.parametrize("change", [
    {"opens_0": "18:00", "closes_0": "08:00"},  # closes before it opens
    {"opens_1": "09:00"},  # half a day
    {"closes_2": "25:00", "opens_2": "09:00"},
    {"capacity": "0"}, {"capacity": "99999999999999999999"}, {"kind": "ballroom"},
    {"name": "x"}, {"name": ""}, {"equipment": "设" * 201},
])
def test_bad_edits_are_refused_and_nothing_is_written(world, client_for, change):
    r = room(world)
    response = client_for(world.sta1_staff).post(f"/rooms/{r.id}/edit/", edit_form(**change))
    assert response.status_code == 200 and 'class="error' in response.content.decode()
    r.refresh_from_db()
    assert (r.name, r.capacity, r.opening_hours) == ("稻香园暖客厅", 20, EVERY_DAY)


def test_only_the_rooms_staff_edit_it(world, client_for):
    from wenming.points.tests.test_support import other_district

    r = room(world)
    # The district sees the room; a sibling station's staff and a resident may not edit it.
    for user in (world.sta2_staff, world.res1.user, world.vol1.user):
        client = client_for(user)
        assert 'room-edit-link' not in client.get(f"/rooms/{r.id}/").content.decode()
        assert client.get(f"/rooms/{r.id}/edit/").status_code == 403
        assert client.post(f"/rooms/{r.id}/edit/", edit_form()).status_code == 403
    other_staff, stranger = other_district()
    for user in (other_staff, stranger.user, world.outsider):
        assert client_for(user).get(f"/rooms/{r.id}/edit/").status_code == 404
        assert client_for(user).post(f"/rooms/{r.id}/edit/", edit_form()).status_code == 404
    from django.test import Client

    assert Client().get(f"/rooms/{r.id}/edit/").status_code == 302  # to log in
    r.refresh_from_db()
    assert r.name == "稻香园暖客厅" and Room.objects.count() == 1


def test_the_api_changes_the_kind_too(world, client_for):
    r = room(world)
    url = f"/api/rooms/{r.id}"
    client = client_for(world.sta1_staff)
    changed = client.patch(url, {"kind": "library", "name": "书香图书室"},
                           content_type="application/json")
    assert changed.status_code == 200 and changed.json()["kind"] == "library"
    assert_error(client.patch(url, {"kind": "ballroom"}, content_type="application/json"),
                 422, "invalid_kind")
    assert_error(client.patch(url, {"org_id": world.sta2.id}, content_type="application/json"),
                 422)
    r.refresh_from_db()
    assert (r.kind, r.name, r.org_id) == ("library", "书香图书室", world.sta1.id)


def png() -> io.BytesIO:
    data = io.BytesIO()
    Image.new("RGB", (8, 8), "orange").save(data, "PNG")
    data.seek(0)
    data.name = "parlour.png"
    return data


def test_staff_give_a_room_a_photo_that_only_its_district_sees(world, client_for):
    from wenming.points.tests.test_support import other_district

    r = room(world)
    response = client_for(world.sta1_staff).post(f"/rooms/{r.id}/edit/",
                                                 {**edit_form(), "photo": png()})
    assert response.status_code == 302, response.content.decode()[-2000:]
    r.refresh_from_db()
    assert r.photo.name.startswith("rooms/") and r.photo.name.endswith(".png")
    page = client_for(world.res1.user).get(f"/rooms/{r.id}/").content.decode()
    assert 'data-testid="room-photo"' in page
    shown = client_for(world.res1.user).get(f"/rooms/{r.id}/photo/")
    assert shown.status_code == 200 and shown["Content-Type"] == "image/png"
    other_staff, stranger = other_district()
    for user in (other_staff, stranger.user, world.outsider):
        assert client_for(user).get(f"/rooms/{r.id}/photo/").status_code == 404
    # Saving again without a file keeps the photo.
    client_for(world.sta1_staff).post(f"/rooms/{r.id}/edit/", edit_form())
    r.refresh_from_db()
    assert r.photo


def test_a_file_that_is_not_a_picture_is_refused(world, client_for):
    r = room(world)
    fake = io.BytesIO(b"<html><script>alert(1)</script></html>")
    fake.name = "evil.png"
    response = client_for(world.sta1_staff).post(f"/rooms/{r.id}/edit/",
                                                 {**edit_form(), "photo": fake})
    assert response.status_code == 200 and "JPG或PNG" in response.content.decode()
    r.refresh_from_db()
    assert not r.photo and r.name == "稻香园暖客厅"  # nothing else written either
    assert client_for(world.sta1_staff).get(f"/rooms/{r.id}/photo/").status_code == 404


def test_the_api_takes_a_photo_from_the_rooms_staff_only(world, client_for):
    r = room(world)
    url = f"/api/rooms/{r.id}/photo"
    assert_error(client_for(world.sta2_staff).post(url, {"image": png()}), 403)
    fake = io.BytesIO(b"GIF89a....")
    fake.name = "x.png"
    assert_error(client_for(world.sta1_staff).post(url, {"image": fake}), 422, "invalid_image")
    r.refresh_from_db()
    assert not r.photo
    done = client_for(world.sta1_staff).post(url, {"image": png()})
    assert done.status_code == 200 and done.json()["photo_url"] == f"/rooms/{r.id}/photo/"
