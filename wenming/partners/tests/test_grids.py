"""Grids drawn and staffed by station staff on a page and over the API, validated on the
server: a simple polygon of 3–200 corners, no overlap within the station, managers from the
station only."""

import json

import pytest

from wenming.orders.tests.test_support import GRID_SQUARE, post
from wenming.orgs.models import Grid
from wenming.testing import logged_in

pytestmark = pytest.mark.django_db

SQUARE = [[39.976, 116.300], [39.976, 116.310], [39.986, 116.310], [39.986, 116.300]]
NEXT_DOOR = [[39.976, 116.310], [39.976, 116.320], [39.986, 116.320], [39.986, 116.310]]
OVERLAP = [[39.980, 116.305], [39.980, 116.315], [39.990, 116.315], [39.990, 116.305]]


def test_staff_draw_a_grid_on_the_page_and_name_a_manager(world):
    staff = logged_in(world.sta1_staff)
    assert staff.get(f"/orgs/{world.sta1.pk}/grids/new/").status_code == 200
    r = staff.post(f"/orgs/{world.sta1.pk}/grids/new/", {
        "name": "第一网格", "polygon": json.dumps(SQUARE), "managers": [world.vol1.user.pk]})
    assert r.status_code == 302
    grid = Grid.objects.get()
    assert grid.polygon == SQUARE and list(grid.managers.all()) == [world.vol1.user]
    assert "第一网格" in staff.get(f"/orgs/{world.sta1.pk}/grids/").content.decode()
    # redraw it
    r = staff.post(f"/orgs/{world.sta1.pk}/grids/{grid.pk}/", {
        "name": "第一网格（调整）", "polygon": json.dumps(NEXT_DOOR), "managers": []})
    assert r.status_code == 302
    grid.refresh_from_db()
    assert grid.name == "第一网格（调整）" and grid.min_lng == 116.310
    assert not grid.managers.exists()


@pytest.mark.parametrize("polygon", [
    "", "not json", "[]", json.dumps(SQUARE[:2]),
    json.dumps([[39.97, 116.30], [39.98, 116.31], [39.97, 116.31], [39.98, 116.30]]),
    json.dumps([[91, 116.30], [92, 116.31], [91, 116.31]]),
    json.dumps([["a", "b"], ["c", "d"], ["e", "f"]]),
    json.dumps([[39.97 + i / 10000, 116.30] for i in range(201)]),
])
def test_a_bad_drawing_is_refused_on_the_page_and_nothing_is_written(world, polygon):
    r = logged_in(world.sta1_staff).post(f"/orgs/{world.sta1.pk}/grids/new/",
                                         {"name": "坏网格", "polygon": polygon})
    assert r.status_code == 200
    assert "网格" in r.content.decode()
    assert not Grid.objects.exists()


def test_overlapping_grids_of_one_station_are_refused(world):
    client = logged_in(world.sta1_staff)
    r = post(client, f"/api/orgs/{world.sta1.pk}/grids", {"name": "一", "polygon": SQUARE})
    assert r.status_code == 201, r.content
    r = post(client, f"/api/orgs/{world.sta1.pk}/grids", {"name": "二", "polygon": OVERLAP})
    assert r.status_code == 422 and r.json()["error"]["code"] == "grid_overlap"
    r = post(client, f"/api/orgs/{world.sta1.pk}/grids", {"name": "三", "polygon": NEXT_DOOR})
    assert r.status_code == 201  # touching along an edge is fine
    assert Grid.objects.count() == 2


def test_managers_must_belong_to_the_station(world):
    r = post(logged_in(world.sta1_staff), f"/api/orgs/{world.sta1.pk}/grids",
             {"name": "一", "polygon": SQUARE, "manager_ids": [world.vol2.user.pk]})
    assert r.status_code == 404
    assert not Grid.objects.exists()


def test_grid_pages_and_api_are_scoped(world):
    for who in (world.sta2_staff, world.vol1.user, world.res1.user):
        client = logged_in(who)
        assert client.get(f"/orgs/{world.sta1.pk}/grids/").status_code in {403, 404}
        assert client.get(f"/api/orgs/{world.sta1.pk}/grids").status_code in {403, 404}
        r = post(client, f"/api/orgs/{world.sta1.pk}/grids", {"name": "x", "polygon": SQUARE})
        assert r.status_code in {403, 404}
    # an institute is no station: its grids are not a thing
    assert logged_in(world.inst1_staff).get(f"/orgs/{world.inst1.pk}/grids/").status_code \
        == 404
    assert not Grid.objects.exists()


def test_center_staff_draw_a_grid_in_a_station_below_and_it_routes_appeals(world):
    from wenming.orders.tests.test_support import INSIDE_GRID, submit

    r = post(logged_in(world.center_staff), f"/api/orgs/{world.sta1b.pk}/grids",
             {"name": "小网格", "polygon": GRID_SQUARE, "manager_ids": [world.vol1b.user.pk]})
    assert r.status_code == 201, r.content
    appeal = submit(world.res1, kind="appeal", at=INSIDE_GRID)
    assert appeal.grid == Grid.objects.get() and appeal.station == world.sta1b
    assert logged_in(world.vol1b.user).get(f"/api/orders/{appeal.pk}").status_code == 200
