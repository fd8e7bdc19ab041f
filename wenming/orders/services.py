"""Every write of the order pipeline. One function applies a transition (`order_transition`);
the use cases below check who may do it, then call it. Hours of a completed order go to the
hours ledger; time limits are enforced by background tasks (tasks.py), never on page loads."""

import datetime
import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.activities.models import ServiceRecord
from wenming.activities.services import record_write
from wenming.core.errors import Conflict, Forbidden
from wenming.core.masking import mask_name
from wenming.geo import cell_of, haversine_km
from wenming.inbox.services import notify
from wenming.orgs.models import OrgNode, Platform, RoleAssignment
from wenming.orgs.permissions import can_manage
from wenming.orgs.selectors import grid_for_point, nearest_station
from wenming.people.models import Resident, User, Volunteer
from wenming.people.validators import normalize_mobile
from wenming.points.services import points_for_rating
from wenming.stats import tally
from wenming.teams.models import Membership, Team

from .models import (
    PROPOSAL_FLOW,
    WORKFLOW,
    BatchProposal,
    OrderEvent,
    ServiceOrder,
    State,
    TimeLimit,
    escalation_of,
)
from .permissions import Viewer, orders_for_user, require_move

S = State
MAX_DISTANCE_KM = 15.0  # a place farther than this from every station is outside the district


# ---- the one transition function --------------------------------------------------------

def order_transition(order: ServiceOrder, to: str, *, by: User | None, reason: str = "",
                     **changes) -> ServiceOrder:
    """Move a locked order to `to`, or raise 409 invalid_transition. Writes the event and
    sets the deadline of the new stage. The caller holds the row lock (select_for_update)."""
    WORKFLOW.check(order.state, to)
    from_state = order.state
    tally.order_before(order)
    for name, value in changes.items():
        setattr(order, name, value)
    order.state = to
    order.due_at = _deadline(order, to)
    order.save()
    tally.order_after(order)
    OrderEvent.objects.create(order=order, from_state=from_state, to_state=to, by=by,
                              reason=reason, org=order.org)
    if order.due_at:
        from .tasks import enforce_time_limit

        due, state = order.due_at, order.state
        transaction.on_commit(lambda: enforce_time_limit.using(run_after=due).enqueue(
            order.pk, state, due.isoformat()))
    return order


def time_limit_for(org: OrgNode, platform: Platform) -> TimeLimit:
    """The nearest node's limits up the tree, platform-specific first; defaults otherwise."""
    chain = [*org.ancestor_ids, org.pk]
    rows = TimeLimit.objects.filter(org_id__in=chain).filter(
        Q(platform=platform) | Q(platform__isnull=True))
    ranked = sorted(rows, key=lambda t: (-chain.index(t.org_id), t.platform_id is None))
    return ranked[0] if ranked else TimeLimit(org=org)


def _deadline(order: ServiceOrder, state: str) -> datetime.datetime | None:
    limits = time_limit_for(order.org, order.platform)
    # Escalated either way, the parent node has the review limit to act on it.
    minutes = {S.SUBMITTED: limits.review_minutes, S.ESCALATED_QUEUE: limits.review_minutes,
               S.ESCALATED_SERVING: limits.review_minutes,
               S.REVIEWED: limits.accept_minutes, S.DECLINED: limits.accept_minutes,
               S.DISPATCHED: limits.accept_minutes, S.OPEN: limits.accept_minutes,
               S.ACCEPTED: limits.complete_minutes}.get(state)
    return timezone.now() + datetime.timedelta(minutes=minutes) if minutes else None


def _locked(order: ServiceOrder) -> ServiceOrder:
    # of=("self",): lock the order row only (PostgreSQL refuses FOR UPDATE on the nullable
    # side of the outer joins, and locking org and platform rows would serialise everyone).
    return ServiceOrder.objects.select_for_update(of=("self",)).select_related(
        "org", "platform", "volunteer__user", "resident__user").get(pk=order.pk)


def _staff_of(org: OrgNode) -> list[User]:
    return list(User.objects.filter(role_assignments__role=RoleAssignment.Role.STAFF,
                                     role_assignments__org=org))


# ---- submit -----------------------------------------------------------------------------

LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}")


def _contact_phone(value: str) -> str:
    """A mobile (normalised) or a landline; none at all for an elderly resident without a
    phone, whom the station reaches at home (代点单)."""
    value = value.strip()
    if not value or LANDLINE.fullmatch(value):
        return value
    return normalize_mobile(value)


@transaction.atomic
def order_submit(*, by: User, kind: str, platform: Platform, text: str, lat: float, lng: float,
                 address: str, wished_at: datetime.datetime, resident: Resident | None = None,
                 contact_name: str = "", contact_phone: str = "", skill: str = "",
                 item=None) -> ServiceOrder:
    """A resident orders a service or reports a problem, or staff do it on an elderly
    resident's behalf (代点单). The place routes it: the grid containing it, or else the
    nearest station; an appeal notifies that grid's managers. An `item` of the service menu
    brings its platform and skills (the first one is kept as `skill` for batch dispatch)."""
    if resident is None:
        resident = Resident.objects.filter(user=by).select_related("user").first()
    elif resident.user_id != by.pk and not can_manage(by, resident.station):
        raise Forbidden(_("只能为本辖区的群众代点单"))
    if resident is None:
        raise Forbidden(_("只有群众可以点单，工作人员可代群众点单"))
    if kind not in ServiceOrder.Kind.values:
        raise ValidationError(_("订单类型应为 service 或 appeal"), code="invalid_kind")
    text = (text or "").strip()
    if not 2 <= len(text) <= 2000:
        raise ValidationError(_("请描述您的需求（2到2000字）"), code="invalid_text")
    if not (address or "").strip():
        raise ValidationError(_("请填写地点"), code="invalid_address")
    if timezone.is_naive(wished_at):
        raise ValidationError(_("期望时间须带时区，例如 2026-05-01T09:00:00+08:00"),
                              code="invalid_wished_at")
    if wished_at < timezone.now() - datetime.timedelta(minutes=5):
        raise ValidationError(_("期望时间不能早于现在"), code="invalid_wished_at")
    if wished_at > timezone.now() + datetime.timedelta(days=90):
        raise ValidationError(_("期望时间不能晚于90天以后"), code="invalid_wished_at")
    grid = grid_for_point(lat, lng)
    station = grid.station if grid else nearest_station(lat, lng)
    if station is None or (grid is None and haversine_km(lat, lng, station.lat, station.lng)
                           > MAX_DISTANCE_KM):
        raise ValidationError(_("该地点不在本区服务范围内"), code="outside_district")
    if item is not None:
        from wenming.menu.services import item_check_orderable

        platform, skill = item_check_orderable(item=item, station=station), item.primary_skill
    order = ServiceOrder.objects.create(
        kind=kind, platform=platform, skill=(skill or "").strip()[:30], text=text, item=item,
        address=address.strip()[:200], lat=lat, lng=lng, cell=cell_of(lat, lng),
        wished_at=wished_at,
        contact_name=(contact_name or resident.user.real_name).strip()[:50],
        contact_phone=_contact_phone(contact_phone or resident.user.mobile or ""),
        resident=resident, submitted_by=by, org=station, station=station, grid=grid, state="")
    order_transition(order, S.SUBMITTED, by=by,
                     reason=_("代群众点单") if resident.user_id != by.pk else "")
    people = _staff_of(station) + (list(grid.managers.all()) if grid and kind == "appeal" else [])
    notify(users=people, title=_("新的%(kind)s：%(text)s") % {
        "kind": ServiceOrder.Kind(kind).label, "text": text[:20]}, url=f"/orders/{order.pk}/")
    return order


# ---- the station's moves ----------------------------------------------------------------

@transaction.atomic
def order_review(*, by: User, order: ServiceOrder) -> ServiceOrder:
    """审单: the station accepts the request as something volunteers can do."""
    order = _locked(order)
    require_move(Viewer(by), order, "review")
    order = order_transition(order, S.REVIEWED, by=by)
    if time_limit_for(order.org, order.platform).auto_dispatch:
        from .ranking import candidates_for

        best = next((c for c in candidates_for(order, limit=1) if "volunteer_id" in c), None)
        if best:
            volunteer = Volunteer.objects.select_related("user").get(pk=best["volunteer_id"])
            order = _dispatch(order, by=None, volunteer=volunteer, team=None,
                              reason=_("自动派单"))
    return order


@transaction.atomic
def order_reject(*, by: User, order: ServiceOrder, reason: str) -> ServiceOrder:
    """The station turns the request down, with a reason the resident sees."""
    order = _locked(order)
    require_move(Viewer(by), order, "reject")
    if not (reason or "").strip():
        raise ValidationError(_("请填写驳回原因，群众可以看到"), code="reason_required")
    order = order_transition(order, S.REJECTED, by=by, reason=reason.strip())
    notify(users=[order.resident.user], title=_("您的需求未被受理"), body=reason.strip(),
           url=f"/orders/{order.pk}/")
    return order


@transaction.atomic
def order_dispatch(*, by: User, order: ServiceOrder, volunteer: Volunteer | None = None,
                   team: Team | None = None) -> ServiceOrder:
    """派单 to one volunteer or one team. Two staff dispatching at once: the row lock makes
    the second see the new state and get 409: a dispatched order is never dispatched again
    (it comes back to the queue by a decline or a passed acceptance limit)."""
    order = _locked(order)
    require_move(Viewer(by), order, "dispatch")
    return _dispatch(order, by=by, volunteer=volunteer, team=team)


def _dispatch(order, *, by, volunteer, team, reason: str = "") -> ServiceOrder:
    if (volunteer is None) == (team is None):
        raise ValidationError(_("请选择一位志愿者或一支队伍"), code="invalid_assignee")
    if volunteer is not None and volunteer.status != Volunteer.Status.ACTIVE:
        raise Conflict(_("该志愿者当前不能接单"), code="volunteer_not_active")
    if team is not None and not team.is_active:
        raise Conflict(_("该队伍已停止服务"), code="team_inactive")
    order = order_transition(order, S.DISPATCHED, by=by, reason=reason,
                             volunteer=volunteer, team=team)
    notify(users=_assignees(order), title=_("新派单：%(t)s") % {"t": order.text[:20]},
           body=order.address, url=f"/orders/{order.pk}/")
    return order


def _assignees(order: ServiceOrder) -> list[User]:
    if order.volunteer_id:
        return [order.volunteer.user]
    if order.team_id:
        return list(User.objects.filter(
            volunteer__memberships__team_id=order.team_id,
            volunteer__memberships__role=Membership.Role.LEADER,
            volunteer__memberships__status=Membership.Status.ACTIVE))
    return []


@transaction.atomic
def order_open(*, by: User, order: ServiceOrder) -> ServiceOrder:
    """Offer the order to volunteers nearby to grab (抢单)."""
    order = _locked(order)
    require_move(Viewer(by), order, "open")
    return order_transition(order, S.OPEN, by=by, volunteer=None, team=None)


# ---- the volunteer's moves --------------------------------------------------------------

@transaction.atomic
def order_grab(*, volunteer: Volunteer, order: ServiceOrder) -> ServiceOrder:
    """抢单: the first volunteer wins; the others get 409."""
    order = _locked(order)
    if order.state != S.OPEN:
        raise Conflict(_("来晚了，该订单已被接走或已关闭"), code="invalid_transition")
    require_move(Viewer(volunteer.user, volunteer=volunteer), order, "grab")
    return order_transition(order, S.ACCEPTED, by=volunteer.user, volunteer=volunteer,
                            reason=_("抢单"))


@transaction.atomic
def order_accept(*, volunteer: Volunteer, order: ServiceOrder) -> ServiceOrder:
    order = _locked(order)
    require_move(Viewer(volunteer.user, volunteer=volunteer), order, "accept")
    order = order_transition(order, S.ACCEPTED, by=volunteer.user,
                             volunteer=order.volunteer or volunteer)
    notify(users=[order.resident.user], title=_("志愿者已接单"),
           body=_("志愿者 %(name)s 将为您服务") % {"name": mask_name(volunteer.user.real_name)},
           url=f"/orders/{order.pk}/")
    return order


@transaction.atomic
def order_decline(*, volunteer: Volunteer, order: ServiceOrder, reason: str) -> ServiceOrder:
    """Decline with a reason; the order goes back to the station's dispatch queue."""
    order = _locked(order)
    require_move(Viewer(volunteer.user, volunteer=volunteer), order, "decline")
    if not (reason or "").strip():
        raise ValidationError(_("请说明不能接单的原因"), code="reason_required")
    order = order_transition(order, S.DECLINED, by=volunteer.user, reason=reason.strip(),
                             volunteer=None, team=None)
    notify(users=_staff_of(order.org), title=_("订单被拒：%(t)s") % {"t": order.text[:20]},
           body=reason.strip(), url=f"/orders/{order.pk}/")
    return order


@transaction.atomic
def order_complete(*, volunteer: Volunteer, order: ServiceOrder, note: str, hours: Decimal,
                   people_served: int = 1) -> ServiceOrder:
    """Done: a note, the people served, and the hours, which enter the ledger as a pending
    record for the station to approve."""
    order = _locked(order)
    # Accepted, or escalated after acceptance (the volunteer still serves).
    require_move(Viewer(volunteer.user, volunteer=volunteer), order, "complete")
    if not (note or "").strip():
        raise ValidationError(_("请填写服务情况说明"), code="note_required")
    if not Decimal("0") < hours <= Decimal("24"):
        raise ValidationError(_("服务时长应在0到24小时之间"), code="invalid_hours")
    if not 0 < people_served <= 10000:
        raise ValidationError(_("服务人数不正确"), code="invalid_people_served")
    order = order_transition(order, S.COMPLETED, by=volunteer.user, completion_note=note.strip(),
                             hours=hours, people_served=people_served)
    record_write(
        volunteer=order.volunteer, kind=ServiceRecord.Kind.ORDER, org=order.station,
        title=_("点单服务：%(t)s") % {"t": order.text[:40]}, place=order.address,
        content=note.strip(), service_date=timezone.localdate(), hours=hours,
        by=volunteer.user, order_id=order.pk)
    notify(users=[order.resident.user], title=_("服务已完成，请您评价"),
           url=f"/orders/{order.pk}/")
    return order


# ---- the resident's moves ---------------------------------------------------------------

@transaction.atomic
def order_rate(*, by: User, order: ServiceOrder, score: int, comment: str = "") -> ServiceOrder:
    """评单 1–5. Two stars or fewer opens a review for the station."""
    order = _locked(order)
    require_move(Viewer(by), order, "rate")
    if not 1 <= score <= 5:
        raise ValidationError(_("评分应为1到5分"), code="invalid_score")
    low = score <= 2
    order = order_transition(order, S.RATED, by=by, score=score,
                             comment=(comment or "").strip()[:1000], needs_review=low)
    points_for_rating(order)
    if low:
        notify(users=_staff_of(order.station), title=_("差评待复核：订单 #%(id)s") % {
            "id": order.pk}, body=order.comment, url=f"/orders/{order.pk}/")
    return order


@transaction.atomic
def order_cancel(*, by: User, order: ServiceOrder, reason: str = "") -> ServiceOrder:
    """The resident (or staff on their behalf) withdraws before a volunteer accepts."""
    order = _locked(order)
    if not WORKFLOW.in_group(order.state, "cancellable"):
        raise Conflict(_("志愿者已接单，不能取消，请联系实践站"), code="invalid_transition")
    require_move(Viewer(by), order, "cancel")
    assignees = _assignees(order)
    order = order_transition(order, S.CANCELLED, by=by, reason=(reason or "").strip())
    notify(users=assignees, title=_("订单已取消"), body=order.text[:50], url=f"/orders/{order.pk}/")
    return order


# ---- time limits ------------------------------------------------------------------------

@transaction.atomic
def order_escalate_if_overdue(*, order_id: int, state: str, due_at: datetime.datetime) -> bool:
    """Escalate an order whose stage limit passed: exactly once per passed limit, however
    many workers run this — the conditional lock finds the order still in that stage with
    that deadline, or does nothing."""
    order = ServiceOrder.objects.select_for_update(of=("self",)).select_related(
        "org__parent", "platform").filter(
        pk=order_id, state=state, due_at=due_at, due_at__lte=timezone.now()).first()
    if order is None or (WORKFLOW.in_group(state, "escalated") and order.org.parent is None):
        return False  # handled already, or already at the top with nobody above to hand it to
    parent = order.org.parent or order.org
    # An accepted order keeps its volunteer, however far up it goes (escalated_serving);
    # any other goes back to a queue, the parent's (escalated_queue).
    to = escalation_of(state)
    keep_volunteer = to == S.ESCALATED_SERVING
    stage = State(state).label
    order_transition(order, to, by=None, org=parent, escalations=order.escalations + 1,
                     volunteer=order.volunteer if keep_volunteer else None,
                     team=order.team if keep_volunteer else None,
                     reason=_("“%(stage)s”环节超时，上报%(org)s") % {"stage": stage,
                                                              "org": parent.name})
    notify(users=_staff_of(parent), title=_("超时上报：订单 #%(id)s") % {"id": order.pk},
           body=order.text[:50], url=f"/orders/{order.pk}/")
    return True


def overdue_orders():
    return ServiceOrder.objects.filter(due_at__lte=timezone.now(),
                                       state__in=WORKFLOW.groups["timed"])


# ---- batch dispatch ---------------------------------------------------------------------

@transaction.atomic
def orders_batch_dispatch(*, by: User, proposal_pairs: list[tuple[int, int]],
                          capacity: int = 1) -> list[ServiceOrder]:
    """Dispatch the accepted (order id, volunteer id) pairs of a batch proposal
    (`batch.dispatch_proposal`), each through `order_dispatch`: all of them, or none. The
    orders are locked in id order first; one that is no longer waiting for a volunteer, or a
    volunteer who no longer fits it (inactive, beyond reach, another platform or skill, more
    than `capacity` open orders), fails the whole batch with the order named."""
    from collections import Counter

    from wenming.core.errors import NotFound
    from wenming.people.selectors import volunteers_for_user

    from .batch import pair_problem, volunteer_facts

    pairs = [(int(o), int(v)) for o, v in proposal_pairs]
    if not pairs:
        raise ValidationError(_("请至少选择一个派单"), code="no_pairs")
    order_ids, volunteer_ids = [o for o, _v in pairs], {v for _o, v in pairs}
    if len(set(order_ids)) < len(order_ids):
        raise ValidationError(_("同一订单只能派给一位志愿者"), code="duplicate_order")
    seen = set(orders_for_user(by).filter(pk__in=order_ids).values_list("pk", flat=True))
    if unseen := [o for o in order_ids if o not in seen]:
        raise NotFound(_("订单 #%(id)s 不存在或您无权查看") % {"id": unseen[0]})
    volunteers = volunteers_for_user(by).in_bulk(volunteer_ids)
    if unknown := sorted(volunteer_ids - set(volunteers)):
        raise NotFound(_("志愿者 #%(id)s 不存在或您无权查看") % {"id": unknown[0]})
    orders = {o.pk: o for o in ServiceOrder.objects.select_for_update(of=("self",))
              .select_related("org").filter(pk__in=order_ids).order_by("pk")}
    staff = Viewer(by)
    for order in orders.values():
        if (not WORKFLOW.in_group(order.state, "awaiting") or order.volunteer_id
                or order.team_id):
            raise Conflict(_("订单 #%(id)s 已不在待派单状态，方案已过期，请重新生成") % {
                "id": order.pk}, code="order_changed")
        require_move(staff, order, "dispatch")
    platforms, skills, load = volunteer_facts(volunteer_ids)
    for order_id, volunteer_id in pairs:
        problem = pair_problem(orders[order_id], volunteers[volunteer_id],
                               platforms=platforms[volunteer_id], skills=skills[volunteer_id])
        if problem:
            raise ValidationError(_("订单 #%(id)s：%(why)s") % {"id": order_id, "why": problem},
                                  code="infeasible_pair")
    taken = Counter(v for _o, v in pairs)
    if busy := [v for v, n in taken.items() if load.get(v, 0) + n > capacity]:
        raise Conflict(_("志愿者 #%(id)s 手头订单已满") % {"id": busy[0]}, code="volunteer_busy")
    return [order_dispatch(by=by, order=orders[o], volunteer=volunteers[v]) for o, v in pairs]


# ---- batch proposals: computed once, kept, confirmed once ---------------------------------

SUMMARY_KEYS = ("orders", "exact", "lower_bound_km", "solver", "greedy", "improvement_pct")


@transaction.atomic
def batch_propose(*, by: User, org, capacity: int = 1) -> BatchProposal:
    """Solve `org`'s waiting orders once (`batch.dispatch_proposal`) and keep the result for
    its confirmation; the caller manages `org`."""
    from .batch import MAX_CAPACITY, dispatch_proposal

    if not can_manage(by, org):
        raise Forbidden(_("只有该阵地的工作人员可以批量派单"))
    if not 1 <= capacity <= MAX_CAPACITY:
        raise ValidationError(_("每人最多手头订单数应为1到5之间的整数"), code="invalid_capacity")
    found = dispatch_proposal(by=by, org=org, capacity=capacity)
    return BatchProposal.objects.create(
        org=org, capacity=capacity, created_by=by, state=BatchProposal.State.PROPOSED,
        summary={k: found[k] for k in SUMMARY_KEYS},
        pairs=[[p["order_id"], p["volunteer_id"], p["km"]] for p in found["pairs"]],
        unassigned=found["unassigned"])


@transaction.atomic
def batch_proposal_dispatch(*, by: User, proposal: BatchProposal) -> list[ServiceOrder]:
    """Dispatch a kept proposal's pairs (each checked again by `orders_batch_dispatch`, all or
    none) and mark it dispatched. The proposal's row lock makes a second confirmation (a
    double tap, two staff at once) a 409 instead of a second batch."""
    proposal = BatchProposal.objects.select_for_update(of=("self",)).select_related(
        "org").get(pk=proposal.pk)
    if not can_manage(by, proposal.org):
        raise Forbidden(_("只有该阵地的工作人员可以批量派单"))
    PROPOSAL_FLOW.check(proposal.state, BatchProposal.State.DISPATCHED)
    if not proposal.pairs:
        raise ValidationError(_("方案里没有可派的订单"), code="no_pairs")
    orders = orders_batch_dispatch(by=by, proposal_pairs=[(o, v) for o, v, _km in proposal.pairs],
                                   capacity=proposal.capacity)
    proposal.state, proposal.dispatched_by = BatchProposal.State.DISPATCHED, by
    proposal.dispatched_at = timezone.now()
    proposal.save(update_fields=["state", "dispatched_by", "dispatched_at"])
    return orders
