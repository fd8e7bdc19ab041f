import pytest

pytestmark = pytest.mark.django_db


def test_the_tree_starts_at_the_staff_members_node(world, client_for):
    page = client_for(world.inst1_staff).get("/orgs/").content.decode()
    assert world.inst1.name in page
    assert world.center.name not in page


def test_children_load_with_subtree_counts(world, client_for):
    response = client_for(world.center_staff).get(f"/orgs/{world.inst1.id}/children/")
    counts = {node.name: c for node, c in response.context["rows"]}
    assert set(counts) == {world.sta1.name, world.sta1b.name}
    assert counts[world.sta1.name]["volunteers"] == 1  # vol1
    assert counts[world.sta1.name]["residents"] == 1  # res1
    assert "1 名志愿者" in response.content.decode()


def test_a_sibling_cannot_open_another_subtree(world, client_for):
    assert client_for(world.inst2_staff).get(f"/orgs/{world.inst1.id}/children/").status_code == 404
    assert client_for(world.sta1_staff).get(f"/orgs/{world.sta1b.id}/children/").status_code == 404


def test_the_tree_is_for_staff(world, client_for):
    assert client_for(world.vol1.user).get("/orgs/").status_code == 403
