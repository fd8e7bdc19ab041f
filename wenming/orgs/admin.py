from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from wenming.core.admin import ChineseAdmin, ServiceAddAdmin

from .models import Grid, OrgNode, Platform, RoleAssignment
from .services import grid_create, org_create, role_grant

Role = RoleAssignment.Role

# Roles that are configuration. Volunteer, resident and team-leader roles are copies kept by
# people.services (registration, a change of station) and teams.services (appointing leaders).
GRANTED_HERE = (Role.ADMIN, Role.STAFF)


@admin.register(OrgNode)
class OrgNodeAdmin(ServiceAddAdmin):
    """New nodes through `org_create` (kinds checked, path written). The kind and the parent are
    fixed afterwards: a move would rewrite a subtree's paths, which no service does yet. The
    descriptive fields (name, address, contact, ...) have no copies and stay editable."""

    list_display = ("name", "kind", "point_type", "code", "parent")
    list_filter = ("kind", "point_type")
    search_fields = ("name", "code")
    raw_id_fields = ("parent",)
    fields = ("kind", "parent", "name", "point_type", "code", "address", "lat", "lng",
              "contact_name", "contact_phone", "requires_volunteer_approval")

    def get_readonly_fields(self, request, obj=None):
        return ("kind", "parent") if obj else ()

    def has_delete_permission(self, request, obj=None):
        return False  # volunteers, records and roles hang on nodes

    def create(self, request, data: dict) -> OrgNode:
        fields = {k: v for k, v in data.items() if k not in {"kind", "name", "parent"}}
        return org_create(kind=data["kind"], name=data["name"], parent=data["parent"], **fields)


@admin.register(Platform)
class PlatformAdmin(ChineseAdmin):
    """Configuration with no service ("1+8+N": admins add platforms). The code is fixed once
    made: pages and volunteers' service categories name platforms by it."""

    list_display = ("name", "code", "order", "is_active")

    def get_readonly_fields(self, request, obj=None):
        return ("code",) if obj else ()

    def has_delete_permission(self, request, obj=None):
        return False  # projects and activities keep theirs; switch it off instead


@admin.register(Grid)
class GridAdmin(ServiceAddAdmin):
    """New grids through `grid_create` (polygon checked, bounding box written). The station and
    the polygon are fixed afterwards; the name and the grid managers stay editable."""

    list_display = ("name", "station")
    raw_id_fields = ("station",)
    filter_horizontal = ("managers",)
    fields = ("station", "name", "polygon", "managers")

    def get_readonly_fields(self, request, obj=None):
        return ("station", "polygon") if obj else ()

    def has_delete_permission(self, request, obj=None):
        return False

    def create(self, request, data: dict) -> Grid:
        return grid_create(station=data["station"], name=data["name"], polygon=data["polygon"],
                           managers=data.get("managers") or ())


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ServiceAddAdmin):
    """Platform admins and node staff are granted here through `role_grant`, and revoked by
    deleting the row. Other roles are shown only: their services keep them."""

    list_display = ("user", "role", "org")
    list_filter = ("role",)
    raw_id_fields = ("user", "org")
    fields = ("user", "role", "org")
    actions = None  # no bulk delete: it would reach roles that services keep

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role":
            kwargs["choices"] = [(r.value, r.label) for r in GRANTED_HERE]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        return False  # another node is a new grant

    def has_delete_permission(self, request, obj=None):
        return obj is None or obj.role in GRANTED_HERE

    def create(self, request, data: dict) -> RoleAssignment:
        if (data["role"] == Role.STAFF) != (data["org"] is not None):
            raise ValidationError(_("阵地管理员须选择所属阵地；平台管理员不选阵地"),
                                  code="invalid_org")
        return role_grant(user=data["user"], role=data["role"], org=data["org"])
