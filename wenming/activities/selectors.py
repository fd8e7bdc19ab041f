"""Reads of activities and the hours ledger. The caller's scope is `permissions`' (the
`*_for_user` reads); these take what that returned."""

import datetime
import math
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.core.errors import NotFound
from wenming.core.masking import mask_mobile, mask_name
from wenming.geo import haversine_km
from wenming.orgs.models import OrgNode
from wenming.people.models import Volunteer

from .certificates import period_text
from .models import Activity, Attendance, Certificate, Enrollment, HoursDaily, ServiceRecord
from .rules import rules_for, star_level


def activity_search(qs: QuerySet[Activity], *, org: OrgNode | None = None, platform: str = "",
                    date_from: datetime.datetime | None = None,
                    date_to: datetime.datetime | None = None, q: str = "",
                    lat: float | None = None, lng: float | None = None,
                    radius_km: float | None = None, upcoming: bool = False):
    """Filter activities; with a position, keep those within `radius_km` and sort nearest
    first (a bounding box in SQL narrows, haversine measures). Returns a queryset, or a list
    when sorted by distance (each with `.distance_km`)."""
    if org is not None:
        qs = qs.filter(org__path__startswith=org.path)
    if platform:
        qs = qs.filter(platform__code=platform)
    if date_from:
        qs = qs.filter(end__gte=date_from)
    if date_to:
        qs = qs.filter(start__lte=date_to)
    if upcoming:
        qs = qs.filter(end__gte=timezone.now(), status=Activity.Status.PUBLISHED)
    if q.strip():
        qs = qs.filter(title__contains=q.strip())
    if lat is None or lng is None:
        return qs.order_by("start", "id")
    radius = radius_km or 5.0
    dlat = radius / 111.0
    dlng = radius / (111.0 * max(0.1, math.cos(math.radians(lat))))
    near = []
    for activity in qs.filter(lat__range=(lat - dlat, lat + dlat),
                              lng__range=(lng - dlng, lng + dlng))[:2000]:
        activity.distance_km = haversine_km(lat, lng, activity.lat, activity.lng)
        if activity.distance_km <= radius:
            near.append(activity)
    return sorted(near, key=lambda a: (a.distance_km, a.start))


def volunteer_hours(volunteer: Volunteer) -> Decimal:
    """Total approved hours: the ledger's sum (reversals are negative lines)."""
    return ServiceRecord.objects.filter(
        volunteer=volunteer, status=ServiceRecord.Status.APPROVED,
    ).aggregate(h=Sum("hours"))["h"] or Decimal("0")


def attach_standing(volunteers: list[Volunteer]) -> None:
    """Set `.total_hours` and `.star_level` on each volunteer with one ledger query."""
    totals = dict(ServiceRecord.objects.filter(
        volunteer__in=volunteers, status=ServiceRecord.Status.APPROVED,
    ).values_list("volunteer").annotate(h=Sum("hours")))
    thresholds: dict[str, list[int]] = {}
    for v in volunteers:
        district = v.station.path.split("/")[1]
        if district not in thresholds:
            thresholds[district] = rules_for(v.station).stars
        v.total_hours = totals.get(v.pk) or Decimal("0")
        v.star_level = star_level(v.total_hours, thresholds[district])


def volunteer_standing(volunteer: Volunteer) -> dict:
    hours = volunteer_hours(volunteer)
    thresholds = rules_for(volunteer.station).stars
    level = star_level(hours, thresholds)
    return {"total_hours": hours, "star_level": level,
            "next_star_at": thresholds[level] if level < len(thresholds) else None}


def certified_lines(volunteer: Volunteer, period_from=None, period_to=None) -> list[dict]:
    """Approved, not reversed lines, as the certificate lists them."""
    qs = ServiceRecord.objects.filter(volunteer=volunteer, status=ServiceRecord.Status.APPROVED
                                      ).unreversed().exclude(
        kind=ServiceRecord.Kind.REVERSAL).select_related("org", "origin").order_by(
        "service_date", "id")
    if period_from:
        qs = qs.filter(service_date__gte=period_from)
    if period_to:
        qs = qs.filter(service_date__lte=period_to)
    return [certificate_line(r) for r in qs]


def certificate_line(r: ServiceRecord) -> dict:
    """One line as a certificate freezes it. `origin`: for a line that arrived with a
    volunteer from another district (转移接续), the unit that first recorded it, which is the
    one that certifies it (谁记录谁证明); select `origin` with the lines."""
    origin = getattr(r, "origin", None)
    return {"date": r.service_date.isoformat(), "title": r.title, "place": r.place,
            "content": r.content[:200], "hours": str(r.hours), "org": r.org.name,
            "origin": origin.unit_name if origin else "", "leader": r.leader_name}


def recording_unit(line: dict) -> str:
    """The unit a certified line names: its original recording unit, else the unit that
    recorded it here."""
    return line.get("origin") or line.get("org") or ""


def certificate_by_code(code: str) -> Certificate:
    cert = Certificate.objects.select_related("org").filter(code=(code or "").upper()).first()
    if cert is None:
        raise NotFound()
    return cert


def certificate_facts(cert: Certificate) -> dict:
    """What anyone holding a certificate's code may learn: what its public verification page
    shows, no more (the name and ID number masked; each line's date, title, place, hours and
    organising unit, not its content or leader). The page and `/api/verify` both show this."""
    return {
        "valid": True, "code": cert.code, "real_name": mask_name(cert.real_name),
        "id_number": cert.id_number_masked, "period": period_text(cert),
        "total_hours": float(cert.total_hours), "record_count": len(cert.records),
        "org": cert.org.name, "issued_on": timezone.localdate(cert.issued_at),
        "records": [{"date": r["date"], "title": r["title"], "place": r.get("place", ""),
                     "hours": float(r["hours"]), "org": recording_unit(r)}
                    for r in cert.records],
    }


def subtree_totals(org: OrgNode, day_from: datetime.date, day_to: datetime.date) -> dict:
    """Hours (from the daily rollup), activities and people served of a subtree in a period."""
    hours = HoursDaily.objects.filter(org__path__startswith=org.path, day__gte=day_from,
                                      day__lte=day_to).aggregate(h=Sum("hours"), n=Sum("records"))
    start = timezone.make_aware(datetime.datetime.combine(day_from, datetime.time.min))
    end = timezone.make_aware(datetime.datetime.combine(day_to, datetime.time.max))
    acts = Activity.objects.filter(org__path__startswith=org.path, start__gte=start,
                                   start__lte=end, status=Activity.Status.PUBLISHED).aggregate(
        n=Count("id"), served=Sum("people_served"))
    return {"hours": hours["h"] or Decimal("0"), "records": hours["n"] or 0,
            "activities": acts["n"], "people_served": acts["served"] or 0}


# ---- for the pages ----------------------------------------------------------------------

def with_enrolled(qs: QuerySet[Activity]) -> QuerySet[Activity]:
    """`.enrolled` (places taken) for the lists' templates: the kept counter, no join."""
    return qs.annotate(enrolled=F("enrolled_count"))


def unmet_requirements(volunteer: Volunteer, activity: Activity) -> list[str]:
    """Why this volunteer may not sign up (empty when they may)."""
    reasons = []
    if volunteer.status != Volunteer.Status.ACTIVE:
        reasons.append(_("志愿者账号尚未审核通过"))
    # The skills query only when the activity asks for some: most ask for none, and a
    # popular activity's sign-up storm pays for every query (issue 10).
    skills = set(volunteer.skills.values_list("name", flat=True)) \
        if activity.required_skills else set()
    if missing := [s for s in activity.required_skills if s not in skills]:
        reasons.append(_("需要技能：%(v)s") % {"v": "、".join(missing)})
    if missing := [t for t in activity.required_tags if t not in volunteer.tags]:
        labels = dict(Volunteer.Tag.choices)
        reasons.append(_("需要身份：%(v)s") % {"v": "、".join(str(labels[t]) for t in missing)})
    if activity.min_age and volunteer.age_on(timezone.localdate(activity.start)) < \
            activity.min_age:
        reasons.append(_("需年满%(n)d周岁") % {"n": activity.min_age})
    return reasons


def volunteer_activity_state(volunteer: Volunteer, activity: Activity) -> dict:
    """One volunteer's standing in one activity: live enrollment, place on the waitlist,
    attendance and the ledger line it produced."""
    enrollment = Enrollment.objects.filter(activity=activity, volunteer=volunteer).exclude(
        status=Enrollment.Status.CANCELLED).first()
    position = None
    if enrollment is not None and enrollment.status == Enrollment.Status.WAITLISTED:
        position = 1 + activity.enrollments.filter(status=Enrollment.Status.WAITLISTED).filter(
            Q(created_at__lt=enrollment.created_at) |
            Q(created_at=enrollment.created_at, id__lt=enrollment.id)).count()
    return {
        "enrollment": enrollment, "waitlist_position": position,
        "attendance": Attendance.objects.filter(activity=activity, volunteer=volunteer).first(),
        "record": ServiceRecord.objects.filter(activity=activity, volunteer=volunteer).exclude(
            kind=ServiceRecord.Kind.REVERSAL).select_related("reversed_by").order_by(
            "-created_at", "-id").first(),
    }


def activity_roster(activity: Activity) -> dict:
    """The organiser's lists: enrolled (with attendance, ledger line and a masked mobile)
    and the waitlist, in sign-up order — three queries whatever the size."""
    rows = list(activity.enrollments.exclude(status=Enrollment.Status.CANCELLED)
                .select_related("volunteer__user").order_by("created_at", "id"))
    attendance = {a.volunteer_id: a for a in activity.attendances.all()}
    records = {r.volunteer_id: r for r in activity.records.exclude(
        kind=ServiceRecord.Kind.REVERSAL).order_by("created_at", "id")}
    for e in rows:
        e.attendance, e.record = attendance.get(e.volunteer_id), records.get(e.volunteer_id)
        e.mobile_masked = mask_mobile(e.volunteer.user.mobile)
    return {"enrolled": [e for e in rows if e.status == Enrollment.Status.ENROLLED],
            "waitlist": [e for e in rows if e.status == Enrollment.Status.WAITLISTED]}


def rollup_problems() -> list[str]:
    """Where the HoursDaily rollup differs from the approved ledger's hours."""
    ledger = dict(((o, d), h) for o, d, h in ServiceRecord.objects.filter(
        status=ServiceRecord.Status.APPROVED).values("org", "service_date").annotate(
        h=Sum("hours")).values_list("org", "service_date", "h"))
    problems = []
    for org, day, hours in HoursDaily.objects.values_list("org", "day", "hours").iterator():
        expected = ledger.pop((org, day), Decimal("0"))
        if hours != expected:
            problems.append(f"hours rollup org {org} {day}: {hours} != ledger {expected}")
    problems += [f"hours rollup org {o} {d}: missing, ledger {h}"
                 for (o, d), h in ledger.items() if h]
    return problems + enrolled_count_problems()


def enrolled_count_problems() -> list[str]:
    """Where an activity's sign-up counter differs from its enrolled enrollments."""
    counted = dict(Enrollment.objects.filter(status=Enrollment.Status.ENROLLED).order_by()
                   .values("activity").annotate(n=Count("pk")).values_list("activity", "n"))
    kept = dict(Activity.objects.filter(enrolled_count__gt=0).values_list(
        "pk", "enrolled_count"))
    return [f"activity {pk}: enrolled_count {kept.get(pk, 0)} != {counted.get(pk, 0)} enrolled"
            for pk in sorted(kept.keys() | counted.keys()) if kept.get(pk, 0) != counted.get(pk, 0)]


# ---- recurring activities (重复活动) -------------------------------------------------------

def series_occurrences(series) -> list[Activity]:
    """Every occurrence in order, each with `enrolled` (one query)."""
    return list(with_enrolled(series.occurrences.all()).order_by("start", "pk"))


def series_upcoming(series) -> list[Activity]:
    """Open occurrences that have not ended: the ones a change to the rest applies to."""
    return list(series.occurrences.filter(
        status=Activity.Status.PUBLISHED, end__gt=timezone.now()).order_by("start", "pk"))
