"""Every write of partner units, 吹哨报到 and mediation cases. One function applies a
hand-over move (`handover_transition`) and writes its event; the use cases check who may make
the move first. Overdue hand-overs escalate from the task worker (tasks.py), never on a page."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.core.errors import Conflict, Forbidden
from wenming.core.uploads import checked_image
from wenming.inbox.services import notify
from wenming.orders.models import WORKFLOW as ORDER_WORKFLOW
from wenming.orders.models import ServiceOrder, State, escalation_of
from wenming.orgs.models import Grid, OrgNode, RoleAssignment
from wenming.orgs.permissions import can_manage, require_manage
from wenming.people.models import User, Volunteer

from .models import (
    HANDOVER_WORKFLOW,
    Handover,
    HandoverEvent,
    HandoverPhoto,
    HandoverState,
    MediationCase,
    Unit,
    UnitMember,
    UnitStaff,
)
from .permissions import (
    can_edit_mediation,
    can_record_mediation,
    can_send_handover,
    handover_targets,
    is_grid_manager_of,
    require_handover_move,
    require_manage_unit,
    units_to_join,
)

H = HandoverState
DEFAULT_HANDOVER_HOURS = 72
MAX_HANDOVER_HOURS = 30 * 24
MAX_PHOTOS = 6


def _text(value: str, *, field: str, code: str, min_length: int = 1,
          max_length: int = 2000) -> str:
    value = (value or "").strip()
    if not min_length <= len(value) <= max_length:
        raise ValidationError(_("请填写%(f)s（%(a)s到%(b)s字）") % {
            "f": field, "a": min_length, "b": max_length}, code=code)
    return value


def _staff_of(org: OrgNode) -> list[User]:
    return list(User.objects.filter(role_assignments__role=RoleAssignment.Role.STAFF,
                                     role_assignments__org=org))


# ---- units ------------------------------------------------------------------------------

@transaction.atomic
def unit_create(*, by: User, org: OrgNode, name: str, kind: str, contact_name: str = "",
                contact_phone: str = "", services: str = "") -> Unit:
    """Register a partner unit serving `org`; staff of its subtree only."""
    require_manage(by, org)
    if kind not in Unit.Kind.values:
        raise ValidationError(_("单位类型不正确"), code="invalid_kind")
    name = _text(name, field=_("单位名称"), code="invalid_name", min_length=2, max_length=100)
    if Unit.objects.filter(org=org, name=name).exists():
        raise Conflict(_("该阵地已有同名单位"), code="duplicate_unit")
    return Unit.objects.create(
        org=org, name=name, kind=kind, contact_name=(contact_name or "").strip()[:50],
        contact_phone=(contact_phone or "").strip()[:20], services=(services or "").strip()[:2000])


@transaction.atomic
def unit_update(*, by: User, unit: Unit, **fields) -> Unit:
    require_manage_unit(by, unit)
    for name in ("contact_name", "contact_phone", "services", "is_active"):
        if name in fields and fields[name] is not None:
            value = fields[name]
            setattr(unit, name, value.strip() if isinstance(value, str) else value)
    unit.save()
    return unit


@transaction.atomic
def unit_staff_add(*, by: User, unit: Unit, user: User) -> UnitStaff:
    """Give an account the right to act for the unit."""
    require_manage_unit(by, unit)
    row, _created = UnitStaff.objects.get_or_create(unit=unit, user=user)
    return row


@transaction.atomic
def unit_account_create(*, by: User, unit: Unit, username: str, real_name: str, mobile: str,
                        password: str) -> UnitStaff:
    """A new login for the unit's liaison (no role at any node: it reaches only what the
    unit is handed, see permissions)."""
    from django.contrib.auth.password_validation import validate_password

    from wenming.people.validators import normalize_mobile

    require_manage_unit(by, unit)
    username = _text(username, field=_("用户名"), code="invalid_username", min_length=3,
                     max_length=30)
    if not username.isascii() or not username.replace("_", "").isalnum():
        raise ValidationError(_("用户名只能包含字母、数字和下划线"), code="invalid_username")
    mobile = normalize_mobile(mobile)
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(_("该用户名已被使用"), code="duplicate_username")
    if User.objects.filter(mobile=mobile).exists():
        raise Conflict(_("该手机号已注册"), code="duplicate_mobile")
    validate_password(password)
    user = User.objects.create_user(
        username=username, password=password, mobile=mobile,
        real_name=_text(real_name, field=_("姓名"), code="invalid_name", max_length=50))
    return UnitStaff.objects.create(unit=unit, user=user)


@transaction.atomic
def unit_join(*, volunteer: Volunteer, unit: Unit, since: datetime.date | None = None
              ) -> UnitMember:
    """双报到: a volunteer links their profile to a unit serving their community."""
    if not units_to_join(volunteer).filter(pk=unit.pk).exists():
        raise Forbidden(_("只能报到到本社区的共建单位"))
    if since is not None and since > timezone.localdate():
        raise ValidationError(_("报到日期不能晚于今天"), code="invalid_since")
    try:
        with transaction.atomic():
            return UnitMember.objects.create(unit=unit, volunteer=volunteer,
                                             since=since or timezone.localdate())
    except IntegrityError:
        raise Conflict(_("您已报到到该单位"), code="already_member") from None


@transaction.atomic
def unit_leave(*, by: User, membership: UnitMember) -> None:
    """The member themself, or staff managing the unit, end a membership."""
    if membership.volunteer.user_id != by.pk:
        require_manage_unit(by, membership.unit)
    membership.delete()


# ---- hand-overs -------------------------------------------------------------------------

def handover_transition(handover: Handover, to: str, *, by: User | None, reason: str = "",
                        **changes) -> Handover:
    """Move a locked hand-over to `to` (409 unless the workflow allows it) and write the
    event. The caller holds the row lock."""
    HANDOVER_WORKFLOW.check(handover.state, to)
    from_state = handover.state
    for name, value in changes.items():
        setattr(handover, name, value)
    handover.state = to
    handover.save()
    HandoverEvent.objects.create(handover=handover, from_state=from_state, to_state=to, by=by,
                                 reason=reason)
    return handover


def _locked(handover: Handover) -> Handover:
    return Handover.objects.select_for_update(of=("self",)).select_related(
        "unit", "from_org", "escalated_to", "order__station", "order__grid",
        "order__resident__user").get(pk=handover.pk)


def _schedule(handover: Handover) -> None:
    from .tasks import enforce_handover_limit

    due, pk = handover.due_at, handover.pk
    transaction.on_commit(lambda: enforce_handover_limit.using(run_after=due).enqueue(
        pk, due.isoformat()))


def _unit_users(unit: Unit) -> list[User]:
    return list(User.objects.filter(unit_staff__unit=unit))


@transaction.atomic
def handover_send(*, by: User, order: ServiceOrder, unit: Unit, reason: str,
                  hours: int = DEFAULT_HANDOVER_HOURS) -> Handover:
    """吹哨: hand an active order or appeal to a partner unit with a time limit. One open
    hand-over per order (the order row is locked, a constraint backs it)."""
    order = ServiceOrder.objects.select_for_update(of=("self",)).select_related(
        "org", "station", "grid", "resident__user").get(pk=order.pk)
    if not can_send_handover(by, order):
        raise Forbidden(_("只有受理阵地的工作人员或本网格的网格员可以交办"))
    if not ORDER_WORKFLOW.in_group(order.state, "active"):
        raise Conflict(_("订单已办结或已关闭，不能交办"), code="invalid_transition")
    if order.handovers.filter(state__in=HANDOVER_WORKFLOW.groups["open"]).exists():
        raise Conflict(_("该订单已交办给单位，尚未办结"), code="already_handed_over")
    if not handover_targets(by, order).filter(pk=unit.pk).exists():
        raise Forbidden(_("只能交办给本社区或本辖区的共建单位"))
    reason = _text(reason, field=_("交办事由"), code="reason_required", min_length=2)
    if not 1 <= hours <= MAX_HANDOVER_HOURS:
        raise ValidationError(_("办理时限应在1小时到30天之间"), code="invalid_hours")
    from_org = order.org if can_manage(by, order.org) else order.station
    handover = Handover(order=order, unit=unit, from_org=from_org, reason=reason, sent_by=by,
                        due_at=timezone.now() + datetime.timedelta(hours=hours), state="")
    handover.save()
    handover_transition(handover, H.SENT, by=by, reason=reason)
    _schedule(handover)
    notify(users=_unit_users(unit), title=_("吹哨报到：%(t)s") % {"t": order.text[:20]},
           body=reason, url=f"/units/handovers/{handover.pk}/")
    if order.resident_id:
        notify(users=[order.resident.user], title=_("您的诉求已交由%(u)s办理") % {
            "u": unit.name}, url=f"/orders/{order.pk}/")
    return handover


@transaction.atomic
def handover_accept(*, by: User, handover: Handover) -> Handover:
    handover = _locked(handover)
    require_handover_move(by, handover, "accept")
    handover = handover_transition(handover, H.ACCEPTED, by=by)
    notify(users=_staff_of(handover.from_org), title=_("%(u)s已接收交办") % {
        "u": handover.unit.name}, url=f"/units/handovers/{handover.pk}/")
    return handover


@transaction.atomic
def handover_report(*, by: User, handover: Handover, note: str, photos=()) -> Handover:
    """报到反馈: the unit reports what it did, with up to six checked photos."""
    handover = _locked(handover)
    require_handover_move(by, handover, "report")
    note = _text(note, field=_("反馈说明"), code="note_required", min_length=2)
    photos = list(photos)
    if len(photos) > MAX_PHOTOS:
        raise ValidationError(_("最多上传6张照片"), code="too_many_photos")
    checked = [checked_image(p, stem="report") for p in photos]
    handover = handover_transition(handover, H.REPORTED, by=by, reason=note, report_note=note)
    for upload in checked:
        HandoverPhoto.objects.create(handover=handover, image=upload, uploaded_by=by)
    people = _staff_of(handover.from_org)
    if handover.order.resident_id:
        people.append(handover.order.resident.user)
    notify(users=people, title=_("%(u)s已反馈办理情况") % {"u": handover.unit.name},
           body=note[:100], url=f"/orders/{handover.order_id}/")
    return handover


@transaction.atomic
def handover_decline(*, by: User, handover: Handover, reason: str) -> Handover:
    handover = _locked(handover)
    require_handover_move(by, handover, "decline")
    reason = _text(reason, field=_("退回理由"), code="reason_required", min_length=2)
    handover = handover_transition(handover, H.DECLINED, by=by, reason=reason,
                                   decline_reason=reason)
    notify(users=_staff_of(handover.from_org), title=_("%(u)s退回了交办") % {
        "u": handover.unit.name}, body=reason, url=f"/units/handovers/{handover.pk}/")
    return handover


@transaction.atomic
def handover_recall(*, by: User, handover: Handover, reason: str) -> Handover:
    handover = _locked(handover)
    require_handover_move(by, handover, "recall")
    reason = _text(reason, field=_("撤回理由"), code="reason_required", min_length=2)
    handover = handover_transition(handover, H.RECALLED, by=by, reason=reason)
    notify(users=_unit_users(handover.unit), title=_("交办已撤回"), body=reason,
           url=f"/units/handovers/{handover.pk}/")
    return handover


@transaction.atomic
def handover_escalate_if_overdue(*, handover_id: int, due_at: datetime.datetime) -> bool:
    """A passed limit hands the follow-up one node further up the tree (the sender's parent,
    then its parent): exactly once per passed limit, however many workers run this — the
    conditional lock finds it still open with that deadline, or does nothing."""
    handover = Handover.objects.select_for_update(of=("self",)).select_related(
        "from_org__parent", "escalated_to__parent", "unit").filter(
        pk=handover_id, due_at=due_at, due_at__lte=timezone.now(),
        state__in=HANDOVER_WORKFLOW.groups["timed"]).first()
    if handover is None:
        return False
    current = handover.escalated_to or handover.from_org
    parent = current.parent
    if parent is None:
        return False  # at the top already: nobody above to follow it up
    limit = due_at - handover.created_at if handover.escalations == 0 else \
        datetime.timedelta(hours=DEFAULT_HANDOVER_HOURS)
    handover_transition(
        handover, H.ESCALATED, by=None, escalated_to=parent,
        escalations=handover.escalations + 1,
        due_at=timezone.now() + max(limit, datetime.timedelta(hours=1)),
        reason=_("交办超时，上报%(org)s督办") % {"org": parent.name})
    _schedule(handover)
    notify(users=_staff_of(parent) + _unit_users(handover.unit),
           title=_("交办超时上报：%(u)s") % {"u": handover.unit.name},
           url=f"/units/handovers/{handover.pk}/")
    return True


def overdue_handovers():
    return Handover.objects.filter(due_at__lte=timezone.now(),
                                   state__in=HANDOVER_WORKFLOW.groups["timed"])


# ---- grid managers ----------------------------------------------------------------------

HAND_UP_FROM = frozenset({State.SUBMITTED, State.REVIEWED, State.DECLINED})


def can_hand_up(user, order: ServiceOrder) -> bool:
    """A grid manager (or the station's staff) passes an appeal still at its station up
    to the node above, before a volunteer took it."""
    return (order.state in HAND_UP_FROM and order.org_id == order.station_id
            and order.org.parent_id is not None
            and (is_grid_manager_of(user, order) or can_manage(user, order.station)))


@transaction.atomic
def order_hand_up(*, by: User, order: ServiceOrder, reason: str) -> ServiceOrder:
    """上报: the order goes to the parent node's queue (the same state a passed time limit
    gives, `escalated_queue`), with the reason on its time line."""
    from wenming.orders.services import order_transition

    order = ServiceOrder.objects.select_for_update(of=("self",)).select_related(
        "org__parent", "station", "grid", "platform").get(pk=order.pk)
    if not (is_grid_manager_of(by, order) or can_manage(by, order.station)):
        raise Forbidden(_("只有本网格的网格员或实践站工作人员可以上报"))
    if not can_hand_up(by, order):
        raise Conflict(_("当前状态不能上报"), code="invalid_transition")
    reason = _text(reason, field=_("上报理由"), code="reason_required", min_length=2)
    parent = order.org.parent
    order = order_transition(order, escalation_of(order.state), by=by, org=parent,
                             escalations=order.escalations + 1, volunteer=None, team=None,
                             reason=_("网格员上报%(org)s：%(r)s") % {"org": parent.name,
                                                                 "r": reason})
    notify(users=_staff_of(parent), title=_("上报：订单 #%(id)s") % {"id": order.pk},
           body=reason, url=f"/orders/{order.pk}/")
    return order


# ---- mediation cases --------------------------------------------------------------------

@transaction.atomic
def mediation_record(*, by: User, station: OrgNode, parties: str, dispute: str,
                     agreement: str = "", follow_up_on: datetime.date | None = None,
                     grid: Grid | None = None, order: ServiceOrder | None = None
                     ) -> MediationCase:
    """调解: a grid manager (or the station's staff) records a dispute between neighbours,
    the agreement reached, and when to follow it up."""
    if grid is not None and grid.station_id != station.pk:
        raise ValidationError(_("网格不属于该实践站"), code="invalid_grid")
    if not can_record_mediation(by, station, grid):
        raise Forbidden(_("只有本网格的网格员或实践站工作人员可以记录调解"))
    if order is not None and order.station_id != station.pk:
        raise ValidationError(_("关联诉求不属于该实践站"), code="invalid_order")
    if follow_up_on is not None and follow_up_on < timezone.localdate():
        raise ValidationError(_("回访日期不能早于今天"), code="invalid_follow_up")
    return MediationCase.objects.create(
        station=station, grid=grid, order=order, recorded_by=by,
        parties=_text(parties, field=_("当事人"), code="invalid_parties", min_length=2,
                      max_length=500),
        dispute=_text(dispute, field=_("纠纷情况"), code="invalid_dispute", min_length=2),
        agreement=(agreement or "").strip()[:2000], follow_up_on=follow_up_on)


@transaction.atomic
def mediation_follow_up(*, by: User, case: MediationCase, note: str) -> MediationCase:
    case = MediationCase.objects.select_for_update().get(pk=case.pk)
    if not can_edit_mediation(by, case):
        raise Forbidden()
    if case.followed_up_at is not None:
        raise Conflict(_("已回访"), code="already_followed_up")
    case.follow_up_note = _text(note, field=_("回访情况"), code="note_required", min_length=2)
    case.followed_up_at = timezone.now()
    case.save(update_fields=["follow_up_note", "followed_up_at"])
    return case

