"""Reads over the org tree: grid lookup, nearest station, per-node counts."""


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
    """Volunteers, residents and direct children of every node in `root`'s subtree: two
    queries whatever the size. The people come summed up the tree from the per-node rollup
    (`stats.tally`: all-time rows of every node, kept in the writing transactions and
    checked by `wenming check-ledger`) instead of grouping 100,000 volunteers per request."""
    from wenming.stats import tally
    from wenming.stats.models import NodePeriod, Span

    nodes = list(OrgNode.objects.filter(path__startswith=root.path).values_list(
        "id", "parent_id"))
    counts = {n: {"volunteers": 0, "residents": 0, "children": 0} for n, _p in nodes}
    for _n, parent in nodes:
        if parent in counts:
            counts[parent]["children"] += 1
    key = {tally.VOLUNTEERS: "volunteers", tally.SUSPENDED_VOLUNTEERS: "volunteers",
           tally.RESIDENTS: "residents"}
    for org, metric, value in NodePeriod.objects.filter(
            span=Span.ALL, start=tally.ALL_START, org__path__startswith=root.path,
            metric__in=list(key)).values_list("org", "metric", "value"):
        counts[org][key[metric]] += value
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
