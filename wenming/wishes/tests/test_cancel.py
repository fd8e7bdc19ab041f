"""Withdrawing a wish (cancel): the resident or the station's staff, before anyone claims
it, through the map (posted or approved → cancelled), with its event; never by anyone else,
and 404 where the wish is not theirs to see."""

import json

import pytest

from wenming.core.errors import Conflict, Forbidden
from wenming.core.tests.helpers import assert_error
from wenming.inbox.models import Notification
from wenming.people.tests.factories import staff_at
from wenming.points.tests.test_support import other_district
from wenming.wishes import services
from wenming.wishes.models import Wish, WishEvent
from wenming.wishes.tests.test_support import approved, claimed, history, posted, stored

pytestmark = pytest.mark.django_db


def cancel(client, wish, reason="不需要了"):
    return client.post(f"/api/wishes/{wish.pk}/cancel", json.dumps({"reason": reason}),
                       content_type="application/json")


def snapshot() -> tuple:
    return list(Wish.objects.order_by("id").values()), WishEvent.objects.count()


@pytest.mark.parametrize("step", [posted, approved])
def test_the_resident_withdraws_a_wish_nobody_claimed(world, client_for, step):
    wish = step(world)
    response = cancel(client_for(world.res1.user), wish)
    assert (response.status_code, response.json()["state"]) == (200, "cancelled")
    assert response.json()["allowed_moves"] == []
    assert history(wish)[-1] == (wish.state, "cancelled", world.res1.user.pk, "不需要了")
    assert not Notification.objects.filter(title__contains="撤下").exists()


def test_the_station_takes_a_wish_down_and_the_resident_is_told(world, client_for):
    wish = approved(world)
    html = client_for(world.sta1_staff).post(f"/wishes/{wish.pk}/cancel/",
                                             {"reason": "重复发布"}, follow=True)
    assert "心愿已撤回" in html.content.decode()
    assert stored(wish).state == "cancelled"
    assert Notification.objects.filter(user=world.res1.user, title__contains="撤下").exists()


def test_a_claimed_wish_is_not_withdrawn(world, client_for):
    wish = claimed(world)
    before = snapshot()
    assert_error(cancel(client_for(world.res1.user), wish), 409, "invalid_transition")
    with pytest.raises(Conflict):
        services.wish_cancel(by=world.sta1_staff, wish=wish)
    assert snapshot() == before


def test_sibling_subtrees_and_others_cannot_withdraw(world, client_for):
    waiting, on_wall = posted(world), approved(world)
    other_staff, stranger = other_district()
    sibling = staff_at(world.sta1b, "sta1b_staff")
    before = snapshot()
    # The wall is the district's: seen there, not theirs to take down (403); waiting for
    # moderation it is not seen at all (404).
    for user in (world.sta2_staff, world.inst2_staff, sibling, world.vol1.user):
        assert_error(cancel(client_for(user), on_wall), 403)
        assert_error(cancel(client_for(user), waiting), 404)
        assert client_for(user).post(f"/wishes/{on_wall.pk}/cancel/").status_code == 403
        assert client_for(user).post(f"/wishes/{waiting.pk}/cancel/").status_code == 404
    for user in (other_staff, stranger.user, world.outsider):
        assert_error(cancel(client_for(user), on_wall), 404)
        assert client_for(user).post(f"/wishes/{on_wall.pk}/cancel/").status_code == 404
    with pytest.raises(Forbidden):
        services.wish_cancel(by=world.sta2_staff, wish=on_wall)
    assert snapshot() == before


def test_a_withdrawn_wish_leaves_the_wall_and_does_not_expire(world, client_for):
    wish = approved(world)
    services.wish_cancel(by=world.res1.user, wish=wish)
    assert client_for(world.vol1.user).get("/api/wishes").json()["count"] == 0
    assert services.wish_expire(wish_id=wish.pk) is False
