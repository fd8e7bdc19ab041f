"""Staff add, edit and move nodes on a page and over the API, within the tree's rules and
their own subtree; a move rewrites every path below in one go."""

import json

import pytest
from django.core.exceptions import ValidationError

from wenming.core.errors import Forbidden
from wenming.orgs import services
from wenming.orgs.models import OrgNode
from wenming.orgs.permissions import org_get_for_user
from wenming.people.models import Volunteer
from wenming.testing import logged_in

pytestmark = pytest.mark.django_db


def test_staff_add_a_station_with_its_place(world):
    node = services.org_add(by=world.inst1_staff, parent=world.inst1, kind="station",
                            name="新建社区实践站", lat=39.98, lng=116.31, address="某路1号")
    assert node.parent == world.inst1 and node.path == f"{world.inst1.path}{node.pk}/"
    assert org_get_for_user(world.inst1_staff, node.pk) == node


@pytest.mark.parametrize("fields, code", [
    ({"kind": "center", "name": "第二个中心"}, "invalid_kind"),
    ({"kind": "institute", "name": "站下面的所"}, "invalid_parent"),
    ({"kind": "station", "name": "x"}, "invalid_text"),
    ({"kind": "point", "name": "没有类型的点"}, "invalid_point_type"),
    ({"kind": "station", "name": "半个位置", "lat": 39.9}, "invalid_place"),
    ({"kind": "bogus", "name": "未知类型"}, "invalid_kind"),
    ({"kind": "station", "name": "电话有误", "contact_phone": "call me"}, "invalid_phone"),
])
def test_what_breaks_the_tree_is_refused_and_nothing_is_added(world, fields, code):
    before = OrgNode.objects.count()
    parent = world.sta1 if fields["kind"] == "institute" else world.inst1
    with pytest.raises(ValidationError) as exc:
        services.org_add(by=world.center_staff, parent=parent, **fields)
    assert exc.value.code == code
    assert OrgNode.objects.count() == before


def test_a_sibling_cannot_add_edit_or_move(world):
    with pytest.raises(Forbidden):
        services.org_add(by=world.inst2_staff, parent=world.inst1, kind="station", name="越权站")
    with pytest.raises(Forbidden):
        services.org_update(by=world.inst2_staff, node=world.sta1, name="改名")
    with pytest.raises(Forbidden):
        services.org_move(by=world.inst2_staff, node=world.sta1, parent=world.inst2)
    client = logged_in(world.sta2_staff)
    for path in (f"/orgs/{world.sta1.pk}/edit/", f"/orgs/{world.inst1.pk}/add/",
                 f"/orgs/{world.sta1.pk}/move/"):
        assert client.get(path).status_code == 404
    assert client.patch(f"/api/orgs/{world.sta1.pk}", json.dumps({"name": "改名"}),
                        content_type="application/json").status_code == 404
    world.sta1.refresh_from_db()
    assert world.sta1.name == "稻香园社区实践站"


def test_a_station_cannot_move_itself_out_of_its_own_reach(world):
    with pytest.raises(Forbidden):  # sta1's staff do not manage inst2
        services.org_move(by=world.sta1_staff, node=world.sta1, parent=world.inst2)


def test_moving_a_station_moves_everything_below_it_and_its_people(world):
    point = services.org_add(by=world.sta1_staff, parent=world.sta1, kind="point",
                             name="稻香园驿站", point_type="post")
    moved = services.org_move(by=world.center_staff, node=world.sta1, parent=world.inst2)
    point.refresh_from_db()
    assert moved.path == f"{world.inst2.path}{world.sta1.pk}/" and moved.depth == 2
    assert point.path == f"{moved.path}{point.pk}/" and point.depth == 3
    # The people of the station now belong to inst2's subtree, and no longer to inst1's.
    assert Volunteer.objects.filter(station__path__startswith=world.inst2.path,
                                    pk=world.vol1.pk).exists()
    assert not Volunteer.objects.filter(station__path__startswith=world.inst1.path,
                                        pk=world.vol1.pk).exists()
    assert org_get_for_user(world.inst2_staff, point.pk) == point


def test_a_node_cannot_go_under_itself_or_a_wrong_kind(world):
    with pytest.raises(ValidationError):
        services.org_move(by=world.center_staff, node=world.inst1, parent=world.sta1)
    with pytest.raises(ValidationError):
        services.org_move(by=world.center_staff, node=world.sta1, parent=world.sta2)
    world.inst1.refresh_from_db()
    assert world.inst1.parent == world.center


def test_the_pages_add_edit_and_move(world):
    client = logged_in(world.inst1_staff)
    tree = client.get("/orgs/").content.decode()
    assert f"/orgs/{world.inst1.pk}/add/" in tree
    response = client.post(f"/orgs/{world.inst1.pk}/add/", {
        "kind": "station", "name": "页面新建站", "lat": "39.97", "lng": "116.3"})
    assert response.status_code == 302
    node = OrgNode.objects.get(name="页面新建站")
    response = client.post(f"/orgs/{node.pk}/edit/", {"name": "页面新建站（改）",
                                                      "lat": "39.971", "lng": "116.301"})
    node.refresh_from_db()
    assert response.status_code == 302 and node.name == "页面新建站（改）" and node.lat == 39.971
    html = client.post(f"/orgs/{node.pk}/edit/", {"name": "页面新建站", "lat": "39.9"}
                       ).content.decode()
    assert "请在地图上选定位置" in html
    center = logged_in(world.center_staff)
    assert center.post(f"/orgs/{node.pk}/move/", {"parent": world.inst2.pk}).status_code == 302
    node.refresh_from_db()
    assert node.parent == world.inst2


def test_the_api_adds_edits_and_moves(world):
    client = logged_in(world.center_staff)
    created = client.post(f"/api/orgs/{world.inst1.pk}/children", json.dumps(
        {"kind": "station", "name": "接口新建站", "lat": 39.97, "lng": 116.3}),
        content_type="application/json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    edited = client.patch(f"/api/orgs/{pk}", json.dumps({"name": "接口新建站（改）"}),
                          content_type="application/json")
    assert edited.json()["name"] == "接口新建站（改）"
    moved = client.post(f"/api/orgs/{pk}/move", json.dumps({"parent_id": world.inst2.pk}),
                        content_type="application/json")
    assert moved.json()["parent_id"] == world.inst2.pk
    bad = client.post(f"/api/orgs/{world.inst1.pk}/children", json.dumps(
        {"kind": "galaxy", "name": "未知"}), content_type="application/json")
    assert bad.status_code == 422 and "阵地类型" in bad.json()["error"]["message"]
