"""Approved lines of the hours ledger cannot be changed by any ORM path."""

import datetime
from decimal import Decimal

import pytest

from wenming.activities.models import ServiceRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(world):
    return ServiceRecord.objects.create(
        volunteer=world.vol1, org=world.sta1, kind=ServiceRecord.Kind.BACKFILL, title="助老",
        service_date=datetime.date(2026, 5, 1), hours=Decimal("2"),
        status=ServiceRecord.Status.APPROVED)


def test_a_bulk_update_of_an_approved_line_is_refused(approved):
    with pytest.raises(PermissionError):
        ServiceRecord.objects.filter(pk=approved.pk).update(hours=Decimal("20"))
    assert ServiceRecord.objects.get(pk=approved.pk).hours == Decimal("2")


def test_a_bulk_delete_of_an_approved_line_is_refused(approved):
    with pytest.raises(PermissionError):
        ServiceRecord.objects.all().delete()
    assert ServiceRecord.objects.filter(pk=approved.pk).exists()


def test_a_line_loaded_without_its_status_still_cannot_be_saved(approved):
    record = ServiceRecord.objects.defer("status").get(pk=approved.pk)
    record.hours = Decimal("9")
    with pytest.raises(PermissionError):
        record.save()


def test_pending_lines_may_still_be_bulk_updated(world):
    ServiceRecord.objects.create(
        volunteer=world.vol1, org=world.sta1, kind=ServiceRecord.Kind.BACKFILL, title="助老",
        service_date=datetime.date(2026, 5, 1), hours=Decimal("2"))
    assert ServiceRecord.objects.filter(status="pending").update(reason="补充说明") == 1
