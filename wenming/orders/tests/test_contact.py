"""The resident's contact on an order goes through one function (`order_contact`) on every
page and in the API: those who serve or handle the order see the name and the exact address,
and the full phone only when they ask (查看完整号码 / `?reveal=1`), which writes an audit row;
the resident sees their own; a volunteer who may grab an open order sees the need, the area
and a masked name, and the rest only once it is theirs."""

import pytest

from wenming.core.masking import mask_mobile, mask_name
from wenming.core.tests.helpers import assert_error
from wenming.orders import services
from wenming.orders.tests.test_support import STA1, at_home, order_in, post
from wenming.people.models import AuditLog
from wenming.teams import services as team_services

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def audits(order) -> list[AuditLog]:
    return list(AuditLog.objects.filter(object_type="orders.serviceorder",
                                        object_id=str(order.pk)))


def bring(world, state: str):
    return order_in(state, resident=world.res1, staff=world.sta1_staff, volunteer=world.vol1)


@pytest.fixture
def team_order(world):
    """An order dispatched to a team that vol1b leads (vol1b is not its volunteer)."""
    team = team_services.team_create(by=world.sta1_staff, name="助老服务队", org=world.sta1,
                                     leader=world.vol1b)
    order = bring(world, "reviewed")
    return services.order_dispatch(by=world.sta1_staff, order=order, team=team)


def test_a_team_leader_sees_the_same_contact_on_the_page_and_in_the_api(world, client_for,
                                                                        team_order):
    """The drift of issue 9: the page showed the leader the full phone, the API a masked
    one. One rule now: masked on both until the leader asks, full on both when they do."""
    mobile, client = world.res1.user.mobile, client_for(world.vol1b.user)

    page = html(client.get(f"/orders/{team_order.pk}/"))
    body = client.get(f"/api/orders/{team_order.pk}").json()
    assert mobile not in page and mask_mobile(mobile) in page and "查看完整号码" in page
    assert (body["contact_phone"], body["contact_full"]) == (mask_mobile(mobile), True)
    assert body["contact_name"] in page and body["address"] in page  # name and address in full
    assert audits(team_order) == []

    assert mobile in html(client.post(f"/orders/{team_order.pk}/contact/"))
    assert client.get(f"/api/orders/{team_order.pk}?reveal=1").json()["contact_phone"] == mobile
    assert [a.actor for a in audits(team_order)] == [world.vol1b.user] * 2


def test_revealing_the_phone_writes_an_audit_row(world, client_for):
    order = bring(world, "submitted")
    client = client_for(world.sta1_staff)
    assert "查看完整号码" in html(client.get(f"/orders/{order.pk}/dispatch/"))

    fragment = html(client.post(f"/orders/{order.pk}/contact/", **HTMX))

    assert f'href="tel:{world.res1.user.mobile}"' in fragment and "<html" not in fragment
    (row,) = audits(order)
    assert (row.actor, row.action, row.ip) == (world.sta1_staff, "view_personal", "127.0.0.1")
    assert row.detail == {"fields": ["contact_phone"], "resident_id": world.res1.pk}


def test_without_a_reveal_no_page_or_api_shows_the_full_number_nor_writes_an_audit(
        world, client_for):
    order = bring(world, "accepted")
    mobile = world.res1.user.mobile
    for user, urls in [
        (world.sta1_staff, [f"/orders/{order.pk}/", f"/orders/{order.pk}/dispatch/",
                            "/orders/queue/", "/orders/map/"]),
        (world.inst1_staff, [f"/orders/{order.pk}/", f"/orders/{order.pk}/dispatch/"]),
        (world.vol1.user, [f"/orders/{order.pk}/", "/orders/tasks/"]),
    ]:
        client = client_for(user)
        for url in [*urls, "/api/orders", f"/api/orders/{order.pk}"]:
            assert mobile not in html(client.get(url)), (user, url)
    assert audits(order) == []


def test_the_resident_sees_their_own_number_without_an_audit(world, client_for):
    order = bring(world, "dispatched")
    client = client_for(world.res1.user)
    page = html(client.get(f"/orders/{order.pk}/"))
    assert f'href="tel:{world.res1.user.mobile}"' in page and "查看完整号码" not in page
    assert client.get(f"/api/orders/{order.pk}?reveal=1").json()["contact_revealed"] is True
    assert audits(order) == []


def test_a_volunteer_who_may_grab_sees_the_need_the_area_and_a_masked_name(world, client_for):
    at_home(world.vol1b, STA1[0] + 0.0003, STA1[1])
    order = bring(world, "open")
    name, mobile = world.res1.user.real_name, world.res1.user.mobile
    client = client_for(world.vol1b.user)
    for url in ["/orders/nearby/", f"/orders/{order.pk}/"]:
        page = html(client.get(url))
        assert order.text[:20] in page and world.sta1.name in page  # the need, the area
        assert mask_name(name) in page and 'data-move="grab"' in page
        for secret in (name, order.address, mobile, mask_mobile(mobile)[:3] + "*"):
            assert secret not in page, (url, secret)
    body = client.get(f"/api/orders/{order.pk}").json()
    assert (body["contact_name"], body["address"], body["contact_full"]) == (
        mask_name(name), world.sta1.name, False)
    assert (body["lat"], body["lng"]) == (round(order.lat, 2), round(order.lng, 2))
    assert name not in str(body)  # nor in the history's names
    assert_error(client.get(f"/api/orders/{order.pk}?reveal=1"), 403)
    assert client.post(f"/orders/{order.pk}/contact/").status_code == 403
    assert audits(order) == []

    grabbed = post(client, f"/api/orders/{order.pk}/grab")
    assert grabbed.status_code == 200
    assert grabbed.json()["allowed_moves"] == ["complete"]  # a move answers with the next
    body = client.get(f"/api/orders/{order.pk}").json()
    assert (body["contact_name"], body["address"], body["contact_phone"]) == (
        name, order.address, mask_mobile(mobile))
    assert client.get(f"/api/orders/{order.pk}?reveal=1").json()["contact_phone"] == mobile


@pytest.mark.parametrize("who", ["sta2_staff", "inst2_staff", "vol2", "outsider"])
def test_the_reveal_is_a_404_outside_the_orders_scope(world, client_for, who):
    order = bring(world, "dispatched")
    user = getattr(world, who)
    client = client_for(getattr(user, "user", user))
    assert client.post(f"/orders/{order.pk}/contact/").status_code == 404
    assert_error(client.get(f"/api/orders/{order.pk}?reveal=1"), 404)
    assert audits(order) == []


def test_the_reveal_needs_a_login_and_a_post(world, client, client_for):
    order = bring(world, "dispatched")
    assert client.post(f"/orders/{order.pk}/contact/").status_code == 302
    assert client_for(world.sta1_staff).get(f"/orders/{order.pk}/contact/").status_code == 405
    assert audits(order) == []
