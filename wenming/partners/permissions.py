"""Who sees and acts on partner units, their members, what is handed to them, and mediations.

- Units: staff of a node's subtree manage the units serving nodes in it; a unit's own
  accounts (`UnitStaff`) read their unit, its members and their hours, nothing else of the
  community. `units_of_user` is what other apps (deliberation's topic tasks) read.
- Hand-overs (吹哨报到): the sender's and the order's staff follow them and may recall;
  the unit's accounts accept, report or decline; the resident sees who handles their order.
- `handover_caps` / `unit_caps`: frozen booleans from one function each; services enforce
  them, pages and the API only read them (`allowed_moves`).
- `unit_contact`: the ONE function that masks a unit's contact phone or reveals it (audited).
"""

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from wenming.core.errors import Forbidden, NotFound
from wenming.core.masking import mask_mobile, mask_name
from wenming.orgs.models import OrgNode
from wenming.orgs.permissions import can_manage, is_platform_admin, is_staff_member, subtree_q
from wenming.people.models import AuditLog
from wenming.people.services import audit_record

from .models import (
    HANDOVER_MOVES,
    HANDOVER_WORKFLOW,
    Handover,
    MediationCase,
    Unit,
    UnitStaff,
    handover_move_allowed,
    handover_move_check,
)

# ---- units ------------------------------------------------------------------------------


def units_of_user(user) -> QuerySet[Unit]:
    """The units the user acts for as the unit's own account (UnitStaff)."""
    if not user.is_authenticated:
        return Unit.objects.none()
    return Unit.objects.filter(staff__user=user, is_active=True)


def is_unit_staff(user) -> bool:
    return units_of_user(user).exists()


def units_for_user(user) -> QuerySet[Unit]:
    """Units the user may read: those serving nodes they manage, and their own units."""
    if not user.is_authenticated:
        return Unit.objects.none()
    scope = subtree_q(user, "org__path") | Q(staff__user=user)
    return Unit.objects.filter(scope).select_related("org").distinct()


def unit_get_for_user(user, unit_id: int) -> Unit:
    unit = units_for_user(user).filter(pk=unit_id).first()
    if unit is None:
        raise NotFound()
    return unit


def units_to_join(volunteer) -> QuerySet[Unit]:
    """Units a volunteer may report to (双报到): active units serving their station or a node
    above it, i.e. their community."""
    ids = [*volunteer.station.ancestor_ids, volunteer.station_id]
    return Unit.objects.filter(org_id__in=ids, is_active=True).select_related("org")


def handover_targets(user, order) -> QuerySet[Unit]:
    """Units an order may be handed to: active units serving a node on the order's path (its
    station or above) or inside the sender's subtree."""
    ids = [*order.station.ancestor_ids, order.station_id]
    return Unit.objects.filter(Q(org_id__in=ids) | subtree_q(user, "org__path"),
                               is_active=True).select_related("org").distinct()


@dataclass(frozen=True)
class UnitCaps:
    manages: bool  # staff of the served node's subtree: edit, add members and accounts
    is_unit_staff: bool  # the unit's own account
    sees_members: bool  # names of members and their hours in the community
    can_reveal_contact: bool


def unit_caps(user, unit: Unit, *, own: bool | None = None) -> UnitCaps:
    """`own`: whether the user is one of the unit's accounts, when the caller read it for a
    whole page of units at once (`unit_list`); asked here otherwise."""
    manages = can_manage(user, unit.org)
    if own is None:
        own = user.is_authenticated and unit.staff.filter(user=user).exists()
    return UnitCaps(manages=manages, is_unit_staff=own, sees_members=manages or own,
                    can_reveal_contact=manages and not own)


@dataclass(frozen=True)
class UnitContact:
    name: str
    phone: str
    masked: bool
    can_reveal: bool


def unit_contact(user, unit: Unit, *, reveal: bool = False, ip: str | None = None,
                 caps: UnitCaps | None = None) -> UnitContact:
    """A unit's contact person and phone: whole for the unit's own accounts; masked for
    everyone else, and whole for staff of the subtree who ask (`reveal`, audited)."""
    caps = caps or unit_caps(user, unit)
    if reveal and not caps.can_reveal_contact:
        raise Forbidden(_("您无权查看联系人的完整信息"))
    if caps.is_unit_staff or (reveal and unit.contact_phone):
        if not caps.is_unit_staff:
            audit_record(actor=user, action=AuditLog.Action.VIEW_PERSONAL, obj=unit, ip=ip,
                         detail={"fields": ["contact_phone"]})
        return UnitContact(name=unit.contact_name, phone=unit.contact_phone, masked=False,
                           can_reveal=False)
    return UnitContact(name=mask_name(unit.contact_name), phone=mask_mobile(unit.contact_phone),
                       masked=True, can_reveal=caps.can_reveal_contact and bool(unit.contact_phone))


def require_manage_unit(user, unit: Unit) -> None:
    if not can_manage(user, unit.org):
        raise Forbidden(_("只有该单位所服务阵地的工作人员可以管理"))


# ---- hand-overs -------------------------------------------------------------------------


def handovers_for_user(user) -> QuerySet[Handover]:
    """Staff: hand-overs sent from, escalated to, or about orders of their subtree; a unit's
    accounts: what was handed to their unit; a grid manager: those of their grids' appeals;
    a resident: those of their own orders."""
    qs = Handover.objects.select_related("unit", "from_org", "escalated_to", "order",
                                         "order__station", "sent_by")
    if not user.is_authenticated:
        return qs.none()
    if is_platform_admin(user):
        return qs
    scope = (Q(unit__staff__user=user) | Q(order__resident__user=user)
             | Q(order__grid__managers=user))
    if is_staff_member(user):
        scope |= (subtree_q(user, "from_org__path") | subtree_q(user, "order__station__path")
                  | subtree_q(user, "escalated_to__path"))
    return qs.filter(scope).distinct()


def handover_get_for_user(user, handover_id: int) -> Handover:
    handover = handovers_for_user(user).filter(pk=handover_id).first()
    if handover is None:
        raise NotFound()
    return handover


def _own_unit_ids(user) -> frozenset[int]:
    """The caller's units, read once per request (lists ask it for every row)."""
    if not user.is_authenticated:
        return frozenset()
    if not hasattr(user, "_wenming_unit_ids"):
        user._wenming_unit_ids = frozenset(
            UnitStaff.objects.filter(user=user).values_list("unit_id", flat=True))
    return user._wenming_unit_ids


def _managed_grid_ids(user) -> frozenset[int]:
    if not user.is_authenticated:
        return frozenset()
    if not hasattr(user, "_wenming_grid_ids"):
        user._wenming_grid_ids = frozenset(user.managed_grids.values_list("id", flat=True))
    return user._wenming_grid_ids


def _is_unit_staff_of(user, handover: Handover) -> bool:
    return handover.unit_id in _own_unit_ids(user)


def _follows(user, handover: Handover) -> bool:
    """Staff of the sender, of the node it was escalated to, or of the order's station."""
    return (can_manage(user, handover.from_org) or can_manage(user, handover.order.station)
            or (handover.escalated_to is not None and can_manage(user, handover.escalated_to)))


@dataclass(frozen=True)
class HandoverCaps:
    can_accept: bool
    can_report: bool
    can_decline: bool
    can_recall: bool
    is_unit_staff: bool
    follows: bool  # staff who sent it or follow it up
    sees_names: bool  # who made each move

    @property
    def moves(self) -> list[str]:
        return [m for m in HANDOVER_MOVES if getattr(self, f"can_{m}")]


def handover_caps(user, handover: Handover) -> HandoverCaps:
    unit_staff = _is_unit_staff_of(user, handover)
    follows = _follows(user, handover)
    grid_manager = handover.order.grid_id in _managed_grid_ids(user)
    state = handover.state
    return HandoverCaps(
        can_accept=unit_staff and handover_move_allowed(state, "accept"),
        can_report=unit_staff and handover_move_allowed(state, "report"),
        can_decline=unit_staff and handover_move_allowed(state, "decline"),
        can_recall=(follows or (grid_manager and handover.sent_by_id == user.pk))
        and handover_move_allowed(state, "recall"),
        is_unit_staff=unit_staff, follows=follows, sees_names=follows or unit_staff)


def allowed_moves(user, handover: Handover) -> list[str]:
    return handover_caps(user, handover).moves


def require_handover_move(user, handover: Handover, move: str) -> None:
    """409 invalid_transition unless the workflow allows the move now, then 403 unless the
    caller's role allows it. Reads the caller's units and grids afresh: they may have
    changed since the request began."""
    for cached in ("_wenming_unit_ids", "_wenming_grid_ids"):
        user.__dict__.pop(cached, None)
    handover_move_check(handover.state, move)
    if not getattr(handover_caps(user, handover), f"can_{move}"):
        if move == "recall":
            raise Forbidden(_("只有交办阵地的工作人员可以撤回"))
        raise Forbidden(_("只有承办单位的账号可以办理"))


def is_grid_manager_of(user, order) -> bool:
    return (user.is_authenticated and order.kind == "appeal" and order.grid_id is not None
            and order.grid.managers.filter(pk=user.pk).exists())


def can_send_handover(user, order) -> bool:
    """Staff handling the order (or of its station), or the grid manager of an appeal."""
    return (can_manage(user, order.org) or can_manage(user, order.station)
            or is_grid_manager_of(user, order))


def open_handover(order) -> Handover | None:
    return order.handovers.filter(state__in=HANDOVER_WORKFLOW.groups["open"]).select_related(
        "unit").first()


# ---- mediation cases --------------------------------------------------------------------


def mediations_for_user(user) -> QuerySet[MediationCase]:
    qs = MediationCase.objects.select_related("grid", "station", "recorded_by", "order")
    if not user.is_authenticated:
        return qs.none()
    return qs.filter(subtree_q(user, "station__path") | Q(grid__managers=user)
                     | Q(recorded_by=user)).distinct()


def mediation_get_for_user(user, case_id: int) -> MediationCase:
    case = mediations_for_user(user).filter(pk=case_id).first()
    if case is None:
        raise NotFound()
    return case


def can_record_mediation(user, station: OrgNode, grid=None) -> bool:
    return can_manage(user, station) or (
        grid is not None and user.is_authenticated
        and grid.managers.filter(pk=user.pk).exists())


def can_edit_mediation(user, case: MediationCase) -> bool:
    return case.recorded_by_id == user.pk or can_record_mediation(user, case.station, case.grid)
