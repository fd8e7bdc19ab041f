"""Every write of rooms and bookings. A slot is booked under the room's row lock, and the
overlap is checked again inside that transaction, so two requests for one slot never both
win (409 `slot_taken` for the second), on SQLite and PostgreSQL alike."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.core.errors import Conflict, Forbidden
from wenming.core.uploads import checked_image
from wenming.inbox.services import notify
from wenming.orgs.models import OrgNode, RoleAssignment
from wenming.orgs.permissions import can_manage
from wenming.people.models import User
from wenming.teams.models import Team
from wenming.teams.permissions import led_team_ids

from .models import MOVES, WORKFLOW, Booking, BookingEvent, Room, State
from .permissions import booking_caps, room_caps

S = State
MAX_LENGTH = datetime.timedelta(hours=12)
MAX_AHEAD = datetime.timedelta(days=90)
ROOM_NODE_KINDS = {OrgNode.Kind.STATION, OrgNode.Kind.POINT}


def _require(allowed: bool, message=None) -> None:
    if not allowed:
        raise Forbidden(message)


def _text(value: str, name: str, low: int, high: int) -> str:
    value = (value or "").strip()
    if not low <= len(value) <= high:
        raise ValidationError(_("%(name)s应为%(low)d到%(high)d个字") % {
            "name": name, "low": low, "high": high}, code="invalid_text")
    return value


def clean_opening_hours(hours: dict) -> dict[str, list[str]]:
    """{"0": ["08:30", "17:30"], ...}: weekdays 0–6, each an opening before its closing time."""
    out: dict[str, list[str]] = {}
    for day, span in (hours or {}).items():
        if str(day) not in {str(i) for i in range(7)} or not isinstance(span, list | tuple) \
                or len(span) != 2:
            raise ValidationError(_("开放时间格式不正确"), code="invalid_hours")
        try:
            opens, closes = (datetime.time.fromisoformat(str(t)) for t in span)
        except ValueError:
            raise ValidationError(_("开放时间格式不正确"), code="invalid_hours") from None
        if opens >= closes:
            raise ValidationError(_("闭馆时间应晚于开放时间"), code="invalid_hours")
        out[str(day)] = [opens.strftime("%H:%M"), closes.strftime("%H:%M")]
    return out


@transaction.atomic
def room_create(*, by: User, org: OrgNode, name: str, capacity: int, kind: str = Room.Kind.ACTIVITY,
                equipment: str = "", opening_hours: dict | None = None,
                needs_approval: bool = False) -> Room:
    """Staff of a station or point (or above it) open one of its rooms for booking."""
    _require(can_manage(by, org), _("只能为本辖区的阵地开放场地"))
    if org.kind not in ROOM_NODE_KINDS:
        raise ValidationError(_("场地应属于实践站或实践点"), code="invalid_org")
    if kind not in Room.Kind.values:
        raise ValidationError(_("场地类型不正确"), code="invalid_kind")
    if not 1 <= capacity <= 2000:
        raise ValidationError(_("容纳人数应为1到2000"), code="invalid_capacity")
    return Room.objects.create(
        org=org, name=_text(name, _("名称"), 2, 60), kind=kind, capacity=capacity,
        equipment=(equipment or "").strip()[:200], needs_approval=needs_approval,
        opening_hours=clean_opening_hours(opening_hours or {}))


EDITABLE = {"name", "kind", "capacity", "equipment", "opening_hours", "needs_approval",
            "is_open", "photo"}


@transaction.atomic
def room_update(*, by: User, room: Room, **fields) -> Room:
    """Staff change a room; bookings already made keep their slots (new hours or a smaller
    capacity apply to new bookings), and a closed room (`is_open=False`) takes none. A `photo`
    (an upload) replaces the room's picture after its bytes are checked."""
    if unknown := set(fields) - EDITABLE:
        raise ValidationError(_("不可修改：%(f)s") % {"f": "、".join(sorted(unknown))},
                              code="invalid_input")
    room = Room.objects.select_for_update(of=("self",)).select_related("org").get(pk=room.pk)
    _require(room_caps(by, room).manages, _("只能修改本辖区的场地"))
    if "opening_hours" in fields:
        fields["opening_hours"] = clean_opening_hours(fields["opening_hours"])
    if "name" in fields:
        fields["name"] = _text(fields["name"], _("名称"), 2, 60)
    if "equipment" in fields:
        fields["equipment"] = (fields["equipment"] or "").strip()[:200]
    if "photo" in fields:
        fields["photo"] = checked_image(fields["photo"], stem="room")
    if "kind" in fields and fields["kind"] not in Room.Kind.values:
        raise ValidationError(_("场地类型不正确"), code="invalid_kind")
    if "capacity" in fields and not 1 <= fields["capacity"] <= 2000:
        raise ValidationError(_("容纳人数应为1到2000"), code="invalid_capacity")
    for name, value in fields.items():
        setattr(room, name, value)
    room.save()
    return room


def check_slot(room: Room, start: datetime.datetime, end: datetime.datetime,
               attendees: int) -> None:
    """A slot a room can take: ahead, within one day's opening hours, within capacity."""
    if end <= start:
        raise ValidationError(_("结束时间应晚于开始时间"), code="invalid_time")
    now = timezone.now()
    if start < now:
        raise ValidationError(_("不能预约已经过去的时间"), code="in_past")
    if start > now + MAX_AHEAD:
        raise ValidationError(_("最多提前90天预约"), code="too_far_ahead")
    if end - start > MAX_LENGTH:
        raise ValidationError(_("一次预约不能超过12小时"), code="too_long")
    local_start, local_end = timezone.localtime(start), timezone.localtime(end)
    hours = room.hours_on(local_start.date())
    if hours is None or local_end.date() != local_start.date() \
            or local_start.time() < hours[0] or local_end.time() > hours[1]:
        raise ValidationError(_("所选时间不在场地开放时间内"), code="outside_hours")
    if not 1 <= attendees <= room.capacity:
        raise ValidationError(_("人数应为1到%(n)d人（场地容量）") % {"n": room.capacity},
                              code="over_capacity")


def overlapping(room: Room, start: datetime.datetime, end: datetime.datetime):
    return Booking.objects.filter(room=room, state__in=WORKFLOW.groups["holding"],
                                  start__lt=end, end__gt=start)


def booking_transition(booking: Booking, to: str, *, by: User | None, reason: str = "",
                       only_from=None) -> Booking:
    """Move a locked booking to `to`, or raise 409 invalid_transition; writes the event."""
    WORKFLOW.check(booking.state, to, only_from=only_from)
    from_state = booking.state
    booking.state = to
    booking.save(update_fields=["state"])
    BookingEvent.objects.create(booking=booking, from_state=from_state, to_state=to, by=by,
                                reason=reason)
    return booking


def _room_staff(room: Room) -> list[User]:
    ids = {int(i) for i in room.org.path.strip("/").split("/")}
    return list(User.objects.filter(role_assignments__role=RoleAssignment.Role.STAFF,
                                    role_assignments__org_id__in=ids).distinct()[:20])


@transaction.atomic
def booking_create(*, by: User, room: Room, start: datetime.datetime, end: datetime.datetime,
                   purpose: str, attendees: int, team: Team | None = None) -> Booking:
    """Book a slot: confirmed at once, or pending when the room wants its staff's approval
    (staff booking their own room need none)."""
    room = Room.objects.select_for_update(of=("self",)).select_related("org").get(pk=room.pk)
    caps = room_caps(by, room)
    _require(caps.can_book, _("该场地不对您开放预约"))
    if team is not None:
        _require(team.pk in led_team_ids(by), _("只有队长可以代表队伍预约"))
    purpose = _text(purpose, _("用途"), 2, 200)
    check_slot(room, start, end, attendees)
    if overlapping(room, start, end).exists():
        raise Conflict(_("该时段已被预约，请选择其他时间"), code="slot_taken")
    to = S.PENDING if room.needs_approval and not caps.manages else S.CONFIRMED
    booking = Booking.objects.create(room=room, start=start, end=end, purpose=purpose,
                                     attendees=attendees, team=team, booked_by=by, state="")
    booking_transition(booking, to, by=by)
    if to == S.PENDING:
        notify(users=_room_staff(room), title=_("有新的场地预约待审核"),
               body=f"{room.name} {timezone.localtime(start):%m-%d %H:%M}",
               url=f"/rooms/{room.pk}/bookings/{booking.pk}/")
    return booking


def _locked(booking: Booking) -> Booking:
    return Booking.objects.select_for_update(of=("self",)).select_related(
        "room__org", "booked_by").get(pk=booking.pk)


@transaction.atomic
def booking_move(*, by: User, booking: Booking, move: str, reason: str = "") -> Booking:
    """A person's move on a booking by its name (`MOVES`): approve, reject, cancel, attend,
    no_show. Caps say who may; the workflow says from where."""
    if move not in MOVES:
        raise ValidationError(_("未知的操作"), code="invalid_move")
    booking = _locked(booking)
    caps = booking_caps(by, booking)
    _require(getattr(caps, f"can_{move}"))
    reason = (reason or "").strip()[:1000]
    if move == "reject" and not reason:
        raise ValidationError(_("请填写未通过的原因"), code="reason_required")
    to, only_from = MOVES[move]
    booking_transition(booking, to, by=by, reason=reason, only_from=only_from)
    if move in {"approve", "reject"} or (move == "cancel" and not caps.own):
        notify(users=[booking.booked_by], url=f"/rooms/{booking.room_id}/bookings/{booking.pk}/",
               title=_("您的场地预约：%(s)s") % {"s": WORKFLOW.label(to)},
               body=f"{booking.room.name} {timezone.localtime(booking.start):%m-%d %H:%M} {reason}")
    return booking
