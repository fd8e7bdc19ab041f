"""GET /api/orgs?q=&kind=: the node picker's search, inside the caller's scope."""

import pytest

from wenming.orgs.models import OrgNode

pytestmark = pytest.mark.django_db


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["items"]]


def test_it_finds_nodes_by_part_of_the_name(world, client_for):
    found = names(client_for(world.center_staff).get("/api/orgs", {"q": world.sta1.name[:3]}))
    assert world.sta1.name in found


def test_a_row_tells_the_node_and_its_parent(world, client_for):
    body = client_for(world.center_staff).get("/api/orgs", {"q": world.sta1.name}).json()
    row = next(r for r in body["items"] if r["id"] == world.sta1.id)
    assert row == {"id": world.sta1.id, "name": world.sta1.name, "kind": "station",
                   "kind_label": "实践站", "parent_name": world.inst1.name}
    assert body["count"] >= 1


def test_it_filters_by_kind(world, client_for):
    rows = client_for(world.center_staff).get("/api/orgs", {"kind": "institute,station"}).json()
    assert {r["kind"] for r in rows["items"]} <= {"institute", "station"}
    assert {world.inst1.name, world.sta1.name} <= {r["name"] for r in rows["items"]}


def test_station_staff_find_nothing_in_a_sibling_station(world, client_for):
    assert names(client_for(world.sta2_staff).get("/api/orgs", {"q": world.sta1.name})) == []
    assert world.sta2.name in names(client_for(world.sta2_staff).get("/api/orgs"))


def test_institute_staff_find_their_subtree_only(world, client_for):
    found = names(client_for(world.inst1_staff).get("/api/orgs", {"page_size": 200}))
    inside = OrgNode.objects.filter(path__startswith=world.inst1.path).count()
    assert len(found) == inside and world.inst2.name not in found


def test_a_volunteer_finds_their_own_branch_only(world, client_for):
    found = names(client_for(world.vol1.user).get("/api/orgs", {"page_size": 200}))
    assert sorted(found) == sorted([world.center.name, world.inst1.name, world.sta1.name])


def test_an_outsider_finds_nothing_and_anonymous_is_401(world, client_for, client):
    assert names(client_for(world.outsider).get("/api/orgs")) == []
    assert client.get("/api/orgs").status_code == 401


@pytest.mark.parametrize("params", [{"kind": "planet"}, {"q": "x" * 51}, {"page_size": 0},
                                    {"page": "abc"}, {"kind": "station,"*20}])
def test_bad_input_is_4xx(world, client_for, params):
    response = client_for(world.center_staff).get("/api/orgs", params)
    assert 400 <= response.status_code < 500
    assert "error" in response.json()


def test_the_search_asks_a_fixed_number_of_queries(world, client_for, django_assert_num_queries):
    client = client_for(world.center_staff)
    client.get("/api/orgs")
    with django_assert_num_queries(5):
        assert len(names(client.get("/api/orgs", {"page_size": 50}))) > 3
