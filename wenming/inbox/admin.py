from django.contrib import admin

from wenming.core.admin import ReadOnlyAdmin

from .models import Delivery, Notification, Preference


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """Read-only: messages are sent by `inbox.services.notify` and read by their owner."""

    list_display = ("user", "title", "created_at", "read_at")


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    """The outbound log: what went out through which channel, after how many tries."""

    list_display = ("notification", "channel", "state", "attempts", "sent_at", "last_error")
    list_filter = ("channel", "state")


@admin.register(Preference)
class PreferenceAdmin(ReadOnlyAdmin):
    """Read-only: each person sets their own on the inbox's settings page."""

    list_display = ("user", "channels", "quiet_start", "quiet_end", "reminder_lead_minutes")
