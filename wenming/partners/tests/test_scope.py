"""A unit's account sees what was handed to its unit and its own members, nothing else of the
community: not other orders, not other units' hand-overs, not the residents' numbers of an
order no longer handed to it. Outsiders and sibling subtrees get 404 everywhere."""

import pytest

from wenming.orders.tests.test_support import post, submit
from wenming.partners import services
from wenming.partners.models import Handover
from wenming.partners.tests.support import handed, unit_user
from wenming.testing import logged_in

pytestmark = pytest.mark.django_db


def test_a_units_account_sees_only_the_orders_handed_to_it(world, unit, other_unit):
    handover = handed(world, unit)
    other = submit(world.res1, kind="appeal", text="楼道堆物无人清理，请处理")
    account = logged_in(unit_user(unit))
    ids = {o["id"] for o in account.get("/api/orders").json()["items"]}
    assert ids == {handover.order_id}
    assert account.get(f"/api/orders/{other.pk}").status_code == 404
    assert account.get(f"/orders/{other.pk}/").status_code == 404
    assert account.get(f"/orders/{handover.order_id}/").status_code == 200
    # nor the other unit's hand-overs
    theirs = logged_in(unit_user(other_unit))
    assert theirs.get(f"/api/handovers/{handover.pk}").status_code == 404
    assert theirs.get(f"/units/handovers/{handover.pk}/").status_code == 404
    assert theirs.get("/api/handovers").json()["items"] == []
    assert theirs.get(f"/api/orders/{handover.order_id}").status_code == 404


def test_a_units_account_reads_the_contact_only_while_it_handles_the_order(world, unit):
    handover = handed(world, unit)
    account = logged_in(unit_user(unit))
    assert account.get(f"/api/orders/{handover.order_id}?reveal=1").status_code == 200
    services.handover_recall(by=world.sta1_staff, handover=handover, reason="已解决")
    r = account.get(f"/api/orders/{handover.order_id}?reveal=1")
    assert r.status_code == 403


def test_a_units_account_makes_no_order_moves(world, unit):
    handover = handed(world, unit, kind="service")
    account = logged_in(unit_user(unit))
    assert account.get(f"/api/orders/{handover.order_id}").json()["allowed_moves"] == []
    for move, body in [("review", {}), ("reject", {"reason": "不办"}), ("cancel", {})]:
        r = post(account, f"/api/orders/{handover.order_id}/{move}", body)
        assert r.status_code == 403, (move, r.content)
    handover.order.refresh_from_db()
    assert handover.order.state == "submitted"


def test_the_units_account_pages_are_scoped(world, unit, other_unit):
    account = logged_in(unit_user(unit))
    assert account.get(f"/units/{other_unit.pk}/").status_code == 404
    assert account.get("/units/new/").status_code == 403
    assert account.get(f"/units/orders/{submit(world.res1).pk}/handover/").status_code == 404


@pytest.mark.parametrize("persona", ["sta2_staff", "inst2_staff", "vol1", "vol2", "outsider"])
def test_outsiders_get_404_on_every_handover_endpoint(world, unit, persona):
    handover = handed(world, unit)
    person = getattr(world, persona)
    client = logged_in(getattr(person, "user", person))
    assert client.get(f"/api/handovers/{handover.pk}").status_code == 404
    assert client.get(f"/units/handovers/{handover.pk}/").status_code == 404
    for move, body in [("accept", {}), ("report", {"note": "好了"}),
                       ("decline", {"reason": "不"}), ("recall", {"reason": "撤"})]:
        assert post(client, f"/api/handovers/{handover.pk}/{move}", body).status_code == 404
        assert client.post(f"/units/handovers/{handover.pk}/{move}/", body).status_code == 404
    r = post(client, f"/api/orders/{handover.order_id}/handover",
             {"unit_id": unit.pk, "reason": "再交"})
    assert r.status_code == 404
    assert Handover.objects.get().state == "sent"


def test_a_sibling_station_cannot_hand_over_to_a_unit_it_does_not_reach(world, unit,
                                                                        other_unit):
    order = submit(world.res1, kind="appeal")
    r = post(logged_in(world.sta1_staff), f"/api/orders/{order.pk}/handover",
             {"unit_id": other_unit.pk, "reason": "交给外站单位"})
    assert r.status_code == 404
    assert not Handover.objects.exists()


def test_the_resident_sees_who_handles_but_makes_no_handover_move(world, unit):
    handover = handed(world, unit)
    resident = logged_in(world.res1.user)
    assert resident.get(f"/api/handovers/{handover.pk}").json()["allowed_moves"] == []
    page = resident.get(f"/orders/{handover.order_id}/").content.decode()
    assert f"由 {unit.name} 负责办理" in page
    assert "吹哨交办给单位" not in page
