"""The per-node rollup's writers: every way an order moves and a volunteer is registered,
approved, suspended, moved or deleted leaves the rollup equal to its sources
(`tally.problems`, what `wenming check-ledger` runs), in the writing transaction; concurrent
writers lose no update; and the dashboard reads a handful of queries whatever the size."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from wenming.orders import services as orders
from wenming.orders.models import State
from wenming.orders.tests.test_support import order_in, overdue, submit
from wenming.people.models import Volunteer
from wenming.people.services import VolunteerInput, people_bulk_register, volunteer_update
from wenming.people.tests.factories import next_id_number, resident_at, volunteer_at
from wenming.testing import race

from .. import tally
from ..models import NodePeriod, Span
from ..selectors import calendar_period, dashboard, figures
from .support import brute

pytestmark = pytest.mark.django_db


def month_now() -> datetime.date:
    return timezone.localdate().replace(day=1)


def value(org, metric: str, span: str = Span.MONTH) -> int:
    start = {Span.MONTH: month_now(), Span.YEAR: month_now().replace(month=1),
             Span.ALL: datetime.date(2000, 1, 1)}[span]
    row = NodePeriod.objects.filter(org=org, span=span, start=start, metric=metric).first()
    return row.value if row else 0


def test_every_state_an_order_reaches_through_the_services_is_counted(world):
    volunteer = volunteer_at(world.sta1)
    for state in State.values:
        order_in(state, resident=world.res1, staff=world.sta1_staff, volunteer=volunteer)
        assert tally.problems() == [], state
    submit(world.res1, kind="appeal")
    assert tally.problems() == []
    # one of each state at sta1, and the appeal (submitted); on every node of the path
    for node in (world.sta1, world.inst1, world.center):
        for span in Span.values:
            assert value(node, "o", span) == len(State.values) + 1
            assert value(node, "o.rated", span) == 1 and value(node, "x.rated", span) == 1
    assert value(world.sta2, "o") == 0 and value(world.inst2, "o") == 0
    month = calendar_period("month", timezone.localdate())
    for node in (world.center, world.inst1, world.sta1):
        got = figures(node, month)
        want = brute(node, month, [1, 3, 6, 10, 15])
        for key in ("volunteers", "orders", "dispatch_rate", "on_time_rate", "satisfaction",
                    "avg_rating", "people_served"):
            assert got[key] == want[key], (node.name, key)


def test_an_escalation_and_a_rating_move_the_parts(world):
    volunteer = volunteer_at(world.sta1)
    order = order_in("completed", resident=world.res1, staff=world.sta1_staff,
                     volunteer=volunteer)
    assert value(world.center, "x.ontime") == 1
    orders.order_rate(by=world.res1.user, order=order, score=5)
    assert (value(world.center, "x.good"), value(world.center, "x.score")) == (1, 5)
    late = overdue(order_in("accepted", resident=world.res1, staff=world.sta1_staff,
                            volunteer=volunteer))
    orders.order_complete(volunteer=volunteer, order=late, note="好了", hours=Decimal("1"))
    assert value(world.center, "x.ontime") == 1  # escalated once: not on time
    assert value(world.center, "o.completed") == 1 and value(world.center, "o.rated") == 1
    assert tally.problems() == []


def test_a_refused_move_leaves_the_rollup_as_it_was(world):
    order = submit(world.res1)
    before = list(NodePeriod.objects.values_list("org", "span", "metric", "value"))
    with pytest.raises(Exception):  # noqa: B017 - any refusal; the point is what stays
        with transaction.atomic():
            orders.order_review(by=world.sta1_staff, order=order)
            raise RuntimeError("rolled back")
    assert list(NodePeriod.objects.values_list("org", "span", "metric", "value")) == before


def test_volunteers_registered_approved_suspended_moved_and_deleted(world):
    base = value(world.center, "v", Span.ALL)
    v = volunteer_at(world.sta1)
    assert value(world.center, "v", Span.ALL) == base + 1
    assert value(world.sta1, "v", Span.ALL) >= 1 and tally.problems() == []
    volunteer_update(volunteer=v, by=world.center_staff, changes={"station": world.sta2})
    assert tally.problems() == []
    assert value(world.sta2, "v") >= 1 and value(world.center, "v", Span.ALL) == base + 1
    volunteer_update(volunteer=v, by=world.center_staff, changes={"status": "suspended"})
    assert value(world.center, "v", Span.ALL) == base and tally.problems() == []
    volunteer_update(volunteer=v, by=world.center_staff, changes={"status": "active"})
    assert value(world.center, "v", Span.ALL) == base + 1
    v.refresh_from_db()
    v.residence_area = "海淀"  # a save that changes nothing counted
    v.save(update_fields=["residence_area"])
    v.delete()
    assert value(world.center, "v", Span.ALL) == base and tally.problems() == []


def test_the_bulk_registration_counts_its_volunteers(world):
    base = value(world.inst1, "v", Span.ALL)
    rows = [VolunteerInput(real_name=f"批量{i}号", id_number=next_id_number("M"),
                           mobile=f"1370000{i:04d}", password=None, station=world.sta1)
            for i in range(7)]
    people_bulk_register(volunteers=rows, by=world.center_staff)
    assert value(world.inst1, "v", Span.ALL) == base + 7
    assert tally.problems() == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_moves_at_one_station_lose_no_update(world):
    residents = [resident_at(world.sta1) for _i in range(6)]
    made = [submit(r) for r in residents]
    staff = world.sta1_staff

    def review(order):
        return lambda: orders.order_review(by=staff, order=order).pk

    race([review(o) for o in made])
    assert value(world.center, "o.reviewed") == 6 and value(world.center, "o.submitted") == 0
    assert tally.problems() == []


def test_the_dashboard_reads_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    volunteer = volunteer_at(world.sta1)
    for state in ("rated", "cancelled", "escalated_queue"):
        order_in(state, resident=world.res1, staff=world.sta1_staff, volunteer=volunteer)
    year = calendar_period("year", timezone.localdate())
    with django_assert_max_num_queries(40):
        data = dashboard(world.center, year)
    assert data["orders_total"] == 3 and data["volunteers"] == Volunteer.objects.exclude(
        status="suspended").count()


def test_ledger_writes_and_a_move_keep_active_volunteers_and_points(world):
    from wenming.activities.models import ServiceRecord
    from wenming.activities.services import record_approve, record_reverse, record_write
    from wenming.points.services import points_accounts_bulk_open, points_bulk_post

    from ..rollup import problems as volunteer_rollup_problems

    v = volunteer_at(world.sta1)
    today = timezone.localdate()
    line = record_write(volunteer=v, kind=ServiceRecord.Kind.BACKFILL, org=world.sta1,
                        title="服务", service_date=today, hours=Decimal("2"), by=None)
    record_approve(by=world.center_staff, record=line)
    assert value(world.inst1, "va") == 1 and value(world.inst1, "va", Span.YEAR) == 1
    account = points_accounts_bulk_open(volunteer_ids=[v.pk])[v.pk]
    points_bulk_post(entries=[{"account_id": account, "amount": -7, "kind": "redeem",
                               "reason": "x", "source_type": "test", "source_id": 1,
                               "created_by_id": None, "created_at": timezone.now()}])
    assert value(world.center, "ps") == 7
    volunteer_update(volunteer=v, by=world.center_staff, changes={"station": world.sta2})
    assert value(world.inst1, "va") == 0 and value(world.inst2, "va") == 1
    assert value(world.inst2, "ps") == 7 and value(world.center, "va") == 1
    record_reverse(by=world.center_staff, record=line, reason="更正")
    assert value(world.center, "va") == 0  # reversed in full: no longer active
    assert tally.problems() == [] and volunteer_rollup_problems() == []


def test_the_tree_counts_every_volunteer_and_resident_from_the_rollup(world,
                                                                       django_assert_max_num_queries):
    from wenming.orgs.models import OrgNode
    from wenming.orgs.selectors import subtree_counts
    from wenming.people.models import Resident

    v = volunteer_at(world.sta1b)
    volunteer_update(volunteer=v, by=world.center_staff, changes={"status": "suspended"})
    resident_at(world.sta2)
    gone = resident_at(world.sta1)
    gone.delete()
    people_bulk_register(residents=[{"real_name": "群众甲", "mobile": "13800001111",
                                     "station": world.sta1b}], by=world.center_staff)
    assert tally.problems() == []
    with django_assert_max_num_queries(2):
        counts = subtree_counts(world.center)
    for node in OrgNode.objects.all():
        inside = {"station__path__startswith": node.path}
        assert counts[node.pk]["volunteers"] == Volunteer.objects.filter(**inside).count()
        assert counts[node.pk]["residents"] == Resident.objects.filter(**inside).count()
        assert counts[node.pk]["children"] == OrgNode.objects.filter(parent=node).count()
