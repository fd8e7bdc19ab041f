"""The big screen: a link staff create opens it without a login; revoked or unknown, 404."""

from django.test import Client

from wenming.testing import logged_in

from ..models import ScreenLink


def test_a_link_opens_the_screen_without_login_until_revoked(world):
    staff = logged_in(world.center_staff)
    response = staff.post(f"/api/stats/{world.center.pk}/screens", {"label": "一楼大厅"},
                          content_type="application/json")
    assert response.status_code == 201
    link = response.json()
    anonymous = Client()
    page = anonymous.get(link["url"])
    assert page.status_code == 200 and "数据大屏" in page.content.decode()
    token = link["url"].rstrip("/").rsplit("/", 1)[-1]
    data = anonymous.get(f"/api/stats/screen/{token}")
    assert data.status_code == 200
    body = data.json()
    assert body["org"]["name"] == world.center.name and len(body["trend"]) == 12
    assert {"volunteers", "hours", "satisfaction"} <= set(body["year"])
    assert [c["name"] for c in body["children"]] == [world.inst1.name, world.inst2.name]
    assert anonymous.get(f"{link['url']}data.json").status_code == 200

    revoked = staff.post(f"/api/stats/screens/{link['id']}/revoke",
                         content_type="application/json")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert anonymous.get(link["url"]).status_code == 404
    assert anonymous.get(f"/api/stats/screen/{token}").status_code == 404
    assert anonymous.get(f"{link['url']}data.json").status_code == 404
    again = staff.post(f"/api/stats/screens/{link['id']}/revoke", content_type="application/json")
    assert again.status_code == 409


def test_unknown_tokens_are_404(world):
    client = Client()
    for token in ["nope", "x" * 64, "x" * 300, "%00"]:
        assert client.get(f"/stats/screen/{token}/").status_code == 404
        assert client.get(f"/api/stats/screen/{token}").status_code == 404


def test_the_page_creates_and_revokes_links(world):
    staff = logged_in(world.sta1_staff)
    response = staff.post(f"/stats/{world.sta1.pk}/screens/", {"label": "站内大屏"})
    assert response.status_code == 302
    link = ScreenLink.objects.get()
    assert link.created_by == world.sta1_staff and link.org == world.sta1
    html = staff.get(f"/stats/{world.sta1.pk}/").content.decode()
    assert link.token in html and 'data-move="screen_revoke"' in html
    staff.post(f"/stats/screens/{link.pk}/revoke/")
    link.refresh_from_db()
    assert link.revoked_at is not None and link.revoked_by == world.sta1_staff


def test_bad_labels_write_nothing(world):
    staff = logged_in(world.sta1_staff)
    for label in ["", "   ", "x" * 61, "a\x00b"]:
        response = staff.post(f"/api/stats/{world.sta1.pk}/screens", {"label": label},
                              content_type="application/json")
        assert response.status_code in (400, 422), label
    staff.post(f"/stats/{world.sta1.pk}/screens/", {"label": "  "})
    assert not ScreenLink.objects.exists()


def test_a_volunteer_cannot_create_links(world):
    response = logged_in(world.vol1.user).post(
        f"/api/stats/{world.sta1.pk}/screens", {"label": "x"}, content_type="application/json")
    assert response.status_code == 403 and not ScreenLink.objects.exists()
