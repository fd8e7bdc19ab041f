"""Reads of a volunteer's record: its five parts, as the page, the API and the certificate
show them. The caller has fetched the volunteer through `permissions` (scope)."""

from decimal import Decimal

from django.db.models import Count, Prefetch, Q, Sum

from wenming.activities.models import RECORD_FLOW, ServiceRecord
from wenming.activities.permissions import with_reversals
from wenming.activities.selectors import volunteer_standing
from wenming.honors.models import Award
from wenming.orgs.models import OrgNode
from wenming.people.models import Volunteer
from wenming.people.permissions import volunteer_contact

from .models import (
    COMPLAINT_FLOW,
    CORRECTION_FLOW,
    Complaint,
    Correction,
    Evaluation,
    Training,
)

SERVICE_LINES = 200  # the record shows the latest lines; the ledger pages page through all


def profile_part(user, volunteer: Volunteer) -> dict:
    """个人基本信息: the numbers through the one contact function (masked for staff)."""
    data = volunteer_contact(user, volunteer)
    standing = volunteer_standing(volunteer)
    return {"id": volunteer.pk, "volunteer_no": volunteer.volunteer_no or "",
            "real_name": data.real_name, "id_number": data.id_number, "mobile": data.mobile,
            "sex": volunteer.sex, "age": data.age, "station_id": volunteer.station_id,
            "station_name": volunteer.station.name,
            "political_status": volunteer.get_political_status_display(),
            "registered_on": volunteer.registered_at.date(),
            "total_hours": standing["total_hours"], "star_level": standing["star_level"],
            "personal_data_masked": data.masked}


def service_lines(volunteer: Volunteer, limit: int | None = SERVICE_LINES) -> list[ServiceRecord]:
    """The latest ledger lines with their state, origin (转入) and open correction."""
    qs = ServiceRecord.objects.filter(volunteer=volunteer).select_related(
        "org", "origin").prefetch_related(
        Prefetch("corrections", queryset=Correction.objects.order_by("-created_at"),
                 to_attr="correction_list")).order_by("-service_date", "-id")
    return with_reversals(list(qs[:limit] if limit else qs))  # not a self-join (issue 10)


def line_row(line: ServiceRecord) -> dict:
    origin = getattr(line, "origin", None)
    open_correction = next((c for c in getattr(line, "correction_list", [])
                            if CORRECTION_FLOW.in_group(c.state, "open")), None)
    return {"id": line.pk, "date": line.service_date, "title": line.title,
            "place": line.place, "hours": line.hours, "kind": line.kind,
            "state": line.state, "state_label": RECORD_FLOW.label(line.state),
            "org_id": line.org_id, "org": line.org.name,
            "origin_unit": origin.unit_name if origin else "",
            "open_correction_id": open_correction.pk if open_correction else None}


def services_part(volunteer: Volunteer) -> dict:
    lines = service_lines(volunteer)
    totals = ServiceRecord.objects.filter(volunteer=volunteer,
                                          status=ServiceRecord.Status.APPROVED)
    count = ServiceRecord.objects.filter(volunteer=volunteer).count()
    return {"lines": [line_row(line) for line in lines], "count": count,
            "truncated": count > len(lines),
            "approved_hours": totals.aggregate(h=Sum("hours"))["h"] or Decimal("0"),
            "units": units_of(volunteer)}


def units_of(volunteer: Volunteer) -> list[dict]:
    """谁记录谁证明: each unit that recorded approved hours, with its hours and lines."""
    qs = ServiceRecord.objects.filter(volunteer=volunteer, status=ServiceRecord.Status.APPROVED)
    rows = qs.values("org_id", "org__name").annotate(h=Sum("hours")).order_by("org__path")
    counted = dict(qs.exclude(kind=ServiceRecord.Kind.REVERSAL).unreversed().values_list(
        "org_id").annotate(n=Count("id")).order_by())
    return [{"org_id": r["org_id"], "name": r["org__name"], "hours": r["h"],
             "lines": counted.get(r["org_id"], 0)} for r in rows if r["h"]]


def trainings_part(volunteer: Volunteer) -> list[dict]:
    """Recorded trainings and attended training activities (approved, unreversed lines of
    activities marked `is_training`), newest first."""
    rows = [{"id": t.pk, "name": t.name, "content": t.content, "hours": t.hours,
             "organiser": t.organiser, "date": t.date, "source": t.source}
            for t in Training.objects.filter(volunteer=volunteer)]
    attended = ServiceRecord.objects.filter(
        volunteer=volunteer, status=ServiceRecord.Status.APPROVED, activity__is_training=True,
        ).unreversed().exclude(kind=ServiceRecord.Kind.REVERSAL).select_related(
        "org")
    rows += [{"id": None, "name": r.title, "content": r.content, "hours": r.hours,
              "organiser": r.org.name, "date": r.service_date, "source": "activity",
              "record_id": r.pk} for r in attended]
    return sorted(rows, key=lambda r: r["date"], reverse=True)


def commendations_part(volunteer: Volunteer) -> list[dict]:
    return [{"id": a.pk, "name": a.name, "level": a.level, "level_label": a.get_level_display(),
             "date": a.date, "granting_unit": a.granting_unit, "reason": a.reason}
            for a in Award.objects.filter(volunteer=volunteer).order_by("-date", "-id")]


def evaluations_part(volunteer: Volunteer) -> list[dict]:
    return [{"id": e.pk, "quality": e.quality, "quality_label": e.get_quality_display(),
             "stars": e.stars, "comment": e.comment, "date": e.date, "org": e.org.name,
             "rating_avg": e.rating_avg, "rating_count": e.rating_count}
            for e in Evaluation.objects.filter(volunteer=volunteer).select_related("org")]


def complaint_row(c: Complaint) -> dict:
    """What the record shows of a complaint: never who filed it (the volunteer sees it)."""
    return {"id": c.pk, "record_id": c.record_id, "org": c.org.name, "text": c.text,
            "state": c.state, "state_label": COMPLAINT_FLOW.label(c.state),
            "outcome": c.outcome, "outcome_label": c.get_outcome_display() if c.outcome else "",
            "outcome_text": c.outcome_text, "response": c.response,
            "filed_on": c.created_at.date(), "closed_at": c.closed_at}


def complaints_part(volunteer: Volunteer) -> list[dict]:
    return [complaint_row(c) for c in Complaint.objects.filter(
        volunteer=volunteer).select_related("org")]


def record_parts(user, volunteer: Volunteer) -> dict:
    """The five parts (with the profile) of one volunteer's record."""
    return {"profile": profile_part(user, volunteer), "services": services_part(volunteer),
            "trainings": trainings_part(volunteer),
            "commendations": commendations_part(volunteer),
            "evaluations": evaluations_part(volunteer),
            "complaints": complaints_part(volunteer)}


def seal_units(volunteer: Volunteer) -> list[tuple[int, str]]:
    """Units a volunteer may ask for a sealed certificate: those that recorded their lines,
    and their station."""
    return list(OrgNode.objects.filter(
        Q(pk__in=ServiceRecord.objects.filter(volunteer=volunteer).values("org_id"))
        | Q(pk=volunteer.station_id)).order_by("path").values_list("pk", "name"))


DECLARABLE_DAYS = 90


def declarable_activities(volunteer: Volunteer) -> list:
    """The volunteer's activities of the last 90 days they may still declare hours for:
    signed up, begun, not cancelled, no line yet (the service checks again)."""
    from django.utils import timezone

    from wenming.activities.models import Activity, Enrollment

    now = timezone.now()
    recorded = ServiceRecord.objects.filter(volunteer=volunteer, activity__isnull=False
                                            ).unreversed().exclude(
        status=ServiceRecord.Status.REJECTED).exclude(
        kind=ServiceRecord.Kind.REVERSAL).values("activity_id")
    return list(Activity.objects.filter(
        enrollments__volunteer=volunteer, enrollments__status=Enrollment.Status.ENROLLED,
        status=Activity.Status.PUBLISHED, start__lte=now,
        start__gte=now - timezone.timedelta(days=DECLARABLE_DAYS)).exclude(
        pk__in=recorded).order_by("-start")[:30])
