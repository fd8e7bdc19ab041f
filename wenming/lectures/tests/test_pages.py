"""宣讲 pages: the menu, the roster, booking on the page, the booking's buttons per caps,
photos served only in scope, and page buttons = API allowed_moves (parity)."""

import datetime
import io

import pytest
from PIL import Image

from wenming.core.tests.helpers import post_json
from wenming.lectures.models import Booking, BookingPhoto
from wenming.lectures.tests.factories import at, roster
from wenming.testing import logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def r(world):
    return roster(world)


def booking_data(world, **extra) -> dict:
    day = at()
    return {"booker": f"community:{world.sta1.id}", "day": day.date().isoformat(),
            "time": "09:00", "place": "稻香园社区会议室", "expected_audience": 60,
            "contact_name": "李站长", "contact_phone": "13912345678", "note": "", **extra}


def test_the_menu_and_roster_pages(world, r):
    client = logged_in(world.res1.user)
    html = client.get("/lectures/").content.decode()
    assert "新思想进万家" in html and "/book/" not in html  # residents do not book
    assert "周教授" in client.get("/lectures/lecturers/").content.decode()
    html = client.get(f"/lectures/series/{r.series.id}/").content.decode()
    assert "三月：新思想进社区" in html and "<textarea" not in html
    assert logged_in(world.outsider).get(f"/lectures/series/{r.series.id}/").status_code == 404


def test_staff_book_on_the_page(world, r):
    client = logged_in(world.sta1_staff)
    assert f"/lectures/{r.lecture.id}/book/" in client.get("/lectures/").content.decode()
    response = client.post(f"/lectures/{r.lecture.id}/book/", booking_data(world))
    assert response.status_code == 302, response.content.decode()[:3000]
    booking = Booking.objects.get()
    assert response["Location"] == f"/lectures/bookings/{booking.id}/"
    assert (booking.booker_name, booking.expected_audience) == (world.sta1.name, 60)


def test_a_taken_slot_is_a_message_on_the_page(world, r):
    client = logged_in(world.sta1_staff)
    client.post(f"/lectures/{r.lecture.id}/book/", booking_data(world))
    page = client.post(f"/lectures/{r.lecture.id}/book/", booking_data(world, time="09:30"))
    assert page.status_code == 200 and "已有宣讲安排" in page.content.decode()
    assert Booking.objects.count() == 1


def test_a_sibling_community_is_not_a_choice(world, r):
    page = logged_in(world.sta2_staff).post(
        f"/lectures/{r.lecture.id}/book/", booking_data(world))
    assert page.status_code == 200 and not Booking.objects.exists()


def test_residents_cannot_book(world, r):
    assert logged_in(world.res1.user).get(f"/lectures/{r.lecture.id}/book/").status_code == 403


@pytest.mark.parametrize("bad", [{"day": "2020-01-01"}, {"day": "x"}, {"place": ""},
                                 {"expected_audience": 0}, {"booker": "community:999999"},
                                 {"time": "25:00"}])
def test_bad_page_bookings_write_nothing(world, r, bad):
    page = logged_in(world.sta1_staff).post(f"/lectures/{r.lecture.id}/book/",
                                            booking_data(world, **bad))
    assert page.status_code == 200
    assert not Booking.objects.exists()


def requested(world, r) -> Booking:
    logged_in(world.sta1_staff).post(f"/lectures/{r.lecture.id}/book/", booking_data(world))
    return Booking.objects.get()


def page_moves(client, booking) -> set[str]:
    html = client.get(f"/lectures/bookings/{booking.id}/").content.decode()
    return {m for m in ("confirm", "decline", "cancel", "report") if f'data-move="{m}"' in html}


def in_state(world, r, state: str) -> Booking:
    booking = requested(world, r)
    if state in ("confirmed", "done"):
        post_json(logged_in(world.center_staff), f"/api/lecture-bookings/{booking.id}/confirm",
                  {})
        past = at(-1)
        Booking.objects.filter(pk=booking.pk).update(start=past,
                                                     end=past + datetime.timedelta(hours=1))
    if state == "done":
        Booking.objects.filter(pk=booking.pk).update(state="done")
    if state in ("declined", "cancelled"):
        Booking.objects.filter(pk=booking.pk).update(state=state)
    return Booking.objects.get(pk=booking.pk)


@pytest.mark.parametrize("state", ["requested", "confirmed", "done", "declined", "cancelled"])
@pytest.mark.parametrize("persona", ["center_staff", "sta1_staff", "inst1_staff", "admin"])
def test_parity_page_buttons_equal_api_allowed_moves(world, r, state, persona):
    booking = in_state(world, r, state)
    client = logged_in(getattr(world, persona))
    api = set(client.get(f"/api/lecture-bookings/{booking.id}").json()["allowed_moves"])
    assert page_moves(client, booking) == api


def test_each_offered_move_succeeds_and_others_are_refused(world, r):
    booking = requested(world, r)
    center, station = logged_in(world.center_staff), logged_in(world.sta1_staff)
    assert page_moves(station, booking) == {"cancel"}
    station.post(f"/lectures/bookings/{booking.id}/confirm/")
    assert Booking.objects.get().state == "requested"
    assert page_moves(center, booking) == {"confirm", "decline", "cancel"}
    center.post(f"/lectures/bookings/{booking.id}/confirm/")
    assert Booking.objects.get().state == "confirmed"


def png() -> io.BytesIO:
    data = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(data, "PNG")
    data.seek(0)
    data.name = "x.png"
    return data


def test_photos_are_checked_and_served_only_in_scope(world, r, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    booking = in_state(world, r, "confirmed")
    client = logged_in(world.sta1_staff)
    bad = io.BytesIO(b"<html>not an image</html>")
    bad.name = "x.png"
    client.post(f"/lectures/bookings/{booking.id}/photos/", {"image": bad})
    assert not BookingPhoto.objects.exists()
    client.post(f"/lectures/bookings/{booking.id}/photos/", {"image": png()})
    photo = BookingPhoto.objects.get()
    url = f"/lectures/bookings/{booking.id}/photos/{photo.id}/"
    assert client.get(url).status_code == 200
    assert logged_in(world.sta2_staff).get(url).status_code == 404


def test_the_audience_rates_on_the_page(world, r):
    booking = in_state(world, r, "done")
    client = logged_in(world.res1.user)
    assert "提交评价" in client.get(f"/lectures/bookings/{booking.id}/").content.decode()
    client.post(f"/lectures/bookings/{booking.id}/rate/", {"score": "4"})
    assert booking.ratings.get().score == 4
    assert "提交评价" not in client.get(f"/lectures/bookings/{booking.id}/").content.decode()
