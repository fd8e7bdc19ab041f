"""The wish machine as data: its groups follow from the map, every named move is a move of
the map, and a move the map does not allow is a 409 whoever asks."""

import pytest

from wenming.core.errors import Conflict
from wenming.wishes import services
from wenming.wishes.models import MOVES, WORKFLOW, State
from wenming.wishes.tests.test_support import claimed, posted, stored

pytestmark = pytest.mark.django_db


def test_the_groups_follow_from_the_map():
    assert WORKFLOW.terminal == {State.REJECTED, State.CONFIRMED, State.EXPIRED,
                                 State.CANCELLED}
    assert WORKFLOW.groups["active"] == set(State.values) - WORKFLOW.terminal
    for move, (to, only_from) in MOVES.items():
        assert only_from and all(WORKFLOW.can(s, to) for s in only_from), move
    assert all(WORKFLOW.can(s, State.CANCELLED) for s in WORKFLOW.groups["cancellable"])
    assert not any(WORKFLOW.can(s, State.CANCELLED)
                   for s in set(State.values) - WORKFLOW.groups["cancellable"])
    assert WORKFLOW.step_index(State.CLAIMED) == 2 and WORKFLOW.step_index(State.EXPIRED) == -1
    assert {WORKFLOW.colour(s) for s in State.values} <= {"info", "ok", "warn", "bad", "muted"}


def test_a_move_from_the_wrong_state_is_a_conflict_even_for_whom_it_is_allowed(world):
    wish = posted(world)
    for call in (lambda: services.wish_release(by=world.sta1_staff, wish=wish),
                 lambda: services.wish_fulfil(by=world.sta1_staff, wish=wish, note="已送达"),
                 lambda: services.wish_confirm(by=world.res1.user, wish=wish)):
        with pytest.raises(Conflict) as exc:
            call()
        assert exc.value.code == "invalid_transition"
    assert stored(wish).state == State.POSTED


def test_releasing_is_the_only_way_back_to_the_wall(world):
    wish = claimed(world)
    with pytest.raises(Conflict):  # approving is a move from posted only
        services.wish_moderate(by=world.sta1_staff, wish=wish, approve=True)
    assert services.wish_release(by=world.vol1.user, wish=wish).state == State.APPROVED
