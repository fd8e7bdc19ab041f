from django.urls import reverse

from wenming.inbox.models import Notification
from wenming.orgs.models import OrgNode, RoleAssignment
from wenming.orgs.permissions import is_staff_member, managed_nodes, roles_of
from wenming.partners.permissions import is_unit_staff

from .navigation import roles_of_request, tabs_for, tile_groups_for


def ui(request):
    """Elder mode (长者模式) follows the user's saved choice, or a cookie for visitors; the
    role flags decide which navigation a page shows (from the roles already loaded for the
    request); `unread_count` is one COUNT, run only when a page shows it."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        roles = {r.role for r in roles_of(user)}
        staff = is_staff_member(user)
        flags = {"is_node_staff": staff,
                 "is_volunteer": RoleAssignment.Role.VOLUNTEER in roles,
                 "is_reviewer": staff or RoleAssignment.Role.TEAM_LEADER in roles,
                 # A partner unit's own account holds no node role: one EXISTS, for them only.
                 "is_unit": not roles and not staff and is_unit_staff(user)}
        nav = roles_of_request(flags)
        return {**flags, "elder_mode": user.elder_mode,
                "nav_tabs": tabs_for(nav, request.path), "nav_groups": tile_groups_for(nav, request.path),
                "unread_count": Notification.objects.filter(
                    user=user, read_at__isnull=True).count,
                "boundary_url": lambda: boundary_url(user)}
    return {"elder_mode": request.COOKIES.get("elder") == "1", "is_node_staff": False}


def boundary_url(user) -> str:
    """Where a map page fetches the district's outline: through the user's own node (the
    outline is the nearest one on its path), the tree's root for a platform admin. Called
    only by pages with a map (templates/_leaflet.html)."""
    nodes = managed_nodes(user) or [r.org for r in roles_of(user) if r.org]
    node_id = nodes[0].pk if nodes else (
        OrgNode.objects.filter(parent=None).order_by("pk").values_list("pk", flat=True).first())
    return reverse("api:org_boundary", args=[node_id]) if node_id else ""
