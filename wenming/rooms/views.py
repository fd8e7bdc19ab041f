"""Room pages: the rooms of my district, a room's week (phone calendar) with its booking form,
my bookings, a booking with its moves, and the staff's queue and new-room form.

Thin: a scope read (404 outside), a form, one service, a page. What a page offers is read from
`room_caps`, `booking_caps` and `allowed_moves`, the API's rule too.
"""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from wenming.core.errors import Forbidden, NotFound
from wenming.core.forms import attempt, call_service
from wenming.core.uploads import file_response
from wenming.core.views import back
from wenming.orgs.permissions import is_staff_member, subtree_q
from wenming.people.views import staff_required

from . import services
from .forms import BookingForm, RoomEditForm, RoomForm
from .models import MOVES, WORKFLOW, State
from .permissions import (
    allowed_moves,
    booking_caps,
    booking_get_for_user,
    bookings_for_user,
    room_caps,
    room_get_for_user,
    rooms_for_user,
)
from .selectors import room_week, week_start

DONE = {"approve": gettext_lazy("已通过预约"), "reject": gettext_lazy("已标记为未通过"),
        "cancel": gettext_lazy("预约已取消"),
        "attend": gettext_lazy("已记录到场使用"), "no_show": gettext_lazy("已记录未到场")}


def _monday(request) -> datetime.date:
    try:
        day = datetime.date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        day = timezone.localdate()
    today = timezone.localdate()
    return week_start(min(max(day, today - datetime.timedelta(days=365)),
                          today + datetime.timedelta(days=365)))


@login_required
def room_list(request):
    rooms = list(rooms_for_user(request.user)[:200])
    return render(request, "rooms/room_list.html", {
        "rooms": rooms, "staff": is_staff_member(request.user)})


@login_required
def room_detail(request, room_id: int):
    room = room_get_for_user(request.user, room_id)
    caps = room_caps(request.user, room)
    form = BookingForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if not caps.can_book:
            raise NotFound()
        if form.is_valid():
            booking = call_service(form, services.booking_create, by=request.user, room=room,
                                   **form.booking_values())
            if booking is not None:
                messages.success(request, _("预约已提交，等待工作人员审核") if booking.state ==
                                 State.PENDING else _("预约成功"))
                return redirect("room_booking", room.pk, booking.pk)
    monday = _monday(request)
    mine = set(bookings_for_user(request.user).filter(room=room).values_list("pk", flat=True))
    return render(request, "rooms/room_detail.html", {
        "room": room, "caps": caps, "form": form, "days": room_week(room, monday),
        "mine": mine, "monday": monday, "prev": monday - datetime.timedelta(days=7),
        "next": monday + datetime.timedelta(days=7)})


@login_required
def booking_detail(request, room_id: int, booking_id: int):
    room = room_get_for_user(request.user, room_id)
    booking = booking_get_for_user(request.user, room, booking_id)
    caps = booking_caps(request.user, booking)
    return render(request, "rooms/booking_detail.html", {
        "b": booking, "room": room, "caps": caps, "tone": WORKFLOW.colour(booking.state),
        "moves": allowed_moves(request.user, booking, caps), "events": booking.events.all()})


@require_POST
@login_required
def booking_move(request, room_id: int, booking_id: int, move: str):
    if move not in MOVES:
        raise NotFound()
    room = room_get_for_user(request.user, room_id)
    booking = booking_get_for_user(request.user, room, booking_id)
    attempt(request, services.booking_move, DONE[move], by=request.user, booking=booking,
            move=move, reason=request.POST.get("reason", "")[:1000])
    return redirect(back(request, f"/rooms/{room.pk}/bookings/{booking.pk}/"))


@login_required
def my_bookings(request):
    qs = bookings_for_user(request.user).filter(booked_by=request.user).order_by("-start", "-id")
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "rooms/my_bookings.html", {
        "page": page, "rows": [(b, WORKFLOW.label(b.state)) for b in page]})


@staff_required
def booking_queue(request):
    """Bookings waiting for a decision, and those begun today or earlier still to be marked
    used or no-show, in the rooms the caller manages."""
    mine = bookings_for_user(request.user).filter(subtree_q(request.user, "room__org__path"))
    pending = mine.filter(state=State.PENDING).order_by("start", "id")[:100]
    to_mark = mine.filter(state=State.CONFIRMED, start__lte=timezone.now()).order_by(
        "start", "id")[:100]
    return render(request, "rooms/queue.html", {
        "pending": [(b, allowed_moves(request.user, b)) for b in pending],
        "to_mark": [(b, allowed_moves(request.user, b)) for b in to_mark]})


@staff_required
def room_new(request):
    form = RoomForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        room = call_service(form, services.room_create, by=request.user, **form.room_values())
        if room is not None:
            messages.success(request, _("场地已开放预约"))
            return redirect("room_detail", room.pk)
    return render(request, "rooms/room_form.html", {"form": form})


@login_required
def room_edit(request, room_id: int):
    """Staff of the room's node change it; others of the district see the room, not this."""
    room = room_get_for_user(request.user, room_id)
    if not room_caps(request.user, room).manages:
        raise Forbidden(_("只能修改本辖区的场地"))
    form = RoomEditForm(request.POST or None, request.FILES or None, room=room)
    if request.method == "POST" and form.is_valid():
        if call_service(form, services.room_update, by=request.user, room=room,
                        **form.room_values()) is not None:
            messages.success(request, _("场地信息已保存"))
            return redirect("room_detail", room.pk)
    return render(request, "rooms/room_edit.html", {"form": form, "room": room})


@login_required
def room_photo(request, room_id: int):
    """The room's picture, to those who may see the room."""
    room = room_get_for_user(request.user, room_id)
    if not room.photo:
        raise NotFound()
    return file_response(room.photo)
