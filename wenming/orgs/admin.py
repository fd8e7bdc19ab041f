from django.contrib import admin

from .models import Grid, OrgNode, Platform, RoleAssignment


@admin.register(OrgNode)
class OrgNodeAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "point_type", "code", "parent")
    list_filter = ("kind", "point_type")
    search_fields = ("name", "code")
    raw_id_fields = ("parent",)

    def has_change_permission(self, request, obj=None):
        return obj is None  # moves and renames go through orgs.services to keep paths right

    def has_add_permission(self, request):
        return False


@admin.register(Platform)
class PlatformAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "order", "is_active")


@admin.register(Grid)
class GridAdmin(admin.ModelAdmin):
    list_display = ("name", "station")
    raw_id_fields = ("station",)
    filter_horizontal = ("managers",)
    readonly_fields = ("polygon",)


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "org")
    list_filter = ("role",)
    raw_id_fields = ("user", "org")
