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


def subtree_counts(root: OrgNode) -> dict[int, dict[str, int]]:
    """Volunteers, residents and direct children of every node in `root`'s subtree, the
    people summed up the tree: three queries whatever the size."""
    from wenming.people.models import Resident, Volunteer

    nodes = list(OrgNode.objects.filter(path__startswith=root.path).only("id", "path",
                                                                          "parent_id"))
    per_station = {
        key: Counter(dict(model.objects.filter(station__path__startswith=root.path)
                          .values_list("station").annotate(n=Count("id"))))
        for key, model in (("volunteers", Volunteer), ("residents", Resident))}
    counts = {n.id: {"volunteers": 0, "residents": 0, "children": 0} for n in nodes}
    for node in nodes:
        for key, per in per_station.items():
            if per[node.id]:
                for ancestor in [*node.ancestor_ids, node.id]:
                    if ancestor in counts:
                        counts[ancestor][key] += per[node.id]
        if node.parent_id in counts:
            counts[node.parent_id]["children"] += 1
    return counts


def org_search(qs, *, q: str = "", kinds: list[str] | None = None):
    """Nodes of `qs` (already scoped) whose name contains `q`, by kind, in tree order: what
    the node picker (wenming.core.widgets) lists as the user types."""
    if q.strip():
        qs = qs.filter(name__contains=q.strip())
    if kinds:
        qs = qs.filter(kind__in=kinds)
    return qs.select_related("parent").order_by("path")


def org_pick_row(node: OrgNode) -> dict:
    """A picker row: enough to tell two 幸福社区 apart (the parent's name)."""
    return {"id": node.id, "name": node.name, "kind": node.kind,
            "kind_label": node.get_kind_display(),
            "parent_name": node.parent.name if node.parent else ""}
