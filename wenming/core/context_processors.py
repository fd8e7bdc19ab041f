def ui(request):
    """Elder mode (长者模式) follows the user's saved choice, or a cookie for visitors."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        elder = user.elder_mode
    else:
        elder = request.COOKIES.get("elder") == "1"
    return {"elder_mode": elder}
