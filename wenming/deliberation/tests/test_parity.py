"""Parity: for every persona and every stage of a topic, the moves the topic's page offers
(`data-move`), the moves the API lists (`allowed_moves`) and the moves the services carry out
are the same set. A topic the persona may not see is 404 on the page and in the API.

Each service call runs in a savepoint rolled back afterwards, so every persona meets the same
topic in the same stage."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from wenming.core.errors import DomainError
from wenming.deliberation import services
from wenming.deliberation.models import MOVES, Topic
from wenming.deliberation.tests import support
from wenming.people.tests.factories import resident_at
from wenming.testing import logged_in

pytestmark = pytest.mark.django_db

PERSONAS = ["admin", "center_staff", "inst1_staff", "inst2_staff", "sta1_staff", "sta2_staff",
            "vol1", "vol1b", "vol2", "res1", "outsider", "neighbour", "endorser", "stranger"]


def _endorsed(world) -> Topic:
    topic = support.endorsing(world)
    services.topic_endorse(by=world.endorser.user, topic=topic)
    return topic


def _endorsed_then_evaluating(world) -> Topic:
    topic = support.endorsing(world)
    services.topic_endorse(by=world.endorser.user, topic=topic)
    services.topic_schedule(by=world.sta1_staff, topic=topic, place="议事厅", reason="急",
                            at=timezone.now())
    services.topic_decide(by=world.sta1_staff, topic=topic, decision="照办")
    return services.topic_conclude(by=world.sta1_staff, topic=topic, reason="无须办理")


SCENES = {
    "collecting": support.collecting,
    "endorsing": support.endorsing,
    "endorsed": _endorsed,
    "scheduled": support.scheduled,
    "decided": support.decided,
    "executing": support.executing,
    "evaluating": support.evaluating,
    "evaluating_endorsed": _endorsed_then_evaluating,
    "closed": support.closed,
    "rejected": support.rejected,
}


def _run(move: str, user, topic: Topic, world) -> None:
    topic = Topic.objects.get(pk=topic.pk)
    calls = {
        "approve": lambda: services.topic_moderate(by=user, topic=topic, approve=True),
        "reject": lambda: services.topic_moderate(by=user, topic=topic, approve=False,
                                                  reason="不属于本站"),
        "merge": lambda: services.topic_merge(by=user, topic=topic, into=world.original),
        "endorse": lambda: services.topic_endorse(by=user, topic=topic),
        "schedule": lambda: services.topic_schedule(by=user, topic=topic, place="议事厅",
                                                    reason="急", at=timezone.now()),
        "vote": lambda: services.topic_vote(by=user, topic=topic, option_id=getattr(
            topic.options.first(), "pk", 1)),
        "decide": lambda: services.topic_decide(by=user, topic=topic, decision="照办"),
        "add_task": lambda: services.task_add(
            by=user, topic=topic, title="办理", owner=world.sta1_staff,
            due=timezone.localdate() + datetime.timedelta(days=3)),
        "conclude": lambda: services.topic_conclude(by=user, topic=topic, reason="无须办理"),
        "rate": lambda: services.topic_rate(by=user, topic=topic, score=4),
        "close": lambda: services.topic_close(by=user, topic=topic),
    }
    calls[move]()


class RolledBack(Exception):
    pass


def service_moves(user, topic: Topic, world) -> set[str]:
    done = set()
    for move in MOVES:
        try:
            with transaction.atomic():
                _run(move, user, topic, world)
                raise RolledBack()
        except RolledBack:
            done.add(move)
        except (DomainError, ValidationError):
            pass
    return done


@pytest.fixture
def cast(world):
    world.neighbour = resident_at(world.sta1, "neighbour")
    world.endorser = resident_at(world.sta1, "endorser")
    world.stranger = resident_at(world.sta1b, "stranger")
    world.original = support.endorsing(world, title="更早的同一议题")
    return world


@pytest.mark.parametrize("scene", SCENES)
def test_page_api_and_services_agree(cast, scene):
    topic = SCENES[scene](cast)
    for persona in PERSONAS:
        person = getattr(cast, persona)
        user = getattr(person, "user", person)
        client = logged_in(user)
        page = client.get(f"/topics/{topic.id}/")
        api = client.get(f"/api/topics/{topic.id}")
        moves = service_moves(user, topic, cast)
        if page.status_code == 404:
            assert api.status_code == 404, (scene, persona)
            assert moves == set(), (scene, persona, moves)
            continue
        assert page.status_code == 200 and api.status_code == 200, (scene, persona)
        offered = set(re.findall(r'data-move="([a-z_]+)"', page.content.decode()))
        listed = set(api.json()["allowed_moves"])
        assert offered == listed == moves, (scene, persona, offered, listed, moves)


def test_who_sees_what(cast):
    """The scope in one table, for a public topic of sta1: its station's people and the staff
    above it; not a sibling station's, nor the outsider."""
    topic = support.endorsing(cast)
    seen = {p for p in PERSONAS
            if logged_in(getattr(getattr(cast, p), "user", getattr(cast, p))).get(
                f"/api/topics/{topic.id}").status_code == 200}
    assert seen == {"admin", "center_staff", "inst1_staff", "sta1_staff", "vol1", "res1",
                    "neighbour", "endorser"}
