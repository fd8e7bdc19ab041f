"""热线代点单: a caller with no account gets a resident record and an order in one go; a known
number finds its record; consent is required; scope; nothing half-written."""

import datetime

import pytest
from django.utils import timezone

from wenming.core.tests.helpers import assert_error, post_json
from wenming.menu.models import HotlineConsent
from wenming.menu.tests.factories import small_menu
from wenming.orders.models import ServiceOrder
from wenming.people.models import Resident, User
from wenming.testing import logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def menu(world):
    return small_menu(world)


def body(world, menu, **extra) -> dict:
    return {"station_id": world.sta1.id, "item_id": menu.bp.id, "real_name": "王大爷",
            "mobile": "13700001111", "address": "稻香园小区9号楼101", "consent": True,
            "wished_at": (timezone.now() + datetime.timedelta(hours=3)).isoformat(), **extra}


def page_data(world, menu, **extra) -> dict:
    return {"real_name": "王大爷", "mobile": "13700001111", "station": world.sta1.id,
            "address": "稻香园小区9号楼101", "item": menu.bp.id, "text": "", "when": "today",
            "consent": "on", **extra}


def test_a_caller_without_account_gets_a_record_and_an_order(world, menu):
    response = post_json(logged_in(world.sta1_staff), "/api/menu/hotline", body(world, menu))
    assert response.status_code == 201, response.content
    resident = Resident.objects.get(user__mobile="13700001111")
    order = ServiceOrder.objects.get(pk=response.json()["id"])
    assert (resident.station, resident.user.real_name, resident.address) == \
        (world.sta1, "王大爷", "稻香园小区9号楼101")
    assert (order.resident, order.item, order.submitted_by, order.text) == \
        (resident, menu.bp, world.sta1_staff, "上门量血压")
    consent = HotlineConsent.objects.get()
    assert (consent.order, consent.noted_by, consent.created_resident) == \
        (order, world.sta1_staff, True)


def test_a_known_number_finds_the_residents_record(world, menu):
    mobile = world.res1.user.mobile
    response = post_json(logged_in(world.inst1_staff), "/api/menu/hotline",
                         body(world, menu, mobile=mobile))
    assert response.status_code == 201, response.content
    assert ServiceOrder.objects.get().resident == world.res1
    assert Resident.objects.count() == 1
    assert HotlineConsent.objects.get().created_resident is False


def test_without_consent_nothing_is_written(world, menu):
    users = User.objects.count()
    response = post_json(logged_in(world.sta1_staff), "/api/menu/hotline",
                         body(world, menu, consent=False))
    assert_error(response, 422, "consent_required")
    assert (User.objects.count(), ServiceOrder.objects.count()) == (users, 0)


def test_a_failing_order_leaves_no_resident_behind(world, menu):
    users = User.objects.count()
    past = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    response = post_json(logged_in(world.sta1_staff), "/api/menu/hotline",
                         body(world, menu, wished_at=past))
    assert_error(response, 422, "invalid_wished_at")
    assert (User.objects.count(), Resident.objects.count(), HotlineConsent.objects.count()) == \
        (users, 1, 0)


def test_a_number_of_another_subtree_is_refused(world, menu):
    from wenming.people.tests.factories import resident_at

    elsewhere = resident_at(world.sta2)
    response = post_json(logged_in(world.sta1_staff), "/api/menu/hotline",
                         body(world, menu, mobile=elsewhere.user.mobile))
    assert_error(response, 409, "resident_elsewhere")
    assert not ServiceOrder.objects.exists()


@pytest.mark.parametrize("persona, status", [("sta2_staff", 404), ("sta1_staff", 403),
                                              ("outsider", 404)])
def test_only_staff_of_the_station_take_calls_for_it(world, menu, persona, status):
    """A sibling's station is out of sight (404); a volunteer sees their station but
    manages nothing (403 from the service)."""
    user = world.vol1.user if persona == "sta1_staff" else getattr(world, persona)
    response = post_json(logged_in(user), "/api/menu/hotline", body(world, menu))
    assert_error(response, status)
    assert not ServiceOrder.objects.exists()


@pytest.mark.parametrize("extra", [{"mobile": "123"}, {"real_name": ""}, {"address": " "},
                                   {"station_id": 0}, {"consent": "yes"}, {"x": 1}])
def test_bad_input_is_a_4xx_and_writes_nothing(world, menu, extra):
    users = User.objects.count()
    response = post_json(logged_in(world.sta1_staff), "/api/menu/hotline",
                         body(world, menu, **extra))
    assert 400 <= response.status_code < 500
    assert (User.objects.count(), ServiceOrder.objects.count()) == (users, 0)


def test_the_hotline_page_takes_a_call(world, menu):
    client = logged_in(world.sta1_staff)
    assert client.get("/menu/hotline/").status_code == 200
    response = client.post("/menu/hotline/", page_data(world, menu))
    assert response.status_code == 302, response.content.decode()[:3000]
    order = ServiceOrder.objects.get()
    assert response["Location"] == f"/orders/{order.id}/"


def test_the_hotline_page_without_consent_shows_the_reason(world, menu):
    data = page_data(world, menu)
    del data["consent"]
    response = logged_in(world.sta1_staff).post("/menu/hotline/", data)
    assert response.status_code == 200
    assert "请先告知来电群众并取得同意" in response.content.decode()
    assert not ServiceOrder.objects.exists()


def test_the_hotline_page_is_staff_only(world, menu):
    assert logged_in(world.res1.user).get("/menu/hotline/").status_code == 403
    response = logged_in(world.sta2_staff).post("/menu/hotline/", page_data(world, menu))
    assert response.status_code == 200  # sta1 is not among their stations: a form error
    assert not ServiceOrder.objects.exists()
