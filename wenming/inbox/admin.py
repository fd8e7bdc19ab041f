from django.contrib import admin

from wenming.core.admin import ReadOnlyAdmin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """Read-only: messages are sent by `inbox.services.notify` and read by their owner."""

    list_display = ("user", "title", "created_at", "read_at")

