"""Parity: for each persona and state of a call-up, the moves its page offers (`data-move`)
are the moves the API lists (`allowed_moves` and each shift's `moves`), and the services
carry them out; the list's query count is pinned."""

import re

import pytest
from django.db import transaction

from wenming.callups import services
from wenming.callups.models import Callup
from wenming.callups.tests.support import callup, shift
from wenming.core.errors import DomainError

pytestmark = pytest.mark.django_db

PERSONAS = ["admin", "center_staff", "inst1_staff", "inst2_staff", "sta1_staff", "vol1",
            "vol2", "res1", "outsider"]
MANAGERS = {"admin", "center_staff", "inst1_staff"}


class RolledBack(Exception):
    pass


def user_of(world, persona):
    person = getattr(world, persona)
    return getattr(person, "user", person)


def page_moves(client, c) -> set[str] | None:
    response = client.get(f"/callups/{c.id}/")
    if response.status_code == 404:
        return None
    return set(re.findall(r'data-move="([a-z_]+)"', response.content.decode()))


def api_moves(client, c) -> set[str] | None:
    response = client.get(f"/api/callups/{c.id}")
    if response.status_code == 404:
        return None
    body = response.json()
    return set(body["allowed_moves"]) | {m for s in body["shifts"] for m in s["moves"]}


def service_moves(user, c: Callup) -> set[str]:
    calls = {
        "close": lambda: services.callup_move(by=user, callup=c, move="close"),
        "cancel": lambda: services.callup_move(by=user, callup=c, move="cancel"),
        "signup": lambda: services.signup_create(by=user, callup=c,
                                                 shift_id=c.shifts.first().id),
        "withdraw": lambda: services.signup_withdraw(by=user, callup=c,
                                                     shift_id=c.shifts.first().id),
    }
    done = set()
    for move, call in calls.items():
        try:
            with transaction.atomic():
                call()
                raise RolledBack
        except RolledBack:
            done.add(move)
        except DomainError:
            pass
    return done


SCENES = {
    "published": lambda w: callup(w, shifts=[shift(24)]),
    "signed_up": lambda w: _signed(w),
    "closed": lambda w: services.callup_move(by=w.inst1_staff, callup=callup(
        w, shifts=[shift(24)]), move="close"),
}


def _signed(w):
    c = callup(w, shifts=[shift(24)])
    services.signup_create(by=w.vol1.user, callup=c, shift_id=c.shifts.get().id)
    return c


EXPECTED = {
    "published": {**{p: {"close", "cancel"} for p in MANAGERS}, "vol1": {"signup"},
                  "vol2": {"signup"}},
    "signed_up": {**{p: {"close", "cancel"} for p in MANAGERS}, "vol1": {"withdraw"},
                  "vol2": {"signup"}},
    "closed": {},
}


@pytest.mark.parametrize("scene", SCENES)
def test_page_api_and_service_agree(world, client_for, scene):
    c = SCENES[scene](world)
    seen = {}
    for persona in PERSONAS:
        user = user_of(world, persona)
        client = client_for(user)
        page, api = page_moves(client, c), api_moves(client, c)
        assert page == api, (scene, persona, page, api)
        if page is not None:
            assert page == service_moves(user, c), (scene, persona)
        seen[persona] = page
    assert {p: m for p, m in seen.items() if m} == EXPECTED[scene]


def test_the_list_takes_a_fixed_number_of_queries(world, client_for,
                                                  django_assert_max_num_queries):
    for _ in range(5):
        callup(world)
    client = client_for(world.vol1.user)
    with django_assert_max_num_queries(8):
        assert client.get("/api/callups").json()["count"] == 5
