"""Scope of every points and store endpoint: staff of a sibling subtree, people of another
district, residents, outsiders and anonymous callers get the answer their role allows
(mostly 404, so existence does not leak) and change nothing.

A store at sta1 sells soap; vol1 has points and a reserved redemption there."""

import json

import pytest

from wenming.core.tests.helpers import assert_error
from wenming.points import services
from wenming.points.models import Goods, PointsAccount, PointsEntry, Redemption, Store
from wenming.points.tests.test_support import give_points, goods_in, other_district, store_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(world):
    store = store_at(world.sta1, world.sta1_staff)
    soap = goods_in(store, world.sta1_staff, name="香皂", price=10, stock=5)
    give_points([world.vol1], 100)
    redemption, _ = services.redemption_create(volunteer=world.vol1, goods=soap, quantity=1)
    staff, stranger = other_district()
    give_points([stranger], 100)
    return type("Scene", (), {"store": store, "soap": soap, "redemption": redemption,
                              "other_staff": staff, "stranger": stranger})


def endpoints(world, s) -> dict[str, tuple[str, str, object]]:
    st = f"/api/stores/{s.store.id}"
    return {
        "me": ("get", "/api/points/me", None),
        "open_store": ("post", "/api/stores", {"org_id": world.sta1.id, "name": "新超市"}),
        "goods": ("get", f"{st}/goods", None),
        "add_goods": ("post", f"{st}/goods", {"name": "毛巾", "price": 5, "stock": 5}),
        "patch_goods": ("patch", f"/api/goods/{s.soap.id}", {"price": 1, "stock": 99}),
        "redeem": ("post", "/api/redemptions", {"goods_id": s.soap.id, "quantity": 1}),
        "cancel": ("post", f"/api/redemptions/{s.redemption.id}/cancel", None),
        "pickup": ("post", "/api/redemptions/pickup", {
            "store_id": s.store.id, "pickup_code": s.redemption.pickup_code}),
    }


def state() -> tuple:
    return (list(Store.objects.values()), list(Goods.objects.values()),
            list(Redemption.objects.values()), PointsEntry.objects.count(),
            list(PointsAccount.objects.order_by("id").values_list("balance", flat=True)))


def call(client, method, url, body):
    if body is None:
        return getattr(client, method)(url)
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def check(client, world, s, expected: dict[str, int | None]):
    """Every endpoint answers with the expected status, and nothing changes."""
    before, wrong = state(), {}
    for name, (method, url, body) in endpoints(world, s).items():
        if expected[name] is None:
            continue
        response = call(client, method, url, body)
        if response.status_code != expected[name]:
            wrong[name] = (response.status_code, response.content[:200])
        elif response.status_code >= 400:
            assert_error(response, expected[name])
    assert not wrong, wrong
    assert state() == before


ALL_404 = dict.fromkeys(["open_store", "goods", "add_goods", "patch_goods", "redeem", "cancel",
                         "pickup"], 404)


def sees_nothing_of_sta1(client, world, s, *, shops_there: bool = False) -> None:
    """The store is listed only to those who may shop there; vol1's redemption and
    account to nobody but vol1 and sta1's staff."""
    stores = {x["id"] for x in client.get("/api/stores").json()["items"]}
    assert (s.store.id in stores) is shops_there
    ids = {r["id"] for r in client.get("/api/redemptions").json()["items"]}
    assert s.redemption.id not in ids
    accounts = client.get("/api/points/accounts").json()["items"]
    assert world.vol1.id not in {a["volunteer_id"] for a in accounts}


@pytest.mark.parametrize("persona", ["sta2_staff", "inst2_staff"])
def test_staff_of_a_sibling_subtree_reach_nothing(world, scene, client_for, persona):
    client = client_for(getattr(world, persona))
    check(client, world, scene, {**ALL_404, "me": 403})
    sees_nothing_of_sta1(client, world, scene)


def test_staff_of_a_sibling_station_reach_nothing(world, scene, client_for):
    sibling = store_at(world.sta1b, world.inst1_staff, name="芙蓉里爱心超市")
    from wenming.people.tests.factories import staff_at

    client = client_for(staff_at(world.sta1b, "sta1b_staff"))
    check(client, world, scene, {**ALL_404, "me": 403})
    sees_nothing_of_sta1(client, world, scene)
    assert [x["id"] for x in client.get("/api/stores").json()["items"]] == [sibling.id]


def test_people_of_another_district_reach_nothing(world, scene, client_for):
    staff = client_for(scene.other_staff)
    check(staff, world, scene, {**ALL_404, "me": 403})
    sees_nothing_of_sta1(staff, world, scene)
    volunteer = client_for(scene.stranger.user)
    check(volunteer, world, scene, {**ALL_404, "me": 200})
    sees_nothing_of_sta1(volunteer, world, scene)
    assert volunteer.get("/api/points/me").json()["balance"] == 100


def test_a_volunteer_of_a_sibling_station_shops_but_manages_nothing(world, scene, client_for):
    client = client_for(world.vol2.user)
    check(client, world, scene, {"me": 200, "open_store": 404, "goods": 200, "add_goods": 403,
                                 "patch_goods": 403, "redeem": None, "cancel": 404,
                                 "pickup": 403})
    sees_nothing_of_sta1(client, world, scene, shops_there=True)
    assert client.get("/api/points/me").json() == {"balance": 0, "entries": [], "count": 0}


def test_a_resident_sees_the_goods_but_neither_redeems_nor_manages(world, scene, client_for):
    client = client_for(world.res1.user)
    check(client, world, scene, {"me": 403, "open_store": 403, "goods": 200, "add_goods": 403,
                                 "patch_goods": 403, "redeem": 403, "cancel": 404,
                                 "pickup": 403})
    sees_nothing_of_sta1(client, world, scene, shops_there=True)


def test_an_outsider_reaches_nothing(world, scene, client_for):
    client = client_for(world.outsider)
    check(client, world, scene, {**ALL_404, "me": 403})
    assert client.get("/api/stores").json() == {"items": [], "count": 0}
    assert client.get("/api/redemptions").json() == {"items": [], "count": 0,
                                                      "count_exact": True}


def test_anonymous_callers_are_asked_to_log_in(world, scene, client):
    check(client, world, scene, dict.fromkeys(endpoints(world, scene), 401))
    for url in ("/api/stores", "/api/redemptions", "/api/points/accounts"):
        assert_error(client.get(url), 401, "not_authenticated")


def test_staff_reach_their_subtree(world, scene, client_for):
    for user in (world.sta1_staff, world.inst1_staff, world.center_staff, world.admin):
        client = client_for(user)
        assert client.get(f"/api/stores/{scene.store.id}/goods").json()["count"] == 1
        assert scene.redemption.id in {r["id"] for r in client.get(
            "/api/redemptions").json()["items"]}
        assert world.vol1.id in {a["volunteer_id"] for a in client.get(
            "/api/points/accounts").json()["items"]}
