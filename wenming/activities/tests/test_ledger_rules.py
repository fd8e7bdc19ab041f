"""The hours ledger's two rules (issue 9, section 6): one write path carrying the daily rule
for attendance, backfill and order lines alike, and the 10-working-day recording rule (late
lines flagged in the queue, decided by staff of the node above)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum

from wenming.activities import services
from wenming.activities.models import ServiceRecord, ServiceRules
from wenming.activities.rules import add_workdays
from wenming.activities.tests.test_support import (
    SHANGHAI,
    Clock,
    other_district,
    post,
    publish,
    serve,
    tomorrow,
)
from wenming.core.tests.helpers import assert_chinese_error
from wenming.teams import services as team_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


def held(volunteer, day: datetime.date) -> Decimal:
    """Pending and approved hours of one volunteer on one day: what the daily maximum bounds."""
    return ServiceRecord.objects.filter(
        volunteer=volunteer, service_date=day, status__in=["pending", "approved"],
    ).aggregate(h=Sum("hours"))["h"] or Decimal("0")


def order_line(volunteer, station, hours, day: datetime.date, order_id: int = 9001):
    """An order's line, written as order completion writes it (see the report to the lead)."""
    return services.record_write(
        volunteer=volunteer, kind=ServiceRecord.Kind.ORDER, org=station,
        title="点单服务：陪同老人就医", place="稻香园小区3号楼", content="陪同就医并取药",
        service_date=day, hours=Decimal(str(hours)), by=volunteer.user, order_id=order_id)


# ---- one write path, one daily rule ---------------------------------------------------

def test_attendance_backfill_and_an_order_share_the_daily_maximum(world, clock):
    morning = publish(world.sta1_staff, world.sta1, start=tomorrow(8, days=2), hours=6)
    evening = publish(world.sta1_staff, world.sta1, start=tomorrow(15, days=2), hours=5,
                      title="社区夜间巡逻")
    day = morning.start.date()
    services.enrollment_create(volunteer=world.vol1, activity=evening)
    attended = serve(clock, world.vol1, morning)
    assert (attended.hours, attended.needs_parent_approval) == (Decimal("6.00"), False)

    clock.set(evening.end + datetime.timedelta(hours=1))
    backfill = services.record_backfill(by=world.sta1_staff, volunteer=world.vol1,
                                        activity=evening, hours=Decimal("5"), reason="忘记签到")
    assert (backfill.hours, backfill.needs_parent_approval) == (Decimal("5.00"), True)  # 11 > 8

    order = order_line(world.vol1, world.sta1, 4, day)
    assert order.hours == Decimal("1.00") and order.needs_parent_approval  # 12 h at most
    assert "12" in order.reason
    assert (order.kind, order.order_id, order.org, order.activity) == ("order", 9001, world.sta1,
                                                                       None)
    assert held(world.vol1, day) == Decimal("12")

    # Approved lines count as well; nothing more enters that day, whatever the path.
    services.record_approve(by=world.sta1_staff, record=attended)
    assert order_line(world.vol1, world.sta1, 3, day, order_id=9002).hours == 0
    assert held(world.vol1, day) == Decimal("12")
    # Another day is a new day.
    assert order_line(world.vol1, world.sta1, 3, day + datetime.timedelta(days=1),
                      order_id=9003).hours == Decimal("3")


def test_an_order_line_over_the_cap_goes_to_the_parent_node(world, client_for):
    day = datetime.date.today()
    first = order_line(world.vol1, world.sta1, 7, day)
    second = order_line(world.vol1, world.sta1, 2, day, order_id=9002)
    assert (first.needs_parent_approval, second.needs_parent_approval) == (False, True)
    assert_chinese_error(post(client_for(world.sta1_staff),
                              f"/api/records/{second.id}/approve"), 403, "forbidden")
    assert post(client_for(world.inst1_staff),
                f"/api/records/{second.id}/approve").status_code == 200


@pytest.mark.parametrize("hours", ["0", "-2", "24.01"])
def test_record_write_refuses_hours_out_of_range(world, hours):
    with pytest.raises(ValidationError) as caught:
        order_line(world.vol1, world.sta1, hours, datetime.date.today())
    assert caught.value.code == "invalid_hours"
    assert not ServiceRecord.objects.exists()


def test_record_write_writes_no_reversal(world):
    with pytest.raises(ValueError):
        services.record_write(volunteer=world.vol1, kind=ServiceRecord.Kind.REVERSAL,
                              org=world.sta1, title="冲正", service_date=datetime.date.today(),
                              hours=Decimal("-1"), by=world.sta1_staff)


# ---- the recording rule ---------------------------------------------------------------

def backfill_after(world, clock, workdays: int) -> ServiceRecord:
    """vol1's backfill for an activity tomorrow, entered at noon `workdays` working days
    after its day."""
    clock.set(tomorrow(8))
    activity = publish(world.sta1_staff, world.sta1, start=tomorrow(9), hours=2)
    services.enrollment_create(volunteer=world.vol1, activity=activity)
    day = add_workdays(activity.start.astimezone(SHANGHAI).date(), workdays)
    clock.set(datetime.datetime.combine(day, datetime.time(12), tzinfo=SHANGHAI))
    return services.record_backfill(by=world.sta1_staff, volunteer=world.vol1,
                                    activity=activity, hours=Decimal("2"), reason="纸质签到表补录")


@pytest.fixture
def late_backfill(world, clock):
    """A backfill entered 11 working days after the activity (deadline: 10)."""
    return backfill_after(world, clock, 11)


def test_a_line_recorded_on_the_last_working_day_is_in_time(world, clock):
    assert backfill_after(world, clock, 10).late is False


def test_a_late_line_is_flagged_and_needs_the_parent_node(world, late_backfill, client_for):
    assert late_backfill.late and not late_backfill.needs_parent_approval
    queue = client_for(world.inst1_staff).get("/api/records", {"status": "pending"}).json()
    row = next(r for r in queue["items"] if r["id"] == late_backfill.id)
    assert (row["late"], row["needs_parent_approval"]) == (True, True)
    url = f"/api/records/{late_backfill.id}/approve"
    assert_chinese_error(post(client_for(world.sta1_staff), url), 403, "forbidden")
    assert_chinese_error(post(client_for(world.inst2_staff), url), 404, "not_found")
    assert post(client_for(world.inst1_staff), url).json()["status"] == "approved"


def test_a_late_attendance_line_is_not_for_the_activity_leader(world, clock, client_for):
    leader = team_services.team_create(by=world.sta1_staff, name="稻香园助老队", org=world.sta1,
                                       leader=world.vol1b)
    activity = publish(world.sta1_staff, world.sta1, start=tomorrow(9), team=leader,
                       leader=world.vol1b.user)
    line = serve(clock, world.vol1, activity)
    line.late = True  # as if recorded late (attendance is recorded at check-out)
    line.save(update_fields=["late"])
    url = f"/api/records/{line.id}/approve"
    assert_chinese_error(post(client_for(world.vol1b.user), url), 403, "forbidden")
    assert_chinese_error(post(client_for(world.sta1_staff), url), 403, "forbidden")
    assert post(client_for(world.center_staff), url).status_code == 200


def test_the_rule_can_be_switched_off_for_a_district(world, late_backfill, client_for):
    ServiceRules.objects.create(center=world.center, late_needs_parent_approval=False)
    body = client_for(world.sta1_staff).get(f"/api/records/{late_backfill.id}").json()
    assert (body["late"], body["needs_parent_approval"]) == (True, False)
    assert body["allowed_moves"] == ["approve", "reject"]
    url = f"/api/records/{late_backfill.id}/approve"
    assert post(client_for(world.sta1_staff), url).json()["status"] == "approved"


def test_the_deadline_is_a_district_setting(world, clock):
    ServiceRules.objects.create(center=world.center, record_deadline_workdays=3)
    assert backfill_after(world, clock, 4).late is True
    ServiceRecord.objects.all().delete()
    ServiceRules.objects.filter(center=world.center).update(record_deadline_workdays=20)
    assert backfill_after(world, clock, 11).late is False


def test_the_queue_page_flags_late_lines_and_offers_no_button_below_the_parent(
        world, late_backfill, client_for):
    html = client_for(world.sta1_staff).get("/records/pending/").content.decode()
    assert 'data-testid="late"' in html and "逾期录入，须由上级阵地的管理员审核" in html
    assert 'data-move="approve"' not in html
    html = client_for(world.inst1_staff).get("/records/pending/").content.decode()
    assert 'data-testid="late"' in html and 'data-move="approve"' in html


def test_bulk_approval_leaves_late_lines_to_the_parent(world, late_backfill, client_for):
    client_for(world.sta1_staff).post("/records/approve/", {"ids": [late_backfill.id]})
    assert ServiceRecord.objects.get(pk=late_backfill.pk).status == "pending"
    client_for(world.inst1_staff).post("/records/approve/", {"ids": [late_backfill.id]})
    assert ServiceRecord.objects.get(pk=late_backfill.pk).status == "approved"


# ---- the record's own page and API detail: scope ----------------------------------------

@pytest.mark.parametrize("persona", ["sta2_staff", "inst2_staff", "vol2", "res1", "outsider"])
def test_a_record_is_not_found_outside_its_subtree(world, late_backfill, client_for, persona):
    person = getattr(world, persona)
    client = client_for(getattr(person, "user", person))
    assert_chinese_error(client.get(f"/api/records/{late_backfill.id}"), 404, "not_found")
    assert client.get(f"/records/{late_backfill.id}/").status_code == 404
    response = client.post(f"/records/{late_backfill.id}/reverse/", {"reason": "冲正"})
    assert response.status_code == 404


def test_another_districts_staff_do_not_find_the_record(world, late_backfill, client_for):
    staff, _volunteer = other_district()
    assert client_for(staff).get(f"/api/records/{late_backfill.id}").status_code == 404
    assert client_for(staff).get(f"/records/{late_backfill.id}/").status_code == 404


def test_the_volunteer_sees_their_line_with_no_moves(world, late_backfill, client_for):
    body = client_for(world.vol1.user).get(f"/api/records/{late_backfill.id}").json()
    assert (body["status"], body["late"], body["allowed_moves"]) == ("pending", True, [])
    html = client_for(world.vol1.user).get(f"/records/{late_backfill.id}/").content.decode()
    assert "data-move" not in html and "逾期录入" in html


def test_staff_reverse_an_approved_line_from_its_page(world, late_backfill, client_for):
    services.record_approve(by=world.inst1_staff, record=late_backfill)
    client = client_for(world.sta1_staff)
    html = client.get(f"/records/{late_backfill.id}/").content.decode()
    assert 'data-move="reverse"' in html
    response = client.post(f"/records/{late_backfill.id}/reverse/", {"reason": "时长有误"},
                           follow=True)
    assert "已冲正" in response.content.decode()
    assert ServiceRecord.objects.filter(reverses=late_backfill).exists()
    response = client.post(f"/records/{late_backfill.id}/reverse/", {"reason": "再冲正"},
                           follow=True)
    assert "只有已认定且未冲正的记录可以冲正" in response.content.decode()
    assert ServiceRecord.objects.filter(kind="reversal").count() == 1
