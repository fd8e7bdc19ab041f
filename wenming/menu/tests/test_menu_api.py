"""The menu over JSON: what each persona reads, who edits what, bad input."""

import pytest

from wenming.core.tests.helpers import assert_error, patch_json, post_json
from wenming.menu.models import MenuCategory, MenuItem
from wenming.menu.tests.factories import small_menu
from wenming.testing import logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def menu(world):
    return small_menu(world)


def names(body) -> dict:
    return {c["name"]: sorted(i["name"] for i in c["items"]) for c in body}


def test_a_resident_reads_their_station_menu_with_the_local_item(world, menu):
    body = logged_in(world.res1.user).get("/api/menu").json()
    assert names(body) == {"助老助残": ["上门量血压", "教老人用智能手机", "海淀助浴"],
                           "法律咨询": ["法律咨询进社区"]}
    item = next(i for c in body for i in c["items"] if i["name"] == "教老人用智能手机")
    assert set(item) >= {"id", "name", "platform", "skills"}
    assert (item["platform"], sorted(item["skills"])) == ("science", ["智能手机", "电脑维修"])


def test_a_station_of_the_other_institute_does_not_see_the_local_item(world, menu):
    body = logged_in(world.sta2_staff).get(f"/api/menu?station={world.sta2.id}").json()
    assert "海淀助浴" not in names(body)["助老助残"]


def test_a_station_outside_ones_scope_is_404(world, menu):
    response = logged_in(world.sta2_staff).get(f"/api/menu?station={world.sta1.id}")
    assert_error(response, 404)


def test_an_outsider_has_no_menu(world, menu):
    assert_error(logged_in(world.outsider).get("/api/menu"), 404)


def test_center_staff_add_a_district_item(world, menu):
    response = post_json(logged_in(world.center_staff), "/api/menu", {
        "category_id": menu.law.id, "name": "遗嘱咨询", "platform": "theory",
        "skills": ["法律"], "duration_minutes": 90})
    assert response.status_code == 201, response.content
    item = MenuItem.objects.get(pk=response.json()["id"])
    assert (item.org, item.skill_names, item.duration_minutes) == (world.center, ["法律"], 90)


def test_institute_staff_add_a_local_item_but_no_category(world, menu):
    client = logged_in(world.inst2_staff)
    response = post_json(client, "/api/menu", {
        "category_id": menu.elder.id, "name": "学院路助餐", "platform": "health"})
    assert response.status_code == 201, response.content
    assert MenuItem.objects.get(pk=response.json()["id"]).org == world.inst2
    assert_error(post_json(client, "/api/menu/categories", {
        "name": "新类别", "org_id": world.center.id}), 404)
    assert_error(post_json(client, "/api/menu", {
        "category_id": menu.elder.id, "name": "越权", "platform": "health",
        "org_id": world.center.id}), 404)


def test_station_staff_cannot_add_items(world, menu):
    response = post_json(logged_in(world.sta1_staff), "/api/menu", {
        "category_id": menu.elder.id, "name": "站里的", "platform": "health"})
    assert_error(response, 403)
    assert not MenuItem.objects.filter(name="站里的").exists()


def test_a_sibling_institutes_item_is_404_to_read_and_edit(world, menu):
    client = logged_in(world.inst2_staff)
    assert_error(client.get(f"/api/menu/items/{menu.local.id}"), 404)
    assert_error(patch_json(client, f"/api/menu/items/{menu.local.id}", {"name": "改"}), 404)
    assert MenuItem.objects.get(pk=menu.local.id).name == "海淀助浴"


def test_institute_staff_cannot_edit_a_district_item(world, menu):
    response = patch_json(logged_in(world.inst1_staff), f"/api/menu/items/{menu.bp.id}",
                          {"name": "改名"})
    assert_error(response, 403)


def test_staff_switch_an_item_off_and_residents_no_longer_see_it(world, menu):
    response = patch_json(logged_in(world.inst1_staff), f"/api/menu/items/{menu.local.id}",
                          {"is_active": False})
    assert response.status_code == 200, response.content
    body = logged_in(world.res1.user).get("/api/menu").json()
    assert "海淀助浴" not in names(body)["助老助残"]


def test_center_staff_add_and_rename_a_category(world, menu):
    client = logged_in(world.center_staff)
    response = post_json(client, "/api/menu/categories", {"name": "科普"})
    assert response.status_code == 201
    pk = response.json()["id"]
    assert patch_json(client, f"/api/menu/categories/{pk}", {"name": "科学普及"}).status_code \
        == 200
    assert MenuCategory.objects.get(pk=pk).name == "科学普及"
    assert_error(patch_json(client, f"/api/menu/categories/{pk}", {"name": "法律咨询"}), 409,
                 "duplicate_name")


@pytest.mark.parametrize("payload, code", [
    ({"name": "x", "platform": "nope"}, "invalid_platform"),
    ({"name": "x", "platform": "health", "skills": ["不存在的技能"]}, "invalid_skill"),
    ({"name": "x", "platform": "health", "duration_minutes": 0}, None),
    ({"name": "   ", "platform": "health"}, None),
    ({"name": "x" * 61, "platform": "health"}, None),
    ({"name": "x", "platform": "health", "extra": 1}, None),
    ({"name": "x\x00", "platform": "health"}, None),
])
def test_bad_items_are_refused_and_nothing_is_written(world, menu, payload, code):
    before = MenuItem.objects.count()
    response = post_json(logged_in(world.center_staff), "/api/menu",
                         {"category_id": menu.elder.id, **payload})
    assert 400 <= response.status_code < 500
    if code:
        assert_error(response, response.status_code, code)
    assert MenuItem.objects.count() == before


def test_the_editor_view_lists_off_categories_too(world, menu):
    menu.law.is_active = False
    menu.law.save()
    body = logged_in(world.center_staff).get("/api/menu?edit=true").json()
    assert {c["name"]: c["is_active"] for c in body} == {"助老助残": True, "法律咨询": False}
