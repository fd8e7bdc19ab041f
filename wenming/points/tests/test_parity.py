"""Parity: for every persona and every state of a redemption, the moves its page offers
(`data-move`), the moves the API lists (`allowed_moves`) and the moves the services carry out
are the same set; a redemption the persona may not see is 404 on both, and no service move on
it succeeds. The same for a store: its pages open to exactly those the services let manage
goods and hand them over.

Each service call runs in a savepoint rolled back afterwards."""

import re

import pytest
from django.db import transaction

from wenming.core.errors import DomainError
from wenming.points import services
from wenming.points.models import REDEMPTION_MOVES, Redemption
from wenming.points.permissions import (
    redemption_get_for_user,
    store_caps,
    store_get_for_user,
)
from wenming.points.tests.test_support import give_points, goods_in, other_district, store_at

pytestmark = pytest.mark.django_db

PERSONAS = ["admin", "center_staff", "inst1_staff", "inst2_staff", "sta1_staff", "sta2_staff",
            "vol1", "vol1b", "vol2", "res1", "outsider", "other_staff", "stranger"]
STAFF_ABOVE = ["admin", "center_staff", "inst1_staff", "sta1_staff"]


class RolledBack(Exception):
    pass


@pytest.fixture
def shop(world):
    world.other_staff, world.stranger = other_district()
    store = store_at(world.sta1, world.sta1_staff)
    soap = goods_in(store, world.sta1_staff, name="香皂", price=10, stock=50)
    give_points([world.vol1], 100)
    return type("Shop", (), {"store": store, "soap": soap})


def user_of(world, persona):
    person = getattr(world, persona)
    return getattr(person, "user", person)


def reserved(world, shop) -> Redemption:
    return services.redemption_create(volunteer=world.vol1, goods=shop.soap, quantity=1)[0]


SCENES = {
    "reserved": reserved,
    "picked_up": lambda w, s: services.redemption_pickup(
        by=w.sta1_staff, store=s.store, pickup_code=reserved(w, s).pickup_code),
    "cancelled": lambda w, s: services.redemption_cancel(by=w.vol1.user,
                                                         redemption=reserved(w, s)),
}

CALLS = {
    "cancel": lambda u, r: services.redemption_cancel(
        by=u, redemption=redemption_get_for_user(u, r.pk)),
    # At the counter: the store as the caller may see it, and the code the volunteer shows.
    "pick_up": lambda u, r: services.redemption_pickup(
        by=u, store=store_get_for_user(u, r.goods.store_id), pickup_code=r.pickup_code),
}


def service_moves(user, redemption: Redemption) -> set[str]:
    done = set()
    for move in REDEMPTION_MOVES:
        try:
            with transaction.atomic():
                CALLS[move](user, redemption)
                raise RolledBack
        except RolledBack:
            done.add(move)
        except DomainError:
            pass
    return done


def page_moves(client, redemption: Redemption) -> set[str] | None:
    response = client.get(f"/points/redemptions/{redemption.pk}/")
    if response.status_code == 404:
        return None
    assert response.status_code == 200
    return set(re.findall(r'data-move="([a-z_]+)"', response.content.decode()))


def api_moves(client, redemption: Redemption) -> set[str] | None:
    response = client.get(f"/api/redemptions/{redemption.pk}")
    if response.status_code == 404:
        return None
    assert response.status_code == 200
    return set(response.json()["allowed_moves"])


EXPECTED = {
    "reserved": {**{p: {"cancel", "pick_up"} for p in STAFF_ABOVE}, "vol1": {"cancel"}},
    "picked_up": {},
    "cancelled": {},
}


@pytest.mark.parametrize("scene", SCENES)
def test_page_api_and_services_agree_for_every_persona(world, shop, client_for, scene):
    redemption = SCENES[scene](world, shop)
    seen = {}
    for persona in PERSONAS:
        user = user_of(world, persona)
        client = client_for(user)
        page, api = page_moves(client, redemption), api_moves(client, redemption)
        done = service_moves(user, redemption)
        assert page == api, (scene, persona, page, api)
        assert (page or set()) == done, (scene, persona, page, done)
        seen[persona] = page
    assert Redemption.objects.get(pk=redemption.pk).status == redemption.status
    assert {p: m for p, m in seen.items() if m} == EXPECTED[scene]


def test_the_pickup_code_is_the_volunteers_alone_on_pages_and_in_the_api(world, shop,
                                                                         client_for):
    redemption = reserved(world, shop)
    code = redemption.pickup_code
    for persona in PERSONAS:
        client = client_for(user_of(world, persona))
        response = client.get(f"/api/redemptions/{redemption.pk}")
        if response.status_code == 404:
            assert client.get(f"/points/redemptions/{redemption.pk}/").status_code == 404
            continue
        html = client.get(f"/points/redemptions/{redemption.pk}/").content.decode()
        listed = client.get("/api/redemptions").json()["items"]
        mine = persona == "vol1"
        assert (response.json()["pickup_code"] == code) == mine, persona
        assert (code in html) == mine, persona
        assert {r["pickup_code"] for r in listed} == ({code} if mine else {None}), persona
        if persona in STAFF_ABOVE:
            manage = client.get(f"/points/stores/{shop.store.pk}/manage/").content.decode()
            assert code not in manage


def test_store_pages_open_to_exactly_whom_the_services_let_act(world, shop, client_for):
    for persona in PERSONAS:
        user = user_of(world, persona)
        client = client_for(user)
        manage = client.get(f"/points/stores/{shop.store.pk}/manage/").status_code
        counter = client.get(f"/points/stores/{shop.store.pk}/pickup/").status_code
        edit = client.get(f"/points/goods/{shop.soap.pk}/edit/").status_code
        try:
            with transaction.atomic():
                services.goods_update(by=user, goods=shop.soap, changes={"stock": 7})
                raise RolledBack
        except RolledBack:
            edits = True
        except DomainError:
            edits = False
        visible = manage != 404
        assert (manage == 200) == (edit == 200) == (counter == 200) == edits, persona
        if visible:
            caps = store_caps(user, store_get_for_user(user, shop.store.pk))
            assert caps.can_edit_goods == caps.can_pick_up == edits, persona
        assert edits == (persona in STAFF_ABOVE), persona


def test_a_redemption_is_read_by_its_volunteer_and_its_stores_staff_only(world, shop,
                                                                         client_for, client):
    from wenming.core.tests.helpers import assert_error

    redemption = reserved(world, shop)
    url = f"/api/redemptions/{redemption.pk}"
    for persona in PERSONAS:
        response = client_for(user_of(world, persona)).get(url)
        if persona in STAFF_ABOVE + ["vol1"]:
            assert response.status_code == 200, persona
            assert response.json()["store_id"] == shop.store.pk
        else:  # sibling subtrees, other volunteers, other districts: as if it did not exist
            assert_error(response, 404, "not_found")
    assert_error(client.get(url), 401)
