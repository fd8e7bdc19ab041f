"""Parity: for every persona and every state, the moves the pages offer (`data-move`), the
moves the API lists (`allowed_moves`) and the moves the services carry out are the same.

A service's outcome is tried in a savepoint that is rolled back, so every move is tried on
the same state; it is fetched through the caller's scope first, as the page and API do."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from wenming.activities import ecard, insurance, recording, services
from wenming.activities.models import Attendance, Enrollment, ServiceRecord, ServiceRules
from wenming.activities.permissions import activity_get_for_user, record_get_for_user
from wenming.activities.tests.test_support import (
    Clock,
    other_district,
    pending_record,
    publish,
    serve,
    tomorrow,
)
from wenming.core.errors import DomainError
from wenming.people.selectors import my_volunteer
from wenming.people.tests.factories import volunteer_at
from wenming.teams import services as team_services
from wenming.testing import logged_in

pytestmark = pytest.mark.django_db

PERSONAS = ["admin", "center_staff", "inst1_staff", "inst2_staff", "sta1_staff", "sta2_staff",
            "vol1", "vol1b", "vol2", "res1", "outsider", "lead_a", "lead_b", "elsewhere"]
MOVE = re.compile(r'data-move="([a-z_]+)"')
RECORD_CARD = re.compile(r'<article class="record.*?</article>', re.S)


class Rollback(Exception):
    pass


def succeeds(call) -> bool:
    """Whether the service call goes through; its writes are undone either way."""
    try:
        with transaction.atomic():
            call()
            raise Rollback
    except Rollback:
        return True
    except (DomainError, ValidationError):
        return False


def page_moves(client, *urls) -> set[str]:
    """The moves the pages offer; the ledger lines' cards an organiser's page lists carry
    their own (record) moves and are left out."""
    moves = set()
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 403, 404), (url, response.status_code)
        if response.status_code == 200:
            moves |= set(MOVE.findall(RECORD_CARD.sub("", response.content.decode())))
    return moves


def api_moves(client, url: str) -> set[str]:
    response = client.get(url)
    assert response.status_code in (200, 404), (url, response.status_code)
    return set(response.json()["allowed_moves"]) if response.status_code == 200 else set()


@pytest.fixture
def people(world):
    """The world's personas as users, two team leaders at sta1 (team A organises the
    activities below) and a staff member of another district."""
    lead_a, lead_b = volunteer_at(world.sta1, "lead_a"), volunteer_at(world.sta1, "lead_b")
    team_a = team_services.team_create(by=world.sta1_staff, name="稻香园助老队", org=world.sta1,
                                       leader=lead_a)
    team_services.team_create(by=world.sta1_staff, name="稻香园环保队", org=world.sta1,
                              leader=lead_b)
    users = {name: getattr(world, name) for name in PERSONAS[:11]}
    users = {name: getattr(u, "user", u) for name, u in users.items()}
    users.update(lead_a=lead_a.user, lead_b=lead_b.user, elsewhere=other_district()[0])
    return type("People", (), {"users": users, "team_a": team_a})


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


# ---- the hours ledger: persona × record state ---------------------------------------------

def record_in(state: str, world, people) -> ServiceRecord:
    """vol1's line at sta1 in `state` (an attendance line of team A's activity unless said)."""
    activity = publish(world.sta1_staff, world.sta1, start=tomorrow(9), team=people.team_a)
    kind = {"backfill": "backfill", "order": "order"}.get(state, "attendance")
    line = pending_record(world.vol1, world.sta1, 3, activity=None if kind == "order" else
                          activity, kind=kind, day=datetime.date(2026, 11, 20),
                          needs_parent_approval=state == "over_cap",
                          late=state in ("late", "late_rule_off"))
    if state == "late_rule_off":
        ServiceRules.objects.create(center=world.center, late_needs_parent_approval=False)
    if state in ("approved", "reversed", "reversal"):
        services.record_approve(by=world.sta1_staff, record=line)
    if state == "rejected":
        services.record_reject(by=world.sta1_staff, record=line, reason="未到场")
    if state in ("reversed", "reversal"):
        reversal = services.record_reverse(by=world.sta1_staff, record=line, reason="有误")
        return reversal if state == "reversal" else line
    return line


RECORD_STATES = ["pending", "over_cap", "late", "late_rule_off", "backfill", "order",
                 "approved", "rejected", "reversed", "reversal"]


def record_outcomes(user, record_id: int) -> set[str]:
    def fetched():
        return record_get_for_user(user, record_id)
    calls = {
        "approve": lambda: services.record_approve(by=user, record=fetched()),
        "reject": lambda: services.record_reject(by=user, record=fetched(), reason="不予认定"),
        "reverse": lambda: services.record_reverse(by=user, record=fetched(), reason="冲正"),
    }
    return {move for move, call in calls.items() if succeeds(call)}


# Who may do what, spelled out for a few cells so the parity cannot hold by all being empty.
EXPECTED_RECORD_MOVES = {
    ("pending", "lead_a"): {"approve", "reject"},
    ("pending", "sta1_staff"): {"approve", "reject"},
    ("pending", "vol1"): set(),
    ("pending", "sta2_staff"): set(),
    ("over_cap", "sta1_staff"): set(),
    ("over_cap", "inst1_staff"): {"approve", "reject"},
    ("late", "lead_a"): set(),
    ("late", "sta1_staff"): set(),
    ("late", "inst1_staff"): {"approve", "reject"},
    ("late_rule_off", "sta1_staff"): {"approve", "reject"},
    ("backfill", "lead_a"): set(),
    ("order", "sta1_staff"): {"approve", "reject"},
    ("approved", "sta1_staff"): {"reverse"},
    ("approved", "lead_a"): set(),
    ("rejected", "admin"): set(),
    ("reversed", "center_staff"): set(),
    ("reversal", "sta1_staff"): set(),
}


@pytest.mark.parametrize("state", RECORD_STATES)
def test_record_moves_agree_for_every_persona(world, people, state):
    record = record_in(state, world, people)
    seen = {}
    for name, user in people.users.items():
        client = logged_in(user)
        page = page_moves(client, f"/records/{record.id}/")
        api = api_moves(client, f"/api/records/{record.id}")
        done = record_outcomes(user, record.id)
        assert page == api == done, (state, name, page, api, done)
        seen[name] = done
    for (expected_state, name), moves in EXPECTED_RECORD_MOVES.items():
        if expected_state == state:
            assert seen[name] == moves, (state, name)


def test_the_queue_offers_the_same_moves_as_the_records_page(world, people):
    lines = [record_in(state, world, people) for state in ("pending", "over_cap", "late")]
    for name in ("sta1_staff", "inst1_staff", "lead_a"):
        client = logged_in(people.users[name])
        html = client.get("/records/pending/").content.decode()
        for line in lines:
            card = re.search(rf'data-testid="record-{line.id}".*?</article>', html, re.S)
            queue = set(MOVE.findall(card.group(0))) if card else set()
            assert queue == api_moves(client, f"/api/records/{line.id}"), (name, line.id)


# ---- activities: persona × activity state ---------------------------------------------------

def activity_in(state: str, world, people, clock):
    """Team A's activity at sta1, the day after tomorrow, with vol1 in `state`."""
    activity = publish(world.sta1_staff, world.sta1, start=tomorrow(9, days=2), hours=3,
                       team=people.team_a, quota=1 if state == "waitlisted" else 10)
    at = activity.start
    if state == "waitlisted":
        services.enrollment_create(volunteer=world.vol1b, activity=activity)
    if state != "open" and state != "cancelled":
        services.enrollment_create(volunteer=world.vol1, activity=activity)
    if state == "cancelled":
        services.activity_cancel(by=world.sta1_staff, activity=activity, reason="暴雨预警")
    if state == "closing":  # inside the 120-minute cut-off, before check-in opens
        clock.set(at - datetime.timedelta(minutes=60))
    if state == "running":
        clock.set(at + datetime.timedelta(minutes=10))
    if state == "checked_in":
        clock.set(at + datetime.timedelta(minutes=10))
        services.attendance_checkin(volunteer=world.vol1, activity=activity, lat=activity.lat,
                                    lng=activity.lng)
    if state == "served":
        serve(clock, world.vol1, activity)
        clock.advance(minutes=5)
    if state == "missed_checkout":
        clock.set(at + datetime.timedelta(minutes=10))
        services.attendance_checkin(volunteer=world.vol1, activity=activity, lat=activity.lat,
                                    lng=activity.lng)
        clock.set(activity.end + datetime.timedelta(hours=3))
    return activity


ACTIVITY_STATES = ["open", "enrolled", "waitlisted", "closing", "running", "checked_in",
                   "served", "missed_checkout", "cancelled"]


def activity_outcomes(user, activity_id: int, spare) -> set[str]:
    def fetched():
        return activity_get_for_user(user, activity_id)

    def mine():
        return my_volunteer(user)

    def presence(call):
        def run():
            activity = fetched()
            return call(volunteer=mine(), activity=activity, lat=activity.lat, lng=activity.lng)
        return run
    calls = {
        "edit": lambda: services.activity_update(by=user, activity=fetched(),
                                                 changes={"title": "社区义诊（改期通知）"}),
        "cancel": lambda: services.activity_cancel(by=user, activity=fetched(), reason="取消"),
        "backfill": lambda: services.record_backfill(by=user, volunteer=spare,
                                                     activity=fetched(), hours=Decimal("1"),
                                                     reason="补录"),
        "enroll": lambda: services.enrollment_create(volunteer=mine(), activity=fetched()),
        "withdraw": lambda: services.enrollment_cancel(volunteer=mine(), activity=fetched()),
        "checkin": presence(services.attendance_checkin),
        "checkout": presence(services.attendance_checkout),
        "scan": lambda: scan_spare(user, fetched(), spare),
        "walk_in": lambda: recording.enrollment_walk_in(by=user, activity=fetched(),
                                                        volunteer=spare),
        "time_codes": lambda: recording.time_codes_issue(by=user, activity=fetched(), count=1),
        "group_entry": lambda: recording.records_group_entry(
            by=user, activity=fetched(),
            rows=[recording.GroupRow(line=1, who=spare.user.mobile, hours=Decimal("1"))]),
        "insure": lambda: insurance.policy_record(
            by=user, activity=fetched(), insurer="中国人民财产保险", policy_no="PZ2026001",
            start=fetched().start - datetime.timedelta(hours=1),
            end=fetched().end + datetime.timedelta(hours=1)),
    }
    return {move for move, call in calls.items() if succeeds(call)}


def scan_spare(user, activity, spare) -> None:
    """The organiser scans an e-card: checking in one enrolled, or else checking out one
    checked in (after the end only check-out is left)."""
    Enrollment.objects.create(activity=activity, volunteer=spare, status="enrolled")
    services.enrolled_counts_refresh([activity.pk])
    token = ecard.phone_token(spare)
    if succeeds(lambda: recording.attendance_scan(by=user, activity=activity,
                                                  ecard_token=token, action="checkin")):
        return
    Attendance.objects.create(activity=activity, volunteer=spare, checkin_at=activity.start,
                              checkin_method="geo")
    recording.attendance_scan(by=user, activity=activity, ecard_token=token, action="checkout")


EXPECTED_ACTIVITY_MOVES = {
    ("open", "vol1"): {"enroll"},
    ("open", "vol2"): {"enroll"},
    ("open", "res1"): set(),
    ("open", "sta1_staff"): {"edit", "cancel", "walk_in", "time_codes", "insure"},
    ("open", "lead_a"): {"edit", "cancel", "enroll", "walk_in", "time_codes", "insure"},
    ("open", "lead_b"): {"enroll"},
    ("open", "sta2_staff"): set(),
    ("enrolled", "vol1"): {"withdraw"},
    ("waitlisted", "vol1"): {"withdraw"},
    ("waitlisted", "vol1b"): {"withdraw"},
    ("closing", "vol1"): set(),
    ("running", "vol1"): {"checkin"},
    ("running", "inst1_staff"): {"edit", "cancel", "scan", "walk_in", "time_codes", "insure"},
    ("checked_in", "vol1"): {"checkout"},
    ("checked_in", "sta1_staff"): {"edit", "scan", "walk_in", "time_codes", "insure"},
    ("served", "vol1"): set(),
    ("served", "sta1_staff"): {"edit", "backfill", "scan", "time_codes", "group_entry"},
    ("missed_checkout", "vol1"): set(),
    ("missed_checkout", "lead_a"): {"edit", "backfill", "time_codes", "group_entry"},
    ("cancelled", "sta1_staff"): set(),
    ("cancelled", "vol1"): set(),
}


@pytest.mark.parametrize("state", ACTIVITY_STATES)
def test_activity_moves_agree_for_every_persona(world, people, clock, state):
    spare = volunteer_at(world.sta1, "spare")  # a backfill's subject with no line yet
    activity = activity_in(state, world, people, clock)
    seen = {}
    for name, user in people.users.items():
        client = logged_in(user)
        page = page_moves(client, f"/activities/{activity.id}/",
                          f"/activities/{activity.id}/manage/")
        api = api_moves(client, f"/api/activities/{activity.id}")
        done = activity_outcomes(user, activity.id, spare)
        assert page == api == done, (state, name, page, api, done)
        seen[name] = done
    for (expected_state, name), moves in EXPECTED_ACTIVITY_MOVES.items():
        if expected_state == state:
            assert seen[name] == moves, (state, name, seen[name])
