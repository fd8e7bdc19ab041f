"""Stores, goods and redemptions through the API: what staff and volunteers may do, every
rule a redemption checks, and bad input answered with a clear 4xx that changes nothing.

A store at sta1 (run by sta1_staff) sells soap for 10 points, 5 in stock; vol1 has 100."""

import datetime
import json

import pytest
from django.utils import timezone

from wenming.core.tests.helpers import assert_error, patch_json, post_json
from wenming.points import services
from wenming.points.models import Goods, PointsEntry, Redemption, Store
from wenming.points.services import ledger_problems
from wenming.points.tests.test_support import (
    balance,
    give_points,
    goods_in,
    other_district,
    stock_of,
    store_at,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(world):
    store = store_at(world.sta1, world.sta1_staff)
    soap = goods_in(store, world.sta1_staff, name="香皂", price=10, stock=5)
    give_points([world.vol1], 100)
    return type("Shop", (), {"store": store, "soap": soap})


def redeem(client, goods, quantity=1, key: str | None = None, **fields):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return post_json(client, "/api/redemptions",
                     {"goods_id": goods.id, "quantity": quantity, **fields}, **headers)


def snapshot() -> tuple:
    """Everything a refused request must leave as it was."""
    return (list(Goods.objects.order_by("id").values()), list(Store.objects.values()),
            list(Redemption.objects.values()), PointsEntry.objects.count(),
            list(PointsEntry.objects.values_list("account__balance", flat=True).distinct()))


# ---- stores and goods -------------------------------------------------------------------

def test_staff_open_a_store_and_stock_it_and_the_district_sees_it(world, client_for):
    staff = client_for(world.sta1_staff)
    response = post_json(staff, "/api/stores", {"org_id": world.sta1.id, "name": "稻香园爱心超市",
                                                "opening_hours": "周一至周五 9:00-17:00"})
    assert response.status_code == 201
    store_id = response.json()["id"]
    response = post_json(staff, f"/api/stores/{store_id}/goods", {
        "name": "大米 5kg", "price": 200, "stock": 20, "per_person_limit": 1})
    assert response.status_code == 201
    goods = response.json()
    assert {k: goods[k] for k in ("name", "price", "stock", "per_person_limit")} == {
        "name": "大米 5kg", "price": 200, "stock": 20, "per_person_limit": 1}

    # Volunteers shop anywhere in their district: vol2 (another institute) sees it too.
    for volunteer in (world.vol1, world.vol2):
        client = client_for(volunteer.user)
        assert store_id in {s["id"] for s in client.get("/api/stores").json()["items"]}
        items = client.get(f"/api/stores/{store_id}/goods").json()["items"]
        assert [(g["id"], g["stock"]) for g in items] == [(goods["id"], 20)]


def test_volunteers_neither_open_stores_nor_add_goods(world, client_for, shop):
    client, before = client_for(world.vol1.user), snapshot()
    assert_error(post_json(client, "/api/stores", {"org_id": world.sta1.id, "name": "我的超市"}),
                 403)
    assert_error(post_json(client, f"/api/stores/{shop.store.id}/goods",
                           {"name": "毛巾", "price": 5, "stock": 5}), 403)
    assert_error(patch_json(client, f"/api/goods/{shop.soap.id}", {"price": 1}), 403)
    assert snapshot() == before


@pytest.mark.parametrize("body,code", [
    ({"name": "毛巾", "price": 0, "stock": 5}, "invalid_price"),
    ({"name": "毛巾", "price": -5, "stock": 5}, "invalid_price"),
    ({"name": "毛巾", "price": 5, "stock": -1}, "invalid_stock"),
    ({"name": "  ", "price": 5, "stock": 5}, "invalid_name"),
    ({"name": "毛巾", "price": 5, "stock": 5, "per_person_limit": 0}, "invalid_limit"),
    ({"name": "毛巾", "price": 5, "stock": 5, "per_person_limit": -2}, "invalid_limit"),
    ({"name": "毛巾", "price": 5, "stock": 5, "active_from": "2026-05-01T00:00:00+08:00",
      "active_to": "2026-04-01T00:00:00+08:00"}, "invalid_window"),
    ({"name": "毛巾", "price": 5, "stock": 5, "active_from": "2026-05-01T00:00:00"},
     "invalid_window"),
    ({"name": "毛巾", "price": "很多", "stock": 5}, "invalid_input"),
    ({"name": "毛巾", "price": 5}, "invalid_input"),
    ({"name": "毛巾", "price": 5, "stock": 5, "discount": 3}, "invalid_input"),
])
def test_bad_goods_are_refused_and_nothing_is_added(world, client_for, shop, body, code):
    before = snapshot()
    response = post_json(client_for(world.sta1_staff), f"/api/stores/{shop.store.id}/goods", body)
    assert_error(response, 422, code)
    assert snapshot() == before


@pytest.mark.parametrize("body,code", [
    ({"price": None}, "invalid_input"),
    ({"stock": None}, "invalid_input"),
    ({"is_active": None}, "invalid_input"),
    ({"price": 0}, "invalid_price"),
    ({"stock": -3}, "invalid_stock"),
    ({"active_to": "2026-05-01T00:00:00"}, "invalid_window"),
    ({"name": "改名"}, "invalid_input"),
])
def test_bad_goods_changes_are_refused(world, client_for, shop, body, code):
    before = snapshot()
    response = patch_json(client_for(world.sta1_staff), f"/api/goods/{shop.soap.id}", body)
    assert_error(response, 422, code)
    assert snapshot() == before


def test_staff_of_a_parent_node_change_price_stock_and_window(world, client_for, shop):
    response = patch_json(client_for(world.inst1_staff), f"/api/goods/{shop.soap.id}",
                          {"price": 12, "stock": 9, "per_person_limit": 2})
    assert response.status_code == 200
    assert {k: response.json()[k] for k in ("price", "stock", "per_person_limit")} == {
        "price": 12, "stock": 9, "per_person_limit": 2}


def test_volunteers_see_only_goods_on_sale_and_staff_see_all(world, client_for, shop):
    now = timezone.now()
    off = goods_in(shop.store, world.sta1_staff, name="下架商品")
    services.goods_update(by=world.sta1_staff, goods=off, changes={"is_active": False})
    later = goods_in(shop.store, world.sta1_staff, name="下月上架",
                     active_from=now + datetime.timedelta(days=30))
    past = goods_in(shop.store, world.sta1_staff, name="已过期",
                    active_from=now - datetime.timedelta(days=30),
                    active_to=now - datetime.timedelta(days=1))
    url = f"/api/stores/{shop.store.id}/goods"
    seen = client_for(world.vol1.user).get(url).json()
    assert [g["id"] for g in seen["items"]] == [shop.soap.id] and seen["count"] == 1
    staff = client_for(world.sta1_staff).get(url).json()
    assert {g["id"] for g in staff["items"]} == {shop.soap.id, off.id, later.id, past.id}


def test_html_in_names_is_stored_and_returned_as_text(world, client_for):
    staff = client_for(world.sta1_staff)
    name = '<script>alert("x")</script><b>超市</b>'
    store_id = post_json(staff, "/api/stores", {"org_id": world.sta1.id, "name": name}).json()["id"]
    goods = post_json(staff, f"/api/stores/{store_id}/goods",
                      {"name": "<img src=x onerror=alert(1)>", "price": 5, "stock": 1}).json()
    assert Store.objects.get(pk=store_id).name == name
    listed = client_for(world.vol1.user).get("/api/stores").json()["items"]
    assert [s["name"] for s in listed if s["id"] == store_id] == [name]
    items = staff.get(f"/api/stores/{store_id}/goods").json()["items"]
    assert [g["name"] for g in items] == ["<img src=x onerror=alert(1)>"] == [goods["name"]]


# ---- redeeming ---------------------------------------------------------------------------

def test_a_redemption_spends_points_takes_stock_and_gives_a_pickup_code(world, client_for, shop):
    client = client_for(world.vol1.user)
    response = redeem(client, shop.soap, 2)
    assert response.status_code == 201
    body = response.json()
    assert (body["goods_id"], body["quantity"], body["points"], body["status"]) == (
        shop.soap.id, 2, 20, "reserved")
    assert len(body["pickup_code"]) == 8
    assert (balance(world.vol1), stock_of(shop.soap)) == (80, 3)
    me = client.get("/api/points/me").json()
    assert me["balance"] == 80
    assert [(e["amount"], e["kind"]) for e in me["entries"]] == [(-20, "redeem"), (100, "adjust")]
    assert [r["id"] for r in client.get("/api/redemptions").json()["items"]] == [body["id"]]
    assert ledger_problems() == []


@pytest.mark.parametrize("quantity", [0, -1, -100, 101, 10**6, "两个", None, 1.5])
def test_bad_quantities_are_refused_and_change_nothing(world, client_for, shop, quantity):
    before = snapshot()
    response = redeem(client_for(world.vol1.user), shop.soap, quantity)
    assert_error(response, 422)
    assert snapshot() == before


@pytest.mark.parametrize("body", [{}, {"goods_id": "香皂", "quantity": 1}, [1, 2], "null"])
def test_malformed_redemptions_are_refused(world, client_for, shop, body):
    before = snapshot()
    response = post_json(client_for(world.vol1.user), "/api/redemptions",
                         body if isinstance(body, str) else json.dumps(body))
    assert 400 <= response.status_code < 500
    assert_error(response, response.status_code)
    assert snapshot() == before


def test_unknown_goods_and_goods_of_another_district_are_not_found(world, client_for, shop):

    other_staff, _stranger = other_district()
    far = goods_in(store_at(other_staff.role_assignments.get().org, other_staff), other_staff)
    before = snapshot()
    client = client_for(world.vol1.user)
    assert_error(redeem(client, type("G", (), {"id": 999_999})), 404, "not_found")
    assert_error(redeem(client, far), 404, "not_found")
    assert snapshot() == before


def test_goods_named_with_another_store_are_not_found(world, client_for, shop):
    other = store_at(world.sta1b, world.inst1_staff, name="芙蓉里爱心超市")
    before = snapshot()
    response = redeem(client_for(world.vol1.user), shop.soap, store_id=other.id)
    assert_error(response, 404, "not_found")
    assert snapshot() == before
    assert redeem(client_for(world.vol1.user), shop.soap, store_id=shop.store.id
                  ).status_code == 201


def test_not_enough_points_or_stock_is_a_conflict(world, client_for, shop):
    client, before = client_for(world.vol1.user), snapshot()
    assert_error(redeem(client, shop.soap, 6), 409, "out_of_stock")
    dear = goods_in(shop.store, world.sta1_staff, name="电饭煲", price=101, stock=3)
    before = snapshot()
    assert_error(redeem(client, dear), 409, "insufficient_points")
    assert snapshot() == before


def test_only_volunteers_redeem(world, client_for, shop):
    before = snapshot()
    for user in (world.sta1_staff, world.res1.user, world.admin):
        assert_error(redeem(client_for(user), shop.soap), 403)
    assert snapshot() == before


def test_the_monthly_limit_counts_this_months_live_redemptions(world, client_for, shop):
    services.goods_update(by=world.sta1_staff, goods=shop.soap, changes={"per_person_limit": 2})
    client = client_for(world.vol1.user)
    first = redeem(client, shop.soap, 2).json()
    assert_error(redeem(client, shop.soap, 1), 409, "limit_reached")
    # A cancelled redemption no longer counts...
    assert client.post(f"/api/redemptions/{first['id']}/cancel").status_code == 200
    assert redeem(client, shop.soap, 1).status_code == 201
    assert_error(redeem(client, shop.soap, 2), 409, "limit_reached")
    # ...nor does last month's.
    Redemption.objects.update(created_at=timezone.now() - datetime.timedelta(days=40))
    assert redeem(client, shop.soap, 2).status_code == 201
    # Someone else has their own allowance.
    give_points([world.vol1b], 50)
    assert redeem(client_for(world.vol1b.user), shop.soap, 1).status_code == 201


def test_goods_outside_their_window_or_off_sale_cannot_be_redeemed(world, client_for, shop):
    client, now = client_for(world.vol1.user), timezone.now()
    for changes in ({"active_from": now + datetime.timedelta(hours=1)},
                    {"active_from": None, "active_to": now - datetime.timedelta(minutes=1)},
                    {"active_to": None, "is_active": False}):
        services.goods_update(by=world.sta1_staff, goods=shop.soap, changes=changes)
        before = snapshot()
        assert_error(redeem(client, shop.soap), 409, "goods_unavailable")
        assert snapshot() == before
    services.goods_update(by=world.sta1_staff, goods=shop.soap, changes={
        "is_active": True, "active_from": now - datetime.timedelta(days=1),
        "active_to": now + datetime.timedelta(days=1)})
    assert redeem(client, shop.soap).status_code == 201


def test_a_closed_store_sells_nothing(world, client_for, shop):
    Store.objects.filter(pk=shop.store.pk).update(is_active=False)
    assert_error(redeem(client_for(world.vol1.user), shop.soap), 404)


def test_a_price_change_during_a_redemption_is_a_conflict(world, client_for, shop):
    client = client_for(world.vol1.user)
    shown = client.get(f"/api/stores/{shop.store.id}/goods").json()["items"][0]["price"]
    services.goods_update(by=world.sta1_staff, goods=shop.soap, changes={"price": 15})
    before = snapshot()
    message = assert_error(redeem(client, shop.soap, expected_price=shown), 409, "price_changed")
    assert "15" in message
    assert snapshot() == before
    response = redeem(client, shop.soap, expected_price=15)
    assert (response.status_code, response.json()["points"]) == (201, 15)
    # The redemption keeps the price it was made at.
    services.goods_update(by=world.sta1_staff, goods=shop.soap, changes={"price": 50})
    assert Redemption.objects.get().price_each == 15


def test_a_retried_request_with_the_same_key_returns_the_same_redemption(world, client_for,
                                                                           shop):
    client = client_for(world.vol1.user)
    first = redeem(client, shop.soap, 2, key="a1b2c3")
    again = redeem(client, shop.soap, 2, key="a1b2c3")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert (balance(world.vol1), stock_of(shop.soap), Redemption.objects.count()) == (80, 3, 1)
    # Another key is another redemption; the key belongs to its volunteer only.
    assert redeem(client, shop.soap, 2, key="d4e5f6").status_code == 201
    give_points([world.vol1b], 100)
    other = redeem(client_for(world.vol1b.user), shop.soap, 1, key="a1b2c3")
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
    assert ledger_problems() == []


def test_a_key_reused_for_another_request_is_refused(world, client_for, shop):
    client = client_for(world.vol1.user)
    towel = goods_in(shop.store, world.sta1_staff, name="毛巾", price=5, stock=5)
    redeem(client, shop.soap, 1, key="k-1")
    before = snapshot()
    assert_error(redeem(client, shop.soap, 2, key="k-1"), 422, "idempotency_key_reused")
    assert_error(redeem(client, towel, 1, key="k-1"), 422, "idempotency_key_reused")
    assert snapshot() == before


def test_an_overlong_key_is_refused(world, client_for, shop):
    before = snapshot()
    assert_error(redeem(client_for(world.vol1.user), shop.soap, key="k" * 101), 422,
                 "invalid_idempotency_key")
    assert snapshot() == before
    assert redeem(client_for(world.vol1.user), shop.soap, key="k" * 100).status_code == 201


def test_a_retry_after_a_refusal_may_succeed(world, client_for, shop):
    client = client_for(world.vol1.user)
    assert_error(redeem(client, shop.soap, 9, key="k-9"), 409, "out_of_stock")
    services.goods_update(by=world.sta1_staff, goods=shop.soap, changes={"stock": 20})
    assert redeem(client, shop.soap, 9, key="k-9").status_code == 201


# ---- cancel and pickup ------------------------------------------------------------------

def test_cancel_before_pickup_returns_points_and_stock_once(world, client_for, shop):
    client = client_for(world.vol1.user)
    made = redeem(client, shop.soap, 3).json()
    response = client.post(f"/api/redemptions/{made['id']}/cancel")
    assert (response.status_code, response.json()["status"]) == (200, "cancelled")
    assert (balance(world.vol1), stock_of(shop.soap)) == (100, 5)
    before = snapshot()
    assert_error(client.post(f"/api/redemptions/{made['id']}/cancel"), 409, "invalid_transition")
    assert snapshot() == before
    kinds = PointsEntry.objects.filter(account__volunteer=world.vol1).values_list("kind", "amount")
    assert sorted(kinds) == [("adjust", 100), ("redeem", -30), ("refund", 30)]
    assert ledger_problems() == []


def test_the_store_staff_may_cancel_for_the_volunteer_but_others_may_not(world, client_for,
                                                                           shop):
    made = redeem(client_for(world.vol1.user), shop.soap).json()
    url = f"/api/redemptions/{made['id']}/cancel"
    before = snapshot()
    for user in (world.vol1b.user, world.vol2.user, world.sta2_staff, world.res1.user):
        assert_error(client_for(user).post(url), 404)
    assert snapshot() == before
    assert client_for(world.sta1_staff).post(url).status_code == 200
    assert balance(world.vol1) == 100


def test_the_store_staff_hand_over_with_the_pickup_code(world, client_for, shop):
    made = redeem(client_for(world.vol1.user), shop.soap, 2).json()
    staff = client_for(world.sta1_staff)
    code = f"  {made['pickup_code'].lower()} "  # typed by hand
    response = post_json(staff, "/api/redemptions/pickup",
                         {"store_id": shop.store.id, "pickup_code": code})
    assert (response.status_code, response.json()["status"]) == (200, "picked_up")
    redemption = Redemption.objects.get()
    assert (redemption.handled_by, redemption.status) == (world.sta1_staff, "picked_up")
    before = snapshot()
    again = post_json(staff, "/api/redemptions/pickup",
                      {"store_id": shop.store.id, "pickup_code": made["pickup_code"]})
    assert_error(again, 409, "invalid_transition")
    assert_error(client_for(world.vol1.user).post(f"/api/redemptions/{made['id']}/cancel"), 409,
                 "invalid_transition")
    assert snapshot() == before
    assert (balance(world.vol1), stock_of(shop.soap)) == (80, 3)


@pytest.mark.parametrize("code", ["NOSUCH23", "", "<script>", "' OR 1=1 --"])
def test_unknown_pickup_codes_are_refused(world, client_for, shop, code):
    redeem(client_for(world.vol1.user), shop.soap)
    before = snapshot()
    response = post_json(client_for(world.sta1_staff), "/api/redemptions/pickup",
                         {"store_id": shop.store.id, "pickup_code": code})
    assert_error(response, 409, "unknown_pickup_code")
    assert snapshot() == before


def test_a_code_of_another_store_is_refused_there(world, client_for, shop):
    other = store_at(world.sta1b, world.inst1_staff, name="芙蓉里爱心超市")
    made = redeem(client_for(world.vol1.user), shop.soap).json()
    before = snapshot()
    response = post_json(client_for(world.inst1_staff), "/api/redemptions/pickup",
                         {"store_id": other.id, "pickup_code": made["pickup_code"]})
    assert_error(response, 409, "unknown_pickup_code")
    assert snapshot() == before


def test_only_the_stores_staff_hand_over(world, client_for, shop):
    made = redeem(client_for(world.vol1.user), shop.soap).json()
    body = {"store_id": shop.store.id, "pickup_code": made["pickup_code"]}
    before = snapshot()
    assert_error(post_json(client_for(world.vol1.user), "/api/redemptions/pickup", body), 403)
    assert_error(post_json(client_for(world.vol2.user), "/api/redemptions/pickup", body), 403)
    assert_error(post_json(client_for(world.sta2_staff), "/api/redemptions/pickup", body), 404)
    assert snapshot() == before


# ---- reading ----------------------------------------------------------------------------

def test_volunteers_see_only_their_own_points_and_redemptions(world, client_for, shop):
    give_points([world.vol1b], 30)
    redeem(client_for(world.vol1.user), shop.soap)
    redeem(client_for(world.vol1b.user), shop.soap)
    for volunteer, points in ((world.vol1, 90), (world.vol1b, 20)):
        client = client_for(volunteer.user)
        assert client.get("/api/points/me").json()["balance"] == points
        mine = client.get("/api/redemptions").json()
        assert mine["count"] == 1
        assert Redemption.objects.get(pk=mine["items"][0]["id"]).account.volunteer == volunteer
        assert client.get("/api/points/accounts").json() == {"items": [], "count": 0}
    staff = client_for(world.inst1_staff)
    assert staff.get("/api/redemptions").json()["count"] == 2
    accounts = staff.get("/api/points/accounts").json()["items"]
    assert [(a["volunteer_id"], a["balance"]) for a in accounts] == [
        (world.vol1.id, 90), (world.vol1b.id, 20)]
    assert client_for(world.sta1_staff).get("/api/points/accounts").json()["count"] == 1
    assert_error(staff.get("/api/points/me"), 403)


def test_a_volunteer_without_points_has_an_empty_account(world, client_for):
    body = client_for(world.vol2.user).get("/api/points/me").json()
    assert body == {"balance": 0, "entries": [], "count": 0}


# session, user, roles, the store, the page, the count
@pytest.mark.parametrize("persona,queries", [("sta1_staff", 6), ("vol1", 6)])
def test_the_goods_list_runs_a_fixed_number_of_queries(world, client_for, shop, persona, queries,
                                                      django_assert_num_queries):
    user = getattr(world, persona)
    client = client_for(getattr(user, "user", user))
    for rows in (1, 8):
        for i in range(rows):
            goods_in(shop.store, world.sta1_staff, name=f"商品{rows}-{i}")
        with django_assert_num_queries(queries):
            response = client.get(f"/api/stores/{shop.store.id}/goods")
        assert response.json()["count"] > rows


# session, user, roles, the page's keys, its rows (with goods), the count
@pytest.mark.parametrize("persona,queries", [("inst1_staff", 6), ("vol1", 6)])
def test_the_redemption_list_runs_a_fixed_number_of_queries(world, client_for, shop, persona,
                                                            queries, django_assert_num_queries):
    user = getattr(world, persona)
    client = client_for(getattr(user, "user", user))
    services.goods_update(by=world.sta1_staff, goods=shop.soap, changes={"stock": 100})
    give_points([world.vol1], 1000)
    for rows in (1, 7):
        for _i in range(rows):
            goods = goods_in(shop.store, world.sta1_staff, name=f"商品{_i}")
            services.redemption_create(volunteer=world.vol1, goods=goods, quantity=1)
        with django_assert_num_queries(queries):
            response = client.get("/api/redemptions")
        assert response.json()["count"] >= rows
