"""区域边界: the district's outline on every map, from GeoJSON the district brings (or the
Beijing districts shipped in `data/`), checked before it is kept and served from the app
itself so that an intranet without a tile server still shows where the district ends."""

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from shapely import make_valid, unary_union
from shapely.errors import GEOSException
from shapely.geometry import mapping, shape

from .models import Boundary, OrgNode
from .permissions import require_manage

SHIPPED = Path(__file__).parent / "data" / "beijing-districts.geojson"
MAX_POINTS = 50_000  # a district drawn to a few metres; more only slows every phone's map
MAX_FEATURES = 500
POLYGONAL = ("Polygon", "MultiPolygon")


def _invalid(message: str) -> ValidationError:
    return ValidationError(message, code="invalid_boundary")


def _features(data) -> list[dict]:
    if not isinstance(data, dict):
        raise _invalid(_("边界文件应为 GeoJSON 对象"))
    kind = data.get("type")
    if kind == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list) or not 1 <= len(features) <= MAX_FEATURES:
            raise _invalid(_("GeoJSON 中没有可用的区域（或区域过多）"))
        return [f for f in features if isinstance(f, dict)]
    if kind == "Feature":
        return [data]
    return [{"type": "Feature", "properties": {}, "geometry": data}]


def _properties(feature: dict) -> dict:
    props = feature.get("properties")
    return props if isinstance(props, dict) else {}


def _names(feature: dict) -> set[str]:
    props = _properties(feature)
    keys = (feature.get("id"), props.get("adcode"), props.get("code"), props.get("name"))
    return {str(k).strip() for k in keys if k not in (None, "")}


def _pick(features: list[dict], *, feature: str, node: OrgNode) -> dict:
    """The feature named (by id, adcode, code or name); else the node's own region code or a
    name its name contains ("海淀区" in "海淀区新时代文明实践中心"); else the only one."""
    if feature:
        found = [f for f in features if feature.strip() in _names(f)]
    else:
        found = [f for f in features if node.code and node.code in _names(f)] or [
            f for f in features if any(n and n in node.name for n in _names(f))]
        found = found or (features if len(features) == 1 else [])
    if not found:
        raise _invalid(_("GeoJSON 中找不到该区域，请填写区域名称或行政区划代码"))
    return found[0]


def _repaired(outline):
    """Outlines drawn from quantised or hand-made data often touch themselves where two
    borders meet; such a ring is mended (shapely's make_valid) and only its areas kept."""
    if outline.is_valid:
        return outline
    mended = make_valid(outline)
    areas = [g for g in getattr(mended, "geoms", [mended]) if g.geom_type in POLYGONAL]
    return unary_union(areas) if areas else None


def _geometry(feature: dict) -> dict:
    """A Polygon or MultiPolygon within WGS-84's range, mended if it touches itself,
    coordinates rounded to 6 decimals (about 0.1 m)."""
    geometry = feature.get("geometry")
    if not isinstance(geometry, dict) or geometry.get("type") not in POLYGONAL:
        raise _invalid(_("区域边界应为多边形（Polygon 或 MultiPolygon）"))
    try:
        outline = _repaired(shape(geometry))
        parts = list(getattr(outline, "geoms", [outline]))
        points = sum(len(p.exterior.coords) for p in parts)
        minx, miny, maxx, maxy = outline.bounds
        ok = (outline.geom_type in POLYGONAL and outline.area > 0 and points <= MAX_POINTS
              and -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90)
    except (GEOSException, TypeError, ValueError, AttributeError, IndexError, KeyError):
        ok = False
    if not ok:
        raise _invalid(_("区域边界不是有效的经纬度多边形（面积为零、越界或点数超过 %(n)s）")
                       % {"n": MAX_POINTS})
    return json.loads(json.dumps(mapping(outline)), parse_float=lambda s: round(float(s), 6))


@transaction.atomic
def boundary_set(*, by, node: OrgNode, data, feature: str = "", source: str = "") -> Boundary:
    """Staff who manage the node keep its outline; `by=None` is the command line (the
    operator of the machine). A bad file changes nothing: the old outline stays."""
    if by is not None:
        require_manage(by, node)
    chosen = _pick(_features(data), feature=feature, node=node)
    fields = {"name": str(_properties(chosen).get("name") or node.name)[:100],
              "geometry": _geometry(chosen), "source": source[:200], "updated_by": by}
    boundary, _created = Boundary.objects.update_or_create(node=node, defaults=fields)
    return boundary


@transaction.atomic
def boundary_remove(*, by, node: OrgNode) -> None:
    require_manage(by, node)
    Boundary.objects.filter(node=node).delete()


def boundary_for(node: OrgNode) -> Boundary | None:
    """The outline a map of the node draws: its own, else the nearest one above it."""
    on_path = [*node.ancestor_ids, node.id]
    found = {b.node_id: b for b in Boundary.objects.filter(node_id__in=on_path)}
    return next((found[i] for i in reversed(on_path) if i in found), None)


def as_feature(boundary: Boundary) -> dict:
    return {"type": "Feature", "geometry": boundary.geometry,
            "properties": {"name": boundary.name, "node": boundary.node_id}}


def shipped_districts() -> dict:
    return json.loads(SHIPPED.read_text(encoding="utf-8"))
