"""`{% landing %}`: what a visitor's first screen shows of the district: its name, the
activities ahead, the wishes waiting on the wall, and the ways in (order a service, the wish
wall, the honour board when the district has one)."""

from django import template
from django.urls import NoReverseMatch, reverse

from wenming.activities.models import Activity
from wenming.activities.selectors import activity_search
from wenming.orgs.models import OrgNode, Platform
from wenming.wishes.selectors import public_view, wall

register = template.Library()


def _url(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None  # that part of the platform is not installed here


@register.simple_tag
def district_name() -> str:
    center = OrgNode.objects.filter(parent=None).order_by("id").first()
    return center.name if center else ""


@register.inclusion_tag("notices/_landing.html")
def landing():
    center = OrgNode.objects.filter(parent=None).order_by("id").first()
    upcoming = activity_search(Activity.objects.select_related("org", "platform"),
                               upcoming=True)[:4]
    wishes = wall(center)
    return {
        "center": center,
        "activities": upcoming,
        "wishes": [public_view(w) for w in wishes.select_related("resident__user")[:3]],
        "wish_count": wishes.count(),
        "platforms": Platform.objects.filter(is_active=True).order_by("order", "id"),
        "wall_url": center and _url("wish_wall_public", center.pk),
        "honors_url": center and _url("honors_board", center.pk),
    }
