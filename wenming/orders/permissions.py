"""Who sees which orders, who may do what to one, and who sees the resident's contact.

- Scope reads: `orders_for_user`, `order_get_for_user` (404 outside the caller's scope) and
  `order_get_for_grab`.
- `order_caps(user, order) -> OrderCaps`: what the caller may do to this order now and what
  they see. A move is allowed when the caller's role allows it (`ROLES`) AND the workflow
  allows it from the current state (`models.MOVES`); `allowed_moves` lists those moves.
  Services enforce the same predicates (`require_move`: 409 for the state, then 403 for
  the caller); pages, templates and the API only read the caps.
- `order_contact(user, order, reveal=...)`: the ONE function that masks or reveals the
  resident's contact (name, phone, exact address), and audits a reveal.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from wenming.core.errors import Conflict, Forbidden, NotFound
from wenming.core.masking import mask_mobile, mask_name
from wenming.geo import cells_near
from wenming.orgs.models import OrgNode
from wenming.orgs.permissions import can_manage, is_platform_admin, is_staff_member, subtree_q
from wenming.partners.models import Handover
from wenming.people.models import AuditLog, Resident, Volunteer
from wenming.people.services import audit_record
from wenming.teams.models import Membership

from .models import MOVES, WORKFLOW, ServiceOrder, State, move_allowed, move_check

# ---- scope reads ------------------------------------------------------------------------


def orders_for_user(user, *, lookup: bool = False) -> QuerySet[ServiceOrder]:
    """Residents their own orders; staff their subtree's queue (and orders of their stations
    escalated upward); volunteers what is dispatched to them or their teams, and orders open
    near their home; grid managers the appeals of their grids."""
    qs = ServiceOrder.objects.select_related("platform", "org", "station", "volunteer__user",
                                             "team", "resident__user")
    if not user.is_authenticated:
        return qs.none()
    if is_platform_admin(user):
        return qs
    return qs.filter(order_scope(user, lookup=lookup))


def order_scope(user, *, lookup: bool = False) -> Q:
    """Each term a list of ids on a column of the orders table that an index starts with,
    the ids read first (my resident row, my grids, my units' hand-overs, my subtree's
    nodes: small, cached on the request's `Viewer`). The OR across joined tables
    (resident__user, grid__managers, handovers__unit__staff__user, org__path) needed a
    DISTINCT, and even as subqueries it was a scan of every order of the district with a
    hashed filter (issue 10: `GET /api/orders` 29.8 s SQLite / 4.5 s PostgreSQL); lists
    let each database OR index scans together, and an empty list drops its term.
    `lookup`: the scope of a query for one order by id (the detail, a move)."""
    viewer = viewer_of(user)
    if lookup:  # one order by id: subqueries cost no round trips, the id finds the row
        residents, grids = Resident.objects.filter(user=user).values("pk"), \
            user.managed_grids.values("pk")
        handed = Handover.objects.filter(unit__staff__user=user).values("order_id")
    else:
        residents, grids, handed = (viewer.resident_ids, viewer.grid_ids,
                                    viewer.handed_order_ids)
    scope = (Q(resident_id__in=residents)
             | Q(grid_id__in=grids, kind=ServiceOrder.Kind.APPEAL)
             # A partner unit's accounts see the orders handed to their unit (吹哨报到).
             | Q(pk__in=handed))
    if viewer.staff_member:
        subtree = OrgNode.objects.filter(subtree_q(user, "path"))
        nodes = subtree.values("pk") if lookup else node_ids(subtree)
        scope |= Q(org_id__in=nodes) | Q(station_id__in=nodes)
    volunteer = viewer.volunteer
    if volunteer is not None:
        scope |= Q(volunteer_id=volunteer.pk) | Q(team_id__in=viewer.led_team_ids)
        scope |= open_near_q(volunteer)
    return scope


def in_subtree_q(node: OrgNode) -> Q:
    """Orders handled in, or coming from, a node's subtree: two id lists on indexed columns
    instead of an OR of two path joins."""
    nodes = node_ids(OrgNode.objects.filter(path__startswith=node.path))
    return Q(org_id__in=nodes) | Q(station_id__in=nodes)


NODE_LIST_MAX = 5_000


def node_ids(nodes: QuerySet[OrgNode]) -> list[int] | QuerySet[OrgNode]:
    """A subtree's node ids as a list (each database ORs index lookups for them, and walks
    `order_list` for a center whose subtree matches nearly every order); a subquery only
    past NODE_LIST_MAX. Measured on the SQLite district for a center's 1,672 nodes:
    `GET /api/orders` 86 ms with the list, 911 ms with the subquery."""
    ids = list(nodes.values_list("pk", flat=True)[:NODE_LIST_MAX + 1])
    return ids if len(ids) <= NODE_LIST_MAX else nodes.values("pk")


def open_near_q(volunteer: Volunteer) -> Q:
    """Open orders near a volunteer's home: what they may grab (and what 为你推荐 offers)."""
    if volunteer.home_lat is None:
        return Q(pk__in=[])
    return Q(state=State.OPEN, cell__in=cells_near(volunteer.home_lat, volunteer.home_lng))


def order_get_for_user(user, order_id: int) -> ServiceOrder:
    order = orders_for_user(user, lookup=True).filter(pk=order_id).first()
    if order is None:
        raise NotFound()
    return order


def order_get_for_grab(user, order_id: int) -> ServiceOrder:
    """An order the caller may try to grab: one they see, or one that was offered near their
    home and has been taken since, so that a volunteer who comes late hears 409 ("taken"),
    not 404."""
    order = orders_for_user(user, lookup=True).filter(pk=order_id).first()
    if order is None:
        home = Volunteer.objects.filter(user=user, home_lat__isnull=False).values_list(
            "home_lat", "home_lng").first()
        order = home and ServiceOrder.objects.filter(
            pk=order_id, cell__in=cells_near(*home), events__to_state=State.OPEN).first()
    if order is None:
        raise NotFound()
    return order


# ---- who the caller is ------------------------------------------------------------------

class Viewer:
    """The caller's facts that order rules ask about, each read once and only when asked
    (a staff move reads none of the volunteer's)."""

    def __init__(self, user, *, volunteer: Volunteer | None = None):
        self.user = user
        if volunteer is not None:
            self.volunteer = volunteer

    @cached_property
    def volunteer(self) -> Volunteer | None:
        if not self.user.is_authenticated:
            return None
        return Volunteer.objects.filter(user=self.user).only(
            "id", "user_id", "status", "home_lat", "home_lng").first()

    @cached_property
    def led_team_ids(self) -> frozenset[int]:
        if self.volunteer is None:
            return frozenset()
        return frozenset(Membership.objects.filter(
            volunteer=self.volunteer, role=Membership.Role.LEADER,
            status=Membership.Status.ACTIVE).values_list("team_id", flat=True))

    @cached_property
    def grid_ids(self) -> frozenset[int]:
        if not self.user.is_authenticated:
            return frozenset()
        return frozenset(self.user.managed_grids.values_list("id", flat=True))

    @cached_property
    def resident_ids(self) -> list[int]:
        if not self.user.is_authenticated:
            return []
        return list(Resident.objects.filter(user=self.user).values_list("pk", flat=True))

    @cached_property
    def handed_order_ids(self) -> list[int]:
        """The orders handed over (吹哨报到) to the units this account works for."""
        if not self.unit_staff:
            return []
        return list(Handover.objects.filter(unit__staff__user=self.user).values_list(
            "order_id", flat=True).distinct())

    @cached_property
    def unit_staff(self) -> bool:
        """An account of a partner unit (asked only then, per order, what it was handed)."""
        return self.user.is_authenticated and self.user.unit_staff.exists()

    @cached_property
    def staff_member(self) -> bool:
        return is_staff_member(self.user)


def viewer_of(user) -> Viewer:
    """One `Viewer` per request user (pages and the API read many orders per request).
    Services build a fresh one: the facts may have changed since the request began."""
    if not hasattr(user, "_wenming_order_viewer"):
        user._wenming_order_viewer = Viewer(user)
    return user._wenming_order_viewer


def _owner(v: Viewer, o: ServiceOrder) -> bool:
    return o.resident_id is not None and o.resident.user_id == v.user.pk


def _handles(v: Viewer, o: ServiceOrder) -> bool:
    """Staff of the node now handling the order (its parent's, once escalated)."""
    return can_manage(v.user, o.org)


def _station_staff(v: Viewer, o: ServiceOrder) -> bool:
    """Staff of the resident's station follow the order even after it was escalated."""
    return can_manage(v.user, o.station)


def _assignee(v: Viewer, o: ServiceOrder) -> bool:
    """The volunteer it is dispatched to, or a leader of the team it is dispatched to."""
    return v.volunteer is not None and (o.volunteer_id == v.volunteer.pk
                                        or (o.team_id is not None
                                            and o.team_id in v.led_team_ids))


def _active_volunteer(v: Viewer, o: ServiceOrder) -> bool:
    return v.volunteer is not None and v.volunteer.status == Volunteer.Status.ACTIVE


def _grid_manager(v: Viewer, o: ServiceOrder) -> bool:
    return (o.kind == ServiceOrder.Kind.APPEAL and o.grid_id is not None
            and o.grid_id in v.grid_ids)


def _handles_or_grid(v: Viewer, o: ServiceOrder) -> bool:
    """A grid manager accepts (受理) or turns down the appeals of their grid at its station."""
    return _handles(v, o) or (_grid_manager(v, o) and o.org_id == o.station_id)


def _unit_handles(v: Viewer, o: ServiceOrder) -> bool:
    """An account of the partner unit the order is handed to now (吹哨报到)."""
    from wenming.partners.models import HANDOVER_WORKFLOW

    return v.unit_staff and o.handovers.filter(
        unit__staff__user=v.user, state__in=HANDOVER_WORKFLOW.groups["open"]).exists()


# Who may make each move (the workflow says from which states).
ROLES: dict[str, Callable[[Viewer, ServiceOrder], bool]] = {
    "review": _handles_or_grid, "reject": _handles_or_grid, "dispatch": _handles,
    "open": _handles,
    "grab": _active_volunteer,
    "accept": _assignee, "decline": _assignee, "complete": _assignee,
    "rate": _owner,
    "cancel": lambda v, o: _owner(v, o) or _handles(v, o),
}
assert set(ROLES) == set(MOVES)


def _refusal(move: str):
    if move in {"review", "reject", "dispatch", "open"}:
        return Forbidden(_("只有受理阵地的工作人员可以办理"))
    if move in {"accept", "decline", "complete"}:
        return Forbidden(_("这不是派给您的订单"))
    if move == "rate":
        return Forbidden(_("只有点单的群众可以评价"))
    if move == "grab":
        return Conflict(_("志愿者账号尚未审核通过"), code="volunteer_not_active")
    return Forbidden()


def require_move(viewer: Viewer, order: ServiceOrder, move: str) -> None:
    """What every service asks before it writes: 409 invalid_transition unless the workflow
    allows `move` from the order's state (whoever sees the order sees its state), then 403
    unless the caller's role allows it."""
    move_check(order.state, move)
    if not ROLES[move](viewer, order):
        raise _refusal(move)


# ---- the capabilities -------------------------------------------------------------------

@dataclass(frozen=True)
class OrderCaps:
    """What one caller may do to one order now, and what they see of it."""

    can_review: bool
    can_reject: bool
    can_dispatch: bool
    can_open: bool
    can_grab: bool
    can_accept: bool
    can_decline: bool
    can_complete: bool
    can_rate: bool
    can_cancel: bool
    is_owner: bool  # the resident who ordered
    is_assignee: bool  # the volunteer (or team leader) it is dispatched to
    handles: bool  # staff of the node handling it: the dispatch desk's moves
    sees_desk: bool  # the dispatch page (any staff member who sees the order)
    sees_candidates: bool  # the ranked candidates (API), staff who handle it
    offers_candidates: bool  # ... and the order still waits for somebody (the page lists them)
    sees_contact: bool  # full name, exact address; the full phone on an audited reveal
    sees_names: bool  # who made each move, the volunteer's full name
    masks_volunteer: bool  # the resident sees the volunteer's surname only

    @property
    def moves(self) -> list[str]:
        return [m for m in MOVES if getattr(self, f"can_{m}")]


def order_caps(user, order: ServiceOrder, *, viewer: Viewer | None = None) -> OrderCaps:
    v = viewer or viewer_of(user)
    can = {f"can_{m}": move_allowed(order.state, m) and role(v, order)
           for m, role in ROLES.items()}
    owner, handles = _owner(v, order), _handles(v, order)
    names = handles or _station_staff(v, order)
    assignee = _assignee(v, order)
    return OrderCaps(
        **can, is_owner=owner, is_assignee=assignee, handles=handles,
        sees_desk=v.staff_member, sees_candidates=handles,
        offers_candidates=handles and WORKFLOW.in_group(order.state, "ranking")
        and not order.volunteer_id and not order.team_id,
        sees_contact=owner or names or assignee or _grid_manager(v, order)
        or _unit_handles(v, order),
        sees_names=names, masks_volunteer=owner and not names)


def allowed_moves(user, order: ServiceOrder) -> list[str]:
    """The moves the caller may make now: their caps AND the workflow."""
    return order_caps(user, order).moves


# ---- the resident's contact -------------------------------------------------------------

@dataclass(frozen=True)
class Contact:
    name: str
    phone: str
    address: str  # the exact address, or only the area for those who may not see it
    lat: float  # rounded to ~1 km for those who may not see the exact address
    lng: float
    area: str  # the station the place belongs to
    full: bool  # name and address in full
    revealed: bool  # the phone in full
    can_reveal: bool  # a 查看完整号码 button may reveal it (audited)


def order_contact(user, order: ServiceOrder, *, reveal: bool = False, ip: str | None = None,
                  caps: OrderCaps | None = None) -> Contact:
    """The resident's contact as this caller may see it. Whoever serves or handles the order
    sees the name and the exact address, and the full phone only when they ask (`reveal`),
    which writes an audit row; the resident sees their own in full. Anyone else (a volunteer
    nearby who may grab it) sees the need's area and a masked name, no phone at all."""
    caps = caps or order_caps(user, order)
    area = order.station.name
    if not caps.sees_contact:
        if reveal:
            raise Forbidden(_("您无权查看联系人的完整信息"))
        return Contact(name=mask_name(order.contact_name), phone="",
                       address=area, lat=round(order.lat, 2), lng=round(order.lng, 2),
                       area=area, full=False, revealed=False, can_reveal=False)
    revealed = caps.is_owner or (reveal and bool(order.contact_phone))
    if revealed and not caps.is_owner:
        audit_record(actor=user, action=AuditLog.Action.VIEW_PERSONAL, obj=order, ip=ip,
                     detail={"fields": ["contact_phone"], "resident_id": order.resident_id})
    return Contact(name=order.contact_name,
                   phone=order.contact_phone if revealed else mask_mobile(order.contact_phone),
                   address=order.address, lat=order.lat, lng=order.lng, area=area, full=True,
                   revealed=revealed, can_reveal=not revealed and bool(order.contact_phone))


# ---- complaints about a served order ------------------------------------------------------

def complaint_lines(user, order: ServiceOrder) -> list[dict]:
    """The ledger lines of a served order its resident may complain about, each with the
    complaint they already filed on it (if any). Whether a line may be complained about is
    the records app's rule (`line_for_complaint`: 404 otherwise); this only asks it, for the
    order's own resident once the order was served."""
    from wenming.activities.models import ServiceRecord
    from wenming.records.models import Complaint
    from wenming.records.permissions import line_for_complaint

    if (not user.is_authenticated or order.resident.user_id != user.pk
            or not WORKFLOW.in_group(order.state, "done")):
        return []
    lines = []
    for record_id in ServiceRecord.objects.filter(order_id=order.pk).values_list("pk", flat=True):
        try:
            record = line_for_complaint(user, record_id)
        except NotFound:
            continue
        filed = Complaint.objects.filter(record=record, filed_by=user).order_by("-id").first()
        lines.append({"record_id": record.pk, "complaint_id": filed.pk if filed else None,
                      "volunteer": mask_name(record.volunteer.user.real_name)})
    return lines


# ---- batch dispatch proposals -------------------------------------------------------------

def proposal_get_for_user(user, proposal_id: int):
    """A kept batch proposal for staff who manage its node (any of them may confirm it);
    404 for everyone else."""
    from .models import BatchProposal

    proposal = BatchProposal.objects.select_related("org", "created_by").filter(
        subtree_q(user, "org__path"), pk=proposal_id).first() if user.is_authenticated else None
    if proposal is None:
        raise NotFound()
    return proposal
