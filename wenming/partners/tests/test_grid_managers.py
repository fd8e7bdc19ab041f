"""Grid managers who act: 受理 or turn down the appeals of their grid, hand them up the tree
or to a unit, record mediation cases; nothing of other grids."""

import datetime

import pytest
from django.utils import timezone

from wenming.core.tests.helpers import assert_error
from wenming.orders.models import ServiceOrder
from wenming.orders.tests.test_support import post, submit
from wenming.partners.models import Handover, MediationCase
from wenming.partners.tests.support import grid_appeal, unit_at
from wenming.people.tests.factories import UserFactory
from wenming.testing import logged_in

pytestmark = pytest.mark.django_db


def manager_of(grid):
    return grid.managers.get()


def test_a_grid_manager_accepts_an_appeal_of_their_grid(world, grid):
    appeal = grid_appeal(world, grid)
    client = logged_in(manager_of(grid))
    assert client.get(f"/api/orders/{appeal.pk}").json()["allowed_moves"] == ["review",
                                                                                "reject"]
    page = client.get(f"/orders/{appeal.pk}/").content.decode()
    assert 'data-move="review"' in page and 'data-action="handover"' in page
    r = client.post(f"/orders/{appeal.pk}/review/")
    assert r.status_code == 302
    appeal.refresh_from_db()
    assert appeal.state == "reviewed"


def test_a_grid_manager_turns_an_appeal_down_with_a_reason(world, grid):
    appeal = grid_appeal(world, grid)
    r = post(logged_in(manager_of(grid)), f"/api/orders/{appeal.pk}/reject",
             {"reason": "属于物业管理范围"})
    assert r.json()["state"] == "rejected"


def test_a_grid_manager_cannot_act_on_a_service_order_or_another_grid(world, grid):
    service = submit(world.res1, kind="service")
    client = logged_in(manager_of(grid))
    assert client.get(f"/api/orders/{service.pk}").status_code == 404
    stranger = UserFactory(username="othergrid")
    assert logged_in(stranger).get(f"/api/orders/{grid_appeal(world, grid).pk}").status_code \
        == 404


def test_a_grid_manager_hands_an_appeal_up_the_tree(world, grid):
    appeal = grid_appeal(world, grid)
    r = post(logged_in(manager_of(grid)), f"/api/orders/{appeal.pk}/hand-up",
             {"reason": "涉及多个社区，需街道协调"})
    assert r.status_code == 200, r.content
    appeal.refresh_from_db()
    assert (appeal.state, appeal.org) == ("escalated_queue", world.inst1)
    assert appeal.events.last().by == manager_of(grid)
    # once up, it is no longer at the station: no second hand-up
    r = post(logged_in(manager_of(grid)), f"/api/orders/{appeal.pk}/hand-up",
             {"reason": "再上报"})
    assert_error(r, 409, "invalid_transition")


def test_a_grid_manager_hands_an_appeal_to_a_unit(world, grid):
    unit = unit_at(world.sta1b, "学院路供电所", kind="department", account="power")
    appeal = grid_appeal(world, grid)
    r = post(logged_in(manager_of(grid)), f"/api/orders/{appeal.pk}/handover",
             {"unit_id": unit.pk, "reason": "路灯不亮"})
    assert r.status_code == 201, r.content
    assert Handover.objects.get().from_org == world.sta1b
    # the grid manager who sent it may recall it
    assert r.json()["allowed_moves"] == ["recall"]


def test_a_grid_manager_records_a_mediation_and_its_follow_up(world, grid):
    appeal = grid_appeal(world, grid)
    client = logged_in(manager_of(grid))
    r = client.post(f"/units/mediations/new/?order={appeal.pk}", {
        "parties": "5号楼201 与 5号楼301", "dispute": "楼上漏水渗到楼下",
        "agreement": "楼上负责修缮，赔偿500元",
        "follow_up_on": (timezone.localdate() + datetime.timedelta(days=7)).isoformat()})
    assert r.status_code == 302, r.content.decode()[-800:]
    case = MediationCase.objects.get()
    assert (case.grid, case.station, case.order) == (grid, world.sta1b, appeal)
    r = post(client, f"/api/mediations/{case.pk}/follow-up", {"note": "已修好，双方满意"})
    assert r.json()["followed_up_at"]
    assert_error(post(client, f"/api/mediations/{case.pk}/follow-up", {"note": "再回访"}),
                 409, "already_followed_up")
    # staff of a sibling station see nothing of it
    assert logged_in(world.sta2_staff).get("/api/mediations").json()["items"] == []
    assert logged_in(world.sta2_staff).get(f"/units/mediations/{case.pk}/").status_code == 404


def test_a_mediation_is_refused_for_a_station_not_theirs(world, grid):
    r = post(logged_in(manager_of(grid)), "/api/mediations", {
        "station_id": world.sta2.pk, "parties": "甲 与 乙", "dispute": "噪音"})
    assert r.status_code in {403, 404}
    r = post(logged_in(world.sta1_staff), "/api/mediations", {
        "station_id": world.sta1.pk, "parties": "甲 与 乙", "dispute": "噪音",
        "follow_up_on": "2020-01-01"})
    assert r.status_code == 422
    assert not MediationCase.objects.exists()
    assert ServiceOrder.objects.count() == 0
