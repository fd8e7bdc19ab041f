"""The staff's menu editor pages: who sees which buttons, who edits what, scope."""

import pytest

from wenming.menu.models import MenuCategory, MenuItem
from wenming.menu.tests.factories import skill, small_menu
from wenming.testing import logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def menu(world):
    return small_menu(world)


def item_data(**extra) -> dict:
    from wenming.orgs.models import Platform

    return {"name": "陪诊服务", "description": "陪老人去医院", "duration_minutes": 120,
            "platform": Platform.objects.get(code="health").id, "position": 5,
            "is_active": "on", "skills": [skill("护理").id], **extra}


def test_residents_are_sent_to_ordering(world, menu):
    response = logged_in(world.res1.user).get("/menu/")
    assert response.status_code == 302 and response["Location"] == "/orders/new/"


def test_center_staff_see_every_edit_button(world, menu):
    html = logged_in(world.center_staff).get("/menu/").content.decode()
    assert 'data-testid="category-new"' in html
    assert f"/menu/categories/{menu.elder.id}/" in html
    assert f"/menu/items/{menu.local.id}/" in html and f"/menu/items/{menu.bp.id}/" in html


def test_institute_staff_edit_only_their_local_items(world, menu):
    html = logged_in(world.inst1_staff).get("/menu/").content.decode()
    assert 'data-testid="category-new"' not in html
    assert f'href="/menu/categories/{menu.elder.id}/"' not in html
    assert f"/menu/items/{menu.local.id}/" in html and f"/menu/items/{menu.bp.id}/" not in html
    assert f"/menu/categories/{menu.elder.id}/items/new/" in html


def test_a_sibling_institute_neither_sees_nor_edits_the_local_item(world, menu):
    client = logged_in(world.inst2_staff)
    assert "海淀助浴" not in client.get("/menu/").content.decode()
    assert client.get(f"/menu/items/{menu.local.id}/").status_code == 404
    assert client.post(f"/menu/items/{menu.local.id}/", item_data()).status_code == 404
    assert MenuItem.objects.get(pk=menu.local.id).name == "海淀助浴"


def test_station_staff_read_but_do_not_edit(world, menu):
    client = logged_in(world.sta1_staff)
    html = client.get("/menu/").content.decode()
    assert "/items/new/" not in html and 'data-testid="hotline-link"' in html
    assert client.get(f"/menu/items/{menu.bp.id}/").status_code == 403
    assert client.get(f"/menu/categories/{menu.elder.id}/items/new/").status_code == 404
    assert client.get(f"/menu/categories/{menu.elder.id}/").status_code == 404


def test_institute_staff_add_a_local_item_on_the_page(world, menu):
    client = logged_in(world.inst1_staff)
    url = f"/menu/categories/{menu.elder.id}/items/new/"
    assert client.get(url).status_code == 200
    response = client.post(url, item_data(org=world.inst1.id))
    assert response.status_code == 302, response.content.decode()[:3000]
    item = MenuItem.objects.get(name="陪诊服务")
    assert (item.org, item.skill_names, item.duration_minutes) == (world.inst1, ["护理"], 120)


def test_institute_staff_cannot_offer_an_item_district_wide(world, menu):
    response = logged_in(world.inst1_staff).post(
        f"/menu/categories/{menu.elder.id}/items/new/", item_data(org=world.center.id))
    assert response.status_code == 200  # not a choice they have: a form error
    assert not MenuItem.objects.filter(name="陪诊服务").exists()


def test_center_staff_edit_an_item_and_a_category(world, menu):
    client = logged_in(world.center_staff)
    response = client.post(f"/menu/items/{menu.bp.id}/", item_data(name="上门测血压"))
    assert response.status_code == 302
    assert MenuItem.objects.get(pk=menu.bp.id).name == "上门测血压"
    response = client.post(f"/menu/categories/{menu.law.id}/",
                           {"name": "法律服务", "position": 3, "description": ""})
    assert response.status_code == 302
    category = MenuCategory.objects.get(pk=menu.law.id)
    assert (category.name, category.is_active) == ("法律服务", False)


def test_center_staff_add_a_category(world, menu):
    client = logged_in(world.center_staff)
    assert client.post("/menu/categories/new/", {"name": "环境保护", "position": 9,
                                                  "is_active": "on"}).status_code == 302
    assert MenuCategory.objects.filter(name="环境保护", org=world.center).exists()
    page = client.post("/menu/categories/new/", {"name": "助老助残", "position": 9})
    assert page.status_code == 200 and "已有同名的类别" in page.content.decode()


@pytest.mark.parametrize("bad", [{"name": ""}, {"duration_minutes": 0},
                                 {"duration_minutes": "abc"}, {"name": "x" * 61},
                                 {"platform": 999999}, {"skills": [999999]}])
def test_bad_item_forms_write_nothing(world, menu, bad):
    before = MenuItem.objects.count()
    page = logged_in(world.center_staff).post(f"/menu/categories/{menu.law.id}/items/new/",
                                              item_data(**bad))
    assert page.status_code == 200
    assert MenuItem.objects.count() == before
