"""The order form's place: the map picker of the tree-editing page (`static/wenming/place.js`)
on the order pages, whichever view renders them (the orders' own or the menu's)."""

from django import template
from django.conf import settings

from wenming.orgs.models import OrgNode

register = template.Library()


@register.inclusion_tag("orders/_place_picker.html")
def order_place_picker(form, resident=None) -> dict:
    """The map centred on the form's place (else the resident's station), the stations of the
    resident's institute as grey dots to find one's way, and the deployment's tiles if any."""
    station = getattr(resident, "station", None)
    neighbours = []
    if station is not None and station.parent_id:
        neighbours = [{"name": n.name, "lat": n.lat, "lng": n.lng} for n in OrgNode.objects.filter(
            parent_id=station.parent_id, kind=OrgNode.Kind.STATION, lat__isnull=False)
            .only("name", "lat", "lng")[:200]]
    return {"form": form, "tile_url": settings.WENMING_MAP_TILE_URL, "neighbours": neighbours,
            "centre": {"lat": getattr(station, "lat", None), "lng": getattr(station, "lng", None)}}
