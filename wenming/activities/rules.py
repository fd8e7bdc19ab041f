"""District rules and the arithmetic of hours: pure functions, no writes."""

import datetime
from decimal import ROUND_DOWN, Decimal

from wenming.orgs.models import OrgNode

from .models import ACTIVITY_FLOW, Enrollment, InsurancePolicy, ServiceRules


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


def is_late(service_date: datetime.date, recorded_on: datetime.date, workdays: int) -> bool:
    """Recorded more than `workdays` working days after the service (the recording rule:
    10 working days by default)."""
    return recorded_on > add_workdays(service_date, workdays)


# ---- the windows of an activity (services refuse outside them; capabilities read them) ---

def signup_closes(activity) -> datetime.datetime:
    """The organiser's deadline, or by default the activity's end: one may still join an
    activity under way (and check in at once)."""
    return activity.signup_deadline or activity.end


def enrollment_open(activity, now: datetime.datetime) -> bool:
    return ACTIVITY_FLOW.in_group(activity.status, "open") and now < signup_closes(activity)


def withdrawal_open(enrollment_status: str, activity, rules: ServiceRules,
                    now: datetime.datetime) -> bool:
    """A waiting volunteer may always step back; an enrolled one until the cut-off."""
    cutoff = activity.start - datetime.timedelta(minutes=rules.cancel_cutoff_minutes)
    return enrollment_status == Enrollment.Status.WAITLISTED or now < cutoff


def checkin_open(activity, rules: ServiceRules, now: datetime.datetime) -> bool:
    early = datetime.timedelta(minutes=rules.checkin_early_minutes)
    return ACTIVITY_FLOW.in_group(activity.status, "open") and \
        activity.start - early <= now <= activity.end


def needs_insurance(activity, rules: ServiceRules) -> bool:
    """Marked by the organiser, or on a platform the district's rules insure (条例 Art. 17)."""
    if activity.needs_insurance:
        return True
    codes = rules.insured_platforms or []
    return bool(codes) and activity.platform.code in codes


def insurance_ready(activity, rules: ServiceRules) -> bool:
    """Check-in may open: no cover is asked, or a policy covering the whole activity is on
    record."""
    if not needs_insurance(activity, rules):
        return True
    policy = InsurancePolicy.objects.filter(activity_id=activity.pk).first()
    return policy is not None and policy.covers(activity)


def checkout_open(activity, rules: ServiceRules, now: datetime.datetime) -> bool:
    return now <= activity.end + datetime.timedelta(minutes=rules.checkout_late_minutes)


def scan_open(activity, rules: ServiceRules, now: datetime.datetime) -> bool:
    """The organiser scans e-cards from when check-in opens until check-out closes."""
    early = datetime.timedelta(minutes=rules.checkin_early_minutes)
    return ACTIVITY_FLOW.in_group(activity.status, "open") and \
        activity.start - early <= now and checkout_open(activity, rules, now)


CODE_DAYS = 7  # a time code may be claimed up to a week after the activity ends


def codes_expire(activity) -> datetime.datetime:
    return activity.end + datetime.timedelta(days=CODE_DAYS)
