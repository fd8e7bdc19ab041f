from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import AuditLog, Resident, Skill, User, Volunteer


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "real_name", "mobile", "is_staff", "is_active")
    search_fields = ("username", "real_name", "mobile")
    fieldsets = (*BaseUserAdmin.fieldsets, (_("平台信息"), {"fields": ("real_name", "mobile", "elder_mode")}))


@admin.register(Volunteer)
class VolunteerAdmin(admin.ModelAdmin):
    list_display = ("user", "station", "status", "political_status", "registered_at")
    list_filter = ("status", "political_status")
    search_fields = ("user__real_name", "user__mobile")
    raw_id_fields = ("user", "station", "approved_by")
    filter_horizontal = ("skills", "service_categories")
    # Changed only through `volunteer_update` (the profile page, the API), which validates
    # them and rewrites the home cell and the availability slots the ranking searches.
    readonly_fields = ("home_lat", "home_lng", "availability")


@admin.register(Resident)
class ResidentAdmin(admin.ModelAdmin):
    list_display = ("user", "station", "is_elderly", "registered_at")
    search_fields = ("user__real_name", "user__mobile")
    raw_id_fields = ("user", "station")


admin.site.register(Skill)


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ("at", "actor", "action", "object_type", "object_id", "ip")
    list_filter = ("action", "object_type")

    def has_change_permission(self, request, obj=None):
        return False  # the audit log is append-only

    def has_delete_permission(self, request, obj=None):
        return False
