"""/api/orgs/{id} and /api/orgs/{id}/children: scope per persona, counts, shape."""

import pytest

from wenming.core.tests.helpers import assert_chinese_error, assert_english_error
from wenming.orgs.services import org_create
from wenming.people.tests.factories import volunteer_at

pytestmark = pytest.mark.django_db


def child_names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return sorted(item["name"] for item in response.json()["items"])


def test_it_shows_a_node_with_the_contract_fields(world, client_for):
    response = client_for(world.sta1_staff).get(f"/api/orgs/{world.sta1.id}")
    assert response.status_code == 200
    body = response.json()
    assert {"id", "kind", "name", "parent_id", "lat", "lng"} <= set(body)
    assert body["id"] == world.sta1.id
    assert body["kind"] == "station"
    assert body["parent_id"] == world.inst1.id
    assert (body["lat"], body["lng"]) == (39.981, 116.305)


def test_it_counts_the_subtree_of_a_node(world, client_for):
    volunteer_at(world.sta1b)
    body = client_for(world.inst1_staff).get(f"/api/orgs/{world.inst1.id}").json()
    # sta1 holds vol1 and res1; sta1b holds vol1b and the one just added.
    assert body["counts"]["volunteers"] == 3
    assert body["counts"]["residents"] == 1
    assert body["counts"]["children"] == 2
    assert body["counts"]["stations"] == 2
    assert body["counts"]["institutes"] == 0


def test_the_center_counts_everything_below(world, client_for):
    body = client_for(world.center_staff).get(f"/api/orgs/{world.center.id}").json()
    assert body["counts"]["volunteers"] == 3
    assert body["counts"]["institutes"] == 2
    assert body["counts"]["stations"] == 3


def test_it_refuses_a_sibling_station(world, client_for):
    response = client_for(world.sta1_staff).get(f"/api/orgs/{world.sta1b.id}")
    assert_chinese_error(response, 404, "not_found")


def test_it_refuses_a_sibling_institute(world, client_for):
    assert_chinese_error(client_for(world.inst1_staff).get(f"/api/orgs/{world.inst2.id}"), 404)
    assert_chinese_error(client_for(world.inst1_staff).get(f"/api/orgs/{world.sta2.id}"), 404)


def test_staff_do_not_see_above_their_node(world, client_for):
    assert_chinese_error(client_for(world.sta1_staff).get(f"/api/orgs/{world.inst1.id}"), 404)


def test_an_outsider_sees_no_node(world, client_for):
    assert_chinese_error(client_for(world.outsider).get(f"/api/orgs/{world.center.id}"), 404)


def test_an_unknown_node_is_404(world, client_for):
    assert_chinese_error(client_for(world.admin).get("/api/orgs/999999"), 404, "not_found")


def test_a_huge_id_is_404_not_500(world, client_for):
    assert_chinese_error(client_for(world.admin).get(f"/api/orgs/{2 ** 70}"), 404)


def test_a_non_numeric_id_is_404(world, client_for):
    # A path id that is no row id names nothing (core.cleaning's rule for every path id).
    assert_chinese_error(client_for(world.admin).get("/api/orgs/abc"), 404, "not_found")


def test_anonymous_callers_are_401(world, client):
    assert_chinese_error(client.get(f"/api/orgs/{world.center.id}"), 401, "not_authenticated")
    assert_chinese_error(client.get(f"/api/orgs/{world.center.id}/children"), 401)


@pytest.mark.parametrize("persona", ["vol1", "res1"])
def test_a_volunteer_or_resident_sees_their_station_and_its_ancestors(world, client_for,
                                                                       persona):
    user = getattr(world, persona).user
    client = client_for(user)
    for node in (world.sta1, world.inst1, world.center):
        assert client.get(f"/api/orgs/{node.id}").status_code == 200
    for node in (world.sta1b, world.inst2, world.sta2):
        assert_chinese_error(client.get(f"/api/orgs/{node.id}"), 404)


def test_a_volunteer_sees_only_their_own_branch_among_children(world, client_for):
    client = client_for(world.vol1.user)
    assert child_names(client.get(f"/api/orgs/{world.center.id}/children")) == [world.inst1.name]
    assert child_names(client.get(f"/api/orgs/{world.inst1.id}/children")) == [world.sta1.name]


def test_it_lists_direct_children_only(world, client_for):
    org_create(kind="point", name="稻香园驿站", parent=world.sta1, point_type="post")
    client = client_for(world.center_staff)
    assert child_names(client.get(f"/api/orgs/{world.center.id}/children")) == \
        sorted([world.inst1.name, world.inst2.name])
    body = client.get(f"/api/orgs/{world.inst1.id}/children").json()
    assert body["count"] == 2
    assert {item["parent_id"] for item in body["items"]} == {world.inst1.id}


def test_children_are_paginated(world, client_for):
    client = client_for(world.admin)
    body = client.get(f"/api/orgs/{world.inst1.id}/children?page=2&page_size=1").json()
    assert body["count"] == 2 and len(body["items"]) == 1
    assert_chinese_error(client.get(f"/api/orgs/{world.inst1.id}/children?page_size=201"), 422)


def test_it_refuses_the_children_of_a_sibling_subtree(world, client_for):
    response = client_for(world.inst1_staff).get(f"/api/orgs/{world.inst2.id}/children")
    assert_chinese_error(response, 404, "not_found")


def test_an_outsider_sees_no_children(world, client_for):
    response = client_for(world.outsider).get(f"/api/orgs/{world.center.id}/children")
    assert_chinese_error(response, 404)


def test_it_says_not_found_in_english_when_asked(world, client_for):
    response = client_for(world.sta1_staff).get(f"/api/orgs/{world.sta2.id}",
                                                HTTP_ACCEPT_LANGUAGE="en")
    assert_english_error(response, 404, "not_found")
