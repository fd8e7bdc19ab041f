"""Parity: for every persona and every state of a wish, the moves the detail page offers
(`data-move`), the moves the API lists (`allowed_moves`) and the moves the services carry out
are the same set. A wish the persona may not see is 404 on the page and in the API, and no
service move on it succeeds.

Each service call runs in a savepoint rolled back afterwards, so every persona meets the
same wish in the same state."""

import re

import pytest
from django.db import transaction

from wenming.core.errors import DomainError
from wenming.people.tests.factories import volunteer_at
from wenming.points.tests.test_support import other_district
from wenming.teams.models import Team
from wenming.teams.permissions import led_team_ids
from wenming.teams.services import team_create
from wenming.wishes import services
from wenming.wishes.models import MOVES, State, Wish
from wenming.wishes.permissions import wish_get_for_user
from wenming.wishes.tests.test_support import approved, claimed, fulfilled, posted

pytestmark = pytest.mark.django_db

PERSONAS = ["admin", "center_staff", "inst1_staff", "inst2_staff", "sta1_staff", "sta2_staff",
            "vol1", "vol1b", "vol2", "res1", "outsider", "leader", "other_staff", "stranger"]


class RolledBack(Exception):
    pass


def _expired(world) -> Wish:
    wish = approved(world)
    with transaction.atomic():
        return services.wish_transition(Wish.objects.select_for_update().get(pk=wish.pk),
                                        State.EXPIRED, by=None, only_from={State.APPROVED})


def _team_claimed(world, leader) -> Wish:
    team = team_create(by=world.sta1_staff, name="稻香园助老队", org=world.sta1, leader=leader)
    return services.wish_claim(by=leader.user, wish=approved(world), team=team)


SCENES = {
    "posted": posted,
    "approved": approved,
    "rejected": lambda w: services.wish_moderate(by=w.sta1_staff, wish=posted(w),
                                                 approve=False, reason="不符合"),
    "claimed": claimed,
    "claimed_by_team": lambda w: _team_claimed(w, w.leader),
    "fulfilled": fulfilled,
    "confirmed": lambda w: services.wish_confirm(by=w.res1.user, wish=fulfilled(w)),
    "expired": _expired,
    "cancelled": lambda w: services.wish_cancel(by=w.res1.user, wish=posted(w)),
}


@pytest.fixture
def cast(world):
    world.leader = volunteer_at(world.sta1, "leader")
    world.other_staff, world.stranger = other_district()
    return world


def user_of(world, persona):
    person = getattr(world, persona)
    return getattr(person, "user", person)


def _claim(user, wish) -> None:
    """Any way this person may claim: as themself, for a team they lead, for a donor unit."""
    ways = [{}, {"donor_name": "明亮眼镜店"}] + [
        {"team": t} for t in Team.objects.filter(pk__in=led_team_ids(user))]
    errors = []
    for way in ways:
        try:
            with transaction.atomic():
                services.wish_claim(by=user, wish=wish, **way)
                raise RolledBack
        except RolledBack:
            return
        except DomainError as exc:
            errors.append(exc)
    raise errors[0]


CALLS = {
    "approve": lambda u, w: services.wish_moderate(by=u, wish=w, approve=True),
    "reject": lambda u, w: services.wish_moderate(by=u, wish=w, approve=False, reason="不符合"),
    "claim": _claim,
    "release": lambda u, w: services.wish_release(by=u, wish=w, reason="做不到了"),
    "fulfil": lambda u, w: services.wish_fulfil(by=u, wish=w, note="已送到家中"),
    "confirm": lambda u, w: services.wish_confirm(by=u, wish=w),
    "cancel": lambda u, w: services.wish_cancel(by=u, wish=w),
}


def service_moves(user, wish_id: int) -> set[str]:
    """The moves whose service succeeds for `user`, after the scope read a page or the API
    makes first."""
    done = set()
    for move in MOVES:
        try:
            with transaction.atomic():
                CALLS[move](user, wish_get_for_user(user, wish_id))
                raise RolledBack
        except RolledBack:
            done.add(move)
        except DomainError:
            pass
    return done


def page_moves(client, wish_id: int) -> set[str] | None:
    response = client.get(f"/wishes/{wish_id}/")
    if response.status_code == 404:
        return None
    assert response.status_code == 200
    return set(re.findall(r'data-move="([a-z_]+)"', response.content.decode()))


def api_moves(client, wish_id: int) -> set[str] | None:
    response = client.get(f"/api/wishes/{wish_id}")
    if response.status_code == 404:
        return None
    assert response.status_code == 200
    return set(response.json()["allowed_moves"])


@pytest.mark.parametrize("scene", SCENES)
def test_page_api_and_services_agree_for_every_persona(cast, client_for, scene):
    wish = SCENES[scene](cast)
    seen = {}
    for persona in PERSONAS:
        user = user_of(cast, persona)
        client = client_for(user)
        page, api, done = (page_moves(client, wish.id), api_moves(client, wish.id),
                           service_moves(user, wish.id))
        assert page == api, (scene, persona, page, api)
        assert (page or set()) == done, (scene, persona, page, done)
        seen[persona] = page
    assert Wish.objects.get(pk=wish.pk).state == wish.state  # every try was rolled back
    expected = EXPECTED[scene]
    assert {p: m for p, m in seen.items() if m} == expected, scene


STAFF_ABOVE = ["admin", "center_staff", "inst1_staff", "sta1_staff"]


def _for(personas, moves) -> dict[str, set[str]]:
    return {p: set(moves) for p in personas}


# Who may do what in each state (those with no move, or no sight of the wish, left out):
# the agreement above could hold with everything forbidden; this pins the rules themselves.
EXPECTED = {
    "posted": {**_for(STAFF_ABOVE, {"approve", "reject", "cancel"}), "res1": {"cancel"}},
    "approved": {**_for(STAFF_ABOVE, {"claim", "cancel"}), "res1": {"cancel"},
                 **_for(["vol1", "vol1b", "vol2", "leader"], {"claim"})},
    "rejected": {},
    "claimed": {**_for(STAFF_ABOVE + ["vol1"], {"release", "fulfil"})},
    "claimed_by_team": {**_for(STAFF_ABOVE + ["leader"], {"release", "fulfil"})},
    "fulfilled": {"res1": {"confirm"}},
    "confirmed": {},
    "expired": {},
    "cancelled": {},
}


def test_the_private_side_is_one_rule_on_the_page_and_in_the_api(cast, client_for):
    """The resident's name, the reason and the fulfilment note: shown on the page exactly to
    those the API gives them to."""
    cast.res1.user.real_name = "王秀英"
    cast.res1.user.save()
    wish = fulfilled(cast, reason="子女在外地，没人照顾")
    for persona in PERSONAS:
        client = client_for(user_of(cast, persona))
        response = client.get(f"/api/wishes/{wish.id}")
        if response.status_code == 404:
            assert client.get(f"/wishes/{wish.id}/").status_code == 404
            continue
        private = "resident_name" in response.json()
        html = client.get(f"/wishes/{wish.id}/").content.decode()
        for secret in ("王秀英", "子女在外地", "已买好送到家中"):
            assert (secret in html) == private, (persona, secret)
        assert private == (persona in STAFF_ABOVE + ["res1", "vol1"]), persona
