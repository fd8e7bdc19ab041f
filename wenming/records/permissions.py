"""Who may see and do what with a volunteer's record: scope reads and one capabilities
object per entity (the record as a whole, a complaint, a correction, a sealed-certificate
application). Services enforce them (403) with the workflows (409); pages, templates and
the API only read them (`allowed_moves`, `data-move`).

The record of a volunteer is seen by the volunteer and by staff of their station's subtree
(a volunteer who moves station takes it along: the new station sees it from then on). A
complaint or correction queue belongs to its unit (`org`): the line's recording unit, or the
volunteer's station for a complaint against the person.
"""

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from wenming.activities.models import RECORD_FLOW, RecordState, ServiceRecord
from wenming.core.errors import NotFound
from wenming.orders.models import ServiceOrder
from wenming.orgs.permissions import can_manage, is_platform_admin, is_staff_member, subtree_q
from wenming.people.models import Volunteer
from wenming.people.permissions import volunteer_get_for_user, volunteers_for_user

from .models import (
    COMPLAINT_FLOW,
    COMPLAINT_MOVES,
    CORRECTION_FLOW,
    CORRECTION_MOVES,
    DECLARATION_FLOW,
    DECLARATION_MOVES,
    SEAL_FLOW,
    SEAL_MOVES,
    Complaint,
    Correction,
    Declaration,
    SealApplication,
)

# The record's scope is the people app's: the volunteer themself, staff of the subtree.
record_volunteers_for_user = volunteers_for_user
record_volunteer_get_for_user = volunteer_get_for_user


@dataclass(frozen=True)
class RecordCaps:
    is_self: bool
    manages: bool  # staff of the volunteer's station's subtree
    can_record_training: bool
    can_evaluate: bool
    can_file_complaint: bool
    can_request_correction: bool  # of some line: `line_correctable` says which
    can_apply_sealed: bool
    can_export: bool


def record_caps(user, volunteer: Volunteer) -> RecordCaps:
    is_self = user.is_authenticated and volunteer.user_id == user.pk
    manages = user.is_authenticated and not is_self and can_manage(user, volunteer.station)
    return RecordCaps(
        is_self=is_self, manages=manages, can_record_training=manages, can_evaluate=manages,
        can_file_complaint=manages or (user.is_authenticated and served_resident(user, volunteer)),
        can_request_correction=is_self, can_apply_sealed=is_self, can_export=manages)


def served_resident(user, volunteer: Volunteer) -> bool:
    """A resident the volunteer served an order for: they may complain about them."""
    return ServiceOrder.objects.filter(resident__user=user, volunteer=volunteer).exists()


def line_correctable(user, record: ServiceRecord) -> bool:
    """The volunteer's own approved, unreversed, non-reversal line (the ones that count)."""
    return (user.is_authenticated and record.volunteer.user_id == user.pk
            and record.kind != ServiceRecord.Kind.REVERSAL
            and RECORD_FLOW.can(record.state, RecordState.REVERSED))


def line_for_user(user, record_id: int) -> ServiceRecord:
    """A ledger line of a volunteer whose record the user sees (404 otherwise)."""
    record = ServiceRecord.objects.select_related("volunteer__user", "volunteer__station", "org",
                                                  "reversed_by").filter(
        pk=record_id, volunteer__in=record_volunteers_for_user(user)).first()
    if record is None:
        raise NotFound()
    return record


def line_for_complaint(user, record_id: int) -> ServiceRecord:
    """A line the user may complain about: one in their record scope, or the line of an
    order they placed."""
    record = ServiceRecord.objects.select_related("volunteer__user", "volunteer__station",
                                                  "org").filter(pk=record_id).filter(
        Q(volunteer__in=record_volunteers_for_user(user))
        | Q(order_id__in=ServiceOrder.objects.filter(resident__user=user).values("id"))).first()
    if record is None or not user.is_authenticated:
        raise NotFound()
    return record


def volunteer_for_complaint(user, volunteer_id: int) -> Volunteer:
    """A volunteer the user may complain about: in their record scope, or one who served
    an order of theirs."""
    volunteer = Volunteer.objects.select_related("user", "station").filter(pk=volunteer_id).filter(
        Q(pk__in=record_volunteers_for_user(user).values("pk"))
        | Q(orders__resident__user=user)).first() if user.is_authenticated else None
    if volunteer is None:
        raise NotFound()
    return volunteer


# ---- complaints --------------------------------------------------------------------------

def complaints_for_user(user) -> QuerySet[Complaint]:
    """Staff: their subtree's queues. The volunteer: complaints against them. The filer:
    their own."""
    qs = Complaint.objects.select_related("volunteer__user", "volunteer__station", "org",
                                          "record")
    if is_platform_admin(user):
        return qs
    if not user.is_authenticated:
        return qs.none()
    scope = Q(volunteer__user=user) | Q(filed_by=user)
    if is_staff_member(user):
        scope |= subtree_q(user, "org__path")
    return qs.filter(scope)


def complaint_get_for_user(user, complaint_id: int) -> Complaint:
    complaint = complaints_for_user(user).filter(pk=complaint_id).first()
    if complaint is None:
        raise NotFound()
    return complaint


@dataclass(frozen=True)
class ComplaintCaps:
    manages: bool
    is_volunteer: bool
    is_filer: bool
    sees_filer: bool  # who complained: the unit's staff and the filer, not the volunteer
    can_investigate: bool
    can_close: bool
    can_respond: bool


def complaint_caps(user, complaint: Complaint) -> ComplaintCaps:
    is_volunteer = user.is_authenticated and complaint.volunteer.user_id == user.pk
    manages = user.is_authenticated and not is_volunteer and can_manage(user, complaint.org)
    is_filer = user.is_authenticated and complaint.filed_by_id == user.pk
    return ComplaintCaps(manages=manages, is_volunteer=is_volunteer, is_filer=is_filer,
                         sees_filer=manages or is_filer, can_investigate=manages,
                         can_close=manages, can_respond=is_volunteer)


def complaint_moves(user, complaint: Complaint, caps: ComplaintCaps | None = None) -> list[str]:
    caps = caps or complaint_caps(user, complaint)
    moves = [m for m, (to, only_from) in COMPLAINT_MOVES.items()
             if getattr(caps, f"can_{m}") and complaint.state in only_from
             and COMPLAINT_FLOW.can(complaint.state, to)]
    if caps.can_respond and COMPLAINT_FLOW.in_group(complaint.state, "open"):
        moves.append("respond")
    return moves


# ---- corrections -------------------------------------------------------------------------

def corrections_for_user(user) -> QuerySet[Correction]:
    """Staff: their subtree's recording units' requests. The volunteer: their own."""
    qs = Correction.objects.select_related("record", "volunteer__user", "org")
    if is_platform_admin(user):
        return qs
    if not user.is_authenticated:
        return qs.none()
    scope = Q(volunteer__user=user)
    if is_staff_member(user):
        scope |= subtree_q(user, "org__path")
    return qs.filter(scope)


def correction_get_for_user(user, correction_id: int) -> Correction:
    correction = corrections_for_user(user).filter(pk=correction_id).first()
    if correction is None:
        raise NotFound()
    return correction


@dataclass(frozen=True)
class CorrectionCaps:
    own: bool
    decides: bool  # staff of the recording unit (never one's own line)
    can_accept: bool
    can_reject: bool
    can_withdraw: bool


def correction_caps(user, correction: Correction) -> CorrectionCaps:
    own = user.is_authenticated and correction.volunteer.user_id == user.pk
    decides = user.is_authenticated and not own and can_manage(user, correction.org)
    return CorrectionCaps(own=own, decides=decides, can_accept=decides, can_reject=decides,
                          can_withdraw=own)


def correction_moves(user, correction: Correction,
                     caps: CorrectionCaps | None = None) -> list[str]:
    caps = caps or correction_caps(user, correction)
    return [m for m, (to, only_from) in CORRECTION_MOVES.items()
            if getattr(caps, f"can_{m}") and correction.state in only_from
            and CORRECTION_FLOW.can(correction.state, to)]


def correction_file_for_user(user, correction_id: int, name: str):
    """The evidence photo, for whoever sees the request; anything else is 404."""
    correction = correction_get_for_user(user, correction_id)
    evidence = correction.evidence
    if not (evidence and evidence.name.rsplit("/", 1)[-1] == name):
        raise NotFound()
    return evidence


# ---- sealed certificates -------------------------------------------------------------------

def seal_applications_for_user(user) -> QuerySet[SealApplication]:
    qs = SealApplication.objects.select_related("volunteer__user", "org", "certificate")
    if is_platform_admin(user):
        return qs
    if not user.is_authenticated:
        return qs.none()
    scope = Q(volunteer__user=user)
    if is_staff_member(user):
        scope |= subtree_q(user, "org__path")
    return qs.filter(scope)


def seal_application_get_for_user(user, application_id: int) -> SealApplication:
    application = seal_applications_for_user(user).filter(pk=application_id).first()
    if application is None:
        raise NotFound()
    return application


@dataclass(frozen=True)
class SealCaps:
    own: bool
    handles: bool  # staff of the issuing unit
    can_accept: bool
    can_issue: bool
    can_reject: bool


def seal_caps(user, application: SealApplication) -> SealCaps:
    own = user.is_authenticated and application.volunteer.user_id == user.pk
    handles = user.is_authenticated and not own and can_manage(user, application.org)
    return SealCaps(own=own, handles=handles, can_accept=handles, can_issue=handles,
                    can_reject=handles)


def seal_moves(user, application: SealApplication, caps: SealCaps | None = None) -> list[str]:
    caps = caps or seal_caps(user, application)
    return [m for m, (to, only_from) in SEAL_MOVES.items()
            if getattr(caps, f"can_{m}") and application.state in only_from
            and SEAL_FLOW.can(application.state, to)]


# ---- self-declared hours (个人申报) -----------------------------------------------------------

def declarations_for_user(user) -> QuerySet[Declaration]:
    """Staff: their subtree's units' declarations. An activity's leader: those for the
    activities they lead. The volunteer: their own."""
    qs = Declaration.objects.select_related("volunteer__user", "volunteer__station", "org",
                                            "activity__leader", "record")
    if is_platform_admin(user):
        return qs
    if not user.is_authenticated:
        return qs.none()
    scope = Q(volunteer__user=user) | Q(activity__leader=user)
    if is_staff_member(user):
        scope |= subtree_q(user, "org__path")
    return qs.filter(scope)


def declaration_get_for_user(user, declaration_id: int) -> Declaration:
    declaration = declarations_for_user(user).filter(pk=declaration_id).first()
    if declaration is None:
        raise NotFound()
    return declaration


@dataclass(frozen=True)
class DeclarationCaps:
    own: bool
    decides: bool  # the activity's leader or staff of the unit (never one's own hours)
    can_confirm: bool
    can_reject: bool
    can_withdraw: bool


def declaration_caps(user, declaration: Declaration) -> DeclarationCaps:
    own = user.is_authenticated and declaration.volunteer.user_id == user.pk
    leads = declaration.activity is not None and declaration.activity.leader_id == user.pk
    decides = user.is_authenticated and not own and (leads or can_manage(user, declaration.org))
    return DeclarationCaps(own=own, decides=decides, can_confirm=decides, can_reject=decides,
                           can_withdraw=own)


def declaration_moves(user, declaration: Declaration,
                      caps: DeclarationCaps | None = None) -> list[str]:
    caps = caps or declaration_caps(user, declaration)
    return [m for m, (to, only_from) in DECLARATION_MOVES.items()
            if getattr(caps, f"can_{m}") and declaration.state in only_from
            and DECLARATION_FLOW.can(declaration.state, to)]


def declaration_file_for_user(user, declaration_id: int, name: str):
    """The evidence photo, for whoever sees the declaration; anything else is 404."""
    evidence = declaration_get_for_user(user, declaration_id).evidence
    if not (evidence and evidence.name.rsplit("/", 1)[-1] == name):
        raise NotFound()
    return evidence
