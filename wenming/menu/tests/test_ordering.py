"""Ordering from the menu: three taps on the pages, the order carries the item, dispatch
ranks volunteers by any of the item's skills; scope and items not offered."""

import pytest

from wenming.menu.tests.factories import skill, small_menu
from wenming.orders.models import ServiceOrder
from wenming.orders.ranking import volunteer_candidates
from wenming.orders.tests.test_support import STA1, at_home, submit
from wenming.people.tests.factories import resident_at, volunteer_at
from wenming.testing import logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def menu(world):
    return small_menu(world)


def form_data(**extra) -> dict:
    return {"text": "上门量血压", "address": "稻香园小区3号楼", "lat": STA1[0], "lng": STA1[1],
            "when": "today", "contact_name": "", "contact_phone": "", **extra}


def test_tap_one_shows_the_districts_categories(world, menu):
    page = logged_in(world.res1.user).get("/orders/new/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f"/menu/order/c/{menu.elder.id}/" in html and f"/menu/order/c/{menu.law.id}/" in html


def test_an_appeal_still_starts_from_the_platforms(world, menu):
    page = logged_in(world.res1.user).get("/orders/new/?kind=appeal")
    assert "/menu/order/c/" not in page.content.decode()


def test_tap_two_lists_the_items_offered_at_the_residents_station(world, menu):
    html = logged_in(world.res1.user).get(f"/menu/order/c/{menu.elder.id}/").content.decode()
    assert "海淀助浴" in html and f"/menu/order/item/{menu.bp.id}/" in html
    other = resident_at(world.sta2)
    html = logged_in(other.user).get(f"/menu/order/c/{menu.elder.id}/").content.decode()
    assert "海淀助浴" not in html


def test_tap_three_submits_an_order_carrying_the_item(world, menu):
    client = logged_in(world.res1.user)
    page = client.get(f"/menu/order/item/{menu.phone.id}/")
    assert page.status_code == 200 and "教老人用智能手机" in page.content.decode()
    response = client.post(f"/menu/order/item/{menu.phone.id}/", form_data())
    assert response.status_code == 302, response.content.decode()[:2000]
    order = ServiceOrder.objects.get(resident=world.res1)
    assert (order.item, order.platform.code, order.skill) == (menu.phone, "science", "智能手机")
    assert response["Location"] == f"/orders/{order.id}/"


def test_a_local_item_of_another_institute_is_404(world, menu):
    other = resident_at(world.sta2)
    client = logged_in(other.user)
    assert client.get(f"/menu/order/item/{menu.local.id}/").status_code == 404
    assert client.post(f"/menu/order/item/{menu.local.id}/", form_data()).status_code == 404
    assert not ServiceOrder.objects.exists()


def test_an_item_switched_off_cannot_be_ordered(world, menu):
    menu.bp.is_active = False
    menu.bp.save()
    assert logged_in(world.res1.user).get(f"/menu/order/item/{menu.bp.id}/").status_code == 404
    with pytest.raises(Exception, match="下架"):
        submit(world.res1, item=menu.bp)


def test_the_service_refuses_an_item_not_offered_at_the_place(world, menu):
    resident = resident_at(world.sta2)
    with pytest.raises(Exception, match="不在您所在的地区"):
        submit(resident, item=menu.local, at=(39.995, 116.352))
    assert not ServiceOrder.objects.exists()


def test_staff_order_an_item_for_a_resident_of_their_subtree(world, menu):
    client = logged_in(world.sta1_staff)
    response = client.post(f"/menu/order/item/{menu.bp.id}/?resident={world.res1.id}",
                           form_data())
    assert response.status_code == 302
    order = ServiceOrder.objects.get()
    assert (order.resident, order.submitted_by, order.item) == \
        (world.res1, world.sta1_staff, menu.bp)
    assert logged_in(world.sta2_staff).get(
        f"/menu/order/item/{menu.bp.id}/?resident={world.res1.id}").status_code == 404


def test_ranking_matches_any_of_the_items_skills(world, menu):
    phone_helper = volunteer_at(world.sta1)
    phone_helper.skills.add(skill("智能手机"))
    pc_helper = volunteer_at(world.sta1)
    pc_helper.skills.add(skill("电脑维修"))
    nobody = volunteer_at(world.sta1)
    for v in (phone_helper, pc_helper, nobody):
        at_home(v, *STA1)
    order = submit(world.res1, item=menu.phone)
    facts = {c["volunteer_id"]: next(r for r in c["reasons"] if r["factor"] == "match")
             for c in volunteer_candidates(order)}
    assert facts[phone_helper.id]["points"] == facts[pc_helper.id]["points"] > \
        facts[nobody.id]["points"]
