"""A lecturer's calendar: their bookings by month, 讲堂 sessions marked, on a phone (a list
of days) and over the API; seen by the lecturer (a volunteer on the roster) and the staff of
their node or their team's node; others of the district 403, anyone else 404."""

import datetime

import pytest
from django.utils import timezone

from wenming.core.tests.helpers import assert_error, post_json
from wenming.lectures import services
from wenming.lectures.models import Booking, Lecturer
from wenming.lectures.selectors import month_of
from wenming.lectures.tests.factories import roster

pytestmark = pytest.mark.django_db


def next_month_day(day: int, hour: int) -> datetime.datetime:
    first = (timezone.localdate().replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    return timezone.make_aware(datetime.datetime.combine(first.replace(day=day),
                                                         datetime.time(hour)))


@pytest.fixture
def booked(world):
    r = roster(world)
    Lecturer.objects.filter(pk=r.folk1.pk).update(volunteer=world.vol1)
    book = dict(by=world.sta1_staff, booker_kind="community", org=world.sta1,
                place="稻香园社区会议室")
    r.session = services.booking_create(lecture=r.team_lecture, lecturer=r.folk1,
                                        start=next_month_day(3, 9), **book)
    r.later = services.booking_create(lecture=r.team_lecture, lecturer=r.folk1,
                                      start=next_month_day(3, 14), **book)
    r.declined = services.booking_create(lecture=r.team_lecture, lecturer=r.folk1,
                                         start=next_month_day(5, 9), **book)
    services.booking_decline(by=world.inst1_staff, booking=r.declined, reason="另有安排")
    r.series_session = services.booking_create(lecture=r.lecture, start=next_month_day(10, 9),
                                               **book)  # 周教授, in the 理论讲堂
    r.other = services.booking_create(lecture=r.team_lecture, lecturer=r.folk2,
                                      start=next_month_day(3, 9), **book)
    r.month = next_month_day(1, 9).strftime("%Y-%m")
    return r


def test_the_lecturer_sees_their_month_on_a_phone(world, client_for, booked):
    client = client_for(world.vol1.user)
    response = client.get("/lectures/calendar/")  # 我的宣讲日程
    assert response.status_code == 302
    assert response["Location"] == f"/lectures/lecturers/{booked.folk1.id}/calendar/"
    assert 'data-testid="my-calendar"' in client.get("/lectures/bookings/").content.decode()

    page = client.get(f"/lectures/lecturers/{booked.folk1.id}/calendar/?month={booked.month}"
                      ).content.decode()

    day = next_month_day(3, 9).date().isoformat()
    assert f'data-testid="day-{day}"' in page
    assert f'data-testid="booking-{booked.session.id}"' in page
    assert f'data-testid="booking-{booked.later.id}"' in page
    assert f'booking-{booked.declined.id}"' not in page  # declined: not holding their time
    assert f'booking-{booked.other.id}"' not in page  # another lecturer's
    assert page.index(f"booking-{booked.session.id}") < page.index(f"booking-{booked.later.id}")
    # The lecturer opens the booking they give, and may not rate or move it.
    detail = client.get(f"/api/lecture-bookings/{booked.session.id}")
    assert detail.status_code == 200 and detail.json()["allowed_moves"] == []
    Booking.objects.filter(pk=booked.session.pk).update(state="done")  # once given
    assert_error(post_json(client, f"/api/lecture-bookings/{booked.session.id}/rate",
                           {"score": 5}), 403)  # a lecturer does not rate themself


def test_series_sessions_are_marked(world, client_for, booked):
    client = client_for(world.center_staff)
    page = client.get(f"/lectures/lecturers/{booked.famous.id}/calendar/?month={booked.month}"
                      ).content.decode()
    assert f'data-testid="booking-{booked.series_session.id}"' in page and "理论讲堂" in page
    data = client.get(f"/api/lecturers/{booked.famous.id}/calendar?month={booked.month}").json()
    assert data["days"] == [{"date": next_month_day(10, 9).date().isoformat(), "bookings": [{
        "id": booked.series_session.id, "lecture_id": booked.lecture.id,
        "lecture": "新思想进万家", "series": "theory", "series_label": "理论讲堂",
        "state": "requested", "start": timezone.localtime(next_month_day(10, 9)).isoformat(),
        "end": timezone.localtime(next_month_day(10, 9) + datetime.timedelta(minutes=90))
        .isoformat(), "place": "稻香园社区会议室", "booker_kind": "community",
        "booker_name": booked.series_session.booker_name, "org_id": world.sta1.id}]}]


def test_staff_of_the_lecturers_team_node_see_the_calendar(world, client_for, booked):
    data = client_for(world.inst1_staff).get(
        f"/api/lecturers/{booked.folk1.id}/calendar?month={booked.month}").json()
    assert [b["id"] for d in data["days"] for b in d["bookings"]] == [booked.session.id,
                                                                      booked.later.id]
    roster_page = client_for(world.inst1_staff).get("/lectures/lecturers/").content.decode()
    assert f'data-testid="calendar-{booked.folk1.id}"' in roster_page
    # This month has none of them.
    assert client_for(world.inst1_staff).get(
        f"/api/lecturers/{booked.folk1.id}/calendar").json()["days"] == []


def test_others_do_not_see_a_lecturers_calendar(world, client_for, booked):
    from wenming.points.tests.test_support import other_district

    url = f"/lectures/lecturers/{booked.folk1.id}/calendar/"
    api = f"/api/lecturers/{booked.folk1.id}/calendar"
    for user in (world.inst2_staff, world.sta2_staff, world.vol2.user, world.res1.user,
                 world.vol1b.user):
        client = client_for(user)
        assert client.get(url).status_code == 403, user
        assert_error(client.get(api), 403)
        assert f'calendar-{booked.folk1.id}"' not in client.get(
            "/lectures/lecturers/").content.decode()
        assert client.get("/lectures/calendar/").status_code == 404  # not a lecturer
    other_staff, stranger = other_district()
    for user in (other_staff, stranger.user, world.outsider):
        assert client_for(user).get(url).status_code == 404
        assert_error(client_for(user).get(api), 404)


@pytest.mark.parametrize("month", ["2026-13", "0001-01", "9999-12", "昨天", "2026-1", ""])
def test_a_mistyped_month_shows_a_month_never_an_error(world, client_for, booked, month):
    client = client_for(world.vol1.user)
    assert client.get(f"/lectures/lecturers/{booked.folk1.id}/calendar/?month={month}"
                      ).status_code == 200
    assert client.get(f"/api/lecturers/{booked.folk1.id}/calendar?month={month}"
                      ).status_code in (200, 422)


def test_month_of_keeps_to_five_years():
    today = timezone.localdate()
    assert month_of("2026-13") == month_of("") == today.replace(day=1)
    assert month_of(f"{today.year + 1}-02") == datetime.date(today.year + 1, 2, 1)
    assert month_of("9999-12") == today.replace(day=1)


def test_staff_link_a_lecturer_to_a_volunteer_of_their_subtree_only(world, client_for):
    body = {"org_id": world.inst1.id, "kind": "folk", "name": "张晓明"}
    created = post_json(client_for(world.inst1_staff), "/api/lecturers",
                        {**body, "volunteer_id": world.vol1.id})
    assert created.status_code == 201, created.content
    assert Lecturer.objects.get(pk=created.json()["id"]).volunteer_id == world.vol1.id
    # vol2 is of inst2: not theirs to link (404 out of scope, or 403).
    refused = post_json(client_for(world.inst1_staff), "/api/lecturers",
                        {**body, "volunteer_id": world.vol2.id})
    assert refused.status_code in (403, 404)
    assert Lecturer.objects.count() == 1
