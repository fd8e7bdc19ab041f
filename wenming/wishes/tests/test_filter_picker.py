"""The wall's node filter is picked by search (issue 10: a select of every station took
1.9 s of the district's /wishes/ to render); its choices stay the caller's districts."""

import pytest

from wenming.orgs.services import org_create

pytestmark = pytest.mark.django_db


def page(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("path", ["/wishes/", "/wishes/review/"])
def test_the_filter_searches_instead_of_listing_every_station(world, client_for, path):
    for i in range(25):
        org_create(parent=world.inst1, kind="station", name=f"第{i:02d}社区实践站")
    html = page(client_for(world.center_staff).get(path))
    assert "第07社区实践站" not in html and '<select name="org"' not in html
    assert 'data-search="/api/orgs?kind=center,institute,station"' in html
    assert "wenming/picker.js" in html


def test_a_volunteer_may_filter_by_another_station_of_the_district(world, client_for):
    html = page(client_for(world.vol1.user).get("/wishes/", {"org": world.sta2.pk}))
    assert f"已选：{world.sta2.name}" in html and "没有找到这个编号" not in html


def test_a_point_or_a_bad_id_is_refused_with_a_clear_error(world, client_for):
    point = org_create(parent=world.sta1, kind="point", name="稻香园实践点")
    client = client_for(world.sta1_staff)
    for value in (point.pk, "abc", "-3"):
        assert "没有找到这个编号" in page(client.get("/wishes/", {"org": value}))
