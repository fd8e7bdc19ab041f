"""Builders shared by the honors tests: ledger lines (approved, pending, reversed), rated
orders and confirmed wishes. Ledger lines go through the ledger's write path (record_write,
approve, reject, reverse), so the per-volunteer rollup the rankings read moves with them."""

import datetime
import json
from decimal import Decimal

from django.utils import timezone

from wenming.activities.models import Activity, ServiceRecord
from wenming.activities.services import record_approve, record_reject, record_reverse, record_write
from wenming.activities.tests.test_support import platform_of
from wenming.orders.models import ServiceOrder
from wenming.people.models import User
from wenming.wishes.models import Wish, WishEvent

APPROVED, PENDING = ServiceRecord.Status.APPROVED, ServiceRecord.Status.PENDING
REJECTED = ServiceRecord.Status.REJECTED


def activity_at(org, *, team=None, start=None) -> Activity:
    start = start or timezone.now() - datetime.timedelta(days=1)
    return Activity.objects.create(
        title="社区清洁", platform=platform_of("culture"), org=org, team=team, address="社区",
        lat=39.98, lng=116.3, start=start, end=start + datetime.timedelta(hours=2), quota=10)


def _admin() -> User:
    return User.objects.get(username="admin")


def line(volunteer, hours, day, *, kind="backfill", status=APPROVED, activity=None,
         order_id=None) -> ServiceRecord:
    """A ledger line through the ledger's own write path (so every rollup moves as in
    production), decided by the platform admin as `status` asks."""
    record = record_write(volunteer=volunteer, kind=kind, org=volunteer.station, title="服务",
                          service_date=day, hours=Decimal(str(hours)), by=None,
                          activity=activity, order_id=order_id)
    if status == APPROVED:
        record_approve(by=_admin(), record=record)
    elif status == REJECTED:
        record_reject(by=_admin(), record=record, reason="不予认定")
    return ServiceRecord.objects.get(pk=record.pk)


def reverse(record: ServiceRecord) -> ServiceRecord:
    return record_reverse(by=_admin(), record=record, reason="更正")


def approve(record: ServiceRecord) -> ServiceRecord:
    return record_approve(by=_admin(), record=record)


def served_order(volunteer, resident, day, *, score=None, hours=1, team=None) -> ServiceOrder:
    """An order the volunteer completed on `day` (its approved ledger line), rated `score`."""
    order = ServiceOrder.objects.create(
        kind="service", state="rated" if score else "completed", platform=platform_of("health"),
        text="帮忙", address="社区", lat=39.98, lng=116.3,
        wished_at=timezone.now(), contact_name="张", contact_phone="13800000000",
        resident=resident, submitted_by=resident.user, org=volunteer.station,
        station=volunteer.station, volunteer=volunteer, team=team, score=score)
    line(volunteer, hours, day, kind="order", order_id=order.pk)
    return order


def confirmed_wish(volunteer, resident, at: datetime.datetime) -> Wish:
    wish = Wish.objects.create(
        resident=resident, station=resident.station, title="老花镜", text="想要一副老花镜",
        due_date=timezone.localdate() + datetime.timedelta(days=30), state="confirmed",
        claimed_volunteer=volunteer, posted_by=resident.user)
    event = WishEvent.objects.create(wish=wish, from_state="fulfilled", to_state="confirmed")
    WishEvent.objects.filter(pk=event.pk).update(at=at)
    return wish


def post(client, url, data=None):
    return client.post(url, json.dumps(data or {}), content_type="application/json")
