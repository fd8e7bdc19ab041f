"""POST /api/orders with `item_id`: the order carries the menu item as the page's three taps do
(its platform and first skill), `item_id` comes back in the output; an unknown item, one outside
the caller's district part, a retired one or a platform that contradicts it is a 4xx that
writes nothing."""

import pytest

from wenming.core.tests.helpers import assert_error
from wenming.menu.tests.factories import small_menu
from wenming.orders.models import ServiceOrder
from wenming.orders.tests.test_support import order_body, post
from wenming.people.tests.factories import resident_at
from wenming.testing import logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def menu(world):
    return small_menu(world)


def body_for(item, **fields) -> dict:
    values = order_body(text=item.name, item_id=item.pk)
    values.pop("platform")
    return {**values, **fields}


def test_an_order_from_the_menu_carries_the_item(world, menu):
    r = post(logged_in(world.res1.user), "/api/orders", body_for(menu.phone))
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["item_id"], body["platform"], body["skill"]) == (menu.phone.pk, "science",
                                                                  "智能手机")
    order = ServiceOrder.objects.get()
    assert order.item == menu.phone
    listed = logged_in(world.res1.user).get("/api/orders?mine=true").json()["items"]
    assert listed[0]["item_id"] == menu.phone.pk
    got = logged_in(world.res1.user).get(f"/api/orders/{order.pk}").json()
    assert got["item_id"] == menu.phone.pk


def test_the_same_platform_named_beside_the_item_is_fine(world, menu):
    r = post(logged_in(world.res1.user), "/api/orders", body_for(menu.bp, platform="health"))
    assert r.status_code == 201, r.content


def test_an_order_without_an_item_has_item_id_null(world):
    r = post(logged_in(world.res1.user), "/api/orders", order_body())
    assert r.status_code == 201 and r.json()["item_id"] is None


def test_staff_order_an_item_on_a_residents_behalf(world, menu):
    r = post(logged_in(world.sta1_staff), "/api/orders",
             body_for(menu.local, resident_id=world.res1.pk))
    assert r.status_code == 201, r.content
    assert ServiceOrder.objects.get().item == menu.local


def test_an_unknown_item_is_404_and_nothing_written(world, menu):
    r = post(logged_in(world.res1.user), "/api/orders", body_for(menu.phone, item_id=999_999))
    assert_error(r, 404)
    assert not ServiceOrder.objects.exists()


def test_a_retired_item_is_422_and_nothing_written(world, menu):
    menu.phone.is_active = False
    menu.phone.save(update_fields=["is_active"])
    r = post(logged_in(world.res1.user), "/api/orders", body_for(menu.phone))
    assert_error(r, 422, "item_inactive")
    assert not ServiceOrder.objects.exists()


def test_an_item_of_a_retired_category_is_422(world, menu):
    menu.law.is_active = False
    menu.law.save(update_fields=["is_active"])
    r = post(logged_in(world.res1.user), "/api/orders", body_for(menu.lawyer))
    assert_error(r, 422, "item_inactive")
    assert not ServiceOrder.objects.exists()


def test_another_institutes_local_item_is_not_found(world, menu):
    other = resident_at(world.sta2)
    r = post(logged_in(other.user), "/api/orders", body_for(menu.local))
    assert r.status_code in (404, 422), r.content
    assert not ServiceOrder.objects.exists()


def test_a_platform_contradicting_the_item_is_422(world, menu):
    r = post(logged_in(world.res1.user), "/api/orders", body_for(menu.phone, platform="health"))
    assert_error(r, 422, "invalid_platform")
    assert not ServiceOrder.objects.exists()


@pytest.mark.parametrize("item_id", [0, -1, "x", 2**63])
def test_a_malformed_item_id_is_422(world, menu, item_id):
    r = post(logged_in(world.res1.user), "/api/orders", body_for(menu.phone, item_id=item_id))
    assert_error(r, 422)
    assert not ServiceOrder.objects.exists()


def test_neither_platform_nor_item_is_422(world):
    body = order_body()
    body.pop("platform")
    r = post(logged_in(world.res1.user), "/api/orders", body)
    assert_error(r, 422, "invalid_platform")
    assert not ServiceOrder.objects.exists()
