"""Objections racing on the real database (a SQLite file or PostgreSQL): the same person
objecting twice at once gets one objection and one 409; different people all get theirs."""

import pytest
from django.utils import timezone

from wenming.honors import services
from wenming.honors.models import Objection, SelectionEvent
from wenming.people.tests.factories import volunteer_at
from wenming.points.tests.test_support import outcome
from wenming.testing import logged_in, race

from .support import line, post

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def publicized(world):
    line(world.vol1, 3, timezone.localdate())
    s = services.selection_nominate(by=world.inst1_staff, node=world.inst1, kind="star",
                                    period="month")
    services.selection_review(by=world.inst1_staff, selection=s)
    return services.selection_publicize(by=world.inst1_staff, selection=s)


def object_to(client, selection, reason="有异议"):
    return post(client, f"/api/selections/{selection.pk}/objections", {"reason": reason})


def test_the_same_person_objecting_twice_at_once_gets_one(world, publicized):
    clients = [logged_in(world.vol1b.user) for _ in range(4)]

    responses = race([lambda c=c: object_to(c, publicized) for c in clients])

    assert outcome(responses) == {(201, None): 1, (409, "already_objected"): 3}
    assert Objection.objects.count() == 1
    assert SelectionEvent.objects.filter(action="object").count() == 1


def test_different_people_objecting_at_once_all_count(world, publicized):
    people = [volunteer_at(world.sta1) for _ in range(5)]
    clients = [logged_in(v.user) for v in people]

    responses = race([lambda c=c: object_to(c, publicized) for c in clients])

    assert outcome(responses) == {(201, None): 5}
    assert Objection.objects.count() == 5
