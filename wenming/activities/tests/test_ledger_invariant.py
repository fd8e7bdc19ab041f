"""Whatever sequence of approvals, rejections and reversals happens, a volunteer's total and
star level (GET /api/volunteers/{id}) equal the sum of their approved lines, the daily rollup
equals the ledger, and an approved line never changes."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wenming.activities import services
from wenming.activities.models import ServiceRecord, ServiceRules
from wenming.activities.rules import star_level
from wenming.activities.tests.test_support import (
    ledger_total,
    pending_record,
    rollup_matches_ledger,
)
from wenming.core.errors import Conflict

pytestmark = pytest.mark.django_db

DAYS = [datetime.date(2026, 3, 2) + datetime.timedelta(days=i) for i in range(3)]

hours = st.decimals(min_value=Decimal("0.25"), max_value=Decimal("8"), places=2)
operation = st.one_of(
    st.tuples(st.just("add"), hours, st.sampled_from(DAYS), st.sampled_from(["sta1", "sta1b"])),
    st.tuples(st.sampled_from(["approve", "reject", "reverse"]), st.integers(0, 30)),
)
thresholds = st.lists(st.integers(1, 60), min_size=1, max_size=5, unique=True).map(sorted)


class Rollback(Exception):
    pass


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=st.lists(operation, min_size=1, max_size=25), stars=thresholds)
def test_totals_and_stars_follow_the_approved_lines(world, client_for, ops, stars):
    try:
        with transaction.atomic():  # each example starts from the same world
            run(world, client_for, ops, stars)
            raise Rollback
    except Rollback:
        pass


def run(world, client_for, ops, stars):
    ServiceRules.objects.create(center=world.center, star_thresholds=stars)
    lines: list[ServiceRecord] = []
    frozen: dict[int, tuple] = {}
    for op in ops:
        if op[0] == "add":
            _, h, day, station = op
            lines.append(pending_record(world.vol1, getattr(world, station), h, day=day))
            continue
        if not lines:
            continue
        line = lines[op[1] % len(lines)]
        try:
            if op[0] == "approve":
                services.record_approve(by=world.inst1_staff, record=line)
            elif op[0] == "reject":
                services.record_reject(by=world.inst1_staff, record=line, reason="不予认定")
            else:
                lines.append(services.record_reverse(by=world.inst1_staff, record=line,
                                                     reason="冲正"))
        except Conflict as exc:
            assert exc.code == "invalid_transition"
        for r in ServiceRecord.objects.filter(status="approved"):
            assert frozen.setdefault(r.pk, (r.hours, r.service_date, r.org_id)) == (
                r.hours, r.service_date, r.org_id)
        assert rollup_matches_ledger()

    total = ledger_total(world.vol1)
    assert total == sum((r.hours for r in ServiceRecord.objects.filter(
        volunteer=world.vol1, status="approved", reversed_by__isnull=True).exclude(
        kind="reversal")), Decimal("0"))
    profile = client_for(world.inst1_staff).get(f"/api/volunteers/{world.vol1.id}").json()
    assert Decimal(str(profile["total_hours"])) == total
    assert profile["star_level"] == star_level(total, stars) == sum(1 for t in stars
                                                                      if total >= t)
    listed = client_for(world.vol1.user).get(
        f"/api/volunteers/{world.vol1.id}/records?page_size=200").json()["items"]
    assert sum(Decimal(str(r["hours"])) for r in listed
               if r["status"] in ("approved", "reversed")) == total


def test_default_star_thresholds_are_100_300_600_1000_1500_hours(world, client_for):
    def stars_at(total: str) -> int:
        line = pending_record(world.vol1, world.sta1, total)
        services.record_approve(by=world.sta1_staff, record=line)
        return client_for(world.sta1_staff).get(
            f"/api/volunteers/{world.vol1.id}").json()["star_level"]

    # Approved lines cannot be deleted: each total is built afresh and rolled back.
    results = []
    for total in ("99.99", "100", "299.99", "300", "600", "1000", "1499.99", "1500"):
        with transaction.atomic():
            results.append(stars_at(total))
            transaction.set_rollback(True)
    assert results == [0, 1, 1, 2, 3, 4, 4, 5]


def test_a_districts_own_thresholds_set_the_star_level(world, client_for):
    ServiceRules.objects.create(center=world.center, star_thresholds=[2, 4, 6, 8, 10])
    services.record_approve(by=world.sta1_staff, record=pending_record(world.vol1, world.sta1,
                                                                        "6.5"))
    body = client_for(world.vol1.user).get(f"/api/volunteers/{world.vol1.id}").json()
    assert (body["total_hours"], body["star_level"]) == (6.5, 3)
