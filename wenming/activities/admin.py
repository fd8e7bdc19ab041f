from django.contrib import admin

from .models import Activity, Certificate, Project, ServiceRecord, ServiceRules


@admin.register(ServiceRules)
class ServiceRulesAdmin(admin.ModelAdmin):
    list_display = ("center", "max_checkins_per_day", "daily_hours_cap", "daily_hours_max",
                    "coverage_ratio", "record_deadline_workdays")
    raw_id_fields = ("center",)


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("title", "platform", "org", "is_brand")
    list_filter = ("is_brand", "platform")
    search_fields = ("title",)
    raw_id_fields = ("org", "team", "created_by")


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ("title", "platform", "org", "start", "quota", "status")
    list_filter = ("status", "platform")
    search_fields = ("title",)
    raw_id_fields = ("org", "team", "project", "leader", "created_by")

    def has_change_permission(self, request, obj=None):
        return False  # quota and waitlist rules live in activities.services

    def has_add_permission(self, request):
        return False


@admin.register(ServiceRecord)
class ServiceRecordAdmin(admin.ModelAdmin):
    """Read-only: the ledger changes only through approval, rejection and reversal."""

    list_display = ("volunteer", "title", "service_date", "hours", "status", "kind")
    list_filter = ("status", "kind")
    raw_id_fields = ("volunteer", "activity", "org", "reverses", "created_by", "decided_by")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ("code", "real_name", "total_hours", "org", "issued_at")
    search_fields = ("code",)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
