"""Redemptions racing on the real database (a SQLite file or PostgreSQL): stock and balances
never go below zero, the ledger keeps agreeing with the cached balances, and a retried
request spends once."""

import json

import pytest
from django.contrib.auth.hashers import make_password

from wenming.people.services import VolunteerInput, people_bulk_register
from wenming.people.tests.factories import next_id_number, next_mobile
from wenming.points.models import PointsEntry, Redemption
from wenming.points.services import ledger_problems
from wenming.points.tests.test_support import (
    balance,
    bearer_clients,
    give_points,
    goods_in,
    outcome,
    race,
    stock_of,
    store_at,
)
from wenming.testing import logged_in

pytestmark = pytest.mark.django_db(transaction=True)


def redeem(client, goods, quantity: int = 1, key: str | None = None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post("/api/redemptions", json.dumps({"goods_id": goods.id, "quantity": quantity}),
                       content_type="application/json", **headers)


def many_volunteers(stations, n: int):
    rows = [VolunteerInput(real_name="李秀兰", id_number=next_id_number("F"), mobile=next_mobile(),
                           password=None, station=stations[i % len(stations)])
            for i in range(n)]
    return people_bulk_register(volunteers=rows, password_hash=make_password("x"))[0]


def test_two_hundred_volunteers_racing_for_fifty_items_get_exactly_fifty(world):
    store = store_at(world.sta1, world.sta1_staff)
    goods = goods_in(store, world.sta1_staff, price=30, stock=50)
    volunteers = many_volunteers([world.sta1, world.sta1b, world.sta2], 200)
    give_points(volunteers, 100)
    clients = bearer_clients([v.user for v in volunteers])

    responses = race([lambda c=c: redeem(c, goods) for c in clients])

    assert outcome(responses) == {(201, None): 50, (409, "out_of_stock"): 150}
    assert stock_of(goods) == 0
    assert Redemption.objects.filter(goods=goods).count() == 50
    codes = {r.json()["pickup_code"] for r in responses if r.status_code == 201}
    assert len(codes) == 50
    spent = PointsEntry.objects.filter(kind="redeem")
    assert spent.count() == 50 and {e.amount for e in spent} == {-30}
    assert sorted(balance(v) for v in volunteers) == [70] * 50 + [100] * 150
    assert ledger_problems() == []


def test_twenty_redemptions_by_one_volunteer_with_points_for_one_spend_once(world):
    store = store_at(world.sta1, world.sta1_staff)
    goods = goods_in(store, world.sta1_staff, price=40, stock=100)
    give_points([world.vol1], 40)
    clients = [logged_in(world.vol1.user) for _ in range(20)]

    responses = race([lambda c=c: redeem(c, goods) for c in clients])

    assert outcome(responses) == {(201, None): 1, (409, "insufficient_points"): 19}
    assert balance(world.vol1) == 0
    assert stock_of(goods) == 99
    assert ledger_problems() == []


def test_concurrent_retries_with_one_idempotency_key_spend_once(world):
    store = store_at(world.sta1, world.sta1_staff)
    goods = goods_in(store, world.sta1_staff, price=10, stock=5)
    give_points([world.vol1], 100)
    clients = [logged_in(world.vol1.user) for _ in range(12)]

    responses = race([lambda c=c: redeem(c, goods, 2, key="retry-7f3a") for c in clients])

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 11 + [201]
    bodies = [r.json() for r in responses]
    assert len({(b["id"], b["pickup_code"]) for b in bodies}) == 1
    assert Redemption.objects.count() == 1
    assert balance(world.vol1) == 80
    assert stock_of(goods) == 3
    assert ledger_problems() == []


def test_racing_cancels_and_pickups_of_one_redemption_settle_it_once(world):
    store = store_at(world.sta1, world.sta1_staff)
    goods = goods_in(store, world.sta1_staff, price=10, stock=5)
    give_points([world.vol1], 50)
    code = redeem(logged_in(world.vol1.user), goods, 2).json()
    owner, staff = logged_in(world.vol1.user), logged_in(world.sta1_staff)
    cancel = f"/api/redemptions/{code['id']}/cancel"
    pickup = json.dumps({"store_id": store.id, "pickup_code": code["pickup_code"]})

    responses = race([lambda: owner.post(cancel)] * 4 + [lambda: staff.post(
        "/api/redemptions/pickup", pickup, content_type="application/json")] * 4)

    seen = outcome(responses)
    assert seen[(200, None)] == 1 and seen[(409, "invalid_transition")] == 7
    redemption = Redemption.objects.get()
    if redemption.status == "cancelled":
        assert (balance(world.vol1), stock_of(goods)) == (50, 5)
    else:
        assert redemption.status == "picked_up"
        assert (balance(world.vol1), stock_of(goods)) == (30, 3)
    assert ledger_problems() == []
