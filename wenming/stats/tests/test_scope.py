"""Who sees which dashboard: staff their subtree (a sibling's node 404, on page and API),
residents and volunteers 403, the anonymous a login; the screen links likewise."""

import pytest

from wenming.testing import logged_in

from ..models import ScreenLink


def pages(node_id: int) -> list[str]:
    return [f"/stats/{node_id}/", f"/stats/{node_id}/places.json",
            f"/stats/{node_id}/report/?period=month&format=xlsx"]


def apis(node_id: int) -> list[str]:
    return [f"/api/stats/{node_id}", f"/api/stats/{node_id}/places",
            f"/api/stats/{node_id}/report?period=month", f"/api/stats/{node_id}/screens"]


@pytest.mark.parametrize("who,node,status", [
    ("center_staff", "sta2", 200), ("center_staff", "center", 200),
    ("inst1_staff", "sta1", 200), ("inst1_staff", "sta1b", 200),
    ("inst1_staff", "inst2", 404), ("inst1_staff", "sta2", 404), ("inst1_staff", "center", 404),
    ("sta1_staff", "sta1b", 404), ("sta2_staff", "sta1", 404), ("admin", "sta1", 200),
    ("vol1", "sta1", 403), ("res1", "sta1", 403), ("outsider", "sta1", 403),
])
def test_it_validates_the_subtree(world, who, node, status):
    person = getattr(world, who)
    client = logged_in(getattr(person, "user", person))
    node_id = getattr(world, node).pk
    for url in pages(node_id) + apis(node_id):
        assert client.get(url).status_code == status, url


def test_an_unknown_node_is_404(world):
    client = logged_in(world.center_staff)
    assert client.get("/stats/999999/").status_code == 404
    assert client.get("/api/stats/999999").status_code == 404


def test_the_anonymous_are_sent_to_log_in(world, client):
    assert client.get(f"/stats/{world.sta1.pk}/").status_code == 302
    assert client.get(f"/api/stats/{world.sta1.pk}").status_code == 401


def test_stats_home_opens_the_staff_members_node(world):
    response = logged_in(world.inst1_staff).get("/stats/")
    assert response.status_code == 302 and response.url == f"/stats/{world.inst1.pk}/"
    assert logged_in(world.vol1.user).get("/stats/").status_code == 403


def test_a_sibling_cannot_revoke_or_list_anothers_screen_links(world):
    link = ScreenLink.objects.create(org=world.sta1, label="大厅", created_by=world.sta1_staff)
    sibling = logged_in(world.sta2_staff)
    assert sibling.post(f"/api/stats/screens/{link.pk}/revoke",
                        content_type="application/json").status_code == 404
    assert sibling.post(f"/stats/screens/{link.pk}/revoke/").status_code == 404
    assert sibling.post(f"/stats/{world.sta1.pk}/screens/", {"label": "x"}).status_code == 404
    link.refresh_from_db()
    assert link.revoked_at is None
    assert ScreenLink.objects.count() == 1
