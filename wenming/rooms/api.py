"""The 场地预约 API: rooms, their bookings and the bookings' moves."""

import datetime

from django.utils import timezone
from ninja import Field, File, Query, Router, Status
from ninja.files import UploadedFile

from wenming.core.errors import NotFound
from wenming.core.pagination import PageQuery, paginate
from wenming.core.schemas import Id, PlatformDate, PlatformDateTime, Strict, Text
from wenming.orgs.permissions import org_get_for_user
from wenming.teams.permissions import team_get_for_user

from . import services
from .models import MOVES, WORKFLOW, Booking
from .permissions import (
    booking_get_for_user,
    bookings_for_user,
    room_caps,
    room_get_for_user,
    rooms_for_user,
)
from .selectors import booking_view, room_view

router = Router(tags=["rooms 场地预约"])


class RoomIn(Strict):
    org_id: Id
    name: str = Field(..., max_length=60)
    capacity: int = Field(..., ge=1, le=2000)
    kind: str = Field("activity", max_length=16)
    equipment: str = Field("", max_length=200)
    opening_hours: dict[str, list[str]] = Field(default_factory=dict)
    needs_approval: bool = False


class RoomPatch(Strict):
    name: str | None = Field(None, max_length=60)
    kind: str | None = Field(None, max_length=16)
    capacity: int | None = Field(None, ge=1, le=2000)
    equipment: str | None = Field(None, max_length=200)
    opening_hours: dict[str, list[str]] | None = None
    needs_approval: bool | None = None
    is_open: bool | None = None


class RoomFilter(PageQuery):
    org: Id | None = None


class BookingIn(Strict):
    start: PlatformDateTime
    end: PlatformDateTime
    purpose: str = Field(..., max_length=200)
    attendees: int = Field(1, ge=1, le=100_000)
    team_id: Id | None = None


class BookingFilter(PageQuery):
    # The week (or any span) to show; today's week by default.
    from_: PlatformDate | None = Field(None, alias="from")
    to: PlatformDate | None = None


class ReasonIn(Strict):
    reason: str = Field("", max_length=1000)


def room_out(request, room) -> dict:
    caps = room_caps(request.user, room)
    return {**room_view(room), "manages": caps.manages, "can_book": caps.can_book}


@router.get("", summary="场地（本区的，及所管辖的）")
def room_list(request, filters: Query[RoomFilter]):
    qs = rooms_for_user(request.user)
    if filters.org:
        qs = qs.filter(org__path__startswith=org_get_for_user(request.user, filters.org).path)
    return paginate(qs, filters, lambda r: room_out(request, r))


@router.post("", response={201: dict}, summary="开放场地（实践站、实践点的工作人员）")
def room_create(request, payload: RoomIn):
    org = org_get_for_user(request.user, payload.org_id)
    room = services.room_create(by=request.user, org=org, **payload.dict(exclude={"org_id"}))
    return Status(201, room_out(request, room))


@router.get("/{room_id}", summary="一个场地")
def room_get(request, room_id: Id):
    return room_out(request, room_get_for_user(request.user, room_id))


@router.patch("/{room_id}", summary="修改场地（名称、类型、容量、设施、开放时间、是否审核、暂停预约）")
def room_patch(request, room_id: Id, payload: RoomPatch):
    room = room_get_for_user(request.user, room_id)
    room = services.room_update(by=request.user, room=room,
                                **payload.dict(exclude_unset=True, exclude_none=True))
    return room_out(request, room)


@router.post("/{room_id}/photo", summary="上传场地照片（multipart：image；JPG或PNG，5MB以内；替换原照片）")
def room_photo_set(request, room_id: Id, image: File[UploadedFile]):
    room = room_get_for_user(request.user, room_id)
    return room_out(request, services.room_update(by=request.user, room=room, photo=image))


@router.get("/{room_id}/bookings", summary="场地的预约（占用时段；本人和场地工作人员可见详情）")
def booking_list(request, room_id: Id, filters: Query[BookingFilter]):
    room = room_get_for_user(request.user, room_id)
    today = timezone.localdate()
    start = filters.from_ or today - datetime.timedelta(days=today.weekday())
    end = filters.to or start + datetime.timedelta(days=7)
    qs = Booking.objects.filter(room=room, start__date__gte=start, start__date__lt=end).filter(
        state__in=WORKFLOW.groups["holding"]) | bookings_for_user(request.user).filter(
        room=room, start__date__gte=start, start__date__lt=end)
    qs = qs.select_related("room__org", "booked_by").prefetch_related("events").distinct()
    return paginate(qs.order_by("start", "id"), filters, lambda b: booking_view(request.user, b))


@router.post("/{room_id}/bookings", response={201: dict}, summary="预约时段（重叠时 409 slot_taken）")
def booking_create(request, room_id: Id, payload: BookingIn):
    room = room_get_for_user(request.user, room_id)
    team = team_get_for_user(request.user, payload.team_id) if payload.team_id else None
    booking = services.booking_create(by=request.user, room=room, team=team,
                                      **payload.dict(exclude={"team_id"}))
    return Status(201, booking_view(request.user, booking))


@router.get("/{room_id}/bookings/{booking_id}", summary="一条预约")
def booking_get(request, room_id: Id, booking_id: Id):
    room = room_get_for_user(request.user, room_id)
    return booking_view(request.user, booking_get_for_user(request.user, room, booking_id))


@router.post("/{room_id}/bookings/{booking_id}/{move}",
             summary="预约的操作：approve、reject（须填原因）、cancel、attend、no_show")
def booking_move(request, room_id: Id, booking_id: Id, move: Text, payload: ReasonIn):
    if move not in MOVES:
        raise NotFound()
    room = room_get_for_user(request.user, room_id)
    booking = booking_get_for_user(request.user, room, booking_id)
    booking = services.booking_move(by=request.user, booking=booking, move=move,
                                    reason=payload.reason)
    return booking_view(request.user, booking)
