import hashlib
import json
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import Count
from django.test import RequestFactory

from wenming.demo import data
from wenming.demo.plan import DemoPlan
from wenming.demo.selectors import demo_counts
from wenming.orgs.models import OrgNode, RoleAssignment
from wenming.orgs.selectors import grid_for_point, station_for_point
from wenming.people.models import Resident, User, Volunteer
from wenming.people.validators import parse_id_number

Role = RoleAssignment.Role


def run_demo(size: str = "small") -> str:
    out = StringIO()
    call_command("demo", size=size, no_progress=True, stdout=out)
    return out.getvalue()


def role_org(username: str) -> OrgNode | None:
    return RoleAssignment.objects.get(user__username=username).org


@pytest.fixture
def small_demo(db):
    return run_demo()


def test_it_builds_the_small_district(small_demo):
    counts = demo_counts()
    assert {k: counts[k] for k in ("center", "institute", "station", "grids")} == {
        "center": 1, "institute": 3, "station": 12, "grids": 12}
    assert 4 <= counts["point"] <= 20
    assert 480 <= counts["volunteers"] <= 520 and 90 <= counts["residents"] <= 110
    assert counts["pending"] == 6
    center = OrgNode.objects.get(kind="center")
    assert center.name == "海淀区新时代文明实践中心" and center.code == "110108"
    institutes = OrgNode.objects.filter(kind="institute").order_by("code")
    assert [i.name for i in institutes] == [f"{n}新时代文明实践所" for n, *_ in data.INSTITUTES[:3]]
    assert all(i.parent_id == center.id and i.code.startswith("110108") for i in institutes)
    assert all(s.parent.kind == "institute" and s.name.endswith("新时代文明实践站")
               for s in OrgNode.objects.filter(kind="station").select_related("parent"))
    assert set(OrgNode.objects.filter(kind="point").values_list("point_type", flat=True)) <= {
        "base", "post", "venue"}
    assert "演示账号" in small_demo and "Demo@2026" in small_demo


def test_the_named_accounts_log_in_where_they_belong(small_demo):
    request = RequestFactory().post("/login/")
    for username, real_name, mobile, _ in data.ACCOUNTS:
        user = authenticate(request, username=username, password=data.PASSWORD)
        assert user is not None and user.real_name == real_name and user.mobile == mobile
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert RoleAssignment.objects.filter(user=admin, role=Role.ADMIN, org=None).exists()
    inst1, inst2 = role_org("inst1"), role_org("inst2")
    assert role_org("center").kind == "center" and inst1.kind == inst2.kind == "institute"
    assert inst1.contains(role_org("sta1")) and not inst2.contains(role_org("sta1"))
    assert inst2.contains(role_org("sta2")) and not inst1.contains(role_org("sta2"))
    sta1 = role_org("sta1")
    assert Volunteer.objects.get(user__username="vol1").station == sta1
    assert Resident.objects.get(user__username="res1").station == sta1
    assert not User.objects.get(username="center").is_staff


def test_people_are_valid_and_placed(small_demo):
    volunteers = list(Volunteer.objects.select_related("user", "station"))
    assert len({v.user.mobile for v in volunteers}) == len(volunteers)
    for v in volunteers:
        info = parse_id_number(v.id_number)
        assert (info.sex, info.birth_date) == (v.sex, v.birth_date)
        assert 1950 <= v.birth_date.year <= 2006 and 2 <= len(v.user.real_name) <= 4
    assert Volunteer.objects.filter(skills__isnull=False).distinct().count() > 300
    assert Volunteer.objects.filter(service_categories__code="health").exists()
    pending = Volunteer.objects.filter(status="pending").select_related("station")
    assert {v.station.requires_volunteer_approval for v in pending} == {True}
    for station in OrgNode.objects.filter(kind="station"):
        assert grid_for_point(station.lat, station.lng).station == station
    resident = Resident.objects.exclude(user__username="res1").first()
    assert station_for_point(resident.lat, resident.lng) == resident.station


def test_a_second_run_changes_nothing(small_demo):
    before = demo_counts()
    users = User.objects.count()
    out = run_demo("district")
    assert "已存在" in out
    assert demo_counts() == before and User.objects.count() == users


def plan_digest(plan: DemoPlan, volunteers: int = 300) -> str:
    rows = [*(s.name for s in plan.stations), *(s.cell for s in plan.stations)]
    volunteer_rows = plan.volunteer_rows()
    rows += [next(volunteer_rows) for _ in range(volunteers)]
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()


def test_the_plan_is_deterministic():
    assert plan_digest(DemoPlan("small")) == plan_digest(DemoPlan("small"))
    assert plan_digest(DemoPlan("district")) == plan_digest(DemoPlan("district"))


def test_the_loaded_demo_follows_the_plan(small_demo):
    rows = list(DemoPlan("small").volunteer_rows())
    loaded = Volunteer.objects.exclude(user__username="vol1").order_by("id").select_related("user")
    assert [v.user.real_name for v in loaded[:20]] == [r["real_name"] for r in rows[:20]]
    assert [v.id_number for v in loaded[:20]] == [r["id_number"] for r in rows[:20]]


def test_the_small_district_has_teams_hours_and_points(small_demo):
    import datetime
    from decimal import Decimal

    from django.db.models import Max, Min, Sum
    from django.utils import timezone

    from wenming.activities.models import Activity, Enrollment, HoursDaily, ServiceRecord
    from wenming.activities.selectors import rollup_problems, volunteer_standing
    from wenming.demo.ledger import LEDGER_SIZES
    from wenming.points.models import Goods, PointsAccount, PointsEntry, Redemption, Store
    from wenming.points.services import ledger_problems
    from wenming.teams.models import Membership, Team

    size = LEDGER_SIZES["small"]
    # Teams: one 总队, a 支队 per institute, a 分队 and its 队 per station, each with a leader.
    levels = dict(Team.objects.values_list("level").annotate(n=Count("id")))
    assert levels["corps"] == 1 and levels["detachment"] == 3 and levels["squad"] == 12
    assert levels["team"] >= 12
    assert not Team.objects.exclude(memberships__role="leader").exists()
    assert RoleAssignment.objects.filter(role=Role.TEAM_LEADER).exists()
    assert Membership.objects.filter(role="member", status="active").count() > 200
    squad = Team.objects.get(memberships__volunteer__user__username="vol1",
                             memberships__role="leader")
    assert squad.level == "squad" and squad.org == role_org("sta1")
    # Activities and the approved ledger, with the rollup equal to it.
    # Two years behind today and four weeks ahead: every station has something to join,
    # and vol1 is already signed up for some of it. (Other apps' demos may add activities of
    # their own, e.g. lectures: hence "at least".)
    now = timezone.now()
    past = Activity.objects.filter(end__lte=now)
    assert past.count() >= size.activities
    assert not past.filter(people_served__isnull=True).exists()
    assert past.aggregate(first=Min("start"))["first"] >= now - datetime.timedelta(days=732)
    ahead = Activity.objects.filter(start__gt=now, start__lte=now + datetime.timedelta(days=29))
    assert set(ahead.values_list("org", flat=True)) >= set(
        OrgNode.objects.filter(kind="station").values_list("id", flat=True))
    assert Enrollment.objects.filter(activity__start__gt=now,
                                     volunteer__user__username="vol1").exists()
    approved = ServiceRecord.objects.filter(status="approved")
    # The ledger's own lines (other apps' demos add a few of theirs: a correction's reversal,
    # a group entry). The last activities' pools may run short by a line or two (PostgreSQL
    # and SQLite differ on which); the plan never exceeds the size.
    planned = approved.filter(kind="attendance")
    assert size.records * 0.999 <= planned.count() <= size.records
    assert ServiceRecord.objects.filter(status="pending", reason="现场签到失败，补录").count() \
        == size.pending
    assert HoursDaily.objects.aggregate(h=Sum("hours"))["h"] == approved.aggregate(
        h=Sum("hours"))["h"] > 0
    assert rollup_problems() == []
    # Points: every approved record earned once; balances equal the entries.
    assert PointsEntry.objects.filter(kind="hours").count() == planned.count()
    # ... and spent: a redemption's entry each, a refund for each cancelled one, and the
    # leaders' commendations now and then (the counts follow the random plan, so bounds only).
    kinds = dict(PointsEntry.objects.values_list("kind").annotate(n=Count("id")))
    assert kinds["redeem"] == Redemption.objects.count() >= size.records // 10
    assert kinds["refund"] == Redemption.objects.filter(status="cancelled").count() > 0
    assert kinds["adjust"] >= planned.count() // 3
    # Each entry is dated when it happened (its service, its redemption), not when the demo
    # was loaded: spread over the two years, none in the future.
    span = PointsEntry.objects.aggregate(first=Min("created_at"), last=Max("created_at"))
    assert span["first"] < now - datetime.timedelta(days=600) and span["last"] <= now
    assert PointsEntry.objects.filter(kind="redeem", created_at__lt=now - datetime.timedelta(
        days=30)).exists()
    assert ledger_problems() == []
    sums = dict(PointsEntry.objects.values_list("account").annotate(s=Sum("amount")))
    assert all(b == sums.get(a, 0) for a, b in PointsAccount.objects.values_list("id", "balance"))
    assert Store.objects.count() == 3 and Goods.objects.count() == 3 * size.goods_per_store
    assert Redemption.objects.filter(status="cancelled").exists()
    vol1 = Volunteer.objects.get(user__username="vol1")
    assert volunteer_standing(vol1)["total_hours"] == (
        approved.filter(volunteer=vol1).aggregate(h=Sum("hours"))["h"] or Decimal("0"))
    out = StringIO()
    call_command("check-ledger", stdout=out)
    assert "ledger ok" in out.getvalue()
