"""Certificates of the record: any of its five parts, 谁记录谁证明, sealed by a unit.

The free self-printed certificate is still `activities.services.certificate_issue` (all the
volunteer's approved lines, issued in their station's name); this adds, in the same
transaction, what else it prints (`CertificateParts`): the volunteer number, the units that
recorded the lines with each one's hours, and a frozen copy of the chosen parts. A sealed
certificate is issued by one unit, of the lines that unit (or its subtree) recorded only.
"""

import datetime
import secrets
from decimal import Decimal

from django.db import transaction

from wenming.activities.models import Certificate, ServiceRecord
from wenming.activities.selectors import certificate_line, recording_unit
from wenming.activities.services import certificate_issue
from wenming.core.masking import mask_id_number
from wenming.orgs.models import OrgNode
from wenming.people.models import User, Volunteer

from .models import PARTS, CertificateParts
from .selectors import commendations_part, complaints_part, evaluations_part, trainings_part

ZERO = Decimal("0")
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # the verification codes' (no 0/O, 1/I)


def _jsonable(rows: list[dict]) -> list[dict]:
    return [{k: (str(v) if isinstance(v, (Decimal, datetime.date)) else v)
             for k, v in row.items()} for row in rows]


def parts_snapshot(volunteer: Volunteer, parts) -> dict:
    readers = {"trainings": trainings_part, "commendations": commendations_part,
               "evaluations": evaluations_part, "complaints": complaints_part}
    return {p: _jsonable(readers[p](volunteer)) for p in PARTS if p in parts and p in readers}


def unit_lines(volunteer: Volunteer, unit: OrgNode, period_from=None, period_to=None):
    """Approved, unreversed lines recorded by `unit` or below it, as the certificate lists."""
    qs = ServiceRecord.objects.filter(
        volunteer=volunteer, status=ServiceRecord.Status.APPROVED,
        org__path__startswith=unit.path).unreversed().exclude(
        kind=ServiceRecord.Kind.REVERSAL).select_related(
        "org", "origin").order_by("service_date", "id")
    if period_from:
        qs = qs.filter(service_date__gte=period_from)
    if period_to:
        qs = qs.filter(service_date__lte=period_to)
    return [certificate_line(r) for r in qs.iterator(chunk_size=2000)]


def units_of_lines(lines: list[dict]) -> list[dict]:
    units: dict[str, list] = {}
    for line in lines:
        u = units.setdefault(recording_unit(line), [ZERO, 0])
        u[0] += Decimal(line["hours"])
        u[1] += 1
    return [{"name": name, "hours": str(h), "lines": n} for name, (h, n) in units.items()]


@transaction.atomic
def certificate_with_parts(*, by: User, volunteer: Volunteer, parts=("services",),
                           unit: OrgNode | None = None,
                           period_from: datetime.date | None = None,
                           period_to: datetime.date | None = None) -> Certificate:
    """Issue a certificate with the chosen parts. Without `unit`: the free one (the caller
    is the volunteer or staff of their subtree, as `certificate_issue` checks). With `unit`:
    the sealed one, issued by that unit of its own lines (the caller, `seal_issue`, has
    checked who issues it)."""
    if unit is None:
        cert = certificate_issue(by=by, volunteer=volunteer, period_from=period_from,
                                 period_to=period_to)
    else:
        lines = unit_lines(volunteer, unit, period_from, period_to)
        cert = Certificate.objects.create(
            code="".join(secrets.choice(ALPHABET) for _n in range(12)), volunteer=volunteer,
            org=unit, issued_by=by, period_from=period_from, period_to=period_to,
            real_name=volunteer.user.real_name,
            id_number_masked=mask_id_number(volunteer.id_number),
            total_hours=sum((Decimal(x["hours"]) for x in lines), ZERO), records=lines)
    CertificateParts.objects.create(
        certificate=cert, volunteer_no=volunteer.volunteer_no or "",
        parts=parts_snapshot(volunteer, parts) | {"chosen": [p for p in PARTS if p in parts]},
        units=units_of_lines(cert.records))
    return cert
