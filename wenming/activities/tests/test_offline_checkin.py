"""Check-ins made without signal, sent later with the moment they were made (docs/offline.md):
judged at that moment (window, code, daily limit), refused when in the future or too old."""

import datetime

import pytest

from wenming.activities import services
from wenming.activities.models import Attendance, ServiceRecord
from wenming.activities.tests.test_attendance_api import AT, at, checkin, checkout, token
from wenming.activities.tests.test_support import Clock, publish, tomorrow
from wenming.core.tests.helpers import assert_chinese_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def activity(world, clock):
    activity = publish(world.sta1_staff, world.sta1, start=tomorrow(9), radius_m=200)
    services.enrollment_create(volunteer=world.vol1, activity=activity)
    return activity


@pytest.fixture
def vol1(world, client_for):
    return client_for(world.vol1.user)


def moment(when: datetime.datetime) -> dict:
    return {"recorded_at": when.isoformat()}


def test_a_check_in_kept_offline_counts_from_when_it_was_made(activity, clock, vol1):
    made = at(activity, 5)
    clock.set(at(activity, 95))  # the signal came back an hour and a half later
    response = checkin(vol1, activity, {**AT, **moment(made)})
    assert response.status_code == 201, response.content
    assert Attendance.objects.get().checkin_at == made


def test_the_code_is_judged_at_the_moment_it_was_scanned(activity, clock, vol1):
    made = at(activity, 5)
    scanned = token(activity, now=made.timestamp())
    clock.set(at(activity, 60))
    assert checkin(vol1, activity, {**scanned, **moment(made)}).status_code == 201


def test_a_code_that_was_already_stale_when_scanned_is_refused(activity, clock, vol1):
    made = at(activity, 30)
    stale = token(activity, now=(made - datetime.timedelta(minutes=10)).timestamp())
    clock.set(at(activity, 60))
    assert_chinese_error(checkin(vol1, activity, {**stale, **moment(made)}), 409,
                         "expired_qr_token")
    assert not Attendance.objects.exists()


def test_a_moment_outside_the_window_is_refused(activity, clock, vol1):
    made = activity.start - datetime.timedelta(hours=3)  # before check-in opened
    clock.set(at(activity, 10))
    assert_chinese_error(checkin(vol1, activity, {**AT, **moment(made)}), 409,
                         "outside_checkin_window")
    assert not Attendance.objects.exists()


def test_a_moment_in_the_future_or_a_week_old_is_refused(world, activity, clock, vol1,
                                                        client_for):
    clock.set(at(activity, 10))
    assert_chinese_error(checkin(vol1, activity, {**AT, **moment(at(activity, 40))}), 422,
                         "recorded_in_future")
    clock.set(at(activity, 60 * 24 * 8))
    later = client_for(world.vol1.user)  # a session of today: the old one has expired
    assert_chinese_error(checkin(later, activity, {**AT, **moment(at(activity, 5))}), 422,
                         "recorded_too_old")
    assert not Attendance.objects.exists()


def test_a_check_out_kept_offline_gives_the_hours_up_to_when_it_was_made(activity, clock,
                                                                         vol1):
    clock.set(at(activity, 0))
    assert checkin(vol1, activity).status_code == 201
    left = at(activity, 180)
    clock.set(at(activity, 300))
    response = checkout(vol1, activity, {**AT, **moment(left)})
    assert response.status_code == 200, response.content
    assert ServiceRecord.objects.get().hours == 3


def test_a_check_out_before_the_check_in_is_refused(activity, clock, vol1):
    clock.set(at(activity, 30))
    assert checkin(vol1, activity).status_code == 201
    assert_chinese_error(checkout(vol1, activity, {**AT, **moment(at(activity, 10))}), 422,
                         "checkout_before_checkin")
    assert Attendance.objects.get().checkout_at is None
