"""重复活动: a weekly or monthly rule, with skipped dates, whose occurrences are ordinary
activities linked to their series.

Every occurrence is published, edited and cancelled through `activities.services` (the one
write path: the same checks, the same notices); this module only works out the dates and
applies a change to the remaining occurrences of a series, all in one transaction (one bad
occurrence and nothing is written). A series is bounded: at most `MAX_OCCURRENCES`
occurrences within `MAX_SPAN_DAYS` of the first, so a mistaken rule cannot flood the
calendar. Times are wall-clock times in Asia/Shanghai: an occurrence starts at the first
one's time of day whatever the date.
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.core.errors import Conflict
from wenming.people.models import User

from . import services
from .models import ACTIVITY_FLOW, Activity, ActivitySeries
from .permissions import require_organise

MAX_OCCURRENCES = 100
MAX_SPAN_DAYS = 366
# What may be changed for the remaining occurrences at once (times of day, not dates).
SERIES_EDITABLE = {"title", "content", "address", "lat", "lng", "radius_m", "quota",
                   "start_time", "end_time"}


@dataclass(frozen=True)
class Rule:
    freq: str  # ActivitySeries.Freq
    weekdays: tuple[int, ...] = ()  # weekly: 0 = Monday … 6 = Sunday
    month_day: int | None = None  # monthly: 1–31; a month without that day is passed over
    until: datetime.date | None = None  # the last date, or
    count: int | None = None  # the number of occurrences
    skipped: tuple[datetime.date, ...] = field(default=())  # exceptions


def _invalid(message: str, code: str = "invalid_rule") -> ValidationError:
    return ValidationError(message, code=code)


def check_rule(first: datetime.date, rule: Rule) -> None:
    """Refuse a rule that is incomplete, contradictory or unbounded (400)."""
    if rule.freq == ActivitySeries.Freq.WEEKLY:
        if not rule.weekdays or any(not 0 <= d <= 6 for d in rule.weekdays):
            raise _invalid(_("每周重复请选择星期几"))
    elif rule.freq == ActivitySeries.Freq.MONTHLY:
        if rule.month_day is None or not 1 <= rule.month_day <= 31:
            raise _invalid(_("每月重复请填写1到31号中的一天"))
    else:
        raise _invalid(_("请选择每周或每月重复"))
    if (rule.until is None) == (rule.count is None):
        raise _invalid(_("请填写重复至哪天或重复次数（二选一）"))
    if rule.count is not None and not 1 <= rule.count <= MAX_OCCURRENCES:
        raise _invalid(_("重复次数应在1到%(n)d次之间") % {"n": MAX_OCCURRENCES})
    if rule.until is not None and not first <= rule.until <= first + datetime.timedelta(
            days=MAX_SPAN_DAYS):
        raise _invalid(_("重复至的日期应在首次活动之后一年以内"))


def _matches(day: datetime.date, rule: Rule) -> bool:
    if rule.freq == ActivitySeries.Freq.WEEKLY:
        return day.weekday() in rule.weekdays
    return day.day == rule.month_day


def occurrence_dates(first: datetime.date, rule: Rule) -> list[datetime.date]:
    """The dates from `first` (included when it matches) that the rule gives, less the
    skipped ones; a count counts the occurrences that take place."""
    check_rule(first, rule)
    last = rule.until or first + datetime.timedelta(days=MAX_SPAN_DAYS)
    skipped, dates, day = set(rule.skipped), [], first
    while day <= last and len(dates) < (rule.count or MAX_OCCURRENCES + 1):
        if _matches(day, rule) and day not in skipped:
            dates.append(day)
        day += datetime.timedelta(days=1)
    if not dates:
        raise _invalid(_("按此规则没有任何一次活动"))
    if len(dates) > MAX_OCCURRENCES:
        raise _invalid(_("一个重复活动最多%(n)d次，请缩短重复时间") % {"n": MAX_OCCURRENCES},
                       "too_many_occurrences")
    return dates


def _on(day: datetime.date, moment: datetime.datetime) -> datetime.datetime:
    """`moment`'s wall-clock time in Asia/Shanghai, on `day`."""
    local = timezone.localtime(moment)
    return timezone.make_aware(datetime.datetime.combine(day, local.time().replace(tzinfo=None)))


@transaction.atomic
def series_publish(*, by: User, rule: Rule, start: datetime.datetime,
                   end: datetime.datetime, signup_deadline: datetime.datetime | None = None,
                   **fields) -> ActivitySeries:
    """Publish every occurrence of the rule from `start`'s date, each lasting as long as
    `start`–`end` and (if given) closing sign-ups as long before its start as the first
    does. `fields` are `services.activity_publish`'s other keywords, checked by it for each
    occurrence; any refusal and nothing is published."""
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise _invalid(_("时间须带时区，例如 2026-12-01T09:00:00+08:00"), "invalid_time")
    dates = occurrence_dates(timezone.localtime(start).date(), rule)
    series = ActivitySeries.objects.create(
        org=fields["org"], title=(fields.get("title") or "")[:100], freq=rule.freq,
        weekdays=sorted(set(rule.weekdays)), month_day=rule.month_day, until=rule.until,
        count=rule.count, skipped=sorted({d.isoformat() for d in rule.skipped}), created_by=by)
    length = end - start
    before = (start - signup_deadline) if signup_deadline is not None else None
    ids = []
    for day in dates:
        begins = _on(day, start)
        activity = services.activity_publish(
            by=by, start=begins, end=begins + length,
            signup_deadline=begins - before if before is not None else None, **fields)
        ids.append(activity.pk)
    Activity.objects.filter(pk__in=ids).update(series=series)
    return series


def remaining(series: ActivitySeries, from_activity: Activity):
    """The series' open occurrences from `from_activity` on, in order."""
    if from_activity.series_id != series.pk:
        raise _invalid(_("该活动不属于这个重复活动"), "invalid_occurrence")
    return list(series.occurrences.filter(
        start__gte=from_activity.start,
        status__in=ACTIVITY_FLOW.groups["open"]).order_by("start", "pk"))


@transaction.atomic
def series_cancel_from(*, by: User, series: ActivitySeries, from_activity: Activity,
                       reason: str) -> list[Activity]:
    """Cancel this occurrence and every later one still open (those signed up are told,
    as for one cancellation). One that cannot be cancelled (under way, someone checked
    in) refuses the whole request with its date."""
    require_organise(by, from_activity)
    done = []
    for activity in remaining(series, from_activity):
        try:
            done.append(services.activity_cancel(by=by, activity=activity, reason=reason))
        except Conflict as exc:
            raise Conflict(_("%(d)s 的活动不能取消：%(m)s") % {
                "d": timezone.localtime(activity.start).date().isoformat(), "m": exc.message},
                code=exc.code) from None
    if not done:
        raise Conflict(_("没有可以取消的场次"), code="invalid_transition")
    return done


def _changes_on(activity: Activity, changes: dict) -> dict:
    """A series change as one occurrence's change: times of day become its start and end."""
    out = {k: v for k, v in changes.items() if k not in ("start_time", "end_time")}
    if "start_time" in changes or "end_time" in changes:
        local = timezone.localtime(activity.start)
        start_time = changes.get("start_time") or local.time().replace(tzinfo=None)
        end_time = changes.get("end_time") or timezone.localtime(activity.end).time().replace(
            tzinfo=None)
        begins = timezone.make_aware(datetime.datetime.combine(local.date(), start_time))
        ends = timezone.make_aware(datetime.datetime.combine(local.date(), end_time))
        if ends <= begins:
            raise _invalid(_("结束时间必须晚于开始时间"), "invalid_time")
        out |= {"start": begins, "end": ends}
    return out


@transaction.atomic
def series_update_from(*, by: User, series: ActivitySeries, from_activity: Activity,
                       changes: dict) -> list[Activity]:
    """Apply `changes` (title, place, quota, times of day, …) to this occurrence and every
    later open one, each through `services.activity_update` (its checks, e.g. a quota not
    below those enrolled). Any refusal and none is changed."""
    require_organise(by, from_activity)
    if unknown := set(changes) - SERIES_EDITABLE:
        raise _invalid(_("不可修改：%(f)s") % {"f": "、".join(sorted(unknown))}, "invalid_input")
    if not changes:
        raise _invalid(_("没有要修改的内容"), "invalid_input")
    occurrences = remaining(series, from_activity)
    if not occurrences:
        raise Conflict(_("没有可以修改的场次"), code="invalid_transition")
    updated = [services.activity_update(by=by, activity=a, changes=_changes_on(a, changes))
               for a in occurrences]
    if "title" in changes:  # the series is named after its occurrences
        ActivitySeries.objects.filter(pk=series.pk).update(title=updated[0].title)
    return updated
