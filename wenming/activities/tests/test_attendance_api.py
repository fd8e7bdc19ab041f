"""Check-in and check-out: the rotating QR code, the geofence, the window, the daily limit,
and the hours they yield (overlap with the schedule, under the coverage rule)."""

import datetime
import time
from decimal import Decimal

import pytest
from django.core import signing

from wenming.activities import qr, services
from wenming.activities.models import Attendance, ServiceRecord, ServiceRules
from wenming.activities.tests.test_support import Clock, post, publish, serve, tomorrow
from wenming.core.tests.helpers import assert_chinese_error

pytestmark = pytest.mark.django_db

AT = {"lat": 39.981, "lng": 116.305}  # the activity's place (sta1)
FAR = {"lat": 39.990, "lng": 116.305}  # about a kilometre north


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def activity(world, clock):
    """Tomorrow 09:00-12:00 at sta1, vol1 enrolled."""
    activity = publish(world.sta1_staff, world.sta1, start=tomorrow(9), radius_m=200)
    services.enrollment_create(volunteer=world.vol1, activity=activity)
    return activity


@pytest.fixture
def vol1(world, client_for):
    return client_for(world.vol1.user)


def at(activity, minutes: int) -> datetime.datetime:
    return activity.start + datetime.timedelta(minutes=minutes)


def checkin(client, activity, body=None):
    return post(client, f"/api/activities/{activity.id}/checkin", AT if body is None else body)


def checkout(client, activity, body=None):
    return post(client, f"/api/activities/{activity.id}/checkout", AT if body is None else body)


def token(activity, now: float | None = None) -> dict:
    return {"qr_token": qr.qr_token(activity, 60, now=now)}


# ---- presence: the code or the fence ------------------------------------------------------

def test_a_current_code_checks_in(world, activity, clock, vol1):
    clock.set(at(activity, -10))
    response = checkin(vol1, activity, token(activity))
    assert response.status_code == 201, response.content
    assert response.json()["method"] == "qr"
    assert Attendance.objects.get().checkin_method == "qr"


def test_the_code_of_the_previous_minute_still_works(world, activity, clock, vol1):
    clock.set(at(activity, 0))
    if time.time() % 60 > 58:  # not across a minute boundary between making and checking
        time.sleep(2.5)
    assert checkin(vol1, activity, token(activity, time.time() - 60)).status_code == 201


def test_an_expired_code_is_refused(world, activity, clock, vol1):
    clock.set(at(activity, 0))
    message = assert_chinese_error(checkin(vol1, activity, token(activity, time.time() - 300)),
                                   409, "expired_qr_token")
    assert "过期" in message
    assert not Attendance.objects.exists()


@pytest.mark.parametrize("forged", [
    "not-a-token",
    "eyJhIjoxLCJ3IjoxfQ:1tQfZr:abcdefghijklmnopqrstuvwxyz0",
    signing.dumps({"a": 1, "w": int(time.time() // 60)}, key="guessed-key",
                  salt="wenming.checkin"),
])
def test_a_forged_or_garbled_code_is_refused(world, activity, clock, vol1, forged):
    clock.set(at(activity, 0))
    message = assert_chinese_error(checkin(vol1, activity, {"qr_token": forged}), 409,
                                   "invalid_qr_token")
    assert "签到码" in message
    assert not Attendance.objects.exists()


def test_the_code_of_another_activity_is_refused(world, activity, clock, vol1):
    other = publish(world.sta1_staff, world.sta1, start=tomorrow(9))
    clock.set(at(activity, 0))
    assert_chinese_error(checkin(vol1, activity, token(other)), 409, "invalid_qr_token")
    assert not Attendance.objects.exists()


def test_the_organiser_fetches_the_rotating_code(world, activity, clock, vol1, client_for):
    response = client_for(world.sta1_staff).get(f"/api/activities/{activity.id}/qr")
    assert response.status_code == 200
    body = response.json()
    assert body["valid_seconds"] == 60
    clock.set(at(activity, 0))
    assert checkin(vol1, activity, {"qr_token": body["qr_token"]}).status_code == 201
    assert_chinese_error(vol1.get(f"/api/activities/{activity.id}/qr"), 403, "forbidden")


def test_inside_the_fence_checks_in_by_position(world, activity, clock, vol1):
    clock.set(at(activity, 0))
    response = checkin(vol1, activity, {"lat": 39.9818, "lng": 116.305})  # ~90 m away
    assert response.status_code == 201
    assert response.json()["method"] == "geo"


def test_a_position_outside_the_fence_is_refused_with_the_distance(world, activity, clock,
                                                                    vol1):
    clock.set(at(activity, 0))
    message = assert_chinese_error(checkin(vol1, activity, FAR), 409, "outside_geofence")
    assert "1000米" in message and "200米" in message
    assert not Attendance.objects.exists()


def test_neither_code_nor_position_is_refused(world, activity, clock, vol1):
    clock.set(at(activity, 0))
    assert_chinese_error(checkin(vol1, activity, {}), 422, "presence_required")
    assert_chinese_error(checkin(vol1, activity, {"lat": 39.981}), 422, "presence_required")


# ---- who and when ---------------------------------------------------------------------

def test_check_in_opens_thirty_minutes_before_and_closes_at_the_end(world, activity, clock,
                                                                     vol1):
    clock.set(at(activity, -31))
    message = assert_chinese_error(checkin(vol1, activity), 409, "outside_checkin_window")
    assert "30分钟" in message
    clock.set(activity.end + datetime.timedelta(seconds=1))
    assert_chinese_error(checkin(vol1, activity), 409, "outside_checkin_window")
    clock.set(at(activity, -29))
    assert checkin(vol1, activity).status_code == 201


def test_only_the_enrolled_check_in(world, activity, clock, client_for):
    services.activity_update(by=world.sta1_staff, activity=activity, changes={"quota": 1})
    services.enrollment_create(volunteer=world.vol1b, activity=activity)  # waitlisted
    clock.set(at(activity, 0))
    for user in (world.vol1b.user, world.vol2.user):
        assert_chinese_error(checkin(client_for(user), activity), 409, "not_enrolled")
    assert_chinese_error(checkin(client_for(world.res1.user), activity), 403, "forbidden")


def test_a_second_check_in_is_refused(world, activity, clock, vol1):
    clock.set(at(activity, 0))
    assert checkin(vol1, activity).status_code == 201
    clock.advance(minutes=5)
    assert_chinese_error(checkin(vol1, activity), 409, "already_checked_in")
    assert Attendance.objects.count() == 1


def test_at_most_three_check_ins_a_day(world, clock, vol1, client_for):
    activities = [publish(world.sta1_staff, world.sta1, start=tomorrow(9 + i * 2), hours=1)
                  for i in range(4)]
    activities.append(publish(world.sta1_staff, world.sta1, start=tomorrow(9, days=2), hours=1))
    for a in activities:
        services.enrollment_create(volunteer=world.vol1, activity=a)
    for a in activities[:3]:
        clock.set(at(a, 0))
        assert checkin(vol1, a).status_code == 201
    clock.set(at(activities[3], 0))
    message = assert_chinese_error(checkin(vol1, activities[3]), 409, "daily_checkin_limit")
    assert "3次" in message
    clock.set(at(activities[4], 0))  # a new day (and a new login: sessions last 12 h)
    assert checkin(client_for(world.vol1.user), activities[4]).status_code == 201


def test_the_daily_check_in_limit_is_a_district_setting(world, clock, vol1):
    ServiceRules.objects.create(center=world.center, max_checkins_per_day=1)
    first, second = (publish(world.sta1_staff, world.sta1, start=tomorrow(h), hours=1)
                     for h in (9, 14))
    for a in (first, second):
        services.enrollment_create(volunteer=world.vol1, activity=a)
    clock.set(at(first, 0))
    assert checkin(vol1, first).status_code == 201
    clock.set(at(second, 0))
    assert_chinese_error(checkin(vol1, second), 409, "daily_checkin_limit")


# ---- check-out and hours ----------------------------------------------------------------

def test_checkout_without_check_in_is_refused(world, activity, clock, vol1):
    clock.set(at(activity, 60))
    message = assert_chinese_error(checkout(vol1, activity), 409, "not_checked_in")
    assert "签到" in message


def test_a_second_checkout_is_refused(world, activity, clock, vol1):
    clock.set(at(activity, 0))
    checkin(vol1, activity)
    clock.set(activity.end)
    assert checkout(vol1, activity).status_code == 200
    clock.advance(minutes=1)
    assert_chinese_error(checkout(vol1, activity), 409, "already_checked_out")
    assert ServiceRecord.objects.count() == 1


def test_checkout_checks_presence_too(world, activity, clock, vol1):
    clock.set(at(activity, 0))
    checkin(vol1, activity)
    clock.set(activity.end)
    assert_chinese_error(checkout(vol1, activity, FAR), 409, "outside_geofence")
    assert_chinese_error(checkout(vol1, activity, {"qr_token": "forged"}), 409,
                         "invalid_qr_token")
    assert Attendance.objects.get().checkout_at is None
    assert checkout(vol1, activity, token(activity)).status_code == 200


def test_checkout_closes_two_hours_after_the_end(world, activity, clock, vol1):
    clock.set(at(activity, 0))
    checkin(vol1, activity)
    clock.set(activity.end + datetime.timedelta(minutes=121))
    assert_chinese_error(checkout(vol1, activity), 409, "outside_checkout_window")
    assert not ServiceRecord.objects.exists()


def test_hours_are_the_overlap_of_attendance_and_schedule(world, activity, clock, vol1):
    clock.set(at(activity, -25))  # early arrival does not count
    checkin(vol1, activity)
    clock.set(activity.end + datetime.timedelta(minutes=40))  # nor does staying late
    body = checkout(vol1, activity).json()
    assert body["record"]["hours"] == 3.0
    assert body["record"]["status"] == "pending"
    record = ServiceRecord.objects.get()
    assert (record.kind, record.hours, record.service_date, record.org_id) == (
        "attendance", Decimal("3.00"), activity.start.date(), world.sta1.id)
    assert (record.title, record.place) == (activity.title, activity.address)


def test_arriving_late_and_leaving_early_count_only_the_time_served(world, activity, clock):
    assert serve(clock, world.vol1, activity, arrive=30, leave=-20).hours == Decimal("2.16")


def test_attendance_below_sixty_percent_yields_no_record(world, activity, clock, vol1):
    clock.set(at(activity, 73))  # 107 of 180 minutes: 59.4 %
    checkin(vol1, activity)
    clock.set(activity.end)
    body = checkout(vol1, activity).json()
    assert body["record"] is None
    assert "比例" in body["message"]
    assert not ServiceRecord.objects.exists()
    assert Attendance.objects.get().checkout_at == activity.end


def test_attendance_of_exactly_sixty_percent_counts(world, activity, clock):
    assert serve(clock, world.vol1, activity, arrive=72).hours == Decimal("1.80")


def test_the_coverage_ratio_is_a_district_setting(world, activity, clock):
    ServiceRules.objects.create(center=world.center, coverage_ratio=Decimal("0.50"))
    assert serve(clock, world.vol1, activity, arrive=85).hours == Decimal("1.58")
