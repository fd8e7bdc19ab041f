"""Sign-ups, cancellations, check-ins and approvals racing on the real database (a SQLite
file or PostgreSQL): the quota, the waitlist order and the one-attendance rule hold."""

import datetime
from collections import Counter
from decimal import Decimal

import pytest
from django.utils import timezone

from wenming.activities import services
from wenming.activities.models import (
    Activity,
    Attendance,
    Enrollment,
    HoursDaily,
    ServiceRecord,
)
from wenming.activities.selectors import enrolled_count_problems
from wenming.activities.tests.test_support import pending_record, post, publish, tomorrow
from wenming.inbox.models import Notification
from wenming.people.tests.factories import volunteer_at
from wenming.testing import logged_in, race

pytestmark = pytest.mark.django_db(transaction=True)







def outcome(responses) -> Counter:
    """Status codes with the error code (or the enrollment status) of each response."""
    seen = Counter()
    for r in responses:
        body = r.json()
        seen[(r.status_code, body["error"]["code"] if "error" in body else body.get("status"))] += 1
    return seen


def test_fifty_sign_ups_for_ten_places_enrol_ten_and_waitlist_forty_in_order(world):
    activity = publish(world.sta1_staff, world.sta1, start=tomorrow(9), quota=10)
    volunteers = [volunteer_at(world.sta1) for _ in range(50)]
    clients = [logged_in(v.user) for v in volunteers]
    url = f"/api/activities/{activity.id}/enrollments"

    responses = race([lambda c=c: post(c, url) for c in clients])

    assert outcome(responses) == {(201, "enrolled"): 10, (201, "waitlisted"): 40}
    rows = Enrollment.objects.filter(activity=activity)
    assert Counter(rows.values_list("status", flat=True)) == {"enrolled": 10, "waitlisted": 40}
    assert Activity.objects.get(pk=activity.pk).enrolled_count == 10
    # Everyone enrolled was stamped before anyone who found the activity full.
    queue = list(rows.filter(status="waitlisted").order_by("created_at", "id"))
    assert max(e.created_at for e in rows.filter(status="enrolled")) <= queue[0].created_at

    # Five enrolled volunteers withdraw at once: the first five waiting move up, in order.
    enrolled = list(rows.filter(status="enrolled").order_by("id").values_list(
        "volunteer_id", flat=True))
    leaving = [v for v in volunteers if v.id in enrolled[:5]]
    Notification.objects.all().delete()
    cancels = race([lambda v=v: logged_in(v.user).delete(url) for v in leaving])
    assert {(r.status_code, r.json()["status"]) for r in cancels} == {(200, "cancelled")}
    promoted = {e.volunteer_id for e in queue[:5]}
    assert set(rows.filter(status="enrolled").values_list("volunteer_id", flat=True)) == \
        set(enrolled[5:]) | promoted
    notified = Notification.objects.filter(title__startswith="候补成功")
    assert sorted(notified.values_list("user__volunteer", flat=True)) == sorted(promoted)
    assert rows.filter(status="waitlisted").count() == 35
    assert Activity.objects.get(pk=activity.pk).enrolled_count == 10
    assert enrolled_count_problems() == []


def test_one_volunteers_racing_sign_ups_take_one_place(world):
    """The unique (activity, volunteer) row refuses the second insert; the place its
    request took is rolled back with it."""
    activity = publish(world.sta1_staff, world.sta1, start=tomorrow(9), quota=3)
    url = f"/api/activities/{activity.id}/enrollments"

    responses = race([lambda: post(logged_in(world.vol1.user), url) for _ in range(8)])

    assert outcome(responses) == {(201, "enrolled"): 1, (409, "already_enrolled"): 7}
    assert Activity.objects.get(pk=activity.pk).enrolled_count == 1
    assert enrolled_count_problems() == []


def test_racing_sign_ups_again_after_withdrawing_take_one_place(world):
    activity = publish(world.sta1_staff, world.sta1, start=tomorrow(9), quota=3)
    services.enrollment_create(volunteer=world.vol1, activity=activity)
    services.enrollment_cancel(volunteer=world.vol1, activity=activity)
    url = f"/api/activities/{activity.id}/enrollments"

    responses = race([lambda: post(logged_in(world.vol1.user), url) for _ in range(8)])

    assert outcome(responses) == {(201, "enrolled"): 1, (409, "already_enrolled"): 7}
    assert Activity.objects.get(pk=activity.pk).enrolled_count == 1
    assert enrolled_count_problems() == []


def test_sign_ups_racing_withdrawals_and_a_quota_change_keep_the_counter(world):
    """Sign-ups, withdrawals and the organiser raising the quota, all at once: the counter
    stays the number enrolled, and never past the quota."""
    activity = publish(world.sta1_staff, world.sta1, start=tomorrow(9), quota=5)
    first = [volunteer_at(world.sta1) for _ in range(5)]
    for v in first:
        services.enrollment_create(volunteer=v, activity=activity)
    newcomers = [volunteer_at(world.sta1) for _ in range(10)]
    url = f"/api/activities/{activity.id}/enrollments"
    jobs = [lambda v=v: post(logged_in(v.user), url) for v in newcomers]
    jobs += [lambda v=v: logged_in(v.user).delete(url) for v in first[:3]]
    jobs += [lambda: services.activity_update(by=world.sta1_staff, activity=activity,
                                              changes={"quota": 8})]

    race(jobs)

    activity.refresh_from_db()
    assert activity.quota == 8
    enrolled = Enrollment.objects.filter(activity=activity, status="enrolled").count()
    assert activity.enrolled_count == enrolled == 8  # 12 live for 8 places: all taken
    assert enrolled_count_problems() == []


def test_twenty_check_ins_by_one_volunteer_make_one_attendance(world):
    activity = publish(world.sta1_staff, world.sta1, start=tomorrow(9))
    services.enrollment_create(volunteer=world.vol1, activity=activity)
    now = timezone.now()
    type(activity).objects.filter(pk=activity.pk).update(
        start=now - datetime.timedelta(minutes=10), end=now + datetime.timedelta(hours=2))
    clients = [logged_in(world.vol1.user) for _ in range(20)]
    url = f"/api/activities/{activity.id}/checkin"

    responses = race([lambda c=c: post(c, url, {"lat": 39.981, "lng": 116.305}) for c in clients])

    assert outcome(responses) == {(201, None): 1, (409, "already_checked_in"): 19}
    assert Attendance.objects.filter(activity=activity, volunteer=world.vol1).count() == 1


def test_racing_check_ins_at_four_activities_stop_at_the_daily_limit_of_three(world):
    now = timezone.now()
    activities = [publish(world.sta1_staff, world.sta1, start=tomorrow(9)) for _ in range(4)]
    for activity in activities:
        services.enrollment_create(volunteer=world.vol1, activity=activity)
    type(activities[0]).objects.filter(pk__in=[a.pk for a in activities]).update(
        start=now - datetime.timedelta(minutes=5), end=now + datetime.timedelta(hours=1))

    responses = race([lambda a=a: post(logged_in(world.vol1.user),
                                       f"/api/activities/{a.id}/checkin",
                                       {"lat": 39.981, "lng": 116.305}) for a in activities])

    assert outcome(responses) == {(201, None): 3, (409, "daily_checkin_limit"): 1}
    assert Attendance.objects.filter(volunteer=world.vol1).count() == 3


def test_racing_approvals_of_one_record_count_its_hours_once(world):
    record = pending_record(world.vol1, world.sta1, "2.5")
    clients = [logged_in(u) for u in (world.sta1_staff, world.inst1_staff, world.center_staff,
                                      world.admin) * 2]

    responses = race([lambda c=c: post(c, f"/api/records/{record.id}/approve") for c in clients])

    assert outcome(responses) == {(200, "approved"): 1, (409, "invalid_transition"): 7}
    daily = HoursDaily.objects.get(org=world.sta1, day=record.service_date)
    assert (daily.hours, daily.records) == (record.hours, 1)
    assert ServiceRecord.objects.get(pk=record.pk).status == "approved"


def test_racing_lines_for_one_day_never_pass_the_daily_maximum(world):
    """Six order lines of 5 h for one day, written at once through the one write path: the
    volunteer's lock makes each see the others, so 12 h are held, not 30."""
    day = datetime.date(2026, 11, 20)

    def write(order_id: int):
        return services.record_write(
            volunteer=world.vol1, kind=ServiceRecord.Kind.ORDER, org=world.sta1,
            title="点单服务：陪同就医", service_date=day, hours=Decimal("5"),
            by=world.vol1.user, order_id=order_id)

    lines = race([lambda n=n: write(n) for n in range(1, 7)])
    assert sorted(line.hours for line in lines) == [0, 0, 0, 2, 5, 5]
    assert [line.needs_parent_approval for line in sorted(lines, key=lambda r: r.id)] == \
        [False, True, True, True, True, True]



def test_two_organisers_scanning_one_e_card_at_once_record_one_check_in(world):
    from wenming.activities import ecard
    from wenming.teams import services as team_services

    leader = volunteer_at(world.sta1, "scan_leader")
    team = team_services.team_create(by=world.sta1_staff, name="稻香园助老队", org=world.sta1,
                                     leader=leader)
    activity = publish(world.sta1_staff, world.sta1, start=tomorrow(9), team=team)
    services.enrollment_create(volunteer=world.vol1, activity=activity)
    now = timezone.now()
    type(activity).objects.filter(pk=activity.pk).update(
        start=now - datetime.timedelta(minutes=10), end=now + datetime.timedelta(hours=2))
    token = ecard.phone_token(world.vol1)
    organisers = [world.sta1_staff, leader.user] * 4
    url = f"/api/activities/{activity.id}/scan"

    responses = race([lambda u=u: post(logged_in(u), url, {"ecard_token": token,
                                                            "action": "checkin"})
                      for u in organisers])

    codes = Counter(r.status_code if r.status_code == 200 else r.json()["error"]["code"]
                    for r in responses)
    assert codes == {200: 1, "already_checked_in": 7}
    assert Attendance.objects.filter(activity=activity, volunteer=world.vol1).count() == 1


def test_a_time_code_claimed_by_many_at_once_gives_one_line(world):
    from wenming.activities import recording

    activity = publish(world.sta1_staff, world.sta1, start=tomorrow(9))
    code = recording.time_codes_issue(by=world.sta1_staff, activity=activity, count=1)[0]
    now = timezone.now()
    type(activity).objects.filter(pk=activity.pk).update(
        start=now - datetime.timedelta(hours=3), end=now - datetime.timedelta(minutes=5))
    claimants = [world.vol1, world.vol1b, world.vol2] * 2 + [volunteer_at(world.sta1)] * 2

    responses = race([lambda v=v: post(logged_in(v.user), "/api/time-codes/claim",
                                       {"code": code.code}) for v in claimants])

    codes = Counter(r.status_code if r.status_code == 201 else r.json()["error"]["code"]
                    for r in responses)
    assert codes == {201: 1, "time_code_used": 7}
    assert ServiceRecord.objects.filter(activity=activity).count() == 1
    code.refresh_from_db()
    assert code.record.volunteer == code.claimed_by
