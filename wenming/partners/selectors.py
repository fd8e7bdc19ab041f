"""Reads of partner units and hand-overs: members with their hours, the hand-over's view."""

from decimal import Decimal

from django.db.models import DecimalField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse

from wenming.activities.models import ServiceRecord
from wenming.core.masking import mask_name

from .models import HANDOVER_EVENT_LABELS, HANDOVER_WORKFLOW, Handover, Unit, UnitMember
from .permissions import HandoverCaps


def members_with_hours(unit: Unit) -> QuerySet[UnitMember]:
    """The unit's members, each with `hours`: their approved ledger lines recorded by nodes
    of the community the unit serves (the served node's subtree), in one query."""
    hours = ServiceRecord.objects.filter(
        volunteer=OuterRef("volunteer"), status=ServiceRecord.Status.APPROVED,
        org__path__startswith=unit.org.path).values("volunteer").annotate(
        total=Sum("hours")).values("total")
    return unit.members.select_related("volunteer__user", "volunteer__station").annotate(
        hours=Coalesce(Subquery(hours, output_field=DecimalField(max_digits=10, decimal_places=2)),
                       Value(Decimal("0")), output_field=DecimalField(max_digits=10,
                                                                      decimal_places=2))
    ).order_by("-since", "id")


def member_out(member: UnitMember, *, with_hours: bool) -> dict:
    out = {"volunteer_id": member.volunteer_id, "real_name": member.volunteer.real_name,
           "since": member.since.isoformat()}
    if with_hours:
        out["hours"] = float(getattr(member, "hours", 0) or 0)
    return out


def photo_url(handover: Handover, photo_id: int) -> str:
    return reverse("handover_photo", args=[handover.pk, photo_id])


def handover_timeline(handover: Handover, *, names: bool) -> list[dict]:
    def who(event) -> str:
        if event.by is None:
            return "系统"
        name = event.by.real_name or event.by.username
        return name if names else mask_name(name)

    return [{"from": e.from_state, "to": e.to_state, "label": str(HANDOVER_EVENT_LABELS.get(
        e.to_state, e.to_state)), "by": who(e), "at": e.at.isoformat(), "reason": e.reason}
        for e in handover.events.all()]


def handover_events(handover: Handover, *, names: bool) -> list[dict]:
    """The time line for the page: each move with its time as a datetime."""
    events = list(handover.events.all())
    rows = handover_timeline(handover, names=names)
    return [{**row, "when": e.at} for row, e in zip(rows, events, strict=True)]


def handover_out(handover: Handover, caps: HandoverCaps) -> dict:
    return {
        "id": handover.pk, "order_id": handover.order_id, "unit_id": handover.unit_id,
        "unit_name": handover.unit.name, "from_org_id": handover.from_org_id,
        "escalated_to_id": handover.escalated_to_id, "state": handover.state,
        "state_label": HANDOVER_WORKFLOW.label(handover.state), "reason": handover.reason,
        "due_at": handover.due_at.isoformat(), "escalations": handover.escalations,
        "report_note": handover.report_note, "decline_reason": handover.decline_reason,
        "photos": [photo_url(handover, p.pk) for p in handover.photos.all()],
        "history": handover_timeline(handover, names=caps.sees_names),
        "allowed_moves": caps.moves,
    }
