"""吹哨报到 end to end through the services and the API: send, accept, report, decline,
recall; one open hand-over per order; the resident sees who handles it; escalation."""

import pytest
from django.core.exceptions import ValidationError

from wenming.core.tests.helpers import assert_error
from wenming.orders.tests.test_support import post, submit
from wenming.partners import services
from wenming.partners.models import Handover, HandoverEvent
from wenming.partners.tests.support import handed, overdue, unit_user
from wenming.testing import logged_in

pytestmark = pytest.mark.django_db


def test_station_hands_an_appeal_to_a_unit_which_accepts_and_reports(world, unit):
    order = submit(world.res1, kind="appeal")
    r = post(logged_in(world.sta1_staff), f"/api/orders/{order.pk}/handover",
             {"unit_id": unit.pk, "reason": "路灯损坏，请供电所处理", "hours": 48})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["state"] == "sent" and body["unit_id"] == unit.pk
    assert body["allowed_moves"] == ["recall"]
    staff = logged_in(unit_user(unit))
    assert staff.get(f"/api/handovers/{body['id']}").json()["allowed_moves"] == [
        "accept", "decline"]
    r = post(staff, f"/api/handovers/{body['id']}/accept")
    assert r.json()["state"] == "accepted"
    r = post(staff, f"/api/handovers/{body['id']}/report", {"note": "已更换灯泡，恢复照明"})
    assert r.json()["state"] == "reported"
    history = [(e["from"], e["to"]) for e in r.json()["history"]]
    assert history == [("", "sent"), ("sent", "accepted"), ("accepted", "reported")]
    page = logged_in(world.res1.user).get(f"/orders/{order.pk}/").content.decode()
    assert unit.name in page and "已更换灯泡" in page


def test_a_unit_declines_with_a_reason_and_the_order_can_be_handed_again(world, unit):
    handover = handed(world, unit)
    with pytest.raises(ValidationError):
        services.handover_decline(by=unit_user(unit), handover=handover, reason=" ")
    services.handover_decline(by=unit_user(unit), handover=handover, reason="不属于本单位职责")
    again = handed(world, unit, order=handover.order)
    assert again.state == "sent"


def test_one_open_handover_per_order(world, unit):
    handover = handed(world, unit)
    r = post(logged_in(world.sta1_staff), f"/api/orders/{handover.order_id}/handover",
             {"unit_id": unit.pk, "reason": "再交一次"})
    assert_error(r, 409, "already_handed_over")
    assert Handover.objects.count() == 1


def test_a_reported_handover_takes_no_more_moves(world, unit):
    handover = handed(world, unit)
    staff = logged_in(unit_user(unit))
    r = post(staff, f"/api/handovers/{handover.pk}/report", {"note": "未接收就反馈"})
    assert_error(r, 409, "invalid_transition")
    post(staff, f"/api/handovers/{handover.pk}/accept")
    post(staff, f"/api/handovers/{handover.pk}/report", {"note": "已处理完毕"})
    r = post(staff, f"/api/handovers/{handover.pk}/decline", {"reason": "晚了"})
    assert_error(r, 409, "invalid_transition")
    assert HandoverEvent.objects.filter(handover=handover).count() == 3


def test_the_sender_recalls_and_the_unit_can_no_longer_act(world, unit):
    handover = handed(world, unit)
    r = post(logged_in(world.sta1_staff), f"/api/handovers/{handover.pk}/recall",
             {"reason": "群众已自行解决"})
    assert r.json()["state"] == "recalled"
    r = post(logged_in(unit_user(unit)), f"/api/handovers/{handover.pk}/accept")
    assert_error(r, 409, "invalid_transition")


def test_an_overdue_handover_escalates_up_the_tree_once(world, unit):
    handover = overdue(handed(world, unit))
    assert handover.state == "escalated" and handover.escalated_to == world.inst1
    assert handover.events.last().by is None
    # the same passed limit again does nothing
    assert not services.handover_escalate_if_overdue(handover_id=handover.pk,
                                                     due_at=handover.due_at)
    # the next limit goes one node higher; inst1's staff now follow it and may recall it
    handover = overdue(handover)
    assert handover.escalated_to == world.center and handover.escalations == 2
    r = logged_in(world.inst1_staff).get(f"/api/handovers/{handover.pk}")
    assert r.json()["allowed_moves"] == ["recall"]
    # the unit may still report after the escalation
    services.handover_report(by=unit_user(unit), handover=handover, note="已经办好")
    assert Handover.objects.get(pk=handover.pk).state == "reported"


def test_the_task_function_escalates(world, unit):
    from wenming.partners.tasks import enforce_handover_limit

    handover = handed(world, unit)
    Handover.objects.filter(pk=handover.pk).update(due_at=handover.due_at.replace(year=2025))
    handover.refresh_from_db()
    assert enforce_handover_limit.call(handover.pk, handover.due_at.isoformat())
    handover.refresh_from_db()
    assert handover.state == "escalated"


def test_the_list_costs_the_same_queries_for_two_rows_or_six(world, unit):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    account = logged_in(unit_user(unit))
    handed(world, unit)
    handed(world, unit)
    account.get("/api/handovers")  # the session and the caller's facts, warmed
    with CaptureQueriesContext(connection) as two:
        assert account.get("/api/handovers").json()["count"] == 2
    for _ in range(4):
        handed(world, unit)
    with CaptureQueriesContext(connection) as six:
        assert account.get("/api/handovers").json()["count"] == 6
    assert len(six.captured_queries) == len(two.captured_queries)
