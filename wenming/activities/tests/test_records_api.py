"""The hours ledger through the API: who may approve, reject, reverse and backfill; an
approved line never changes; a correction is a reversing line."""

import datetime
from decimal import Decimal

import pytest

from wenming.activities import services
from wenming.activities.models import HoursDaily, ServiceRecord, ServiceRules
from wenming.activities.tests.test_support import (
    Clock,
    ledger_total,
    patch,
    pending_record,
    post,
    publish,
    serve,
    tomorrow,
)
from wenming.core.tests.helpers import assert_chinese_error
from wenming.people.tests.factories import volunteer_at
from wenming.teams import services as team_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def teams(world):
    """Two teams at sta1, each with its own leader (volunteers of sta1)."""
    lead_a, lead_b = volunteer_at(world.sta1, "lead_a"), volunteer_at(world.sta1, "lead_b")
    team_a = team_services.team_create(by=world.sta1_staff, name="稻香园助老队", org=world.sta1,
                                       leader=lead_a)
    team_b = team_services.team_create(by=world.sta1_staff, name="稻香园环保队", org=world.sta1,
                                       leader=lead_b)
    return type("Teams", (), {"a": team_a, "b": team_b, "lead_a": lead_a, "lead_b": lead_b})


@pytest.fixture
def record(world, teams, clock):
    """vol1's pending 3-hour line from an activity organised by team A."""
    activity = publish(world.sta1_staff, world.sta1, start=tomorrow(9), team=teams.a)
    return serve(clock, world.vol1, activity)


def approve(client, record):
    return post(client, f"/api/records/{record.id}/approve")


def stored(record) -> ServiceRecord:
    return ServiceRecord.objects.get(pk=record.pk)


# ---- who may decide ---------------------------------------------------------------------

def test_the_leader_of_the_organising_team_approves(world, teams, record, client_for):
    response = approve(client_for(teams.lead_a.user), record)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["status"], body["hours"]) == (record.id, "approved", 3.0)
    assert {"id", "activity_id", "hours", "status"} <= set(body)
    assert stored(record).decided_by == teams.lead_a.user


def test_a_leader_of_another_team_cannot_approve(world, teams, record, client_for):
    assert_chinese_error(approve(client_for(teams.lead_b.user), record), 404, "not_found")
    assert stored(record).status == "pending"


def test_a_volunteer_cannot_approve_their_own_record(world, record, client_for):
    assert_chinese_error(approve(client_for(world.vol1.user), record), 403, "forbidden")
    assert stored(record).status == "pending"


def test_a_leader_cannot_approve_their_own_record(world, teams, clock, client_for):
    activity = publish(world.sta1_staff, world.sta1, start=tomorrow(9), team=teams.a,
                       leader=teams.lead_a.user)
    own = serve(clock, teams.lead_a, activity)
    for action in ("approve", "reject"):
        response = post(client_for(teams.lead_a.user), f"/api/records/{own.id}/{action}",
                        {"reason": "本人操作"} if action == "reject" else None)
        assert_chinese_error(response, 403, "forbidden")
    assert stored(own).status == "pending"
    # Their fellow leader's staff confirm it instead.
    assert approve(client_for(world.sta1_staff), own).status_code == 200


@pytest.mark.parametrize("persona", ["sta1_staff", "inst1_staff", "center_staff", "admin"])
def test_staff_of_the_node_and_above_approve(world, record, client_for, persona):
    assert approve(client_for(getattr(world, persona)), record).status_code == 200


@pytest.mark.parametrize("persona", ["sta2_staff", "inst2_staff"])
def test_staff_of_a_sibling_subtree_do_not_see_the_record(world, record, client_for, persona):
    assert_chinese_error(approve(client_for(getattr(world, persona)), record), 404, "not_found")
    response = post(client_for(getattr(world, persona)), f"/api/records/{record.id}/reject",
                    {"reason": "不认可"})
    assert_chinese_error(response, 404, "not_found")
    assert stored(record).status == "pending"


def test_a_rejection_needs_a_reason_and_tells_the_volunteer(world, teams, record, client_for):
    client = client_for(teams.lead_a.user)
    response = post(client, f"/api/records/{record.id}/reject", {"reason": "   "})
    assert_chinese_error(response, 422, "reason_required")
    response = post(client, f"/api/records/{record.id}/reject", {"reason": "签到后提前离开"})
    assert response.status_code == 200
    assert response.json()["status"] == "rejected"
    note = world.vol1.user.notifications.get()
    assert "未被认定" in note.title and note.body == "签到后提前离开"
    assert ledger_total(world.vol1) == 0


# ---- backfill and the daily cap -------------------------------------------------------

def test_a_team_leader_may_enter_a_backfill_but_only_staff_of_the_node_approve_it(
        world, teams, clock, client_for):
    activity = publish(world.sta1_staff, world.sta1, start=tomorrow(9), team=teams.a)
    services.enrollment_create(volunteer=world.vol1, activity=activity)
    clock.set(activity.end + datetime.timedelta(days=1))
    response = post(client_for(teams.lead_a.user), f"/api/activities/{activity.id}/backfill",
                    {"volunteer_id": world.vol1.id, "hours": "2.5", "reason": "忘记签到，负责人证明"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["hours"], body["status"]) == ("backfill", 2.5, "pending")
    line = ServiceRecord.objects.get(pk=body["id"])
    assert_chinese_error(approve(client_for(teams.lead_a.user), line), 403, "forbidden")
    assert approve(client_for(world.sta1_staff), line).status_code == 200


def test_backfill_needs_an_organiser(world, teams, clock, client_for):
    activity = publish(world.sta1_staff, world.sta1, start=tomorrow(9), team=teams.a)
    services.enrollment_create(volunteer=world.vol1, activity=activity)
    clock.set(activity.end + datetime.timedelta(hours=3))
    body = {"volunteer_id": world.vol1.id, "hours": "1", "reason": "补录"}
    url = f"/api/activities/{activity.id}/backfill"
    assert_chinese_error(post(client_for(teams.lead_b.user), url, body), 403, "forbidden")
    assert_chinese_error(post(client_for(world.vol1.user), url, body), 403, "forbidden")
    assert_chinese_error(post(client_for(world.sta2_staff), url, body), 404, "not_found")
    assert not ServiceRecord.objects.exists()


def test_backfill_refuses_an_unfinished_activity_or_hours_beyond_it(world, clock, client_for):
    activity = publish(world.sta1_staff, world.sta1, start=tomorrow(9), hours=2)
    services.enrollment_create(volunteer=world.vol1, activity=activity)
    client, url = client_for(world.sta1_staff), f"/api/activities/{activity.id}/backfill"
    body = {"volunteer_id": world.vol1.id, "hours": "1", "reason": "补录"}
    assert_chinese_error(post(client, url, body), 409, "activity_not_finished")
    clock.set(activity.end + datetime.timedelta(minutes=1))
    for hours in ("0", "-1", "2.01", "9999.99"):
        response = post(client, url, {**body, "hours": hours})
        assert_chinese_error(response, 422)
    assert_chinese_error(post(client, url, {**body, "volunteer_id": world.vol2.id}), 404,
                         "not_enrolled")
    assert not ServiceRecord.objects.exists()


def test_hours_over_the_daily_cap_need_staff_of_the_parent_node(world, teams, clock, client_for):
    activity = publish(world.sta1_staff, world.sta1, start=tomorrow(9), team=teams.a)
    day = activity.start.date()
    pending_record(world.vol1, world.sta1, 6, day=day)
    line = serve(clock, world.vol1, activity)
    assert line.hours == 3 and line.needs_parent_approval  # 6 + 3 > 8
    for persona in (teams.lead_a.user, world.sta1_staff):
        assert_chinese_error(approve(client_for(persona), line), 403, "forbidden")
    assert_chinese_error(approve(client_for(world.inst2_staff), line), 404)
    assert approve(client_for(world.inst1_staff), line).json()["status"] == "approved"


def test_hours_beyond_the_daily_maximum_do_not_count(world, clock):
    activity = publish(world.sta1_staff, world.sta1, start=tomorrow(9))
    pending_record(world.vol1, world.sta1, 10, day=activity.start.date())
    line = serve(clock, world.vol1, activity)
    assert line.hours == Decimal("2.00")  # 12 h a day at most
    assert line.needs_parent_approval
    assert "12" in line.reason


def test_the_daily_cap_and_maximum_are_district_settings(world, clock):
    ServiceRules.objects.create(center=world.center, daily_hours_cap=2, daily_hours_max=4)
    activity = publish(world.sta1_staff, world.sta1, start=tomorrow(9))
    pending_record(world.vol1, world.sta1, 1.5, day=activity.start.date())
    line = serve(clock, world.vol1, activity)
    assert (line.hours, line.needs_parent_approval) == (Decimal("2.50"), True)


def test_rejected_lines_do_not_count_toward_the_daily_cap(world, clock):
    activity = publish(world.sta1_staff, world.sta1, start=tomorrow(9))
    old = pending_record(world.vol1, world.sta1, 7, day=activity.start.date())
    services.record_reject(by=world.sta1_staff, record=old, reason="重复登记")
    line = serve(clock, world.vol1, activity)
    assert (line.hours, line.needs_parent_approval) == (Decimal("3.00"), False)


# ---- an approved line never changes ---------------------------------------------------

@pytest.fixture
def approved(world, record):
    return services.record_approve(by=world.sta1_staff, record=record)


@pytest.mark.parametrize("action,body", [("approve", None), ("reject", {"reason": "改判"})])
def test_a_decided_record_cannot_be_decided_again(world, approved, client_for, action, body):
    response = post(client_for(world.center_staff), f"/api/records/{approved.id}/{action}", body)
    assert_chinese_error(response, 409, "invalid_transition")
    assert stored(approved).status == "approved"


def test_a_rejected_record_cannot_be_approved_later(world, record, client_for):
    services.record_reject(by=world.sta1_staff, record=record, reason="未到岗")
    assert_chinese_error(approve(client_for(world.center_staff), record), 409,
                         "invalid_transition")
    assert ledger_total(world.vol1) == 0


@pytest.mark.parametrize("method,path", [
    ("patch", ""), ("put", ""), ("delete", ""), ("patch", "/approve"), ("put", "/approve"),
    ("delete", "/approve"),
])
def test_no_endpoint_edits_or_deletes_an_approved_record(world, approved, client_for, method,
                                                         path):
    client = client_for(world.admin)
    url = f"/api/records/{approved.id}{path}"
    response = getattr(client, method)(url, '{"hours": 12, "status": "pending"}',
                                       content_type="application/json")
    assert response.status_code in (404, 405)
    after = stored(approved)
    assert (after.status, after.hours) == ("approved", approved.hours)


def test_editing_the_activity_later_does_not_rewrite_the_approved_record(
        world, approved, client_for):
    activity = approved.activity
    response = patch(client_for(world.sta1_staff), f"/api/activities/{activity.id}",
                     {"title": "改过名字的活动", "address": "另一个地方",
                      "end": (activity.end + datetime.timedelta(hours=5)).isoformat()})
    assert response.status_code == 200, response.content
    after = stored(approved)
    assert (after.title, after.place, after.hours) == (approved.title, approved.place,
                                                       approved.hours)


def test_a_recorded_activity_cannot_be_backfilled_again(world, approved, client_for):
    response = post(client_for(world.sta1_staff),
                    f"/api/activities/{approved.activity_id}/backfill",
                    {"volunteer_id": world.vol1.id, "hours": "1", "reason": "再补一次"})
    assert_chinese_error(response, 409, "record_exists")
    assert ServiceRecord.objects.count() == 1


def test_checking_out_after_a_backfill_does_not_record_the_hours_twice(world, clock,
                                                                        client_for):
    activity = publish(world.sta1_staff, world.sta1, start=tomorrow(9))
    services.enrollment_create(volunteer=world.vol1, activity=activity)
    clock.set(activity.start)
    services.attendance_checkin(volunteer=world.vol1, activity=activity, lat=activity.lat,
                                lng=activity.lng)
    clock.set(activity.end + datetime.timedelta(minutes=10))
    services.record_backfill(by=world.sta1_staff, volunteer=world.vol1, activity=activity,
                             hours=Decimal("3"), reason="签退时手机没电")
    clock.set(activity.end + datetime.timedelta(minutes=30))
    response = post(client_for(world.vol1.user), f"/api/activities/{activity.id}/checkout",
                    {"lat": activity.lat, "lng": activity.lng})
    assert_chinese_error(response, 409, "record_exists")
    assert ServiceRecord.objects.filter(volunteer=world.vol1).count() == 1


def test_the_model_refuses_to_save_or_delete_an_approved_record(world, approved):
    line = ServiceRecord.objects.get(pk=approved.pk)
    line.hours = Decimal("12")
    with pytest.raises(PermissionError):
        line.save()
    with pytest.raises(PermissionError):
        line.save(update_fields=["hours"])
    with pytest.raises(PermissionError):
        ServiceRecord.objects.get(pk=approved.pk).delete()
    assert stored(approved).hours == Decimal("3.00")


# ---- corrections are reversing lines --------------------------------------------------

def test_a_reversal_is_a_new_negative_line_and_the_original_shows_reversed(
        world, approved, client_for):
    client = client_for(world.sta1_staff)
    response = post(client, f"/api/records/{approved.id}/reverse", {"reason": "签到代签，核实后冲正"})
    assert response.status_code == 201, response.content
    reversal = response.json()
    assert (reversal["hours"], reversal["status"], reversal["kind"], reversal["reverses_id"]) \
        == (-3.0, "approved", "reversal", approved.id)
    lines = {r["id"]: r for r in client.get("/api/records").json()["items"]}
    assert lines[approved.id]["status"] == "reversed"
    assert lines[approved.id]["hours"] == 3.0  # the original line is untouched
    mine = client_for(world.vol1.user).get(f"/api/volunteers/{world.vol1.id}/records").json()
    assert {r["id"]: r["status"] for r in mine["items"]} == {
        approved.id: "reversed", reversal["id"]: "approved"}
    profile = client.get(f"/api/volunteers/{world.vol1.id}").json()
    assert profile["total_hours"] == 0
    daily = HoursDaily.objects.get(org=world.sta1, day=approved.service_date)
    assert (daily.hours, daily.records) == (0, 0)


def test_a_line_is_reversed_once_and_a_reversal_is_not_reversed(world, approved, client_for):
    client = client_for(world.sta1_staff)
    reversal = post(client, f"/api/records/{approved.id}/reverse", {"reason": "冲正"}).json()
    for target in (approved.id, reversal["id"]):
        response = post(client, f"/api/records/{target}/reverse", {"reason": "再冲"})
        assert_chinese_error(response, 409, "invalid_transition")
    assert ledger_total(world.vol1) == 0


def test_only_approved_lines_are_reversed(world, record, client_for):
    response = post(client_for(world.sta1_staff), f"/api/records/{record.id}/reverse",
                    {"reason": "冲正"})
    assert_chinese_error(response, 409, "invalid_transition")


def test_only_staff_of_the_recording_node_reverse(world, teams, approved, client_for):
    url = f"/api/records/{approved.id}/reverse"
    for user in (teams.lead_a.user, world.vol1.user):
        assert_chinese_error(post(client_for(user), url, {"reason": "冲正"}), 403, "forbidden")
    assert_chinese_error(post(client_for(world.sta2_staff), url, {"reason": "冲正"}), 404)
    assert_chinese_error(post(client_for(world.sta1_staff), url, {"reason": " "}), 422,
                         "reason_required")
    assert ServiceRecord.objects.count() == 1


def test_after_a_reversal_the_right_hours_are_entered_as_a_backfill(world, approved,
                                                                     client_for):
    client = client_for(world.sta1_staff)
    post(client, f"/api/records/{approved.id}/reverse", {"reason": "实际服务2小时"})
    response = post(client, f"/api/activities/{approved.activity_id}/backfill",
                    {"volunteer_id": world.vol1.id, "hours": "2", "reason": "冲正后按实际时长补录"})
    assert response.status_code == 201, response.content
    assert approve(client, ServiceRecord.objects.get(pk=response.json()["id"])).status_code == 200
    assert ledger_total(world.vol1) == 2
    assert client.get(f"/api/volunteers/{world.vol1.id}").json()["total_hours"] == 2.0


# ---- the record list ------------------------------------------------------------------

def test_a_volunteer_lists_only_their_own_records(world, record, client_for):
    other = pending_record(world.vol1b, world.sta1b, 1)
    mine = client_for(world.vol1.user).get("/api/records").json()
    assert [r["id"] for r in mine["items"]] == [record.id]
    theirs = client_for(world.vol1b.user).get("/api/records").json()
    assert [r["id"] for r in theirs["items"]] == [other.id]
    assert_chinese_error(client_for(world.vol1.user).get(
        f"/api/volunteers/{world.vol1b.id}/records"), 404)


def test_the_approval_queue_filters_by_status_and_node(world, record, client_for):
    done = services.record_approve(by=world.inst1_staff, record=pending_record(
        world.vol1b, world.sta1b, 1))
    client = client_for(world.inst1_staff)
    queue = client.get("/api/records?status=pending").json()
    assert [r["id"] for r in queue["items"]] == [record.id]
    assert [r["id"] for r in client.get(
        f"/api/records?org={world.sta1b.id}").json()["items"]] == [done.id]
    assert_chinese_error(client.get(f"/api/records?org={world.sta2.id}"), 404)


def test_the_record_list_filters_reversed_lines(world, approved, client_for):
    client = client_for(world.sta1_staff)
    post(client, f"/api/records/{approved.id}/reverse", {"reason": "冲正"})
    reversed_ = client.get("/api/records?status=reversed").json()
    assert [r["id"] for r in reversed_["items"]] == [approved.id]
    assert all(r["status"] == "approved"
               for r in client.get("/api/records?status=approved").json()["items"])
