"""Reads over the org tree: grid lookup, nearest station, per-node counts."""

from collections import Counter

from django.db.models import Count
from shapely.geometry import Point, Polygon

from wenming.geo import haversine_km

from .models import Grid, OrgNode


def grid_for_point(lat: float, lng: float) -> Grid | None:
    """The grid containing a point: bounding boxes in SQL, then the exact polygon test."""
    candidates = Grid.objects.filter(min_lat__lte=lat, max_lat__gte=lat,
                                     min_lng__lte=lng, max_lng__gte=lng).select_related("station")
    point = Point(lng, lat)
    for grid in candidates:
        if Polygon([(p[1], p[0]) for p in grid.polygon]).covers(point):
            return grid
    return None


def nearest_station(lat: float, lng: float) -> OrgNode | None:
    stations = OrgNode.objects.filter(kind=OrgNode.Kind.STATION, lat__isnull=False)
    return min(stations, key=lambda s: haversine_km(lat, lng, s.lat, s.lng), default=None)


def station_for_point(lat: float, lng: float) -> OrgNode | None:
    """The station covering a place: its grid's station, else the nearest station."""
    grid = grid_for_point(lat, lng)
    return grid.station if grid else nearest_station(lat, lng)


def subtree_counts(root: OrgNode, nodes: list[OrgNode]) -> dict[int, dict[str, int]]:
    """Volunteers, residents and child nodes per node, summed up the tree in two queries."""
    from wenming.people.models import Resident, Volunteer

    by_station = {
        "volunteers": Counter(dict(Volunteer.objects.filter(station__path__startswith=root.path)
                                   .values_list("station").annotate(n=Count("id")))),
        "residents": Counter(dict(Resident.objects.filter(station__path__startswith=root.path)
                                  .values_list("station").annotate(n=Count("id")))),
    }
    counts = {n.id: {"volunteers": 0, "residents": 0, "children": 0} for n in nodes}
    for node in nodes:
        for key, per_station in by_station.items():
            if per_station[node.id]:
                for ancestor in [*node.ancestor_ids, node.id]:
                    if ancestor in counts:
                        counts[ancestor][key] += per_station[node.id]
        if node.parent_id in counts:
            counts[node.parent_id]["children"] += 1
    return counts
