from django.contrib import admin

from wenming.core.admin import ReadOnlyAdmin

from .models import Membership, Team


@admin.register(Team)
class TeamAdmin(ReadOnlyAdmin):
    """Read-only: teams are founded, joined and led through `teams.services` (the team pages
    and the API), which check scope and keep the leaders' roles in step."""

    list_display = ("name", "level", "org", "platform", "is_active")
    list_filter = ("level", "is_active", "platform")
    search_fields = ("name",)


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    """Read-only: a leader appointed here would have no team-leader role (`leader_appoint`)."""

    list_display = ("team", "volunteer", "role", "status", "requested_at")
    list_filter = ("role", "status")
    list_select_related = ("team", "volunteer__user")
