"""Rankings: exact against a brute-force aggregate over the raw rows (reversals, late
approvals, pending and rejected lines, ratings, wishes), the tie rule, one's own place,
names as consented, scope and bad input."""

import datetime
import random
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.utils import timezone

from wenming.activities.models import ServiceRecord
from wenming.core.tests.helpers import assert_error
from wenming.honors.models import PublicityConsent, RankingFormula
from wenming.honors.selectors import period_bounds, volunteer_ranking
from wenming.orders.models import ServiceOrder
from wenming.people.tests.factories import volunteer_at
from wenming.points.tests.test_support import other_district
from wenming.testing import logged_in
from wenming.wishes.models import WishEvent

from .support import (
    PENDING,
    activity_at,
    approve,
    confirmed_wish,
    line,
    reverse,
    served_order,
)

pytestmark = pytest.mark.django_db
CENT = Decimal("0.01")


def brute_force(formula, node, start, end) -> dict[int, Decimal]:
    """Score per volunteer of `node`'s subtree, from every raw row, one by one."""
    hours, acts, orders, ratings, wishes = {}, {}, {}, {}, {}
    reversed_ids = set(ServiceRecord.objects.filter(kind="reversal").values_list("reverses_id",
                                                                                 flat=True))
    for r in ServiceRecord.objects.select_related("volunteer__station"):
        if r.status != "approved" or not start <= r.service_date <= end \
                or not r.volunteer.station.path.startswith(node.path):
            continue
        v = r.volunteer_id
        hours[v] = hours.get(v, 0) + r.hours
        step = -1 if r.kind == "reversal" else 1
        if r.activity_id and r.kind in ("attendance", "backfill", "reversal"):
            acts[v] = acts.get(v, 0) + step
        if r.order_id and r.kind in ("order", "reversal"):
            orders[v] = orders.get(v, 0) + step
        if r.kind == "order" and r.pk not in reversed_ids:
            order = ServiceOrder.objects.get(pk=r.order_id)
            if order.score:
                ratings.setdefault(order.volunteer_id, []).append(order.score)
    zone = timezone.get_default_timezone()
    for e in WishEvent.objects.filter(to_state="confirmed").select_related(
            "wish__claimed_volunteer__station"):
        vol = e.wish.claimed_volunteer
        if vol and vol.station.path.startswith(node.path) \
                and start <= e.at.astimezone(zone).date() <= end:
            wishes[vol.pk] = wishes.get(vol.pk, 0) + 1

    def part(w, x):
        return (Decimal(w) * Decimal(x)).quantize(CENT, rounding=ROUND_HALF_UP)

    out = {}
    for v in set(hours) | set(ratings) | set(wishes):
        rating = ZERO = Decimal(0)
        if ratings.get(v):
            avg = (Decimal(sum(ratings[v])) / len(ratings[v])).quantize(Decimal("0.0001"),
                                                                         ROUND_HALF_UP)
            rating = part(formula.w_rating, avg - 3)
        out[v] = (part(formula.w_hours, hours.get(v, ZERO)) + part(formula.w_activities,
                  acts.get(v, 0)) + part(formula.w_orders, orders.get(v, 0)) + rating
                  + part(formula.w_wishes, wishes.get(v, 0)))
    return out


def test_scores_match_a_brute_force_aggregate_on_random_data(world):
    rng = random.Random(20261203)
    RankingFormula.objects.create(district=world.center, w_hours=Decimal("1.5"),
                                  w_activities=Decimal("2"), w_orders=Decimal("3.25"),
                                  w_rating=Decimal("4"), w_wishes=Decimal("2.5"))
    stations = [world.sta1, world.sta1b, world.sta2]
    people = [world.vol1, world.vol1b, world.vol2] + [
        volunteer_at(rng.choice(stations)) for _ in range(9)]
    act = activity_at(world.sta1)
    today = timezone.localdate()
    for _ in range(160):
        v = rng.choice(people)
        day = today - datetime.timedelta(days=rng.randrange(0, 400))
        kind = rng.choice(["backfill", "attendance_like", "order", "order"])
        if kind == "order":
            record = ServiceRecord.objects.get(order_id=served_order(
                v, world.res1, day, score=rng.choice([None, 1, 2, 3, 4, 5, 5]),
                hours=rng.choice([1, 1.5, 2.25])).pk)
        else:
            record = line(v, rng.choice([0.5, 1, 2, 3.75]), day, activity=act if
                          kind == "attendance_like" else None,
                          status=rng.choice(["approved", "approved", "pending", "rejected"]))
        roll = rng.random()
        if record.status == "approved" and roll < 0.15:
            reverse(record)
        elif record.status == PENDING and roll < 0.5:
            approve(record)  # a late approval
    for _ in range(12):
        confirmed_wish(rng.choice(people), world.res1,
                       timezone.now() - datetime.timedelta(days=rng.randrange(0, 400)))
    # Another district's volunteer with hours: never in this district's rankings.
    _staff, stranger = other_district()
    line(stranger, 5, today)
    served_order(stranger, world.res1, today, score=5)
    formula = RankingFormula.objects.get()
    for node in (world.center, world.inst1, world.sta2):
        for period in ("week", "month", "quarter", "year", "all"):
            start, end = period_bounds(period, today)
            board = volunteer_ranking(node, period, start, end)
            got = {r.subject_id: r.score for r in board.rows}
            want = brute_force(formula, node, start, end)
            assert got == want, (node, period)
            rows = list(board.rows)
            assert [r.rank for r in rows] == list(range(1, len(rows) + 1))
            assert [(-r.score, -r.hours, r.subject_id) for r in rows] == sorted(
                (-r.score, -r.hours, r.subject_id) for r in rows)  # the tie rule
            for r in rows:
                assert sum(r.breakdown.values()) == r.score
                # one's own place, as `me` finds it, agrees with the list
                assert board.rows.place_of(r.subject_id) == r.rank
                assert board.position_of(r.subject_id).score == r.score
            assert board.rows[2:5] == rows[2:5] and len(board.rows) == len(rows)


def test_the_only_districts_center_ranks_everyone_and_a_second_district_stays_apart(world):
    today = timezone.localdate()
    line(world.vol2, 2, today)
    start, end = period_bounds("month", today)
    assert [r.subject_id for r in volunteer_ranking(world.center, "month", start, end).rows] \
        == [world.vol2.pk]
    _staff, stranger = other_district()
    line(stranger, 7, today)
    assert [r.subject_id for r in volunteer_ranking(world.center, "month", start, end).rows] \
        == [world.vol2.pk]
    assert [r.subject_id for r in volunteer_ranking(stranger.station.parent.parent, "month",
                                                    start, end).rows] == [stranger.pk]


def test_ties_go_to_more_hours_then_the_smaller_id(world):
    today = timezone.localdate()
    a, b, c = world.vol1, world.vol1b, world.vol2  # created in this order: ids ascending
    # Same score (5): a by 5 hours; b by 3 hours and one activity (2); c like b.
    line(a, 5, today)
    act = activity_at(world.sta1)
    line(b, 3, today, activity=act)
    line(c, 3, today, activity=act)
    start, end = period_bounds("month", today)
    rows = volunteer_ranking(world.center, "month", start, end).rows
    assert [r.score for r in rows] == [Decimal("5.00")] * 3
    assert [r.subject_id for r in rows] == [a.pk, b.pk, c.pk]
    assert [r.rank for r in rows] == [1, 2, 3]


def test_a_reversal_and_a_late_approval_move_the_place(world):
    today = timezone.localdate()
    first = line(world.vol1, 4, today)
    pending = line(world.vol2, 3, today, status=PENDING)
    line(world.vol1b, 2, today)
    start, end = period_bounds("month", today)
    order = lambda: [r.subject_id for r in volunteer_ranking(  # noqa: E731
        world.center, "month", start, end).rows]
    assert order() == [world.vol1.pk, world.vol1b.pk]
    approve(pending)
    reverse(first)
    assert order() == [world.vol2.pk, world.vol1b.pk, world.vol1.pk]


def test_api_shows_my_place_outside_the_page(world):
    today = timezone.localdate()
    for hours, v in ((9, world.vol1b), (8, world.vol2), (2, world.vol1)):
        line(v, hours, today)
    r = logged_in(world.vol1.user).get("/api/rankings?period=month&page_size=1")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["count"] == 3 and len(body["items"]) == 1
    assert body["items"][0]["volunteer_id"] == world.vol1b.pk
    assert body["me"]["rank"] == 3 and body["me"]["volunteer_id"] == world.vol1.pk
    assert body["me"]["breakdown"]["hours"] == "2.00"


def test_names_follow_consent_for_others_and_are_full_for_staff(world):
    today = timezone.localdate()
    line(world.vol1, 3, today)
    line(world.vol1b, 2, today)
    line(world.vol2, 1, today)
    PublicityConsent.objects.create(volunteer=world.vol1, display="full")
    PublicityConsent.objects.create(volunteer=world.vol2, display="hidden")
    items = logged_in(world.vol1b.user).get("/api/rankings?period=month").json()["items"]
    names = [i["name"] for i in items]
    assert names[0] == world.vol1.real_name
    assert names[1] == world.vol1b.real_name[0] + "志愿者"
    assert names[2] == "志愿者"
    staff = logged_in(world.center_staff).get("/api/rankings?period=month").json()["items"]
    assert [i["name"] for i in staff] == [world.vol1.real_name, world.vol1b.real_name,
                                          world.vol2.real_name]


def test_team_ranking_by_hours_per_member_rating_and_activities(world):
    from wenming.teams.models import Membership, Team

    today = timezone.localdate()
    t1 = Team.objects.create(name="一队", org=world.sta1)
    t2 = Team.objects.create(name="二队", org=world.sta2)
    for team, vols in ((t1, [world.vol1, world.vol1b]), (t2, [world.vol2])):
        for v in vols:
            Membership.objects.create(team=team, volunteer=v, status="active")
    line(world.vol1, 4, today)
    line(world.vol1b, 2, today)  # t1: 3 hours per member
    served_order(world.vol2, world.res1, today, score=5, hours=1)  # t2: 1 h, rating 5
    activity_at(world.sta2, team=t2, start=timezone.now())
    r = logged_in(world.center_staff).get("/api/rankings?period=month&kind=team")
    items = r.json()["items"]
    by_team = {i["team_id"]: i for i in items}
    assert by_team[t1.pk]["breakdown"] == {"team_hours": "3.00", "team_rating": "0.00",
                                           "team_activities": "0.00"}
    assert by_team[t2.pk]["breakdown"] == {"team_hours": "1.00", "team_rating": "10.00",
                                           "team_activities": "2.00"}
    assert [i["team_id"] for i in items] == [t2.pk, t1.pk]
    assert logged_in(world.sta1_staff).get(
        f"/api/rankings?period=month&kind=team&org={world.sta2.pk}").status_code == 404


@pytest.mark.parametrize("who,org,status", [
    ("sta2_staff", "sta1", 404), ("inst2_staff", "inst1", 404), ("vol2", "inst1", 404),
    ("vol2", "sta1", 404), ("outsider", "center", 404), ("vol1", "center", 200),
    ("inst1_staff", "sta1", 200), ("res1", "inst1", 200)])
def test_scope_of_a_node(world, who, org, status):
    person = getattr(world, who)
    r = logged_in(getattr(person, "user", person)).get(
        f"/api/rankings?period=month&org={getattr(world, org).pk}")
    assert r.status_code == status, r.content


def test_anonymous_is_refused(world, client):
    assert client.get("/api/rankings?period=month").status_code == 401


@pytest.mark.parametrize("query,status,code", [
    ("period=fortnight", 400, "invalid_period"),
    ("period=month&date=2999-01-01", 422, None),
    ("period=month&date=1999-12-31", 422, None),
    ("period=month&date=2099-01-01", 400, "date_out_of_range"),
    ("period=month&date=2026-02-30", 422, None),
    ("period=month&kind=robot", 422, None),
    ("period=month&org=0", 422, None),
    ("period=month&org=99999999", 404, None)])
def test_bad_input_is_a_clear_4xx(world, query, status, code):
    r = logged_in(world.center_staff).get(f"/api/rankings?{query}")
    assert_error(r, status, code)


def test_the_number_of_queries_does_not_grow_with_the_ranking(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    today = timezone.localdate()
    client = logged_in(world.vol1.user)

    def queries() -> int:
        client.get("/api/rankings?period=month")  # warm the session
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/rankings?period=month").status_code == 200
        return len(ctx.captured_queries)

    for v in (world.vol1, world.vol1b):
        line(v, 2, today)
    few = queries()
    for _ in range(12):
        line(volunteer_at(world.sta1), 3, today)
    assert queries() == few
