"""`escalated` split in two (issue 9): escalated before acceptance (escalated_queue: the
parent reviews, dispatches, opens, rejects; the resident may still cancel) and after it
(escalated_serving: the volunteer keeps serving; nobody re-dispatches or cancels it). The
data migration tells old rows apart and goes back; `?state=escalated` still finds both."""

import importlib

import pytest
from django.apps import apps

from wenming.core.tests.helpers import assert_error
from wenming.orders.models import WORKFLOW, OrderEvent, ServiceOrder
from wenming.orders.permissions import allowed_moves
from wenming.orders.tests.test_support import order_in, overdue, post, submit

pytestmark = pytest.mark.django_db
migration = importlib.import_module("wenming.orders.migrations.0002_split_escalated_state")


def bring(world, state: str) -> ServiceOrder:
    return order_in(state, resident=world.res1, staff=world.sta1_staff, volunteer=world.vol1)


def states(*orders) -> list[str]:
    return [ServiceOrder.objects.get(pk=o.pk).state for o in orders]


def test_an_order_overdue_before_acceptance_goes_to_the_parents_queue(world, client_for):
    order = overdue(bring(world, "dispatched"))
    assert (order.state, order.org, order.volunteer) == ("escalated_queue", world.inst1, None)
    assert allowed_moves(world.inst1_staff, order) == ["review", "reject", "dispatch", "open",
                                                       "cancel"]
    assert allowed_moves(world.res1.user, order) == ["cancel"]
    assert allowed_moves(world.vol1.user, order) == []


def test_an_order_overdue_after_acceptance_keeps_serving(world, client_for):
    order = overdue(overdue(bring(world, "accepted")))
    assert (order.state, order.org, order.volunteer) == ("escalated_serving", world.center,
                                                         world.vol1)
    assert allowed_moves(world.center_staff, order) == []
    assert allowed_moves(world.res1.user, order) == []
    assert allowed_moves(world.vol1.user, order) == ["complete"]
    # What the old single state let through, guessed from the volunteer it still had.
    staff = client_for(world.center_staff)
    for move, body in [("open", {}), ("review", {}), ("reject", {"reason": "x"}),
                       ("dispatch", {"volunteer_id": world.vol1b.id}), ("cancel", {})]:
        assert_error(post(staff, f"/api/orders/{order.pk}/{move}", body), 409,
                     "invalid_transition")
    assert states(order) == ["escalated_serving"]


def test_both_escalated_states_are_in_the_escalated_list_and_the_api_filter(world, client_for):
    queued, serving = overdue(submit(world.res1)), overdue(bring(world, "accepted"))
    bring(world, "reviewed")
    client = client_for(world.inst1_staff)
    found = {o["id"] for o in client.get("/api/orders?state=escalated").json()["items"]}
    assert found == {queued.pk, serving.pk}
    assert [o["id"] for o in client.get(
        "/api/orders?state=escalated_serving").json()["items"]] == [serving.pk]
    page = client.get("/orders/escalated/").content.decode()
    assert f"#{queued.pk} " in page and f"#{serving.pk} " in page
    assert "已上报待办" in page and "已上报服务中" in page
    page = client.get("/orders/queue/?state=escalated").content.decode()
    assert "共 2 个订单" in page


def test_the_groups_are_derived_from_the_map():
    assert WORKFLOW.groups["cancellable"] == {"submitted", "reviewed", "dispatched", "declined",
                                              "open", "escalated_queue"}
    assert WORKFLOW.groups["dispatchable"] == {"reviewed", "declined", "open",
                                               "escalated_queue"}
    assert WORKFLOW.terminal == {"rated", "rejected", "cancelled"}


def old_rows(world) -> dict[str, ServiceOrder]:
    """Orders as the single `escalated` state left them (rows and events)."""
    rows = {"queue": overdue(bring(world, "dispatched")),
            "serving": overdue(overdue(bring(world, "accepted"))),
            "other": bring(world, "accepted")}
    for name in ("queue", "serving"):
        ServiceOrder.objects.filter(pk=rows[name].pk).update(state="escalated")
    OrderEvent.objects.filter(to_state__startswith="escalated_").update(to_state="escalated")
    OrderEvent.objects.filter(from_state__startswith="escalated_").update(from_state="escalated")
    return rows


def test_the_migration_splits_old_rows_and_their_events_and_goes_back(world):
    rows = old_rows(world)
    before = {k: list(OrderEvent.objects.filter(order=o).values_list("from_state", "to_state"))
              for k, o in rows.items()}

    migration.split(apps, None)

    assert states(rows["queue"], rows["serving"], rows["other"]) == [
        "escalated_queue", "escalated_serving", "accepted"]
    assert list(OrderEvent.objects.filter(order=rows["serving"]).filter(
        to_state__contains="escalated").values_list("from_state", "to_state")) == [
        ("accepted", "escalated_serving"), ("escalated_serving", "escalated_serving")]
    assert list(OrderEvent.objects.filter(order=rows["queue"]).filter(
        to_state__contains="escalated").values_list("from_state", "to_state")) == [
        ("dispatched", "escalated_queue")]

    migration.join(apps, None)

    assert states(rows["queue"], rows["serving"]) == ["escalated", "escalated"]
    assert {k: list(OrderEvent.objects.filter(order=o).values_list("from_state", "to_state"))
            for k, o in rows.items()} == before


def test_a_queued_order_that_once_had_a_volunteer_is_not_taken_for_serving(world):
    """A dispatched order whose volunteer declined, then escalated: no acceptance, a queue."""
    order = overdue(bring(world, "declined"))
    ServiceOrder.objects.filter(pk=order.pk).update(state="escalated", volunteer=world.vol1)
    migration.split(apps, None)
    assert states(order) == ["escalated_queue"]
