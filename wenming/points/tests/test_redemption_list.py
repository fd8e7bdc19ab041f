"""GET /api/redemptions: "mine or my subtree" as two indexed queries merged newest first,
the same rows as the scope read (`redemptions_for_user`), a count capped for a district's
whole list, and a query count that does not grow with the page."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from wenming.points import selectors, services
from wenming.points.models import Redemption
from wenming.points.permissions import redemptions_for_user
from wenming.points.tests.test_support import give_points, goods_in, store_at
from wenming.testing import logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def many(world):
    """Redemptions at sta1's and sta2's stores, by vol1 (at both), vol1b and vol2, made on
    different days; the staff of sta1 also volunteers (their own account redeems at sta2)."""
    s1 = goods_in(store_at(world.sta1, world.sta1_staff), world.sta1_staff, price=1, stock=500)
    s2 = goods_in(store_at(world.sta2, world.sta2_staff), world.sta2_staff, name="毛巾",
                  price=1, stock=500)
    give_points([world.vol1, world.vol1b, world.vol2], 200)
    made = []
    for i in range(12):
        who = [world.vol1, world.vol1b, world.vol2][i % 3]
        goods = s2 if who == world.vol2 or i % 4 == 0 else s1
        r, _new = services.redemption_create(volunteer=who, goods=goods, quantity=1)
        made.append(r)
    for k, r in enumerate(made):  # spread in time, two at the same moment (ties by id)
        Redemption.objects.filter(pk=r.pk).update(
            created_at=timezone.now() - datetime.timedelta(hours=k // 2 * 5 + (k % 2) * 0))
    return made


def listed(user, **query) -> dict:
    response = logged_in(user).get("/api/redemptions", query)
    assert response.status_code == 200
    return response.json()


def expected(user, status: str = "") -> list[int]:
    qs = redemptions_for_user(user)
    if status:
        qs = qs.filter(status=status)
    return list(qs.order_by("-created_at", "-id").values_list("id", flat=True))


@pytest.mark.parametrize("persona", ["vol1", "vol2", "sta1_staff", "inst1_staff",
                                     "center_staff", "admin", "res1", "outsider"])
def test_the_list_is_the_scope_read_newest_first_page_by_page(world, many, persona):
    user = getattr(world, persona)
    user = user.user if hasattr(user, "user") else user
    want = expected(user)
    got, page = [], 1
    while True:
        body = listed(user, page=page, page_size=5)
        assert body["count"] == len(want) and body["count_exact"] is True
        got += [r["id"] for r in body["items"]]
        if len(body["items"]) < 5:
            break
        page += 1
    assert got == want


def test_a_volunteer_who_is_also_staff_sees_their_own_once(world, many):
    """vol1's user is given a staff role at sta1: their own redemptions at sta1's store
    come from both queries and are listed (and counted) once."""
    from wenming.orgs.models import RoleAssignment

    RoleAssignment.objects.create(user=world.vol1.user, role=RoleAssignment.Role.STAFF,
                                  org=world.sta1)
    want = expected(world.vol1.user)
    body = listed(world.vol1.user, page_size=50)
    assert [r["id"] for r in body["items"]] == want and body["count"] == len(want)


def test_the_status_filter_applies_to_both_queries(world, many):
    services.redemption_cancel(by=world.vol1b.user, redemption=many[1])  # at sta1
    body = listed(world.sta1_staff, status="cancelled")
    assert [r["id"] for r in body["items"]] == expected(world.sta1_staff, "cancelled") != []


def test_a_sibling_subtrees_staff_do_not_see_them(world, many):
    sta2_ids = set(expected(world.sta2_staff))
    assert not sta2_ids & {r.pk for r in many if r.goods.store.org_id == world.sta1.pk}
    assert set(r["id"] for r in listed(world.sta2_staff, page_size=50)["items"]) == sta2_ids


def test_the_count_stops_at_the_cap(world, many, monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_CAP", 5)
    body = listed(world.admin, page_size=3)
    assert body["count"] == 5 and body["count_exact"] is False
    assert [r["id"] for r in body["items"]] == expected(world.admin)[:3]


@pytest.mark.parametrize("persona", ["vol1", "sta1_staff", "admin"])
def test_the_query_count_does_not_grow_with_the_page(world, many, persona):
    user = getattr(world, persona)
    user = user.user if hasattr(user, "user") else user
    client = logged_in(user)
    client.get("/api/redemptions", {"page_size": 1})  # session, caches
    counts = []
    for size in (1, 10):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/redemptions", {"page_size": size}).status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1], counts
    # session, user, roles, the page's keys (one per part), its rows, the count(s); sta1's

    pinned = {"vol1": 6, "sta1_staff": 6, "admin": 6}
    assert counts[1] == pinned[persona], counts


def test_the_only_roots_staff_read_every_store_without_a_goods_list(world, many):
    """The center of the district's only root: no filter at all (the newest-first index),
    the same rows as the scope read."""
    assert selectors.whole_district(selectors.managed_nodes(world.center_staff))
    assert not selectors.whole_district(selectors.managed_nodes(world.inst1_staff))
    got = selectors.redemption_page(world.center_staff, page=1, page_size=50)
    want = list(redemptions_for_user(world.center_staff).order_by("-created_at", "-id"))
    assert [r.pk for r in got["rows"]] == [r.pk for r in want] and got["count"] == len(want)


def test_the_accounts_list_is_the_subtree_less_oneself_highest_first(world,
                                                                     django_assert_max_num_queries):
    from wenming.points.models import PointsAccount

    give_points([world.vol1, world.vol1b, world.vol2], 30)
    for staff, ids in ((world.center_staff, {world.vol1.pk, world.vol1b.pk, world.vol2.pk}),
                       (world.inst1_staff, {world.vol1.pk, world.vol1b.pk}),
                       (world.sta2_staff, {world.vol2.pk})):
        client = logged_in(staff)
        client.get("/api/points/accounts")  # the session's first request reads more
        with django_assert_max_num_queries(8):
            body = client.get("/api/points/accounts").json()
        assert {i["volunteer_id"] for i in body["items"]} == ids
        assert [i["balance"] for i in body["items"]] == sorted(
            (i["balance"] for i in body["items"]), reverse=True)
    assert logged_in(world.vol1.user).get("/api/points/accounts").json()["items"] == []
    assert PointsAccount.objects.count() >= 3
