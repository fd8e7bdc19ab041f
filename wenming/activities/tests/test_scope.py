"""Scope, endpoint by endpoint: staff of a sibling subtree, people of another district,
residents, volunteers who are not organisers, outsiders and anonymous callers each get the
answer their role allows (mostly 404, so existence does not leak) and change nothing.

A team at sta1 organises an activity there; vol1 is enrolled and has a pending line."""

import json

import pytest

from wenming.activities import services
from wenming.activities.models import (
    Activity,
    Attendance,
    Enrollment,
    ServiceRecord,
)
from wenming.activities.tests.test_support import (
    activity_body,
    other_district,
    pending_record,
    publish,
    tomorrow,
)
from wenming.core.masking import mask_name
from wenming.core.tests.helpers import assert_error
from wenming.inbox.models import Notification
from wenming.people.tests.factories import volunteer_at
from wenming.teams import services as team_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(world):
    leader = volunteer_at(world.sta1, "leader")
    team = team_services.team_create(by=world.sta1_staff, name="稻香园助老队", org=world.sta1,
                                     leader=leader)
    activity = publish(world.sta1_staff, world.sta1, start=tomorrow(9), team=team)
    services.enrollment_create(volunteer=world.vol1, activity=activity)
    record = pending_record(world.vol1, world.sta1, 2, activity=activity, kind="attendance")
    staff, stranger = other_district()
    cert = services.certificate_issue(by=world.vol1.user, volunteer=world.vol1)
    return type("Scene", (), {"leader": leader, "team": team, "activity": activity,
                              "record": record, "other_staff": staff, "stranger": stranger,
                              "cert": cert})


def endpoints(world, s) -> dict[str, tuple[str, str, object]]:
    a, r = f"/api/activities/{s.activity.id}", f"/api/records/{s.record.id}"
    return {
        "publish": ("post", "/api/activities", activity_body(world.sta1)),
        "get": ("get", a, None),
        "patch": ("patch", a, {"title": "被改掉的名字"}),
        "cancel": ("post", f"{a}/cancel", {"reason": "取消"}),
        "enrollments": ("get", f"{a}/enrollments", None),
        "enrol": ("post", f"{a}/enrollments", {}),
        "withdraw": ("delete", f"{a}/enrollments", None),
        "checkin": ("post", f"{a}/checkin", {"lat": 39.981, "lng": 116.305}),
        "checkout": ("post", f"{a}/checkout", {"lat": 39.981, "lng": 116.305}),
        "qr": ("get", f"{a}/qr", None),
        "backfill": ("post", f"{a}/backfill", {"volunteer_id": world.vol1.id, "hours": "1",
                                               "reason": "补录"}),
        "approve": ("post", f"{r}/approve", {}),
        "reject": ("post", f"{r}/reject", {"reason": "不予认定"}),
        "reverse": ("post", f"{r}/reverse", {"reason": "冲正"}),
        "volunteer_records": ("get", f"/api/volunteers/{world.vol1.id}/records", None),
    }


def state(s) -> tuple:
    activity = Activity.objects.filter(pk=s.activity.pk).values().get()
    return (activity, Activity.objects.count(), Enrollment.objects.count(),
            Attendance.objects.count(), list(ServiceRecord.objects.values("id", "status")),
            Notification.objects.count())


def call(client, method, url, body):
    if body is None:
        return getattr(client, method)(url)
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def check(client, world, s, expected: dict[str, int | None]):
    """Every endpoint answers with the expected status and nothing changes."""
    before, wrong = state(s), {}
    for name, (method, url, body) in endpoints(world, s).items():
        if expected[name] is None:
            continue
        response = call(client, method, url, body)
        if response.status_code != expected[name]:
            wrong[name] = (response.status_code, response.content[:200])
        elif response.status_code >= 400:
            assert_error(response, expected[name])
    assert not wrong, wrong
    assert state(s) == before


ALL_404 = dict.fromkeys(["get", "patch", "cancel", "enrollments", "enrol", "withdraw", "checkin",
                         "checkout", "qr", "backfill", "approve", "reject", "reverse",
                         "volunteer_records", "publish"], 404)


@pytest.mark.parametrize("persona", ["sta2_staff", "inst2_staff"])
def test_staff_of_a_sibling_subtree_reach_nothing(world, scene, client_for, persona):
    client = client_for(getattr(world, persona))
    check(client, world, scene, ALL_404)
    assert scene.activity.id not in {a["id"] for a in client.get("/api/activities").json()[
        "items"]}
    assert client.get("/api/records").json()["count"] == 0


@pytest.mark.parametrize("who", ["other_staff", "stranger"])
def test_people_of_another_district_reach_nothing(world, scene, client_for, who):
    user = getattr(scene, who)
    client = client_for(getattr(user, "user", user))
    check(client, world, scene, ALL_404)
    assert client.get("/api/activities").json() == {"items": [], "count": 0}
    assert client.get("/api/records").json()["count"] == 0


def test_a_volunteer_of_a_sibling_station_sees_the_activity_but_nothing_else(world, scene,
                                                                              client_for):
    # Signing up is open to the whole district (tested on its own); everything else is not.
    client = client_for(world.vol2.user)
    check(client, world, scene, {
        **ALL_404, "get": 200, "enrollments": 200, "patch": 403, "cancel": 403, "qr": 403,
        "backfill": 403, "withdraw": 409, "checkin": 409, "checkout": 409, "enrol": None,
    })
    assert client.get(f"/api/activities/{scene.activity.id}/enrollments").json()["count"] == 0
    assert client.get("/api/records").json()["count"] == 0
    # Whether someone else signed up is not told either.
    for volunteer in (world.vol1, world.vol1b):
        body = {"volunteer_id": volunteer.id, "hours": "1", "reason": "补录"}
        response = call(client, "post", f"/api/activities/{scene.activity.id}/backfill", body)
        assert_error(response, 403, "forbidden")


def test_a_resident_sees_published_activities_and_only_their_own_rows(world, scene, client_for):
    client = client_for(world.res1.user)
    check(client, world, scene, {
        **ALL_404, "publish": 403, "get": 200, "enrollments": 200, "patch": 403, "cancel": 403,
        "qr": 403, "backfill": 403, "enrol": 403, "withdraw": 403, "checkin": 403,
        "checkout": 403,
    })
    assert client.get(f"/api/activities/{scene.activity.id}/enrollments").json()["count"] == 0
    assert client.get("/api/records").json()["count"] == 0


def test_an_outsider_reaches_nothing(world, scene, client_for):
    client = client_for(world.outsider)
    check(client, world, scene, ALL_404)
    assert client.get("/api/activities").json()["count"] == 0


def test_anonymous_callers_are_asked_to_log_in(world, scene, client):
    check(client, world, scene, dict.fromkeys(ALL_404, 401))
    for url in ("/api/activities", "/api/records"):
        assert_error(client.get(url), 401, "not_authenticated")


def test_a_team_member_who_does_not_lead_cannot_organise(world, scene, client_for):
    member = volunteer_at(world.sta1)
    team_services.membership_decide(by=world.sta1_staff, approve=True, membership=(
        team_services.membership_request(volunteer=member, team=scene.team)))
    client = client_for(member.user)
    for name in ("patch", "cancel", "qr", "backfill"):
        method, url, body = endpoints(world, scene)[name]
        assert_error(call(client, method, url, body), 403, "forbidden")
    assert_error(call(client, "post", f"/api/records/{scene.record.id}/approve", {}), 404)


def test_the_volunteer_themself_sees_their_rows_but_does_not_decide(world, scene, client_for):
    client = client_for(world.vol1.user)
    rows = client.get(f"/api/activities/{scene.activity.id}/enrollments").json()
    assert [r["volunteer_id"] for r in rows["items"]] == [world.vol1.id]
    assert [r["id"] for r in client.get("/api/records").json()["items"]] == [scene.record.id]
    assert client.get(f"/api/volunteers/{world.vol1.id}/records").json()["count"] == 1
    for action in ("approve", "reject", "reverse"):
        method, url, body = endpoints(world, scene)[action]
        assert_error(call(client, method, url, body), 403, "forbidden")
    assert ServiceRecord.objects.get().status == "pending"


def test_the_leader_of_the_team_organises_it(world, scene, client_for):
    client = client_for(scene.leader.user)
    assert client.get(f"/api/activities/{scene.activity.id}/qr").status_code == 200
    rows = client.get(f"/api/activities/{scene.activity.id}/enrollments").json()
    assert [r["volunteer_id"] for r in rows["items"]] == [world.vol1.id]
    assert [r["id"] for r in client.get("/api/records").json()["items"]] == [scene.record.id]
    # …but a leader does not read a volunteer's whole ledger.
    assert_error(client.get(f"/api/volunteers/{world.vol1.id}/records"), 404)


def test_anyone_may_verify_a_certificate_by_its_code(world, scene, client):
    response = client.get(f"/api/verify/{scene.cert.code.lower()}")
    assert response.status_code == 200
    body = response.json()
    # Public: the name is masked like the verify page, the ID number as on the certificate.
    assert body["valid"] and body["real_name"] == mask_name(world.vol1.user.real_name)
    assert world.vol1.user.real_name not in json.dumps(body, ensure_ascii=False)
    assert world.vol1.id_number not in json.dumps(body)
    assert_error(client.get("/api/verify/NOSUCHCODE00"), 404, "not_found")
    assert_error(client.get(f"/api/verify/{'A' * 500}"), 404, "not_found")
