"""The order form's place is picked on a map (the tree-editing page's `place.js`), never
typed: the form carries the picker centred on the resident's station, the stations of their
institute as dots, and the hidden lat/lng it sets; on the menu's form too. A place the map
sets outside the district is refused with the form's message, nothing written."""

import json
import re

import pytest

from wenming.menu.tests.factories import small_menu
from wenming.orders.models import ServiceOrder
from wenming.orders.tests.test_support import FAR_AWAY, STA1
from wenming.testing import logged_in

pytestmark = pytest.mark.django_db


def form_page(client, url: str) -> str:
    r = client.get(url)
    assert r.status_code == 200
    return r.content.decode()


def neighbours(html: str) -> list[dict]:
    found = re.search(r'<script id="place-neighbours" type="application/json">(.*?)</script>',
                      html, re.S)
    return json.loads(found.group(1))


def test_the_order_form_has_the_map_picker(world):
    html = form_page(logged_in(world.res1.user), "/orders/new/health/")
    assert "data-place-picker" in html and "wenming/place.js" in html
    assert "vendor/leaflet/leaflet.js" in html
    assert f'data-lat="{world.sta1.lat}"' in html
    names = {n["name"] for n in neighbours(html)}
    assert world.sta1.name in names and world.sta1b.name in names
    assert world.sta2.name not in names  # another institute's stations are not shown
    # the coordinates are hidden fields the map (or the phone's position) fills, not typed
    assert re.search(r'<input type="hidden" name="lat"', html)
    assert re.search(r'<input type="hidden" name="lng"', html)


def test_the_menus_order_form_has_it_too(world):
    menu = small_menu(world)
    html = form_page(logged_in(world.res1.user), f"/menu/order/item/{menu.bp.pk}/")
    assert "data-place-picker" in html and neighbours(html)


def test_staff_ordering_for_a_resident_get_the_residents_map(world):
    html = form_page(logged_in(world.sta1_staff), f"/orders/new/health/?resident={world.res1.pk}")
    assert "data-place-picker" in html and f'data-lat="{world.sta1.lat}"' in html


def test_a_place_tapped_on_the_map_is_the_orders_place(world):
    client = logged_in(world.res1.user)
    tapped = (STA1[0] + 0.001, STA1[1] + 0.001)
    r = client.post("/orders/new/health/", {
        "text": "需要志愿者上门量血压", "address": "稻香园小区3号楼", "lat": f"{tapped[0]:.6f}",
        "lng": f"{tapped[1]:.6f}", "when": "today"})
    assert r.status_code == 302
    order = ServiceOrder.objects.get()
    assert (round(order.lat, 6), round(order.lng, 6)) == (round(tapped[0], 6),
                                                          round(tapped[1], 6))


@pytest.mark.parametrize("lat, lng", [(FAR_AWAY[0], FAR_AWAY[1]), (91, 116), ("x", "y")])
def test_a_place_outside_the_district_or_garbage_is_refused(world, lat, lng):
    client = logged_in(world.res1.user)
    r = client.post("/orders/new/health/", {
        "text": "需要志愿者上门量血压", "address": "稻香园小区3号楼", "lat": lat, "lng": lng,
        "when": "today"})
    assert r.status_code in (200, 400)
    assert "data-place-picker" in r.content.decode()
    assert not ServiceOrder.objects.exists()
