from django.contrib import admin

from wenming.core.admin import ReadOnlyAdmin

from .models import Callup


@admin.register(Callup)
class CallupAdmin(ReadOnlyAdmin):
    """Read-only: call-ups are published and moved through `callups.services`."""

    list_display = ("title", "org", "state", "reached", "created_at")
