"""District rules and the arithmetic of hours: pure functions, no writes."""

import datetime
from decimal import ROUND_DOWN, Decimal

from wenming.orgs.models import OrgNode

from .models import ServiceRules


def rules_for(org: OrgNode) -> ServiceRules:
    """The rules of the district the node belongs to (its root), or the defaults."""
    center_id = int(org.path.strip("/").split("/")[0])
    return ServiceRules.objects.filter(center_id=center_id).first() or ServiceRules(
        center_id=center_id, star_thresholds=[])


def star_level(total_hours: Decimal, thresholds: list[int]) -> int:
    """0 to 5 stars: one per threshold reached (default 100/300/600/1000/1500 h)."""
    return sum(1 for t in thresholds if total_hours >= t)


def overlap_hours(checkin: datetime.datetime, checkout: datetime.datetime,
                  start: datetime.datetime, end: datetime.datetime) -> Decimal:
    """Hours of attendance inside the schedule, to the hundredth of an hour, rounded down."""
    seconds = (min(checkout, end) - max(checkin, start)).total_seconds()
    return (Decimal(max(seconds, 0)) / 3600).quantize(Decimal("0.01"), rounding=ROUND_DOWN)


def scheduled_hours(start: datetime.datetime, end: datetime.datetime) -> Decimal:
    return overlap_hours(start, end, start, end)


def add_workdays(day: datetime.date, n: int) -> datetime.date:
    """`n` working days (Monday to Friday) after `day`. Public holidays are not modelled."""
    while n > 0:
        day += datetime.timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day
