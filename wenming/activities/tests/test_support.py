"""Helpers shared by the activity and team API tests (this module holds no tests).

`Clock` moves Django's clock so a test can stand before, during and after an activity;
`publish` puts an activity on the calendar through the real service.
"""

import datetime
import json
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from wenming.activities import services
from wenming.activities.models import HoursDaily, ServiceRecord
from wenming.orgs.models import Platform
from wenming.orgs.services import org_create
from wenming.people.tests.factories import staff_at, volunteer_at

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def tomorrow(hour: int = 0, minute: int = 0, days: int = 1) -> datetime.datetime:
    """A wall-clock time in Asia/Shanghai `days` after today, computed from the real clock."""
    today = datetime.datetime.now(SHANGHAI).date()
    return datetime.datetime.combine(today + datetime.timedelta(days=days),
                                     datetime.time(hour, minute), tzinfo=SHANGHAI)


class Clock:
    """Django's `timezone.now` under the test's control (restored by monkeypatch).

    It starts tomorrow at 08:00 Shanghai time, always ahead of the real clock, so sessions and
    defaults taken from the real clock stay in the past."""

    def __init__(self, monkeypatch, start: datetime.datetime | None = None):
        self.now = start or tomorrow(8)
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def set(self, when: datetime.datetime) -> None:
        self.now = when

    def advance(self, **delta) -> None:
        self.now += datetime.timedelta(**delta)


def platform_of(code: str) -> Platform:
    """A platform by code (created again after a transactional test flushed the migration's
    rows)."""
    return Platform.objects.get_or_create(code=code, defaults={"name": code})[0]


def publish(by, org, *, start: datetime.datetime, hours: float = 3, quota: int = 10,
            lat: float = 39.981, lng: float = 116.305, platform: str = "health", **fields):
    """An activity at `org` from `start`, lasting `hours`, published by `by`."""
    fields.setdefault("title", "社区义诊活动")
    fields.setdefault("address", "稻香园社区活动室")
    return services.activity_publish(
        by=by, org=org, platform=platform_of(platform), lat=lat, lng=lng,
        start=start, end=start + datetime.timedelta(hours=hours), quota=quota, **fields)


def activity_body(org, **fields) -> dict:
    """A valid POST /api/activities body for `org`, starting tomorrow at 09:00."""
    start = tomorrow(9)
    return {"title": "垃圾分类宣传", "platform": "culture", "org_id": org.id, "lat": 39.981,
            "lng": 116.305, "radius_m": 300, "start": start.isoformat(),
            "end": (start + datetime.timedelta(hours=2)).isoformat(), "quota": 10,
            "address": "稻香园社区广场", **fields}


def post(client, url: str, data=None, **extra):
    body = data if isinstance(data, str | bytes) else json.dumps(data or {})
    return client.post(url, body, content_type="application/json", **extra)


def patch(client, url: str, data, **extra):
    return client.patch(url, json.dumps(data), content_type="application/json", **extra)


def pending_record(volunteer, org, hours, *, day: datetime.date | None = None,
                   activity=None, kind=ServiceRecord.Kind.ORDER, **fields) -> ServiceRecord:
    """A pending ledger line written straight to the table (for ledger and approval tests)."""
    return ServiceRecord.objects.create(
        volunteer=volunteer, org=org, activity=activity, kind=kind, title="入户助老服务",
        service_date=day or datetime.date(2026, 3, 2), hours=Decimal(str(hours)), **fields)


def ledger_total(volunteer) -> Decimal:
    return ServiceRecord.objects.filter(volunteer=volunteer, status="approved").aggregate(
        h=Sum("hours"))["h"] or Decimal("0")


def rollup_matches_ledger() -> bool:
    """HoursDaily holds, per node and day, exactly the sum and count of approved lines
    (a reversal counts -1, cancelling the line it reverses)."""
    ledger: dict = {}
    for r in ServiceRecord.objects.filter(status="approved"):
        hours, n = ledger.get((r.org_id, r.service_date), (Decimal("0"), 0))
        ledger[(r.org_id, r.service_date)] = (
            hours + r.hours, n + (-1 if r.kind == ServiceRecord.Kind.REVERSAL else 1))
    rollup = {(d.org_id, d.day): (d.hours, d.records) for d in HoursDaily.objects.all()}
    nonzero = {k: v for k, v in rollup.items() if v != (Decimal("0"), 0)}
    return nonzero == {k: v for k, v in ledger.items() if v != (Decimal("0"), 0)}


def serve(clock: Clock, volunteer, activity, *, arrive: int = -5, leave: int = 0):
    """Sign `volunteer` up (now, before the start), check in `arrive` minutes after the start
    and out `leave` minutes after the end, through the services. Returns the pending record
    (None when attendance covered too little)."""
    if not activity.enrollments.filter(volunteer=volunteer, status="enrolled").exists():
        services.enrollment_create(volunteer=volunteer, activity=activity)
    clock.set(activity.start + datetime.timedelta(minutes=arrive))
    services.attendance_checkin(volunteer=volunteer, activity=activity, lat=activity.lat,
                                lng=activity.lng)
    clock.set(activity.end + datetime.timedelta(minutes=leave))
    return services.attendance_checkout(volunteer=volunteer, activity=activity,
                                        lat=activity.lat, lng=activity.lng)[1]


def other_district():
    """Another center with one station, its staff and a volunteer: (staff, volunteer)."""
    center = org_create(kind="center", name="朝阳区新时代文明实践中心", lat=39.92, lng=116.44)
    station = org_create(kind="station", name="望京社区实践站", lat=39.99, lng=116.47,
                         parent=org_create(kind="institute", name="望京街道实践所",
                                           parent=center))
    return staff_at(station, "chaoyang_staff"), volunteer_at(station, "chaoyang_vol")
