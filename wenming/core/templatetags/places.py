"""A form's place picked on a map (`static/wenming/place.js`) instead of typed coordinates:
the order forms and the activity form share it; the tree-editing page has its own."""

from django import template
from django.conf import settings

from wenming.orgs.models import OrgNode
from wenming.orgs.permissions import managed_nodes

register = template.Library()
NEIGHBOURS = 200  # dots enough to find one's way; a district's 1,600 nodes would only clutter


def _picker(centre: OrgNode | None, stations, *, help_text: str, chosen: str) -> dict:
    return {"tile_url": settings.WENMING_MAP_TILE_URL, "help": help_text, "chosen": chosen,
            "neighbours": [{"name": n.name, "lat": n.lat, "lng": n.lng} for n in stations
                           .filter(kind=OrgNode.Kind.STATION, lat__isnull=False)
                           .only("name", "lat", "lng")[:NEIGHBOURS]],
            "centre": {"lat": getattr(centre, "lat", None), "lng": getattr(centre, "lng", None)}}


@register.inclusion_tag("_place_picker.html")
def order_place_picker(form, resident=None) -> dict:
    """Centred on the resident's station, the stations of its institute as grey dots."""
    from django.utils.translation import gettext as _

    station = getattr(resident, "station", None)
    parent = getattr(station, "parent_id", None)
    return _picker(station, OrgNode.objects.filter(parent_id=parent) if parent
                   else OrgNode.objects.none(),
                   help_text=_("也可以在地图上点一下需要服务的地方；灰点是附近的实践站。"),
                   chosen=_("已在地图上选定位置，可再次点击调整；请在上面写清楼号门牌"))


@register.inclusion_tag("_place_picker.html", takes_context=True)
def activity_place_picker(context) -> dict:
    """Centred on the organiser's own node, its stations as grey dots."""
    from django.utils.translation import gettext as _

    nodes = managed_nodes(context["request"].user)
    centre = next((n for n in nodes if n.lat is not None), nodes[0] if nodes else None)
    return _picker(centre, OrgNode.objects.filter(path__startswith=centre.path) if centre
                   else OrgNode.objects.none(),
                   help_text=_("在地图上点一下活动地点，经纬度自动填好；灰点是实践站。"),
                   chosen=_("已在地图上选定活动地点，可再次点击调整"))
