"""Reminders: before an activity starts (each person's lead time), when its time or place
changes, when it is cancelled, when a dispatched order waits; none ever sent twice."""

import datetime

import pytest
from django.utils import timezone

from wenming.activities import services as activities
from wenming.activities.models import Activity
from wenming.inbox.models import Notification
from wenming.inbox.reminders import remind_orders_waiting, remind_upcoming_activities
from wenming.inbox.services import preference_set
from wenming.orgs.models import Platform
from wenming.testing import race

pytestmark = pytest.mark.django_db


def an_activity(world, *, starts_in: datetime.timedelta) -> Activity:
    platform = Platform.objects.get_or_create(code="health", defaults={"name": "健康"})[0]
    start = timezone.now() + starts_in
    activity = Activity.objects.create(
        org=world.sta1, platform=platform, title="社区义诊", address="稻香园社区卫生服务站",
        lat=39.981, lng=116.305, start=start, end=start + datetime.timedelta(hours=2), quota=10)
    for v in (world.vol1, world.vol1b):
        activities.enrollment_create(volunteer=v, activity=activity)
    return activity


def titles(user, word: str) -> list[str]:
    return list(Notification.objects.filter(user=user, title__contains=word).values_list(
        "title", flat=True))


def test_a_reminder_goes_out_within_the_lead_time_once(world):
    an_activity(world, starts_in=datetime.timedelta(minutes=90))
    far = an_activity(world, starts_in=datetime.timedelta(hours=5))
    assert remind_upcoming_activities() == 2  # vol1 and vol1b, the near one only
    assert remind_upcoming_activities() == 0
    assert len(titles(world.vol1.user, "即将开始")) == 1
    assert not Notification.objects.filter(url=f"/activities/{far.pk}/").exists()


def test_each_person_chooses_their_lead_time(world):
    preference_set(user=world.vol1.user, channels=["sms"], reminder_lead_minutes=6 * 60)
    an_activity(world, starts_in=datetime.timedelta(hours=5))
    assert remind_upcoming_activities() == 1
    assert titles(world.vol1.user, "即将开始") and not titles(world.vol1b.user, "即将开始")


def test_a_rescheduled_activity_reminds_again_at_its_new_time(world):
    activity = an_activity(world, starts_in=datetime.timedelta(minutes=90))
    remind_upcoming_activities()
    activities.activity_update(by=world.sta1_staff, activity=activity, changes={
        "start": activity.start + datetime.timedelta(minutes=20),
        "end": activity.end + datetime.timedelta(minutes=20)})
    assert len(titles(world.vol1.user, "有变")) == 1
    assert remind_upcoming_activities() == 2
    assert len(titles(world.vol1.user, "即将开始")) == 2


def test_a_change_of_place_is_told_once_and_other_edits_are_not(world):
    activity = an_activity(world, starts_in=datetime.timedelta(days=3))
    activities.activity_update(by=world.sta1_staff, activity=activity,
                               changes={"address": "稻香园社区活动中心二楼"})
    activities.activity_update(by=world.sta1_staff, activity=activity, changes={"quota": 12})
    (title,) = titles(world.vol1.user, "有变")
    assert "社区义诊" in title
    body = Notification.objects.get(user=world.vol1.user, title=title).body
    assert "二楼" in body


def test_a_cancelled_activity_is_told_once(world, django_capture_on_commit_callbacks):
    activity = an_activity(world, starts_in=datetime.timedelta(days=3))
    with django_capture_on_commit_callbacks(execute=True):
        activities.activity_cancel(by=world.sta1_staff, activity=activity, reason="暴雨预警")
    assert len(titles(world.vol1.user, "活动已取消")) == 1


def test_a_cancellation_written_without_the_service_is_still_told(world,
                                                                   django_capture_on_commit_callbacks):
    activity = an_activity(world, starts_in=datetime.timedelta(days=3))
    with django_capture_on_commit_callbacks(execute=True):
        activity.status = Activity.Status.CANCELLED
        activity.save()
    assert len(titles(world.vol1.user, "活动已取消")) == 1
    assert len(titles(world.vol1b.user, "活动已取消")) == 1


def test_a_dispatched_order_waiting_is_reminded_once(world, monkeypatch):
    from wenming.orders.tests.test_support import order_in

    order = order_in("dispatched", resident=world.res1, staff=world.sta1_staff,
                     volunteer=world.vol1)
    assert remind_orders_waiting() == 0  # just dispatched: the dispatch itself told them
    later = timezone.now() + datetime.timedelta(minutes=40)
    assert remind_orders_waiting(now=later) == 1
    assert remind_orders_waiting(now=later) == 0
    assert titles(order.volunteer.user, "等待确认")


@pytest.mark.django_db(transaction=True)
def test_racing_sweeps_send_each_reminder_once(world):
    an_activity(world, starts_in=datetime.timedelta(minutes=60))
    results = race([remind_upcoming_activities] * 4)
    assert sum(results) == 2
    assert len(titles(world.vol1.user, "即将开始")) == 1
