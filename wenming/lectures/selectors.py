"""Reads of 宣讲 that pages and the API share: a lecturer's month of bookings."""

import calendar
import datetime
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Booking, Lecturer, State

WEEKDAYS = (_("一"), _("二"), _("三"), _("四"), _("五"), _("六"), _("日"))
# A lecturer's calendar shows what holds or held their time; declined and cancelled do not.
SHOWN = (State.REQUESTED, State.CONFIRMED, State.DONE)


def month_of(value: str | None) -> datetime.date:
    """The first day of `YYYY-MM` (this month when missing or mistyped), kept within five
    years of today so a typed URL cannot ask for year 1 or 9999."""
    today = timezone.localdate()
    try:
        year, month = (int(x) for x in (value or "").split("-"))
        first = datetime.date(year, month, 1)
    except ValueError:
        return today.replace(day=1)
    if abs(first.year - today.year) > 5:
        return today.replace(day=1)
    return first


def next_month(first: datetime.date) -> datetime.date:
    return (first + datetime.timedelta(days=32)).replace(day=1)


def prev_month(first: datetime.date) -> datetime.date:
    return (first - datetime.timedelta(days=1)).replace(day=1)


@dataclass
class Day:
    date: datetime.date
    in_month: bool
    is_today: bool
    bookings: list[Booking] = field(default_factory=list)


def lecturer_bookings(lecturer: Lecturer, first: datetime.date):
    """The lecturer's bookings starting in the month of `first` (local time), in time order,
    with their lecture, 讲堂 and node: one query."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(first, datetime.time(), tzinfo=tz)
    end = datetime.datetime.combine(next_month(first), datetime.time(), tzinfo=tz)
    return Booking.objects.filter(lecturer=lecturer, state__in=SHOWN, start__gte=start,
                                  start__lt=end).select_related(
        "lecture__series", "org").order_by("start", "id")


def lecturer_month(lecturer: Lecturer, first: datetime.date) -> list[list[Day]]:
    """The month as weeks (Monday first) of days, each with its bookings: the desktop grid
    reads the weeks, the phone list the days that have bookings."""
    by_day: dict[datetime.date, list[Booking]] = {}
    for b in lecturer_bookings(lecturer, first):
        by_day.setdefault(timezone.localtime(b.start).date(), []).append(b)
    today = timezone.localdate()
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    return [[Day(d, d.month == first.month, d == today, by_day.get(d, [])) for d in week]
            for week in weeks]
