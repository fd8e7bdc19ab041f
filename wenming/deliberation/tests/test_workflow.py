"""The five steps through the services: each stage, its event rows, the counts and windows."""

import datetime

import pytest
from django.utils import timezone

from wenming.core.errors import Conflict, Forbidden
from wenming.deliberation import services
from wenming.deliberation.models import (
    MOVES,
    WORKFLOW,
    Endorsement,
    Rating,
    Stage,
    TaskUpdate,
    Topic,
    TopicEvent,
    Vote,
)
from wenming.deliberation.tests import support
from wenming.inbox.models import Notification
from wenming.people.tests.factories import resident_at

pytestmark = pytest.mark.django_db


def test_every_move_is_declared_in_the_workflow():
    for move, (to, only_from) in MOVES.items():
        assert only_from, move
        if to is not None:
            assert all(WORKFLOW.can(s, to) for s in only_from), move


def test_the_five_steps_leave_an_event_for_every_move(world):
    topic = support.closed(world)
    stages = list(TopicEvent.objects.filter(topic=topic).values_list("from_stage", "to_stage"))
    assert stages == [("", "collecting"), ("collecting", "endorsing"), ("endorsing", "scheduled"),
                      ("scheduled", "decided"), ("decided", "executing"),
                      ("executing", "evaluating"), ("evaluating", "closed")]
    assert TopicEvent.objects.filter(topic=topic, to_stage="scheduled").get().by == \
        world.sta1_staff


def test_reaching_the_threshold_puts_it_on_the_agenda_and_tells_staff(world):
    topic = support.endorsing(world, threshold=2)
    a, b = support.neighbours(world, 2)
    services.topic_endorse(by=a.user, topic=topic)
    assert Topic.objects.get(pk=topic.pk).on_agenda_at is None
    services.topic_endorse(by=b.user, topic=topic)
    topic.refresh_from_db()
    assert topic.endorsements == 2 and topic.on_agenda_at is not None
    assert Notification.objects.filter(user=world.sta1_staff, title__contains="门槛").exists()
    assert set(topic.followers.all()) >= {a.user, b.user, world.res1.user}


def test_followers_hear_of_every_move(world):
    topic = support.endorsing(world)
    neighbour = support.neighbours(world, 1)[0]
    services.topic_endorse(by=neighbour.user, topic=topic)
    before = Notification.objects.filter(user=neighbour.user).count()
    services.topic_schedule(by=world.sta1_staff, topic=topic, place="议事厅", reason="急",
                            at=timezone.now() + datetime.timedelta(days=1))
    assert Notification.objects.filter(user=neighbour.user).count() == before + 1


def test_scheduling_below_the_threshold_needs_a_reason(world):
    topic = support.endorsing(world)
    with pytest.raises(Exception, match="理由"):
        services.topic_schedule(by=world.sta1_staff, topic=topic, place="议事厅",
                                at=timezone.now())
    assert Topic.objects.get(pk=topic.pk).stage == Stage.ENDORSING


def test_an_endorsement_after_the_window_is_refused_and_not_written(world):
    topic = support.endorsing(world)
    Topic.objects.filter(pk=topic.pk).update(endorse_until=timezone.now() - datetime.timedelta(1))
    neighbour = support.neighbours(world, 1)[0]
    with pytest.raises(Conflict) as exc:
        services.topic_endorse(by=neighbour.user, topic=topic)
    assert exc.value.code == "window_closed"
    assert not Endorsement.objects.exists()


def test_a_resident_of_another_station_cannot_endorse_vote_or_rate(world):
    stranger = resident_at(world.sta1b)
    topic = support.endorsing(world)
    with pytest.raises(Forbidden):
        services.topic_endorse(by=stranger.user, topic=topic)
    scheduled = support.scheduled(world)
    with pytest.raises(Forbidden):
        services.topic_vote(by=stranger.user, topic=scheduled,
                            option_id=scheduled.options.first().pk)
    evaluating = support.evaluating(world)
    with pytest.raises(Forbidden):
        services.topic_rate(by=stranger.user, topic=evaluating, score=5)
    assert not Endorsement.objects.filter(user=stranger.user).exists()
    assert not Vote.objects.filter(user=stranger.user).exists()
    assert not Rating.objects.exists()


def test_a_vote_after_the_decision_is_refused(world):
    topic = support.decided(world)
    neighbour = support.neighbours(world, 1)[0]
    with pytest.raises(Conflict) as exc:
        services.topic_vote(by=neighbour.user, topic=topic, option_id=topic.options.first().pk)
    assert exc.value.code == "invalid_transition"
    assert Vote.objects.count() == 1


def test_a_rating_before_the_tasks_close_is_refused(world):
    topic = support.executing(world)
    with pytest.raises(Conflict):
        services.topic_rate(by=world.res1.user, topic=topic, score=4)
    assert not Rating.objects.exists()


def test_decision_counts_offline_hands_on_the_first_two_options(world):
    topic = support.decided(world)
    assert [(o.label, o.offline_votes) for o in topic.options.all()] == [("赞成", 10), ("反对", 1)]
    assert topic.offline_count == 11


def test_the_last_task_done_opens_the_rating_window(world):
    topic = support.executing(world)
    services.task_add(by=world.sta1_staff, topic=topic, title="验收",
                      due=timezone.localdate(), owner=world.sta1_staff)
    first, second = topic.tasks.all()
    services.task_report(by=world.sta1_staff, task=first, note="装好了", complete=True)
    assert Topic.objects.get(pk=topic.pk).stage == Stage.EXECUTING
    services.task_report(by=world.sta1_staff, task=second, note="验收通过", complete=True)
    topic.refresh_from_db()
    assert topic.stage == Stage.EVALUATING and topic.rate_until > timezone.now()


def test_an_overdue_task_escalates_once_per_level_up_the_tree(world, monkeypatch):
    topic = support.executing(world)
    task = topic.tasks.get()
    task.due = timezone.localdate() - datetime.timedelta(days=3)
    task.save()
    assert services.task_escalate_if_overdue(task_id=task.pk, level=0)
    assert not services.task_escalate_if_overdue(task_id=task.pk, level=0)
    task.refresh_from_db()
    assert task.escalated_to == world.inst1 and task.escalations == 1
    assert Notification.objects.filter(user=world.inst1_staff, title__contains="超期").exists()
    assert services.task_escalate_if_overdue(task_id=task.pk, level=1)
    task.refresh_from_db()
    assert task.escalated_to == world.center
    assert not services.task_escalate_if_overdue(task_id=task.pk, level=2)  # the top
    assert TaskUpdate.objects.filter(task=task, kind="escalated").count() == 2


def test_a_task_not_yet_due_does_not_escalate(world):
    task = support.executing(world).tasks.get()
    assert not services.task_escalate_if_overdue(task_id=task.pk, level=0)


def test_the_sweep_closes_ended_rating_windows(world):
    from wenming.deliberation.tasks import sweep_topics

    topic = support.evaluating(world)
    Topic.objects.filter(pk=topic.pk).update(rate_until=timezone.now() - datetime.timedelta(1))
    sweep_topics.call()
    assert Topic.objects.get(pk=topic.pk).stage == Stage.CLOSED


def test_merging_moves_the_followers_and_points_to_the_original(world):
    original = support.endorsing(world)
    duplicate = support.collecting(world, title="东门路灯太暗")
    other = resident_at(world.sta1)
    duplicate.followers.add(other.user)
    services.topic_merge(by=world.sta1_staff, topic=duplicate, into=original, reason="同一件事")
    duplicate.refresh_from_db()
    assert duplicate.stage == Stage.REJECTED and duplicate.merged_into == original
    assert other.user in original.followers.all()


def test_comments_hide_after_the_nodes_number_of_reports_and_a_moderator_can_keep_them(world):
    topic = support.endorsing(world)
    comment = services.comment_add(by=world.res1.user, topic=topic, text="支持！")
    reporters = support.neighbours(world, 3)
    for r in reporters[:2]:
        services.comment_report(by=r.user, comment=comment)
    comment.refresh_from_db()
    assert not comment.hidden
    services.comment_report(by=reporters[2].user, comment=comment)
    comment.refresh_from_db()
    assert comment.hidden and comment.reports == 3
    services.comment_moderate(by=world.sta1_staff, comment=comment, keep=True)
    comment.refresh_from_db()
    assert not comment.hidden and comment.reviewed
    with pytest.raises(Conflict):
        services.comment_report(by=reporters[0].user, comment=comment)
