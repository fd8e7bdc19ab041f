from django.contrib import admin

from .models import Membership, Team


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "level", "org", "platform", "is_active")
    list_filter = ("level", "is_active", "platform")
    search_fields = ("name",)
    raw_id_fields = ("org", "parent")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("team", "volunteer", "role", "status", "requested_at")
    list_filter = ("role", "status")
    raw_id_fields = ("team", "volunteer", "decided_by")
