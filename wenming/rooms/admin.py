from django.contrib import admin

from wenming.core.admin import ReadOnlyAdmin

from .models import Booking, Room


@admin.register(Room)
class RoomAdmin(ReadOnlyAdmin):
    """Read-only: rooms are opened through `rooms.services.room_create` (the page or the API)."""

    list_display = ("name", "org", "kind", "capacity", "needs_approval", "is_open")


@admin.register(Booking)
class BookingAdmin(ReadOnlyAdmin):
    """Read-only: bookings move only through `rooms.services`, which writes their events."""

    list_display = ("room", "start", "end", "state", "booked_by")
