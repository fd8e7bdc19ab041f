"""区域边界: the district's outline, kept from GeoJSON (shipped or uploaded), served to every
map of the subtree; bad files change nothing; sibling subtrees get 404."""

import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from shapely.geometry import shape

from wenming.core.errors import Forbidden
from wenming.core.tests.helpers import has_cjk
from wenming.orgs.boundaries import boundary_for, boundary_set, shipped_districts
from wenming.orgs.models import Boundary

pytestmark = pytest.mark.django_db

SQUARE = {"type": "Polygon", "coordinates": [[[116.3, 39.98], [116.31, 39.98], [116.31, 39.99],
                                              [116.3, 39.99], [116.3, 39.98]]]}
BOWTIE = {"type": "Polygon", "coordinates": [[[116.3, 39.98], [116.31, 39.99], [116.31, 39.98],
                                              [116.3, 39.99], [116.3, 39.98]]]}
FLAT = {"type": "Polygon", "coordinates": [[[116.3, 39.98], [116.31, 39.99], [116.3, 39.98],
                                            [116.3, 39.98]]]}  # no area: there and back


def test_the_shipped_districts_give_the_center_its_own_outline_by_name(world):
    kept = boundary_set(by=world.center_staff, node=world.center, data=shipped_districts())
    # "海淀区新时代文明实践中心" contains "海淀区": no feature had to be named.
    assert kept.name == "海淀区"
    outline = shape(kept.geometry)
    assert outline.is_valid
    # Haidian is about 431 km²: 0.046 square degrees at 40° N (85 km × 111 km a degree).
    assert 0.040 < outline.area < 0.052
    assert 116.0 < outline.bounds[0] < outline.bounds[2] < 116.5


def test_a_feature_is_picked_by_its_region_code_or_name(world):
    assert boundary_set(by=world.admin, node=world.center, data=shipped_districts(),
                        feature="110105").name == "朝阳区"
    kept = boundary_set(by=world.admin, node=world.center, data=shipped_districts(),
                        feature="顺义区")
    assert kept.name == "顺义区"


def test_a_ring_that_touches_itself_is_mended_into_its_areas(world):
    kept = boundary_set(by=world.admin, node=world.center, data=BOWTIE)
    assert kept.geometry["type"] == "MultiPolygon"
    assert len(kept.geometry["coordinates"]) == 2


def test_every_map_below_uses_the_nearest_outline_on_its_path(world):
    assert boundary_for(world.sta1) is None
    boundary_set(by=world.center_staff, node=world.center, data=SQUARE)
    assert boundary_for(world.sta1).node_id == world.center.id
    boundary_set(by=world.sta1_staff, node=world.sta1, data=SQUARE)
    assert boundary_for(world.sta1).node_id == world.sta1.id
    assert boundary_for(world.sta1b).node_id == world.center.id


@pytest.mark.parametrize("data, feature", [
    ([1, 2], ""),
    ({"type": "FeatureCollection", "features": []}, ""),
    ({"type": "FeatureCollection", "features": "x"}, ""),
    ({"type": "LineString", "coordinates": [[116.3, 39.9], [116.4, 40.0]]}, ""),
    (FLAT, ""),
    ({"type": "Polygon", "coordinates": [[[516.3, 39.98], [516.31, 39.98], [516.31, 39.99],
                                          [516.3, 39.98]]]}, ""),
    ({"type": "Polygon", "coordinates": [[["a", "b"], ["c", "d"], ["e", "f"]]]}, ""),
    ({"type": "Polygon", "coordinates": "nonsense"}, ""),
    ({"type": "Polygon", "coordinates": [[[116.3 + i * 1e-6, 39.98] for i in range(60_001)]]}, ""),
    (None, ""),
])
def test_a_bad_file_is_refused_and_the_old_outline_stays(world, data, feature):
    boundary_set(by=world.center_staff, node=world.center, data=SQUARE)
    with pytest.raises(ValidationError):
        boundary_set(by=world.center_staff, node=world.center, data=data, feature=feature)
    assert Boundary.objects.get(node=world.center).geometry["coordinates"] == (
        SQUARE["coordinates"])


def test_a_name_not_in_the_file_is_refused(world):
    with pytest.raises(ValidationError):
        boundary_set(by=world.admin, node=world.center, data=shipped_districts(),
                     feature="浦东新区")
    assert not Boundary.objects.exists()


def test_only_staff_who_manage_the_node_keep_its_outline(world):
    for user in (world.sta1_staff, world.inst2_staff, world.vol1.user, world.res1.user):
        with pytest.raises(Forbidden):
            boundary_set(by=user, node=world.center if user != world.inst2_staff
                         else world.inst1, data=SQUARE)
    assert not Boundary.objects.exists()


# ---- API -------------------------------------------------------------------------------------

def test_the_api_serves_the_outline_to_people_of_the_subtree(world, client_for):
    assert client_for(world.vol1.user).get(f"/api/orgs/{world.sta1.id}/boundary").status_code == 404
    boundary_set(by=world.admin, node=world.center, data=shipped_districts())
    for user, node in ((world.vol1.user, world.sta1), (world.res1.user, world.sta1),
                       (world.sta2_staff, world.sta2), (world.center_staff, world.center)):
        body = client_for(user).get(f"/api/orgs/{node.id}/boundary").json()
        assert body["type"] == "Feature"
        assert body["properties"] == {"name": "海淀区", "node": world.center.id}


def test_a_sibling_subtree_gets_404(world, client_for):
    boundary_set(by=world.admin, node=world.center, data=SQUARE)
    sibling = client_for(world.sta2_staff)
    assert sibling.get(f"/api/orgs/{world.sta1.id}/boundary").status_code == 404
    assert sibling.put(f"/api/orgs/{world.sta1.id}/boundary", {"geojson": SQUARE},
                       content_type="application/json").status_code == 404
    assert sibling.delete(f"/api/orgs/{world.sta1.id}/boundary").status_code == 404
    assert client_for(world.sta1_staff).put(
        f"/api/orgs/{world.center.id}/boundary", {"geojson": SQUARE},
        content_type="application/json").status_code == 404  # the center is above, unseen


def test_staff_put_and_delete_their_own_outline(world, client_for):
    staff = client_for(world.sta1_staff)
    url = f"/api/orgs/{world.sta1.id}/boundary"
    response = staff.put(url, {"geojson": {"type": "Feature", "geometry": SQUARE,
                                           "properties": {"name": "稻香园"}}},
                         content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["properties"]["name"] == "稻香园"
    assert staff.delete(url).status_code == 204
    assert not Boundary.objects.exists()


@pytest.mark.parametrize("body", [
    {"geojson": FLAT}, {"geojson": "x"}, {"geojson": SQUARE, "extra": 1},
    {"geojson": SQUARE, "feature": "x" * 101}, {},
])
def test_bad_input_over_the_api_is_a_4xx_in_chinese_and_writes_nothing(world, client_for, body):
    response = client_for(world.center_staff).put(
        f"/api/orgs/{world.center.id}/boundary", body, content_type="application/json")
    assert response.status_code in (400, 422), response.content
    assert has_cjk(response.json()["error"]["message"])
    assert not Boundary.objects.exists()


# ---- the page and the command ----------------------------------------------------------------

def test_staff_pick_a_shipped_district_on_the_page(world, client_for):
    page = client_for(world.center_staff)
    url = f"/orgs/{world.center.id}/boundary/"
    assert "尚未设置区域边界" in page.get(url).content.decode()
    response = page.post(url, {"shipped": "110108"})
    assert response.status_code == 302
    html = page.get(url).content.decode()
    assert "本阵地的边界：海淀区" in html
    assert f'data-boundary="/api/orgs/{world.center.id}/boundary"' in html


def test_staff_upload_their_own_geojson_and_a_bad_file_is_refused(world, client_for):
    page = client_for(world.sta1_staff)
    url = f"/orgs/{world.sta1.id}/boundary/"
    upload = io.BytesIO(json.dumps(SQUARE).encode())
    upload.name = "daoxiangyuan.geojson"
    assert page.post(url, {"file": upload}).status_code == 302
    assert Boundary.objects.get(node=world.sta1).source == "daoxiangyuan.geojson"
    for content in (b"{not json", b"\xff\xfe", json.dumps(FLAT).encode(), b"[" * 100_000):
        bad = io.BytesIO(content)
        bad.name = "bad.geojson"
        response = page.post(url, {"file": bad})
        assert response.status_code == 200
        assert "error" in response.content.decode()
    assert Boundary.objects.get(node=world.sta1).geometry["coordinates"] == SQUARE["coordinates"]
    assert page.post(url, {}).status_code == 200  # neither chosen: an error, nothing kept


def test_the_page_is_404_for_a_sibling_and_403_or_404_below(world, client_for):
    assert client_for(world.sta2_staff).get(f"/orgs/{world.sta1.id}/boundary/").status_code == 404
    assert client_for(world.sta1_staff).get(
        f"/orgs/{world.center.id}/boundary/").status_code == 404
    assert client_for(world.vol1.user).get(f"/orgs/{world.sta1.id}/boundary/").status_code == 403


def test_a_map_page_names_the_users_outline_url(world, client_for):
    html = client_for(world.sta1_staff).get(f"/orgs/{world.sta1.id}/edit/").content.decode()
    assert f'<meta name="wenming-boundary" content="/api/orgs/{world.sta1.id}/boundary">' in html
    assert "wenming/boundary" in html


def test_the_command_keeps_the_districts_outline(world, tmp_path):
    out = io.StringIO()
    call_command("boundary", stdout=out)
    assert Boundary.objects.get(node=world.center).name == "海淀区"
    bad = tmp_path / "bad.geojson"
    bad.write_text(json.dumps(FLAT))
    with pytest.raises(CommandError):
        call_command("boundary", str(bad), "--node", str(world.sta1.id))
    with pytest.raises(CommandError):
        call_command("boundary", str(tmp_path / "missing.geojson"))
    assert not Boundary.objects.filter(node=world.sta1).exists()
