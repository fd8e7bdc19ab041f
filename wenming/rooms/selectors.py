"""Reads of rooms: a room's week (the calendar a phone shows) and what a booking may show."""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from .models import WORKFLOW, Booking, Room
from .permissions import booking_caps


@dataclass
class Day:
    date: datetime.date
    hours: tuple[datetime.time, datetime.time] | None
    bookings: list[Booking]

    @property
    def is_today(self) -> bool:
        return self.date == timezone.localdate()


def week_start(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def room_week(room: Room, monday: datetime.date) -> list[Day]:
    """Seven days from `monday`, each with its opening hours and the bookings holding a slot."""
    start = timezone.make_aware(datetime.datetime.combine(monday, datetime.time.min))
    end = start + datetime.timedelta(days=7)
    held = list(Booking.objects.filter(room=room, state__in=WORKFLOW.groups["holding"],
                                       start__lt=end, end__gt=start).order_by("start", "id"))
    days = []
    for i in range(7):
        day = monday + datetime.timedelta(days=i)
        days.append(Day(day, room.hours_on(day), [
            b for b in held if timezone.localtime(b.start).date() == day]))
    return days


def room_view(room: Room) -> dict:
    return {"id": room.id, "org_id": room.org_id, "org_name": room.org.name, "name": room.name,
            "kind": room.kind, "capacity": room.capacity, "equipment": room.equipment,
            "opening_hours": room.opening_hours, "needs_approval": room.needs_approval,
            "is_open": room.is_open,
            "photo_url": f"/rooms/{room.pk}/photo/" if room.photo else None}


def booking_view(user, booking: Booking) -> dict:
    """A slot as anyone in the room's district sees it; who booked it and why only for the
    booker and the room's staff; the moves the caller may make now."""
    from .permissions import allowed_moves

    caps = booking_caps(user, booking)
    out = {"id": booking.id, "room_id": booking.room_id, "state": booking.state,
           "start": timezone.localtime(booking.start).isoformat(),
           "end": timezone.localtime(booking.end).isoformat(), "mine": caps.own}
    if caps.sees_details:
        out.update(purpose=booking.purpose, attendees=booking.attendees,
                   team_id=booking.team_id, booked_by=booking.booked_by.real_name,
                   history=[{"from": e.from_state, "to": e.to_state, "by": e.by_id,
                             "at": timezone.localtime(e.at).isoformat(), "reason": e.reason}
                            for e in booking.events.all()])
    out["allowed_moves"] = allowed_moves(user, booking, caps)
    return out
