"""The volunteer's e-card and the organiser scanning it: check-in and check-out through the
attendance rules, expired, forged and revoked codes, walk-ins, and scope."""

import datetime
import time

import pytest
from django.core import signing

from wenming.activities import ecard, recording, services
from wenming.activities.models import Attendance, ECard, Enrollment, ServiceRecord
from wenming.activities.tests.test_support import (
    Clock,
    other_district,
    post,
    publish,
    tomorrow,
)
from wenming.core.tests.helpers import assert_chinese_error
from wenming.people.tests.factories import volunteer_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def activity(world, clock):
    """Tomorrow 09:00-12:00 at sta1, vol1 enrolled; the clock at 08:50 (check-in open)."""
    activity = publish(world.sta1_staff, world.sta1, start=tomorrow(9))
    services.enrollment_create(volunteer=world.vol1, activity=activity)
    clock.set(tomorrow(8, 50))
    return activity


def scan(client, activity, token, action="checkin"):
    return post(client, f"/api/activities/{activity.id}/scan",
                {"ecard_token": token, "action": action})


def test_a_volunteer_sees_their_rotating_e_card(world, client_for):
    client = client_for(world.vol1.user)
    body = client.get("/api/me/ecard").json()
    assert body["real_name"] == world.vol1.user.real_name
    assert ecard.ecard_volunteer(body["token"]) == world.vol1
    assert 0 < body["valid_seconds"] <= ecard.WINDOW
    page = client.get("/my/ecard/")
    assert page.status_code == 200 and b"<svg" in page.content
    assert client_for(world.res1.user).get("/api/me/ecard").status_code == 403


def test_the_organiser_scans_an_e_card_in_and_out_and_the_line_is_written(
        world, client_for, clock, activity):
    staff = client_for(world.sta1_staff)
    response = scan(staff, activity, ecard.phone_token(world.vol1))
    assert response.status_code == 200, response.content
    assert response.json()["real_name"] == world.vol1.user.real_name
    attendance = Attendance.objects.get(activity=activity, volunteer=world.vol1)
    assert attendance.checkin_method == Attendance.Method.ECARD

    clock.set(activity.end)
    body = scan(staff, activity, ecard.phone_token(world.vol1), "checkout").json()
    assert body["record"]["hours"] == 3.0 and body["record"]["status"] == "pending"
    record = ServiceRecord.objects.get(activity=activity, volunteer=world.vol1)
    assert (record.kind, record.created_by) == ("attendance", world.sta1_staff)


def test_a_code_older_than_its_window_is_refused(world, client_for, activity):
    old = ecard.phone_token(world.vol1, now=time.time() - 3 * ecard.WINDOW)
    assert_chinese_error(scan(client_for(world.sta1_staff), activity, old), 409, "expired_ecard")
    # The previous window still passes: a phone a few seconds late is not refused.
    recent = ecard.phone_token(world.vol1, now=time.time() - ecard.WINDOW)
    assert scan(client_for(world.sta1_staff), activity, recent).status_code == 200


def test_a_forged_or_foreign_code_is_refused_and_nothing_written(world, client_for, activity):
    staff = client_for(world.sta1_staff)
    forged = signing.dumps({"v": world.vol1.pk, "w": int(time.time() // 60)}, salt="other")
    for token in (forged, "not a code", "", "x" * 300):
        assert scan(staff, activity, token).status_code in (409, 422)
    assert_chinese_error(post(staff, f"/api/activities/{activity.id}/scan",
                              {"ecard_token": "x", "action": "dance"}), 422)
    assert not Attendance.objects.exists()


def test_a_printed_card_works_until_reprinted_or_revoked(world, client_for, activity):
    first = recording.ecard_print(by=world.vol1.user, volunteer=world.vol1)
    old_token = ecard.printed_token(first)
    assert ecard.ecard_volunteer(old_token) == world.vol1
    second = recording.ecard_print(by=world.vol1.user, volunteer=world.vol1)
    staff = client_for(world.sta1_staff)
    assert_chinese_error(scan(staff, activity, old_token), 409, "revoked_ecard")
    client_for(world.vol1.user).post("/my/ecard/revoke/")
    assert ECard.objects.get(volunteer=world.vol1).print_revoked
    assert_chinese_error(scan(staff, activity, ecard.printed_token(second)), 409,
                         "revoked_ecard")
    assert not Attendance.objects.exists()


def test_only_the_volunteer_prints_their_card(world, client_for):
    response = client_for(world.vol1.user).post("/api/me/ecard/print")
    assert response.status_code == 200 and response.json()["printed"]["serial"] == 1
    page = client_for(world.vol1.user).post("/my/ecard/print/")
    assert page.status_code == 200 and "第 2 版".encode() in page.content
    with pytest.raises(Exception):  # noqa: B017 - Forbidden, whatever its message
        recording.ecard_print(by=world.sta1_staff, volunteer=world.vol1)


def test_scanning_someone_not_enrolled_says_so(world, client_for, activity):
    response = scan(client_for(world.sta1_staff), activity, ecard.phone_token(world.vol1b))
    assert_chinese_error(response, 409, "not_enrolled")


def test_scanning_is_for_the_organiser_and_inside_the_window(world, client_for, clock,
                                                             activity):
    token = ecard.phone_token(world.vol1)
    assert_chinese_error(scan(client_for(world.vol1b.user), activity, token), 403)
    assert_chinese_error(scan(client_for(world.sta2_staff), activity, token), 404)
    staff, _vol = other_district()
    assert_chinese_error(scan(client_for(staff), activity, token), 404)
    assert client_for(world.sta2_staff).get(f"/activities/{activity.id}/scan/").status_code == 404
    clock.set(tomorrow(7))
    assert_chinese_error(scan(client_for(world.sta1_staff), activity, token), 409,
                         "outside_scan_window")
    assert not Attendance.objects.exists()


def test_the_scan_page_offers_the_move_only_when_allowed(world, client_for, clock, activity):
    page = client_for(world.sta1_staff).get(f"/activities/{activity.id}/scan/")
    assert b'data-move="scan"' in page.content and b"jsQR.js" in page.content
    clock.set(tomorrow(7))
    page = client_for(world.sta1_staff).get(f"/activities/{activity.id}/scan/")
    assert b'data-move="scan"' not in page.content


# ---- walk-ins -------------------------------------------------------------------------------

def test_the_organiser_adds_a_walk_in_after_the_deadline_and_scans_them(world, client_for,
                                                                        activity):
    staff = client_for(world.sta1_staff)
    found = staff.get(f"/api/activities/{activity.id}/walk-in",
                      {"q": world.vol1b.user.mobile}).json()["items"]
    assert [v["volunteer_id"] for v in found] == [world.vol1b.id]
    assert "*" in found[0]["mobile"]  # masked
    response = post(staff, f"/api/activities/{activity.id}/walk-in",
                    {"volunteer_id": world.vol1b.id})
    assert response.status_code == 201, response.content
    assert Enrollment.objects.get(activity=activity, volunteer=world.vol1b).status == "enrolled"
    assert scan(staff, activity, ecard.phone_token(world.vol1b)).status_code == 200
    assert_chinese_error(post(staff, f"/api/activities/{activity.id}/walk-in",
                              {"volunteer_id": world.vol1b.id}), 409, "already_enrolled")


def test_walk_in_search_and_add_stay_in_scope(world, client_for, activity):
    _staff, foreign = other_district()
    staff = client_for(world.sta1_staff)
    assert staff.get(f"/api/activities/{activity.id}/walk-in",
                     {"q": foreign.user.mobile}).json()["items"] == []
    assert_chinese_error(post(staff, f"/api/activities/{activity.id}/walk-in",
                              {"volunteer_id": foreign.id}), 404)
    assert_chinese_error(post(client_for(world.vol1.user),
                              f"/api/activities/{activity.id}/walk-in",
                              {"volunteer_id": world.vol1b.id}), 403)
    assert client_for(world.sta2_staff).get(
        f"/activities/{activity.id}/walk-in/").status_code == 404
    assert not Enrollment.objects.filter(volunteer__in=[foreign, world.vol1b]).exists()


def test_the_walk_in_page_finds_and_adds(world, client_for, activity):
    staff = client_for(world.sta1_staff)
    page = staff.get(f"/activities/{activity.id}/walk-in/", {"q": world.vol1b.user.real_name})
    assert b'data-move="walk_in"' in page.content
    staff.post(f"/activities/{activity.id}/walk-in/", {"volunteer": world.vol1b.id})
    assert Enrollment.objects.filter(activity=activity, volunteer=world.vol1b).exists()
    bad = staff.post(f"/activities/{activity.id}/walk-in/", {"volunteer": "abc"})
    assert bad.status_code == 302


def test_a_walk_in_is_refused_after_the_end(world, client_for, clock, activity):
    clock.set(activity.end + datetime.timedelta(minutes=1))
    extra = volunteer_at(world.sta1, "late_comer")
    assert_chinese_error(post(client_for(world.sta1_staff),
                              f"/api/activities/{activity.id}/walk-in",
                              {"volunteer_id": extra.id}), 403)
    assert not Enrollment.objects.filter(volunteer=extra).exists()
