from wenming.inbox.models import Notification
from wenming.orgs.models import RoleAssignment
from wenming.orgs.permissions import is_staff_member, roles_of
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
                    user=user, read_at__isnull=True).count}
    return {"elder_mode": request.COOKIES.get("elder") == "1", "is_node_staff": False}
