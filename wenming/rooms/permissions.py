"""Who may see and do what with rooms and bookings: the scope reads and the capabilities.

Rooms are open to the district they belong to: everyone with a role there (residents,
volunteers, staff) sees its rooms and may book them. Staff of a room's node (or above it)
edit the room and decide its bookings. A booking's details (who, why) belong to the person who
booked it and the room's staff; everyone else sees only that the slot is taken.
`room_caps` and `booking_caps` are the rules; services enforce them, pages and the API read
them (`allowed_moves`).
"""

from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet
from django.utils import timezone

from wenming.core.errors import NotFound
from wenming.orgs.permissions import can_manage, is_platform_admin, roles_of, subtree_q

from .models import MOVES, WORKFLOW, Booking, Room


def _districts(user) -> set[str]:
    return {r.org.path.split("/")[1] for r in roles_of(user) if r.org}


def _in_district_q(user, path_field: str) -> Q:
    return reduce(or_, (Q(**{f"{path_field}__startswith": f"/{d}/"}) for d in _districts(user)),
                  Q(pk__in=[]))


def rooms_for_user(user) -> QuerySet[Room]:
    """The rooms of the user's district(s), and every room of the subtrees they manage."""
    qs = Room.objects.select_related("org")
    if is_platform_admin(user):
        return qs
    if not user.is_authenticated:
        return qs.none()
    return qs.filter(_in_district_q(user, "org__path") | subtree_q(user, "org__path"))


def room_get_for_user(user, room_id: int) -> Room:
    room = rooms_for_user(user).filter(pk=room_id).first()
    if room is None:
        raise NotFound()
    return room


def bookings_for_user(user) -> QuerySet[Booking]:
    """Bookings with their details: the user's own and those of the rooms they manage."""
    qs = Booking.objects.select_related("room__org", "booked_by", "team")
    if is_platform_admin(user):
        return qs
    if not user.is_authenticated:
        return qs.none()
    return qs.filter(Q(booked_by=user) | subtree_q(user, "room__org__path"))


def booking_get_for_user(user, room: Room, booking_id: int) -> Booking:
    booking = bookings_for_user(user).filter(pk=booking_id, room=room).first()
    if booking is None:
        raise NotFound()
    return booking


@dataclass(frozen=True)
class RoomCaps:
    manages: bool  # staff of the room's node or above: edit it, decide its bookings
    can_book: bool


def room_caps(user, room: Room) -> RoomCaps:
    manages = can_manage(user, room.org)
    in_district = room.org.path.split("/")[1] in _districts(user)
    return RoomCaps(manages=manages, can_book=room.is_open and (manages or in_district))


@dataclass(frozen=True)
class BookingCaps:
    own: bool
    manages: bool
    sees_details: bool
    can_approve: bool
    can_reject: bool
    can_cancel: bool
    can_attend: bool  # recorded once the booking has begun
    can_no_show: bool


def booking_caps(user, booking: Booking) -> BookingCaps:
    own = user.is_authenticated and booking.booked_by_id == user.pk
    manages = can_manage(user, booking.room.org)
    begun = booking.start <= timezone.now()
    return BookingCaps(
        own=own, manages=manages, sees_details=own or manages,
        can_approve=manages, can_reject=manages,
        can_cancel=(own or manages) and not begun,
        can_attend=manages and begun, can_no_show=manages and begun)


def allowed_moves(user, booking: Booking, caps: BookingCaps | None = None) -> list[str]:
    caps = caps or booking_caps(user, booking)
    return [move for move, (to, only_from) in MOVES.items()
            if getattr(caps, f"can_{move}") and booking.state in only_from
            and WORKFLOW.can(booking.state, to)]
