"""Completing and rating an order: hours into the ledger as a pending record, the district's
five-star bonus, a low rating opening a review for the station, and bad input refused with a
clear 4xx that writes nothing."""

from decimal import Decimal

import pytest

from wenming.activities.models import ServiceRecord
from wenming.core.tests.helpers import assert_chinese_error, assert_error
from wenming.inbox.models import Notification
from wenming.orders.models import OrderEvent, ServiceOrder
from wenming.orders.tests.test_support import order_in, overdue, post
from wenming.points.models import PointsAccount, PointsEntry, PointsRules
from wenming.teams import services as team_services

pytestmark = pytest.mark.django_db

DONE = {"note": "已上门修好水管", "hours": "1.5", "people_served": 2}


def bring(world, state: str, volunteer=None) -> ServiceOrder:
    return order_in(state, resident=world.res1, staff=world.sta1_staff,
                    volunteer=volunteer or world.vol1)


def balance(volunteer) -> int:
    account = PointsAccount.objects.filter(volunteer=volunteer).first()
    return account.balance if account else 0


def test_a_completed_order_puts_a_pending_record_into_the_ledger(world, client_for):
    order = bring(world, "accepted")

    response = post(client_for(world.vol1.user), f"/api/orders/{order.id}/complete", DONE)

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["state"], body["completion_note"]) == ("completed", "已上门修好水管")
    record = ServiceRecord.objects.get(order_id=order.id)
    assert (record.kind, record.status, record.volunteer, record.org, record.hours) == \
        ("order", "pending", world.vol1, world.sta1, Decimal("1.5"))
    assert record.created_by == world.vol1.user and not record.needs_parent_approval
    order.refresh_from_db()
    assert (order.people_served, order.hours, order.due_at) == (2, Decimal("1.5"), None)
    assert Notification.objects.filter(user=world.res1.user, title__contains="评价").exists()
    records = client_for(world.vol1.user).get(f"/api/volunteers/{world.vol1.id}/records")
    assert records.status_code == 200, records.content
    assert order.id in {r["order_id"] for r in records.json()["items"]}


def test_long_service_needs_the_parents_approval(world, client_for):
    order = bring(world, "accepted")
    post(client_for(world.vol1.user), f"/api/orders/{order.id}/complete", {**DONE, "hours": "10"})
    record = ServiceRecord.objects.get(order_id=order.id)
    assert (record.hours, record.needs_parent_approval) == (Decimal("10"), True)


def test_an_order_escalated_after_acceptance_still_records_at_its_station(world, client_for):
    order = overdue(bring(world, "accepted"))
    response = post(client_for(world.vol1.user), f"/api/orders/{order.id}/complete", DONE)
    assert response.status_code == 200, response.content
    assert ServiceRecord.objects.get(order_id=order.id).org == world.sta1


def test_a_team_order_is_recorded_for_the_leader_who_served(world, client_for):
    team = team_services.team_create(by=world.sta1_staff, name="稻香园助老队", org=world.sta1,
                                     leader=world.vol1)
    order = bring(world, "reviewed")
    post(client_for(world.sta1_staff), f"/api/orders/{order.id}/dispatch", {"team_id": team.id})
    leader = client_for(world.vol1.user)
    post(leader, f"/api/orders/{order.id}/accept")
    assert post(leader, f"/api/orders/{order.id}/complete", DONE).status_code == 200
    assert ServiceRecord.objects.get(order_id=order.id).volunteer == world.vol1


def test_five_stars_give_the_volunteer_the_districts_bonus_once(world, client_for):
    PointsRules.objects.create(center=world.center, five_star_bonus=35)
    order = bring(world, "completed")
    client = client_for(world.res1.user)

    response = post(client, f"/api/orders/{order.id}/rate", {"score": 5, "comment": "太感谢了"})

    assert response.status_code == 200, response.content
    assert (response.json()["score"], response.json()["needs_review"]) == (5, False)
    assert balance(world.vol1) == 35
    entry = PointsEntry.objects.get(account__volunteer=world.vol1)
    assert (entry.kind, entry.source_type, entry.source_id) == ("rating", "orders.serviceorder",
                                                                order.id)
    assert_error(post(client, f"/api/orders/{order.id}/rate", {"score": 5}), 409,
                 "invalid_transition")
    assert balance(world.vol1) == 35


@pytest.mark.parametrize("score", [3, 4])
def test_a_good_rating_below_five_earns_nothing_and_opens_no_review(world, client_for, score):
    order = bring(world, "completed")
    Notification.objects.all().delete()
    response = post(client_for(world.res1.user), f"/api/orders/{order.id}/rate", {"score": score})
    assert (response.json()["state"], response.json()["needs_review"]) == ("rated", False)
    assert balance(world.vol1) == 0
    assert not Notification.objects.exists()


@pytest.mark.parametrize("score", [1, 2])
def test_two_stars_or_fewer_open_a_review_for_the_station(world, client_for, score):
    order = bring(world, "completed")
    Notification.objects.all().delete()

    response = post(client_for(world.res1.user), f"/api/orders/{order.id}/rate",
                    {"score": score, "comment": "志愿者迟到了一个小时"})

    assert response.json()["needs_review"] is True
    assert ServiceOrder.objects.get(pk=order.pk).needs_review
    told = Notification.objects.get()
    assert told.user == world.sta1_staff and "差评" in told.title
    assert told.body == "志愿者迟到了一个小时"
    assert balance(world.vol1) == 0


@pytest.mark.parametrize(("data", "code"), [
    ({"score": 6}, "invalid_score"),
    ({"score": 0}, "invalid_score"),
    ({"score": -1}, "invalid_score"),
    ({"score": 100000}, "invalid_input"),
    ({"score": "five"}, "invalid_input"),
    ({"score": 3.5}, "invalid_input"),
    ({"score": None}, "invalid_input"),
    ({}, "invalid_input"),
    ({"score": 5, "comment": "评" * 1001}, "invalid_input"),
    ({"score": 5, "stars": 5}, "invalid_input"),
])
def test_a_bad_rating_is_refused_and_writes_nothing(world, client_for, data, code):
    order = bring(world, "completed")
    events = OrderEvent.objects.count()
    response = post(client_for(world.res1.user), f"/api/orders/{order.id}/rate", data)
    assert_chinese_error(response, 422, code)
    stored = ServiceOrder.objects.get(pk=order.pk)
    assert (stored.state, stored.score) == ("completed", None)
    assert OrderEvent.objects.count() == events
    assert balance(world.vol1) == 0


@pytest.mark.parametrize(("data", "code"), [
    ({**DONE, "note": ""}, "note_required"),
    ({**DONE, "note": "  "}, "note_required"),
    ({**DONE, "hours": "0"}, "invalid_hours"),
    ({**DONE, "hours": "-1"}, "invalid_hours"),
    ({**DONE, "hours": "24.5"}, "invalid_hours"),
    ({**DONE, "hours": "1.555"}, "invalid_input"),
    ({**DONE, "hours": "abc"}, "invalid_input"),
    ({**DONE, "hours": "NaN"}, "invalid_input"),
    ({**DONE, "hours": "Infinity"}, "invalid_input"),
    ({**DONE, "people_served": 0}, "invalid_people_served"),
    ({**DONE, "people_served": -3}, "invalid_input"),
    ({**DONE, "note": "记" * 2001}, "invalid_input"),
    ({**DONE, "photos": []}, "invalid_input"),
])
def test_a_bad_completion_is_refused_and_writes_nothing(world, client_for, data, code):
    order = bring(world, "accepted")
    response = post(client_for(world.vol1.user), f"/api/orders/{order.id}/complete", data)
    assert_chinese_error(response, 422, code)
    assert ServiceOrder.objects.get(pk=order.pk).state == "accepted"
    assert not ServiceRecord.objects.exists()


@pytest.mark.parametrize(("state", "move", "who", "data"), [
    ("submitted", "reject", "sta1_staff", {"reason": " "}),
    ("submitted", "reject", "sta1_staff", {}),
    ("dispatched", "decline", "vol1", {"reason": ""}),
    ("dispatched", "decline", "vol1", {}),
    ("reviewed", "dispatch", "sta1_staff", {}),
    ("reviewed", "dispatch", "sta1_staff", "both"),
    ("reviewed", "dispatch", "sta1_staff", {"volunteer_id": "abc"}),
    ("submitted", "cancel", "res1", {"reason": "原" * 1001}),
])
def test_a_move_with_a_missing_reason_or_assignee_is_refused(world, client_for, state, move,
                                                             who, data):
    order = bring(world, state)
    if data == "both":
        team = team_services.team_create(by=world.sta1_staff, name="稻香园助老队",
                                         org=world.sta1)
        data = {"volunteer_id": world.vol1.id, "team_id": team.id}
    user = getattr(world, who)
    response = post(client_for(getattr(user, "user", user)), f"/api/orders/{order.id}/{move}",
                    data)
    assert_error(response, 422)
    assert ServiceOrder.objects.get(pk=order.pk).state == state


def test_a_rejected_order_tells_the_resident_why(world, client_for):
    order = bring(world, "submitted")
    response = post(client_for(world.sta1_staff), f"/api/orders/{order.id}/reject",
                    {"reason": "该需求属于物业维修范围，请联系物业"})
    assert response.json()["state"] == "rejected"
    told = Notification.objects.get(user=world.res1.user)
    assert told.body == "该需求属于物业维修范围，请联系物业"
    history = client_for(world.res1.user).get(f"/api/orders/{order.id}").json()["history"]
    assert history[-1]["reason"] == "该需求属于物业维修范围，请联系物业"


def test_a_suspended_volunteer_cannot_be_dispatched(world, client_for):
    world.vol1.status = "suspended"
    world.vol1.save(update_fields=["status"])
    order = bring(world, "reviewed")
    response = post(client_for(world.sta1_staff), f"/api/orders/{order.id}/dispatch",
                    {"volunteer_id": world.vol1.id})
    assert_error(response, 409, "volunteer_not_active")
    assert ServiceOrder.objects.get(pk=order.pk).state == "reviewed"


def test_a_cancelled_dispatch_tells_the_volunteer(world, client_for):
    order = bring(world, "dispatched")
    Notification.objects.all().delete()
    response = post(client_for(world.res1.user), f"/api/orders/{order.id}/cancel",
                    {"reason": "家人已处理"})
    assert response.json()["state"] == "cancelled"
    assert Notification.objects.get().user == world.vol1.user
