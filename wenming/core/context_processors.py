from wenming.orgs.permissions import is_staff_member


def ui(request):
    """Elder mode (长者模式) follows the user's saved choice, or a cookie for visitors;
    `is_node_staff` decides which navigation a page shows."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return {"elder_mode": user.elder_mode, "is_node_staff": is_staff_member(user)}
    return {"elder_mode": request.COOKIES.get("elder") == "1", "is_node_staff": False}
