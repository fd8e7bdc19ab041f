"""Shift quotas racing on the real database: the shift's row lock and the count inside the
transaction let exactly `quota` volunteers in; one volunteer racing themself gets one place."""

import pytest

from wenming.callups.models import Signup
from wenming.callups.tests.support import callup, shift
from wenming.core.tests.helpers import post_json
from wenming.people.tests.factories import volunteer_at
from wenming.points.tests.test_support import outcome
from wenming.testing import logged_in, race

pytestmark = pytest.mark.django_db(transaction=True)


def test_many_volunteers_racing_for_a_quota_of_three(world):
    c = callup(world, shifts=[shift(24, quota=3)])
    s = c.shifts.get()
    clients = [logged_in(volunteer_at(world.sta1).user) for _ in range(8)]

    responses = race([lambda cl=cl: post_json(cl, f"/api/callups/{c.id}/shifts/{s.id}/signup",
                                              {}) for cl in clients])

    assert outcome(responses) == {(201, None): 3, (409, "quota_full"): 5}
    assert Signup.objects.filter(shift=s).count() == 3


def test_one_volunteer_signing_up_twice_at_once_gets_one_place(world):
    c = callup(world, shifts=[shift(24, quota=5)])
    s = c.shifts.get()
    clients = [logged_in(world.vol1.user) for _ in range(4)]

    responses = race([lambda cl=cl: post_json(cl, f"/api/callups/{c.id}/shifts/{s.id}/signup",
                                              {}) for cl in clients])

    assert outcome(responses) == {(201, None): 1, (409, "already_signed_up"): 3}
    assert Signup.objects.count() == 1


def test_two_workers_pushing_one_call_up_reach_each_volunteer_once(world):
    from wenming.callups.services import fanout_batch
    from wenming.inbox.models import Notification

    for _ in range(6):
        volunteer_at(world.sta1)
    c = callup(world)

    def worker():
        while fanout_batch(callup_id=c.pk, size=2):
            pass
        return True

    race([worker, worker])
    users = list(Notification.objects.filter(url=f"/callups/{c.pk}/").values_list("user_id",
                                                                                  flat=True))
    assert len(users) == len(set(users)) == 8
