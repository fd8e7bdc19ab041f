"""Booking a lecturer over JSON: who books as whom, the slot taken, the organiser's moves,
the booking becoming an activity, the report and the audience's rating; scope, bad input."""

import datetime

import pytest

from wenming.activities.models import Activity
from wenming.core.tests.helpers import assert_error, post_json
from wenming.lectures.models import Booking, BookingEvent, Rating
from wenming.lectures.tests.factories import at, roster
from wenming.testing import logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def r(world):
    return roster(world)


def book(client, r, **extra):
    body = {"lecture_id": r.lecture.id, "start": at().isoformat(), "place": "稻香园社区会议室",
            "booker_kind": "community", **extra}
    return post_json(client, "/api/lecture-bookings", body)


def community(world, r, **extra):
    return book(logged_in(world.sta1_staff), r, org_id=world.sta1.id, **extra)


def test_a_community_books_a_lecture(world, r):
    response = community(world, r, expected_audience=80)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["state"], body["lecturer"], body["booker_name"], body["allowed_moves"]) == \
        ("requested", "周教授", world.sta1.name, ["cancel"])
    booking = Booking.objects.get()
    assert booking.end - booking.start == datetime.timedelta(minutes=90)
    assert BookingEvent.objects.get().to_state == "requested"


def test_the_lecturer_booked_then_is_refused_with_slot_taken(world, r):
    assert community(world, r).status_code == 201
    overlapping = at() + datetime.timedelta(minutes=30)
    response = book(logged_in(world.inst2_staff), r, booker_kind="school",
                    org_id=world.inst2.id, booker_name="石油附中", start=overlapping.isoformat())
    assert_error(response, 409, "slot_taken")
    assert Booking.objects.count() == 1
    later = at() + datetime.timedelta(minutes=90)  # back to back is fine
    assert book(logged_in(world.inst2_staff), r, booker_kind="school", org_id=world.inst2.id,
                booker_name="石油附中", start=later.isoformat()).status_code == 201


def test_a_declined_booking_frees_the_slot(world, r):
    pk = community(world, r).json()["id"]
    center = logged_in(world.center_staff)
    assert post_json(center, f"/api/lecture-bookings/{pk}/decline",
                     {"reason": "教授出差"}).status_code == 200
    assert community(world, r).status_code == 201


def test_a_team_lecture_needs_one_of_its_lecturers(world, r):
    client = logged_in(world.sta1_staff)
    assert_error(book(client, r, lecture_id=r.team_lecture.id, org_id=world.sta1.id), 422,
                 "invalid_lecturer")
    assert_error(book(client, r, lecture_id=r.team_lecture.id, org_id=world.sta1.id,
                      lecturer_id=r.famous.id), 422, "invalid_lecturer")
    ok = book(client, r, lecture_id=r.team_lecture.id, org_id=world.sta1.id,
              lecturer_id=r.folk2.id)
    assert ok.status_code == 201 and ok.json()["lecturer"] == "王阿姨"


def test_a_unit_books_only_as_itself(world, r):
    client = logged_in(r.unit_user)
    ok = book(client, r, booker_kind="unit", unit_id=r.unit.id)
    assert ok.status_code == 201, ok.content
    assert ok.json()["booker_name"] == "区税务局"
    assert_error(book(client, r, booker_kind="unit", unit_id=r.other_unit.id), 404)
    assert_error(book(client, r, org_id=world.sta1.id), 404)  # nor as the community


def test_staff_book_only_for_their_own_subtree(world, r):
    assert_error(book(logged_in(world.sta2_staff), r, org_id=world.sta1.id), 404)
    assert_error(book(logged_in(world.sta2_staff), r, booker_kind="unit",
                      unit_id=r.unit.id), 404)
    assert_error(book(logged_in(world.vol1.user), r, org_id=world.sta1.id), 403)
    assert not Booking.objects.exists()


def test_confirming_makes_an_activity(world, r):
    pk = community(world, r).json()["id"]
    assert_error(post_json(logged_in(world.sta1_staff), f"/api/lecture-bookings/{pk}/confirm",
                           {}), 403)
    response = post_json(logged_in(world.center_staff), f"/api/lecture-bookings/{pk}/confirm",
                         {})
    assert response.status_code == 200, response.content
    body = response.json()
    activity = Activity.objects.get(pk=body["activity_id"])
    booking = Booking.objects.get()
    assert (activity.start, activity.end, activity.address, activity.org) == \
        (booking.start, booking.end, "稻香园社区会议室", world.center)
    assert "新思想进万家" in activity.title
    assert body["state"] == "confirmed" and "report" not in body["allowed_moves"]
    assert_error(post_json(logged_in(world.center_staff), f"/api/lecture-bookings/{pk}/confirm",
                           {}), 409, "invalid_transition")


def given(world, r) -> int:
    pk = community(world, r).json()["id"]
    post_json(logged_in(world.center_staff), f"/api/lecture-bookings/{pk}/confirm", {})
    past = at(-1)
    Booking.objects.filter(pk=pk).update(start=past, end=past + datetime.timedelta(hours=1))
    return pk


def test_the_report_and_the_audiences_rating(world, r):
    pk = given(world, r)
    center = logged_in(world.center_staff)
    assert_error(post_json(center, f"/api/lecture-bookings/{pk}/report",
                           {"attendance": 80, "people_reached": 10}), 422, "invalid_count")
    response = post_json(center, f"/api/lecture-bookings/{pk}/report",
                         {"attendance": 80, "people_reached": 300, "summary": "反响热烈"})
    assert response.status_code == 200 and response.json()["state"] == "done"
    # the audience: a resident of the station sees it once given, and rates it once
    resident = logged_in(world.res1.user)
    assert resident.get(f"/api/lecture-bookings/{pk}").status_code == 200
    assert post_json(resident, f"/api/lecture-bookings/{pk}/rate",
                     {"score": 5}).status_code == 201
    assert_error(post_json(resident, f"/api/lecture-bookings/{pk}/rate", {"score": 4}), 409,
                 "already_rated")
    assert_error(post_json(center, f"/api/lecture-bookings/{pk}/rate", {"score": 5}), 403)
    assert Rating.objects.count() == 1
    # a volunteer of the other institute is not its audience
    assert_error(logged_in(world.vol2.user).get(f"/api/lecture-bookings/{pk}"), 404)


def test_the_contact_is_for_the_two_sides_only(world, r):
    pk = given(world, r)
    Booking.objects.filter(pk=pk).update(state="done", contact_phone="13912345678")
    assert "contact_phone" in logged_in(world.center_staff).get(
        f"/api/lecture-bookings/{pk}").json()
    assert "contact_phone" not in logged_in(world.res1.user).get(
        f"/api/lecture-bookings/{pk}").json()


def test_a_sibling_sees_nothing_of_a_booking(world, r):
    pk = community(world, r).json()["id"]
    for user in (world.sta2_staff, world.inst2_staff, world.res1.user, world.outsider):
        assert_error(logged_in(user).get(f"/api/lecture-bookings/{pk}"), 404)
        assert_error(post_json(logged_in(user), f"/api/lecture-bookings/{pk}/cancel", {}), 404)
    assert Booking.objects.get().state == "requested"


@pytest.mark.parametrize("extra, status", [
    ({"start": "2020-01-01T09:00:00+08:00"}, 422),
    ({"start": "not a time"}, 422),
    ({"place": ""}, 422),
    ({"booker_kind": "church"}, 422),
    ({"expected_audience": 0}, 422),
    ({"end": "2020-01-01T09:00:00+08:00"}, 422),
    ({"lecture_id": 999999}, 404),
    ({"extra": 1}, 422),
])
def test_bad_bookings_are_refused_and_write_nothing(world, r, extra, status):
    response = community(world, r, **extra)
    assert response.status_code == status, response.content
    assert not Booking.objects.exists()


def test_the_menu_and_roster_read_in_the_district_only(world, r):
    client = logged_in(world.res1.user)
    titles = {x["title"] for x in client.get("/api/lectures").json()["items"]}
    assert titles == {"新思想进万家", "身边的变化"}
    names = {x["name"] for x in client.get("/api/lecturers").json()["items"]}
    assert names == {"周教授", "老李", "王阿姨"}
    assert logged_in(world.outsider).get("/api/lectures").json()["items"] == []
    series = client.get("/api/lecture-series").json()
    assert series[0]["code"] == "theory" and series[0]["programme"]


def test_staff_add_a_lecturer_and_a_lecture(world, r):
    client = logged_in(world.inst1_staff)
    response = post_json(client, "/api/lecturers", {
        "org_id": world.inst1.id, "kind": "folk", "name": "张大爷", "topics": ["家风"],
        "dialects": ["北京话"], "team_id": r.team.id})
    assert response.status_code == 201, response.content
    response = post_json(client, "/api/lectures", {
        "org_id": world.inst1.id, "title": "好家风代代传", "topic": "家风",
        "lecturer_id": response.json()["id"], "series": "theory"})
    assert response.status_code == 201, response.content
    assert_error(post_json(logged_in(world.inst2_staff), "/api/lecturers", {
        "org_id": world.inst1.id, "kind": "folk", "name": "越权"}), 404)
    assert_error(post_json(client, "/api/lectures", {
        "org_id": world.inst1.id, "title": "两者都有", "topic": "x",
        "lecturer_id": r.folk1.id, "team_id": r.team.id}), 422, "invalid_lecturer")
