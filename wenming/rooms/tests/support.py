"""Rooms and bookings ready to test with (the `world` personas of conftest)."""

import datetime

from django.utils import timezone

from wenming.rooms import services
from wenming.rooms.models import Booking, BookingEvent, Room, State

EVERY_DAY = {str(d): ["08:00", "21:00"] for d in range(7)}


def room(world, *, org=None, needs_approval: bool = False, capacity: int = 20,
         hours: dict | None = None) -> Room:
    return services.room_create(by=world.sta1_staff, org=org or world.sta1, name="稻香园暖客厅",
                                kind=Room.Kind.PARLOUR, capacity=capacity,
                                opening_hours=EVERY_DAY if hours is None else hours,
                                needs_approval=needs_approval)


def at(days: int, hour: int, minute: int = 0) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def slot(days: int = 1, hour: int = 10, hours: int = 1) -> dict:
    start = at(days, hour)
    return {"start": start, "end": start + datetime.timedelta(hours=hours)}


def book(world, r: Room, *, by=None, days: int = 1, hour: int = 10, hours: int = 1,
         attendees: int = 5) -> Booking:
    return services.booking_create(by=by or world.res1.user, room=r, purpose="老年合唱排练",
                                   attendees=attendees, **slot(days, hour, hours))


def begun(world, r: Room, *, by=None) -> Booking:
    """A confirmed booking that began an hour ago (a past slot cannot be booked through the
    service, so it is written here as the service would have written it then)."""
    start = timezone.now() - datetime.timedelta(hours=1)
    booking = Booking.objects.create(room=r, start=start, end=start + datetime.timedelta(hours=2),
                                     purpose="读书会", attendees=5,
                                     booked_by=by or world.res1.user, state=State.CONFIRMED)
    BookingEvent.objects.create(booking=booking, from_state="", to_state=State.CONFIRMED,
                                by=booking.booked_by)
    return booking


def iso(value: datetime.datetime) -> str:
    return timezone.localtime(value).isoformat()
