"""Endorsing, voting, rating and reporting racing on the real database (a SQLite file or
PostgreSQL): 200 residents at once count 200; a resident racing themself counts once."""

import pytest

from wenming.core.tests.helpers import post_json
from wenming.deliberation.models import (
    CommentReport,
    Endorsement,
    Rating,
    Topic,
    TopicRule,
    Vote,
)
from wenming.deliberation.tests import support
from wenming.points.tests.test_support import bearer_clients, outcome, race

pytestmark = pytest.mark.django_db(transaction=True)


def test_200_residents_endorsing_at_once_give_200(world):
    topic = support.endorsing(world, threshold=150)
    clients = bearer_clients(support.many_neighbours(world.sta1, 200))

    responses = race([lambda c=c: post_json(c, f"/api/topics/{topic.id}/endorse", {})
                      for c in clients])

    assert outcome(responses) == {(200, None): 200}
    topic.refresh_from_db()
    assert topic.endorsements == 200 == Endorsement.objects.filter(topic=topic).count()
    assert topic.on_agenda_at is not None


def test_a_resident_racing_themself_endorses_once(world):
    topic = support.endorsing(world)
    clients = bearer_clients([world.res1.user] * 10)

    responses = race([lambda c=c: post_json(c, f"/api/topics/{topic.id}/endorse", {})
                      for c in clients])

    assert outcome(responses) == {(200, None): 1, (409, "already_endorsed"): 9}
    assert Topic.objects.get(pk=topic.pk).endorsements == 1 == Endorsement.objects.count()


def test_200_residents_voting_at_once_give_200(world):
    topic = support.scheduled(world)
    option = topic.options.first().id
    clients = bearer_clients(support.many_neighbours(world.sta1, 200))

    responses = race([lambda c=c: post_json(c, f"/api/topics/{topic.id}/vote",
                                            {"option_id": option}) for c in clients])

    assert outcome(responses) == {(200, None): 200}
    assert Vote.objects.filter(topic=topic, option_id=option).count() == 200


def test_a_resident_racing_themself_votes_once(world):
    topic = support.scheduled(world)
    options = list(topic.options.values_list("id", flat=True))
    clients = bearer_clients([world.res1.user] * 10)

    responses = race([lambda c=c, i=i: post_json(c, f"/api/topics/{topic.id}/vote",
                                                 {"option_id": options[i % 2]})
                      for i, c in enumerate(clients)])

    assert outcome(responses) == {(200, None): 1, (409, "already_voted"): 9}
    assert Vote.objects.count() == 1


def test_a_vote_racing_the_decision_is_either_counted_before_it_or_refused(world):
    topic = support.scheduled(world)
    option = topic.options.first().id
    voters = bearer_clients(support.many_neighbours(world.sta1, 20))
    staff = bearer_clients([world.sta1_staff])[0]

    calls = [lambda c=c: post_json(c, f"/api/topics/{topic.id}/vote", {"option_id": option})
             for c in voters]
    calls.append(lambda: post_json(staff, f"/api/topics/{topic.id}/decide", {"decision": "照办"}))
    responses = race(calls)

    seen = outcome(responses)
    assert seen[(200, None)] + seen[(409, "invalid_transition")] == 21
    assert Vote.objects.count() == seen[(200, None)] - 1  # the decision is one of the 200s
    assert Topic.objects.get(pk=topic.pk).stage == "decided"


def test_a_resident_racing_themself_rates_once(world):
    topic = support.evaluating(world)
    clients = bearer_clients([world.res1.user] * 10)

    responses = race([lambda c=c: post_json(c, f"/api/topics/{topic.id}/rate", {"score": 4})
                      for c in clients])

    assert outcome(responses) == {(200, None): 1, (409, "already_rated"): 9}
    assert Rating.objects.count() == 1


def test_reports_racing_count_exactly_and_hide_once(world):
    topic = support.endorsing(world)
    TopicRule.objects.filter(org=world.sta1).update(hide_after_reports=31)
    comment = topic.comments.create(user=world.res1.user, text="广告广告")
    reporters = bearer_clients(support.many_neighbours(world.sta1, 30))
    twice = bearer_clients([world.sta1_staff] * 5)  # one person reporting five times at once

    responses = race([lambda c=c: post_json(c, f"/api/topics/{topic.id}/report",
                                            {"comment_id": comment.id})
                      for c in reporters + twice])

    assert outcome(responses) == {(200, None): 31, (409, "already_reported"): 4}
    comment.refresh_from_db()
    assert comment.reports == 31 == CommentReport.objects.count() and comment.hidden
