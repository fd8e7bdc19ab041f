"""POST /api/orders: routing by grid or nearest station, appeals to grid managers, ordering on
an elderly resident's behalf (代点单), and bad input answered with a clear 4xx that writes
nothing."""

import datetime

import pytest
from django.utils import timezone

from wenming.core.tests.helpers import assert_chinese_error, assert_error
from wenming.inbox.models import Notification
from wenming.orders.models import OrderEvent, ServiceOrder
from wenming.orders.tests.test_support import (
    FAR_AWAY,
    GRID_SQUARE,
    INSIDE_GRID,
    STA2,
    order_body,
    post,
)
from wenming.orgs.services import grid_create
from wenming.people.models import Resident
from wenming.people.tests.factories import UserFactory, resident_at, staff_at

pytestmark = pytest.mark.django_db

INSIDE, SQUARE = INSIDE_GRID, GRID_SQUARE


@pytest.fixture
def grid(world):
    manager = UserFactory(username="gridman")
    sta1b_staff = staff_at(world.sta1b, "sta1b")
    grid = grid_create(station=world.sta1b, name="芙蓉里一网格", polygon=SQUARE, managers=[manager])
    return grid, manager, sta1b_staff


def titles(user) -> list[str]:
    return list(Notification.objects.filter(user=user).values_list("title", flat=True))


def test_a_resident_orders_a_service_at_the_nearest_station(world, client_for):
    response = post(client_for(world.res1.user), "/api/orders", order_body(skill="水电维修"))

    assert response.status_code == 201, response.content
    body = response.json()
    order = ServiceOrder.objects.get(pk=body["id"])
    assert (body["state"], body["org_id"], body["station_id"], body["grid_id"]) == \
        ("submitted", world.sta1.id, world.sta1.id, None)
    assert (order.resident, order.submitted_by, order.skill) == \
        (world.res1, world.res1.user, "水电维修")
    assert body["contact_phone"] == world.res1.user.mobile  # the resident sees it in full
    assert body["history"][0]["to"] == "submitted"
    assert order.due_at is not None
    assert titles(world.sta1_staff) and not titles(world.sta2_staff)


def test_a_place_nearer_another_station_goes_there(world, client_for):
    response = post(client_for(world.res1.user), "/api/orders",
                    order_body(lat=STA2[0], lng=STA2[1]))
    assert response.status_code == 201
    assert response.json()["org_id"] == world.sta2.id
    assert titles(world.sta2_staff) and not titles(world.sta1_staff)


def test_a_place_inside_a_grid_goes_to_the_grids_station_and_an_appeal_to_its_managers(
        world, client_for, grid):
    grid, manager, sta1b_staff = grid
    client = client_for(world.res1.user)
    appeal = post(client, "/api/orders", order_body(kind="appeal", lat=INSIDE[0], lng=INSIDE[1],
                                                    text="楼道堆放杂物，存在消防隐患"))
    assert appeal.status_code == 201, appeal.content
    assert (appeal.json()["org_id"], appeal.json()["grid_id"]) == (world.sta1b.id, grid.id)
    assert len(titles(manager)) == 1 and "民呼我应" in titles(manager)[0]
    assert len(titles(sta1b_staff)) == 1 and not titles(world.sta1_staff)

    service = post(client, "/api/orders", order_body(lat=INSIDE[0], lng=INSIDE[1]))
    assert service.json()["org_id"] == world.sta1b.id
    assert len(titles(manager)) == 1  # a service request is the station's, not the grid's


def test_a_place_outside_the_district_is_refused(world, client_for):
    response = post(client_for(world.res1.user), "/api/orders",
                    order_body(lat=FAR_AWAY[0], lng=FAR_AWAY[1]))
    assert_chinese_error(response, 422, "outside_district")
    assert not ServiceOrder.objects.exists()


def test_staff_order_on_behalf_of_an_elderly_resident_without_a_phone(world, client_for):
    elder = resident_at(world.sta1, "elder")
    elder.user.mobile = None
    elder.user.save(update_fields=["mobile"])

    response = post(client_for(world.sta1_staff), "/api/orders",
                    order_body(resident_id=elder.id, contact_name="王奶奶"))

    assert response.status_code == 201, response.content
    order = ServiceOrder.objects.get(pk=response.json()["id"])
    assert (order.resident, order.submitted_by) == (elder, world.sta1_staff)
    assert order.events.get().reason == "代群众点单"
    assert client_for(elder.user).get(f"/api/orders/{order.id}").status_code == 200


def test_a_landline_is_a_valid_contact(world, client_for):
    response = post(client_for(world.res1.user), "/api/orders",
                    order_body(contact_phone="010-62345678"))
    assert response.status_code == 201, response.content
    assert response.json()["contact_phone"] == "010-62345678"


@pytest.mark.parametrize("who", ["sta2_staff", "inst2_staff", "vol1", "outsider"])
def test_only_staff_of_the_residents_station_may_order_on_their_behalf(world, client_for, who):
    user = getattr(world, who)
    user = getattr(user, "user", user)
    response = post(client_for(user), "/api/orders", order_body(resident_id=world.res1.id))
    assert response.status_code in (403, 404)
    assert_error(response, response.status_code)
    assert not ServiceOrder.objects.exists()


@pytest.mark.parametrize("who", ["vol1", "sta1_staff", "outsider"])
def test_only_residents_order_for_themselves(world, client_for, who):
    user = getattr(world, who)
    response = post(client_for(getattr(user, "user", user)), "/api/orders", order_body())
    assert_error(response, 403, "forbidden")
    assert not ServiceOrder.objects.exists()


def test_anonymous_callers_get_401(world, client):
    assert_error(post(client, "/api/orders", order_body()), 401, "not_authenticated")
    assert_error(client.get("/api/orders"), 401, "not_authenticated")


def _past() -> str:
    return (timezone.now() - datetime.timedelta(hours=2)).isoformat()


def _far_future() -> str:
    return (timezone.now() + datetime.timedelta(days=200)).isoformat()


BAD = [
    ({"text": ""}, 422, "invalid_text"),
    ({"text": "   "}, 422, "invalid_text"),
    ({"text": None}, 422, "invalid_input"),
    ({"text": "字" * 2001}, 422, "invalid_input"),
    ({"text": "字" * 200_000}, 422, "invalid_input"),
    ({"address": ""}, 422, "invalid_address"),
    ({"address": "路" * 201}, 422, "invalid_input"),
    ({"contact_name": "名" * 51}, 422, "invalid_input"),
    ({"contact_phone": "12345"}, 422, "invalid_mobile"),
    ({"skill": "技" * 31}, 422, "invalid_input"),
    ({"wished_at": _past}, 422, "invalid_wished_at"),
    ({"wished_at": _far_future}, 422, "invalid_wished_at"),
    ({"wished_at": "明天上午"}, 422, "invalid_input"),
    ({"wished_at": "2030-01-01T09:00:00"}, 422, "invalid_wished_at"),  # no offset
    ({"platform": "astrology"}, 404, "unknown_platform"),
    ({"platform": ""}, 422, "invalid_platform"),  # neither a platform nor a menu item
    ({"kind": "complaint"}, 422, "invalid_kind"),
    ({"lat": 91}, 422, "invalid_input"),
    ({"lng": -181}, 422, "invalid_input"),
    ({"lat": "北纬40度"}, 422, "invalid_input"),
    ({"lat": None}, 422, "invalid_input"),
    ({"priority": "urgent"}, 422, "invalid_input"),  # an unknown field is never dropped
    ({"resident_id": 999_999}, 404, "unknown_resident"),
    ({"resident_id": "abc"}, 422, "invalid_input"),
]


@pytest.mark.parametrize(("change", "status", "code"), BAD,
                         ids=[f"{next(iter(c))}-{i}" for i, (c, _s, _c) in enumerate(BAD)])
def test_bad_input_gets_a_clear_4xx_and_writes_nothing(world, client_for, change, status, code):
    change = {k: v() if callable(v) else v for k, v in change.items()}
    body = order_body(**change)
    for key, value in change.items():
        if value is None and key in ("lat",):
            body[key] = None
    response = post(client_for(world.res1.user), "/api/orders", body)
    assert_chinese_error(response, status, code)
    assert not ServiceOrder.objects.exists()
    assert not OrderEvent.objects.exists()
    assert not Notification.objects.exists()


@pytest.mark.parametrize(("raw", "status", "code"), [
    ("{", 400, "malformed_json"),
    ('{"text": "漏水",', 400, "malformed_json"),
    ("[]", 422, "invalid_input"),
    ('"text"', 422, "invalid_input"),
    ("", 400, "malformed_json"),
    ('{"lat": NaN, "lng": 116.3}', 422, "invalid_input"),
])
def test_a_body_that_is_not_an_order_gets_4xx(world, client_for, raw, status, code):
    response = post(client_for(world.res1.user), "/api/orders", raw)
    assert response.status_code in (400, 422), response.content
    assert_error(response, response.status_code)
    assert not ServiceOrder.objects.exists()


def test_an_oversized_body_gets_413(world, client_for):
    response = post(client_for(world.res1.user), "/api/orders",
                    order_body(text="漏" * 3_000_000))
    assert_error(response, 413, "request_too_large")
    assert not ServiceOrder.objects.exists()


def test_a_resident_of_another_station_may_order_anywhere_in_the_district(world, client_for):
    """Routing follows the place, not the resident's home station."""
    other = Resident.objects.create(user=UserFactory(), station=world.sta2)
    response = post(client_for(other.user), "/api/orders", order_body())
    assert response.json()["org_id"] == world.sta1.id


def test_a_wished_time_without_an_offset_says_so(world, client_for):
    response = post(client_for(world.res1.user), "/api/orders",
                    order_body(wished_at="2030-01-01T09:00:00"))
    assert "时区" in assert_chinese_error(response, 422, "invalid_wished_at")
