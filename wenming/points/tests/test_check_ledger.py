"""`wenming check-ledger`: passes on a healthy database and fails (non-zero exit) on a
tampered balance, negative stock or an hours rollup that disagrees with the ledger."""

import contextlib
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from wenming.activities import services as ledger
from wenming.activities.models import HoursDaily
from wenming.points import services
from wenming.points.models import Goods, PointsAccount
from wenming.points.tests.test_support import give_points, goods_in, pending_record, store_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def healthy(world):
    """Earned, spent, refunded and reversed points, a store with goods, approved hours."""
    record = ledger.record_approve(by=world.sta1_staff,
                                   record=pending_record(world.vol1, world.sta1, 3))
    ledger.record_approve(by=world.inst1_staff, record=pending_record(world.vol1b, world.sta1b, 2))
    give_points([world.vol2], 40)
    soap = goods_in(store_at(world.sta1, world.sta1_staff), world.sta1_staff, price=10, stock=2)
    services.redemption_create(volunteer=world.vol1, goods=soap, quantity=2)
    redemption, _ = services.redemption_create(volunteer=world.vol2, goods=goods_in(
        soap.store, world.sta1_staff, name="毛巾", price=5, stock=3), quantity=1)
    services.redemption_cancel(by=world.vol2.user, redemption=redemption)
    ledger.record_reverse(by=world.sta1_staff, record=record, reason="冲正")
    return soap


def check(capsys) -> str:
    call_command("check-ledger")
    return capsys.readouterr().out


def fails(capsys, *expected: str) -> None:
    with pytest.raises((CommandError, SystemExit)):
        call_command("check-ledger")
    err = capsys.readouterr().err
    for text in expected:
        assert text in err, err


@contextlib.contextmanager
def check_constraints_off(table: str, name: str):
    """Let a row break a CHECK constraint, as a bug or a hand-edit in the database would:
    SQLite ignores CHECKs on request; PostgreSQL drops it inside the test's transaction,
    which rolls back at the end."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA ignore_check_constraints = ON")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA ignore_check_constraints = OFF")
    else:
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks
            cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        yield


def test_a_healthy_database_passes(healthy, capsys):
    assert "ledger ok" in check(capsys)


def test_an_empty_database_passes(db, capsys):
    assert "ledger ok" in check(capsys)


def test_a_tampered_balance_fails(healthy, world, capsys):
    account = PointsAccount.objects.get(volunteer=world.vol2)
    PointsAccount.objects.filter(pk=account.pk).update(balance=account.balance + 7)
    fails(capsys, f"points account {account.pk}")


def test_a_balance_without_any_entry_fails(db, world, capsys):
    PointsAccount.objects.create(volunteer=world.vol1, balance=5)
    fails(capsys, "balance 5 != entries 0")


def test_the_database_refuses_a_negative_balance_or_stock(healthy, world):
    for update in (lambda: PointsAccount.objects.filter(volunteer=world.vol1).update(balance=-1),
                   lambda: Goods.objects.filter(pk=healthy.pk).update(stock=-1)):
        with pytest.raises(IntegrityError), transaction.atomic():
            update()


def test_negative_stock_fails(healthy, capsys):
    with check_constraints_off("points_goods", "goods_stock_not_negative"):
        Goods.objects.filter(pk=healthy.pk).update(stock=-3)
    fails(capsys, f"goods {healthy.pk}: negative stock -3")


def test_a_negative_balance_fails_even_when_the_entries_agree(healthy, world, capsys):
    with check_constraints_off("points_pointsaccount", "points_balance_not_negative"):
        account = PointsAccount.objects.get(volunteer=world.vol2)
        account.entries.update(amount=-1)
        count = account.entries.count()
        PointsAccount.objects.filter(pk=account.pk).update(balance=-count)
    fails(capsys, f"points account {account.pk}: negative balance")


def test_an_hours_rollup_that_disagrees_fails(healthy, world, capsys):
    daily = HoursDaily.objects.get(org=world.sta1b)
    HoursDaily.objects.filter(pk=daily.pk).update(hours=daily.hours + Decimal("0.5"))
    fails(capsys, "hours rollup")


def test_a_missing_rollup_row_fails(healthy, world, capsys):
    HoursDaily.objects.filter(org=world.sta1b).delete()
    fails(capsys, "missing")


# ---- the per-volunteer rollup (stats.VolunteerPeriod) ------------------------------------

def test_the_volunteer_rollup_follows_every_write_of_the_fixture(healthy, world):
    """Approval, second approval, points given, spent, refunded, a reversal: the rollup
    moved with each, so it equals the ledgers recomputed."""
    from wenming.stats.rollup import problems

    assert problems() == []


def test_a_drifted_volunteer_rollup_row_fails(healthy, world, capsys):
    from wenming.stats.models import Span, VolunteerPeriod

    row = VolunteerPeriod.objects.get(volunteer=world.vol1b, span=Span.YEAR)
    VolunteerPeriod.objects.filter(pk=row.pk).update(cents=row.cents + 1)
    fails(capsys, f"volunteer rollup {world.vol1b.pk} Y {row.start}")


def test_a_missing_volunteer_rollup_row_fails(healthy, world, capsys):
    from wenming.stats.models import Span, VolunteerPeriod

    VolunteerPeriod.objects.filter(volunteer=world.vol2, span=Span.MONTH).delete()
    fails(capsys, f"volunteer rollup {world.vol2.pk} M", "missing")


def test_spent_points_drifting_in_the_rollup_fail(healthy, world, capsys):
    from wenming.stats.models import Span, VolunteerPeriod

    VolunteerPeriod.objects.filter(volunteer=world.vol1, span=Span.ALL).update(points_spent=0)
    fails(capsys, f"volunteer rollup {world.vol1.pk} A")


def test_a_rollup_row_on_the_wrong_station_fails(healthy, world, capsys):
    from wenming.stats.models import VolunteerPeriod

    VolunteerPeriod.objects.filter(volunteer=world.vol1).update(station=world.sta2)
    fails(capsys, f"station {world.sta2.pk} != the volunteer's {world.sta1.pk}")


def test_a_volunteer_moving_takes_their_rows_along(healthy, world, capsys):
    from wenming.people.models import Volunteer
    from wenming.stats.models import VolunteerPeriod

    volunteer = Volunteer.objects.get(pk=world.vol1.pk)
    volunteer.station = world.sta2
    volunteer.save()
    assert set(VolunteerPeriod.objects.filter(volunteer=volunteer).values_list(
        "station", flat=True)) == {world.sta2.pk}
    assert "ledger ok" in check(capsys)
