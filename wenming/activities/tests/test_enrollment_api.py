"""Signing up: requirements, the quota and its waitlist, cancelling before the cut-off, and
cancelling an activity (everyone signed up is told in their inbox)."""

import datetime

import pytest
from django.db import connection

from wenming.activities import services
from wenming.activities.models import Enrollment, ServiceRules
from wenming.activities.tests.test_support import Clock, patch, post, publish, tomorrow
from wenming.core.tests.helpers import assert_chinese_error
from wenming.inbox.models import Notification
from wenming.people.models import Skill, Volunteer
from wenming.people.tests.factories import volunteer_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


def url(activity) -> str:
    return f"/api/activities/{activity.id}/enrollments"


def sign_up(client, activity):
    return post(client, url(activity))


def statuses(activity) -> dict[int, str]:
    return dict(Enrollment.objects.filter(activity=activity).values_list("volunteer_id",
                                                                         "status"))


def test_a_volunteer_signs_up_and_sees_their_enrollment(world, client_for):
    activity = publish(world.sta1_staff, world.sta1, start=tomorrow(9))
    client = client_for(world.vol1.user)
    response = sign_up(client, activity)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["volunteer_id"], body["status"]) == (world.vol1.id, "enrolled")
    assert {"id", "volunteer_id", "status"} <= set(body)
    assert client.get(f"/api/activities/{activity.id}").json()["enrolled"] == 1
    assert_chinese_error(sign_up(client, activity), 409, "already_enrolled")


def test_places_go_in_order_and_the_waitlist_moves_up_in_sign_up_order(world, client_for):
    activity = publish(world.sta1_staff, world.sta1, start=tomorrow(9), quota=2)
    people = [volunteer_at(world.sta1) for _ in range(5)]
    for v in people:
        sign_up(client_for(v.user), activity)
    assert [statuses(activity)[v.id] for v in people] == [
        "enrolled", "enrolled", "waitlisted", "waitlisted", "waitlisted"]

    # The third withdraws from the waitlist, then signs up again: to the back of the queue.
    third = client_for(people[2].user)
    assert third.delete(url(activity)).json()["status"] == "cancelled"
    assert sign_up(third, activity).json()["status"] == "waitlisted"
    response = client_for(people[0].user).delete(url(activity))
    assert response.status_code == 200
    assert statuses(activity)[people[3].id] == "enrolled"
    note = Notification.objects.get(user=people[3].user)
    assert note.title.startswith("候补成功") and activity.title in note.title
    client_for(people[1].user).delete(url(activity))
    assert statuses(activity)[people[4].id] == "enrolled"
    assert statuses(activity)[people[2].id] == "waitlisted"
    assert not Notification.objects.filter(user=people[2].user).exists()


def test_raising_the_quota_promotes_the_waitlist_and_it_cannot_drop_below_the_enrolled(
        world, client_for):
    activity = publish(world.sta1_staff, world.sta1, start=tomorrow(9), quota=1)
    for v in (world.vol1, world.vol1b, world.vol2):
        services.enrollment_create(volunteer=v, activity=activity)
    staff = client_for(world.sta1_staff)
    assert patch(staff, f"/api/activities/{activity.id}", {"quota": 2}).status_code == 200
    assert statuses(activity) == {world.vol1.id: "enrolled", world.vol1b.id: "enrolled",
                                  world.vol2.id: "waitlisted"}
    response = patch(staff, f"/api/activities/{activity.id}", {"quota": 1})
    assert_chinese_error(response, 409, "quota_below_enrolled")
    activity.refresh_from_db()
    assert activity.quota == 2


def test_cancelling_is_refused_after_the_cut_off(world, clock, client_for):
    activity = publish(world.sta1_staff, world.sta1, start=tomorrow(14), quota=1)
    services.enrollment_create(volunteer=world.vol1, activity=activity)
    services.enrollment_create(volunteer=world.vol1b, activity=activity)
    clock.set(activity.start - datetime.timedelta(minutes=119))
    message = assert_chinese_error(client_for(world.vol1.user).delete(url(activity)), 409,
                                   "cancel_closed")
    assert "120分钟" in message
    assert statuses(activity)[world.vol1.id] == "enrolled"
    # Someone only waiting may still step back.
    assert client_for(world.vol1b.user).delete(url(activity)).status_code == 200


def test_cancelling_just_before_the_cut_off_works(world, clock, client_for):
    activity = publish(world.sta1_staff, world.sta1, start=tomorrow(14))
    services.enrollment_create(volunteer=world.vol1, activity=activity)
    clock.set(activity.start - datetime.timedelta(minutes=121))
    assert client_for(world.vol1.user).delete(url(activity)).status_code == 200


def test_the_cut_off_is_a_district_setting(world, clock, client_for):
    ServiceRules.objects.create(center=world.center, cancel_cutoff_minutes=30)
    activity = publish(world.sta1_staff, world.sta1, start=tomorrow(14))
    services.enrollment_create(volunteer=world.vol1, activity=activity)
    clock.set(activity.start - datetime.timedelta(minutes=31))
    assert client_for(world.vol1.user).delete(url(activity)).status_code == 200


def test_cancelling_without_an_enrollment_is_refused(world, client_for):
    activity = publish(world.sta1_staff, world.sta1, start=tomorrow(9))
    assert_chinese_error(client_for(world.vol1.user).delete(url(activity)), 409, "not_enrolled")


def test_sign_up_stays_open_until_the_end_by_default(world, clock, client_for):
    activity = publish(world.sta1_staff, world.sta1, start=tomorrow(9))
    clock.set(activity.start)
    assert sign_up(client_for(world.vol1.user), activity).status_code == 201
    clock.set(activity.end)
    assert_chinese_error(sign_up(client_for(world.vol1b.user), activity), 409,
                         "enrollment_closed")
    assert Enrollment.objects.count() == 1


def test_sign_up_closes_at_the_organisers_deadline(world, clock, client_for):
    activity = publish(world.sta1_staff, world.sta1, start=tomorrow(9),
                       signup_deadline=tomorrow(8))
    clock.set(tomorrow(8))
    assert_chinese_error(sign_up(client_for(world.vol1.user), activity), 409,
                         "enrollment_closed")
    assert not Enrollment.objects.exists()


def test_only_volunteers_sign_up(world, client_for):
    activity = publish(world.sta1_staff, world.sta1, start=tomorrow(9))
    for user in (world.res1.user, world.sta1_staff):
        assert_chinese_error(sign_up(client_for(user), activity), 403, "forbidden")
    assert not Enrollment.objects.exists()


def test_unmet_requirements_are_refused_with_each_reason(world, client_for):
    activity = publish(world.sta1_staff, world.sta1, start=tomorrow(9),
                       required_skills=["急救", "心理咨询"], required_tags=["veteran"],
                       min_age=60)
    world.vol1.skills.add(Skill.objects.create(name="急救"))
    message = assert_chinese_error(sign_up(client_for(world.vol1.user), activity), 409,
                                   "requirements_not_met")
    assert "心理咨询" in message and "急救" not in message
    assert "退役军人" in message
    assert "60周岁" in message
    assert not Enrollment.objects.exists()


def test_a_volunteer_who_meets_the_requirements_signs_up(world, client_for):
    activity = publish(world.sta1_staff, world.sta1, start=tomorrow(9),
                       required_skills=["急救"], required_tags=["veteran"], min_age=40)
    world.vol1.skills.add(Skill.objects.create(name="急救"))
    Volunteer.objects.filter(pk=world.vol1.pk).update(tags=["veteran", "expert"])
    assert sign_up(client_for(world.vol1.user), activity).status_code == 201


def test_an_unapproved_volunteer_cannot_sign_up(world, client_for):
    pending = volunteer_at(world.sta1, status=Volunteer.Status.PENDING)
    activity = publish(world.sta1_staff, world.sta1, start=tomorrow(9))
    message = assert_chinese_error(sign_up(client_for(pending.user), activity), 409,
                                   "requirements_not_met")
    assert "审核" in message


def test_the_organiser_sees_the_list_masked_and_a_volunteer_only_themself(world, client_for):
    activity = publish(world.sta1_staff, world.sta1, start=tomorrow(9))
    for v in (world.vol1, world.vol1b):
        services.enrollment_create(volunteer=v, activity=activity)
    rows = client_for(world.sta1_staff).get(url(activity)).json()
    assert rows["count"] == 2
    mobile = world.vol1.user.mobile
    first = rows["items"][0]
    assert first["mobile"] == f"{mobile[:3]}****{mobile[-4:]}"
    assert mobile not in str(rows)
    own = client_for(world.vol1b.user).get(url(activity)).json()
    assert [r["volunteer_id"] for r in own["items"]] == [world.vol1b.id]
    assert client_for(world.vol2.user).get(url(activity)).json() == {"items": [], "count": 0}


# ---- cancelling an activity -------------------------------------------------------------

def test_cancelling_an_activity_tells_everyone_signed_up(world, client_for):
    activity = publish(world.sta1_staff, world.sta1, start=tomorrow(9), quota=1)
    for v in (world.vol1, world.vol1b, world.vol2):
        services.enrollment_create(volunteer=v, activity=activity)
    services.enrollment_cancel(volunteer=world.vol2, activity=activity)
    Notification.objects.all().delete()
    response = post(client_for(world.sta1_staff), f"/api/activities/{activity.id}/cancel",
                    {"reason": "暴雨预警，活动取消"})
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    told = Notification.objects.filter(title__contains=activity.title)
    assert set(told.values_list("user", flat=True)) == {world.vol1.user.id, world.vol1b.user.id}
    assert set(told.values_list("body", flat=True)) == {"暴雨预警，活动取消"}
    assert_chinese_error(sign_up(client_for(world.vol2.user), activity), 409,
                         "enrollment_closed")
    # The message links to the activity: those told still see it, cancelled.
    seen = client_for(world.vol1.user).get(f"/api/activities/{activity.id}")
    assert seen.status_code == 200 and seen.json()["status"] == "cancelled"
    stranger = volunteer_at(world.sta1b)
    assert_chinese_error(client_for(stranger.user).get(f"/api/activities/{activity.id}"), 404)


def test_an_activity_is_cancelled_once_with_a_reason_and_not_after_check_ins(
        world, clock, client_for):
    activity = publish(world.sta1_staff, world.sta1, start=tomorrow(9))
    cancel = f"/api/activities/{activity.id}/cancel"
    staff = client_for(world.sta1_staff)
    assert_chinese_error(post(staff, cancel, {"reason": "  "}), 422, "reason_required")
    services.enrollment_create(volunteer=world.vol1, activity=activity)
    clock.set(activity.start)
    services.attendance_checkin(volunteer=world.vol1, activity=activity, lat=activity.lat,
                                lng=activity.lng)
    assert_chinese_error(post(staff, cancel, {"reason": "取消"}), 409, "invalid_transition")
    other = publish(world.sta1_staff, world.sta1, start=tomorrow(15))
    assert post(staff, f"/api/activities/{other.id}/cancel", {"reason": "取消"}).status_code == 200
    assert_chinese_error(post(staff, f"/api/activities/{other.id}/cancel", {"reason": "再取消"}),
                         409, "invalid_transition")
    assert_chinese_error(patch(staff, f"/api/activities/{other.id}", {"title": "改名"}), 409,
                         "invalid_transition")


def test_an_activity_that_has_ended_is_not_cancelled(world, clock, client_for):
    """What happened is recorded, not cancelled (the organiser's page offered no cancel after
    the end; the API now refuses it too)."""
    activity = publish(world.sta1_staff, world.sta1, start=tomorrow(9))
    clock.set(activity.end + datetime.timedelta(minutes=1))
    staff = client_for(world.sta1_staff)
    response = post(staff, f"/api/activities/{activity.id}/cancel", {"reason": "无人参加"})
    assert_chinese_error(response, 409, "invalid_transition")
    assert "cancel" not in staff.get(f"/api/activities/{activity.id}").json()["allowed_moves"]


def test_a_cancelled_activity_takes_no_backfill_and_shows_no_code(world, clock, client_for):
    activity = publish(world.sta1_staff, world.sta1, start=tomorrow(9))
    services.enrollment_create(volunteer=world.vol1, activity=activity)
    services.activity_cancel(by=world.sta1_staff, activity=activity, reason="暴雨预警")
    clock.set(activity.end + datetime.timedelta(hours=1))
    staff = client_for(world.sta1_staff)
    response = post(staff, f"/api/activities/{activity.id}/backfill",
                    {"volunteer_id": world.vol1.id, "hours": "1", "reason": "补录"})
    assert_chinese_error(response, 409, "invalid_transition")
    assert_chinese_error(staff.get(f"/api/activities/{activity.id}/qr"), 409,
                         "invalid_transition")
    assert staff.get(f"/activities/{activity.id}/qr/").status_code == 403
    assert staff.get(f"/api/activities/{activity.id}").json()["allowed_moves"] == []


def test_the_activity_detail_lists_the_callers_moves(world, client_for):
    activity = publish(world.sta1_staff, world.sta1, start=tomorrow(9, days=3))
    moves = {name: client_for(user).get(f"/api/activities/{activity.id}").json()["allowed_moves"]
             for name, user in [("staff", world.sta1_staff), ("vol1", world.vol1.user),
                                ("res1", world.res1.user)]}
    assert moves == {"staff": ["edit", "cancel", "walk_in", "time_codes", "insure"],
                     "vol1": ["enroll"], "res1": []}
    services.enrollment_create(volunteer=world.vol1, activity=activity)
    assert client_for(world.vol1.user).get(
        f"/api/activities/{activity.id}").json()["allowed_moves"] == ["withdraw"]
    assert_chinese_error(client_for(world.sta2_staff).get(f"/api/activities/{activity.id}"), 404)


def test_a_sign_up_costs_a_fixed_few_queries_enrolled_or_waitlisted(
        world, client_for, django_assert_max_num_queries):
    """Pinned (issue 10): auth, scope, the volunteer, the existing row, one conditional
    UPDATE of the counter and the INSERT; no skills query when none is asked for, no COUNT,
    no FOR UPDATE. (PostgreSQL adds a FOR SHARE read for a waitlisted one.)"""
    activity = publish(world.sta1_staff, world.sta1, start=tomorrow(9), quota=1)
    share = 1 if connection.vendor == "postgresql" else 0
    for volunteer, status, queries in ((world.vol1, "enrolled", 13),
                                       (world.vol1b, "waitlisted", 13 + share)):
        client = client_for(volunteer.user)
        with django_assert_max_num_queries(queries):  # 2 of them the test's session
            response = sign_up(client, activity)
        assert (response.status_code, response.json()["status"]) == (201, status)
    activity.refresh_from_db()
    assert activity.enrolled_count == 1


def test_the_counter_follows_every_way_in_and_out(world, client_for):
    """Sign-up, withdrawal, promotion, a quota change and a walk-in each move
    `enrolled_count` with the enrollments (what `check-ledger` proves at scale)."""
    from wenming.activities import recording
    from wenming.activities.selectors import enrolled_count_problems

    activity = publish(world.sta1_staff, world.sta1, start=tomorrow(9), quota=1)
    extra = volunteer_at(world.sta1)
    for volunteer in (world.vol1, world.vol1b, extra):
        services.enrollment_create(volunteer=volunteer, activity=activity)
    services.enrollment_cancel(volunteer=world.vol1, activity=activity)  # vol1b moves up
    assert statuses(activity)[world.vol1b.id] == "enrolled"
    services.activity_update(by=world.sta1_staff, activity=activity, changes={"quota": 2})
    assert statuses(activity)[extra.id] == "enrolled"
    recording.enrollment_walk_in(by=world.sta1_staff, activity=activity, volunteer=world.vol1)
    activity.refresh_from_db()
    assert activity.enrolled_count == 3  # a walk-in may pass the quota: they are there
    assert enrolled_count_problems() == []
    Enrollment.objects.filter(activity=activity, volunteer=extra).update(status="cancelled")
    assert enrolled_count_problems() == [f"activity {activity.id}: enrolled_count 3 != 2 enrolled"]
