"""Parity: for every persona and every state of a selection, the moves the page offers
(`data-move`), the moves the API lists (`allowed_moves`) and the moves the services carry out
are the same set. A selection the persona may not see is 404 on the page and in the API, and
no service move on it succeeds. Each service call runs in a savepoint rolled back."""

import datetime
import re

import pytest
from django.db import transaction
from django.utils import timezone

from wenming.core.errors import DomainError
from wenming.honors import services
from wenming.honors.models import MOVES, Selection
from wenming.honors.permissions import allowed_moves
from wenming.honors.tests.support import line
from wenming.testing import logged_in

pytestmark = pytest.mark.django_db
PERSONAS = ["admin", "center_staff", "inst1_staff", "inst2_staff", "sta1_staff", "vol1", "vol2",
            "res1", "outsider"]
ALL_MOVES = [*MOVES, "object"]


class RolledBack(Exception):
    pass


def _nominated(w):
    return services.selection_nominate(by=w.inst1_staff, node=w.inst1, kind="star",
                                       period="month")


def _reviewed(w):
    return services.selection_review(by=w.inst1_staff, selection=_nominated(w))


def _publicized(w):
    return services.selection_publicize(by=w.inst1_staff, selection=_reviewed(w))


def _closed(w, *, objection: bool):
    s = _publicized(w)
    if objection:
        services.objection_raise(by=w.vol1b.user, selection=s, reason="有异议")
    Selection.objects.filter(pk=s.pk).update(
        publicity_end=timezone.now() - datetime.timedelta(seconds=1))
    return Selection.objects.get(pk=s.pk)


SCENES = {
    "nominated": _nominated,
    "reviewed": _reviewed,
    "publicized": _publicized,
    "closed_pending_objection": lambda w: _closed(w, objection=True),
    "closed": lambda w: _closed(w, objection=False),
    "announced": lambda w: services.selection_announce(by=w.inst1_staff,
                                                       selection=_closed(w, objection=False)),
    "cancelled": lambda w: services.selection_cancel(by=w.inst1_staff, selection=_nominated(w),
                                                     reason="重来"),
}


def user_of(world, persona):
    person = getattr(world, persona)
    return getattr(person, "user", person)


def run(user, selection, move) -> bool:
    calls = {
        "review": lambda: services.selection_review(by=user, selection=selection),
        "reopen": lambda: services.selection_reopen(by=user, selection=selection, reason="再议"),
        "publicize": lambda: services.selection_publicize(by=user, selection=selection),
        "announce": lambda: services.selection_announce(by=user, selection=selection),
        "cancel": lambda: services.selection_cancel(by=user, selection=selection, reason="撤销"),
        "object": lambda: services.objection_raise(by=user, selection=selection, reason="异议"),
    }
    try:
        with transaction.atomic():
            calls[move]()
            raise RolledBack
    except RolledBack:
        return True
    except DomainError:
        return False


@pytest.mark.parametrize("scene", list(SCENES))
def test_page_api_and_services_agree(world, scene):
    line(world.vol1, 3, timezone.localdate())
    selection = SCENES[scene](world)
    selection = Selection.objects.get(pk=selection.pk)
    wrong = {}
    for persona in PERSONAS:
        user = user_of(world, persona)
        client = logged_in(user)
        page = client.get(f"/honors/selections/{selection.pk}/")
        api = client.get(f"/api/selections/{selection.pk}")
        done = {m for m in ALL_MOVES if run(user, selection, m)}
        if page.status_code == 404:
            assert api.status_code == 404, (persona, scene)
            if done:
                wrong[persona] = ("hidden but", done)
            continue
        shown = set(re.findall(r'data-move="([a-z]+)"', page.content.decode()))
        listed = set(api.json()["allowed_moves"])
        if not shown == listed == done:
            wrong[persona] = (shown, listed, done)
    assert not wrong, (scene, wrong)


def test_every_scene_offers_someone_something_or_is_final(world):
    """The table above is not vacuous: staff of the node may act in every open state."""
    line(world.vol1, 3, timezone.localdate())
    for scene, build in SCENES.items():
        with transaction.atomic():
            s = build(world)
            moves = allowed_moves(world.inst1_staff, Selection.objects.get(pk=s.pk))
            assert bool(moves) == (scene not in ("announced", "cancelled",
                                                 "closed_pending_objection")), scene
            transaction.set_rollback(True)
