"""The new-team form picks its node by search (wenming.core.widgets.PickerField), never from
a <select> of every node; without JavaScript the id box still works and says what is wrong."""

import re

import pytest

from wenming.orgs.services import org_create
from wenming.teams.models import Team
from wenming.teams.services import team_create

pytestmark = pytest.mark.django_db


def page(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_the_form_searches_nodes_instead_of_listing_them(world, client_for):
    for i in range(30):
        org_create(parent=world.sta1, kind="point", name=f"稻香园实践点{i:02d}")
    html = page(client_for(world.center_staff).get("/teams/new/"))
    assert '<select name="org"' not in html and "稻香园实践点07" not in html
    picker = re.search(r'<div class="picker" data-picker data-search="([^"]+)"', html)
    assert picker and picker.group(1) == "/api/orgs"
    assert "wenming/picker.js" in html and "wenming/picker.css" in html


def test_the_initial_node_is_shown_by_name(world, client_for):
    html = page(client_for(world.sta1_staff).get("/teams/new/"))
    assert f'name="org" id="id_org" value="{world.sta1.id}"' in html
    assert f"已选：{world.sta1.name}" in html


def test_the_form_asks_the_same_queries_however_many_nodes(world, client_for,
                                                            django_assert_num_queries):
    client = client_for(world.center_staff)
    client.get("/teams/new/")
    with django_assert_num_queries(PINNED):
        page(client.get("/teams/new/"))
    for i in range(40):
        org_create(parent=world.sta1, kind="point", name=f"点{i}")
    with django_assert_num_queries(PINNED):
        page(client.get("/teams/new/"))


PINNED = 7


@pytest.mark.parametrize("value", ["abc", "99999999999999999999", "-1", "1.5", " ", "０７"])
def test_a_bad_id_is_explained_and_writes_nothing(world, client_for, value):
    html = page(client_for(world.sta1_staff).post(
        "/teams/new/", {"name": "稻香园理发队", "org": value, "level": "team"}))
    assert any(m in html for m in ("没有找到这个编号", "这个字段是必填项", "输入的值超出允许的范围"))
    assert not Team.objects.exists()


def test_a_node_outside_the_scope_is_refused(world, client_for):
    html = page(client_for(world.sta1_staff).post(
        "/teams/new/", {"name": "稻香园理发队", "org": world.sta2.id, "level": "team"}))
    assert "没有找到这个编号，或它不在您的管辖范围内" in html
    assert f"已选：{world.sta2.name}" not in html  # the refused node's name is not leaked
    assert not Team.objects.exists()


def test_a_picked_id_founds_the_team(world, client_for):
    response = client_for(world.inst1_staff).post(
        "/teams/new/", {"name": "稻香园理发队", "org": f" {world.sta1.id} ", "level": "team"})
    assert response.status_code == 302
    assert Team.objects.get().org == world.sta1


def test_the_parent_team_is_searched_too(world, client_for):
    for i in range(20):
        team_create(by=world.center_staff, name=f"海淀支队{i:02d}", org=world.center,
                    level="detachment")
    html = page(client_for(world.center_staff).get("/teams/new/"))
    assert "海淀支队07" not in html and '<select name="parent"' not in html
    assert 'data-search="/api/teams?level=corps,detachment,squad"' in html


def test_a_picked_parent_is_kept_and_one_outside_the_scope_refused(world, client_for):
    mine = team_create(by=world.sta1_staff, name="稻香园分队", org=world.sta1, level="squad")
    theirs = team_create(by=world.sta2_staff, name="石油大院分队", org=world.sta2, level="squad")
    form = {"name": "稻香园理发队", "org": world.sta1.id, "level": "team"}
    html = page(client_for(world.sta1_staff).post("/teams/new/", {**form, "parent": theirs.id}))
    assert "没有找到这个编号" in html and not Team.objects.filter(name="稻香园理发队").exists()
    response = client_for(world.sta1_staff).post("/teams/new/", {**form, "parent": mine.id})
    assert response.status_code == 302
    assert Team.objects.get(name="稻香园理发队").parent == mine


def test_the_team_search_filters_by_level(world, client_for):
    team_create(by=world.sta1_staff, name="稻香园分队", org=world.sta1, level="squad")
    team_create(by=world.sta1_staff, name="稻香园理发队", org=world.sta1)
    client = client_for(world.sta1_staff)
    rows = client.get("/api/teams", {"level": "corps,detachment,squad", "q": "稻香园"}).json()
    assert [r["name"] for r in rows["items"]] == ["稻香园分队"]
    assert client.get("/api/teams", {"level": "army"}).status_code == 400
    assert client_for(world.sta2_staff).get(
        "/api/teams", {"level": "squad", "q": "稻香园"}).json()["items"] == []
