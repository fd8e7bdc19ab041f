from django.contrib import admin

from wenming.core.admin import EventInline, ReadOnlyAdmin

from .models import State, Wish, WishEvent


class Events(EventInline):
    model = WishEvent
    states = State


@admin.register(Wish)
class WishAdmin(ReadOnlyAdmin):
    """Read-only: every move goes through the wish workflow in `wishes.services`."""

    list_display = ("title", "state", "station", "due_date", "created_at")
    list_filter = ("state",)
    search_fields = ("title",)
    exclude = ("photo",)  # served only through the view that checks who may see it
    inlines = (Events,)
