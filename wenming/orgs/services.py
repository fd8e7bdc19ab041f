"""Writes to the org tree and its grids."""

import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _
from shapely.geometry import Polygon

from wenming.core.cleaning import checked_text

from .models import Grid, OrgNode, RoleAssignment
from .permissions import require_manage


def _placeholder_path() -> str:
    # The real path holds the new id, known only after the insert.
    return f"/new-{uuid.uuid4().hex}/"


def _path_for(node: OrgNode) -> tuple[str, int]:
    parent_path = node.parent.path if node.parent_id else "/"
    return f"{parent_path}{node.pk}/", (node.parent.depth + 1 if node.parent_id else 0)


@transaction.atomic
def org_create(*, kind: str, name: str, parent: OrgNode | None = None, **fields) -> OrgNode:
    """Add a node under `parent`, checking that the kinds fit (站 under 所, 所 under 中心)."""
    allowed = OrgNode.ALLOWED_PARENTS[OrgNode.Kind(kind)]
    if (parent is None and allowed) or (parent is not None and parent.kind not in allowed):
        raise ValidationError(_("该类型的阵地不能放在这一级下面"), code="invalid_parent")
    if not name.strip():
        raise ValidationError(_("名称不能为空"), code="invalid_name")
    node = OrgNode.objects.create(kind=kind, name=name.strip(), parent=parent,
                                  path=_placeholder_path(), **fields)
    node.path, node.depth = _path_for(node)
    node.save(update_fields=["path", "depth"])
    return node


def org_bulk_create(nodes: list[OrgNode]) -> list[OrgNode]:
    """Insert many nodes of one level whose parents already have paths (the demo, imports)."""
    for node in nodes:
        allowed = OrgNode.ALLOWED_PARENTS[OrgNode.Kind(node.kind)]
        if (node.parent is None and allowed) or (node.parent and node.parent.kind not in allowed):
            raise ValidationError(_("该类型的阵地不能放在这一级下面"), code="invalid_parent")
        node.path = _placeholder_path()
    with transaction.atomic():
        created = OrgNode.objects.bulk_create(nodes)
        for node in created:
            node.path, node.depth = _path_for(node)
        OrgNode.objects.bulk_update(created, ["path", "depth"], batch_size=1000)
    return created


def role_grant(*, user, role: str, org: OrgNode | None) -> RoleAssignment:
    assignment, _created = RoleAssignment.objects.get_or_create(user=user, role=role, org=org)
    return assignment


MAX_GRID_CORNERS = 200


def _shape(polygon) -> Polygon:
    """A simple polygon of 3 to 200 [lat, lng] corners within WGS-84's range, or a 400."""
    try:
        corners = [(float(lng), float(lat)) for lat, lng in polygon]
        valid = (3 <= len(corners) <= MAX_GRID_CORNERS
                 and all(-90 <= lat <= 90 and -180 <= lng <= 180 for lng, lat in corners))
        shape = Polygon(corners) if valid else None
        valid = valid and shape.is_valid and shape.area > 0
    except (TypeError, ValueError):
        valid = False
    if not valid:
        raise ValidationError(_("网格边界应为至少三个不自交的经纬度点"), code="invalid_polygon")
    return shape


def _check_no_overlap(station: OrgNode, shape: Polygon, *, exclude: int | None = None) -> None:
    """Grids of one station do not overlap: a place belongs to one grid manager."""
    for other in Grid.objects.filter(station=station).exclude(pk=exclude):
        if shape.intersection(Polygon([(p[1], p[0]) for p in other.polygon])).area > 0:
            raise ValidationError(_("与“%(g)s”重叠，请调整边界") % {"g": other.name},
                                  code="grid_overlap")


def _bbox(grid: Grid, polygon) -> None:
    lats, lngs = [p[0] for p in polygon], [p[1] for p in polygon]
    grid.min_lat, grid.max_lat = min(lats), max(lats)
    grid.min_lng, grid.max_lng = min(lngs), max(lngs)


@transaction.atomic
def grid_create(*, station: OrgNode, name: str, polygon: list[list[float]],
                managers=()) -> Grid:
    """A grid is a simple polygon of at least three [lat, lng] corners inside a station."""
    if station.kind != OrgNode.Kind.STATION:
        raise ValidationError(_("网格必须属于一个实践站"), code="invalid_station")
    _shape(polygon)
    grid = Grid(station=station, name=name, polygon=polygon)
    _bbox(grid, polygon)
    grid.save()
    grid.managers.set(managers)
    return grid


def _grid_name(name: str) -> str:
    name = (name or "").strip()
    if not 1 <= len(name) <= 100:
        raise ValidationError(_("请填写网格名称（100字以内）"), code="invalid_name")
    return name


@transaction.atomic
def grid_draw(*, by, station: OrgNode, name: str, polygon: list[list[float]],
              managers=(), grid: Grid | None = None) -> Grid:
    """Staff of the station's subtree draw a new grid or redraw one, and name its grid
    managers (who must belong to the station: its staff or its volunteers). Grids of one
    station never overlap."""
    require_manage(by, station)
    if grid is not None and grid.station_id != station.pk:
        raise ValidationError(_("网格不属于该实践站"), code="invalid_grid")
    name = _grid_name(name)
    shape = _shape(polygon)
    # Stored as plain [lat, lng] floats, whatever numbers or strings were sent.
    polygon = [[lat, lng] for lng, lat in list(shape.exterior.coords)[:-1]]
    _check_no_overlap(station, shape, exclude=grid.pk if grid else None)
    allowed = set(grid_manager_candidates(station).values_list("pk", flat=True))
    if any(m.pk not in allowed for m in managers):
        raise ValidationError(_("网格员须为本站的工作人员或志愿者"), code="invalid_manager")
    if grid is None:
        return grid_create(station=station, name=name, polygon=polygon, managers=managers)
    grid = Grid.objects.select_for_update().get(pk=grid.pk)
    grid.name, grid.polygon = name, polygon
    _bbox(grid, polygon)
    grid.save()
    grid.managers.set(managers)
    return grid


def grid_manager_candidates(station: OrgNode):
    """Who may be a grid manager of the station: staff at the station, its volunteers."""
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    return get_user_model().objects.filter(
        Q(role_assignments__role=RoleAssignment.Role.STAFF, role_assignments__org=station)
        | Q(volunteer__station=station)).distinct().order_by("real_name", "id")


DEFAULT_PLATFORMS = [
    ("theory", "理论宣讲平台", 1),
    ("education", "教育服务平台", 2),
    ("culture", "文化服务平台", 3),
    ("science", "科技与科普服务平台", 4),
    ("health", "健康促进与体育服务平台", 5),
]


def platforms_ensure_defaults() -> None:
    """The five service platforms (a data migration creates them; a flushed database, such as
    a transactional test's, needs them back)."""
    from .models import Platform

    for code, name, order in DEFAULT_PLATFORMS:
        Platform.objects.get_or_create(code=code, defaults={"name": name, "order": order})


# ---- the tree edited by staff on a page, within the tree's rules and their own subtree ------

NODE_FIELDS = ("name", "point_type", "address", "lat", "lng", "contact_name", "contact_phone")


def _node_fields(kind: str, fields: dict) -> dict:
    """The editable fields, checked: a name of 2–100 characters, a point type only on points,
    a place given as both coordinates or neither."""
    out = {k: fields[k] for k in NODE_FIELDS if k in fields}
    out["name"] = checked_text(out.get("name"), name=_("名称"), low=2, high=100)
    if kind != OrgNode.Kind.POINT:
        out["point_type"] = ""
    elif out.get("point_type", "") not in OrgNode.PointType.values:
        raise ValidationError(_("请选择实践点类型"), code="invalid_point_type")
    phone = (out.get("contact_phone") or "").strip()
    if phone and not all(c.isdigit() or c in "-+ " for c in phone):
        raise ValidationError(_("联系电话只能包含数字和“-”"), code="invalid_phone")
    out["contact_phone"] = phone
    if (out.get("lat") is None) != (out.get("lng") is None):
        raise ValidationError(_("请在地图上选定位置"), code="invalid_place")
    return out


@transaction.atomic
def org_add(*, by, parent: OrgNode, kind: str, **fields) -> OrgNode:
    """Staff add an institute, station or point under a node they manage."""
    require_manage(by, parent)
    if kind not in OrgNode.Kind.values or kind == OrgNode.Kind.CENTER:
        raise ValidationError(_("请选择阵地类型：实践所、实践站或实践点"), code="invalid_kind")
    return org_create(kind=kind, parent=parent, **_node_fields(kind, fields))


@transaction.atomic
def org_update(*, by, node: OrgNode, **fields) -> OrgNode:
    require_manage(by, node)
    node = OrgNode.objects.select_for_update().get(pk=node.pk)
    for name, value in _node_fields(node.kind, {**{f: getattr(node, f) for f in NODE_FIELDS},
                                                **fields}).items():
        setattr(node, name, value)
    node.save()
    return node


@transaction.atomic
def org_move(*, by, node: OrgNode, parent: OrgNode) -> OrgNode:
    """Hang a node and its whole subtree under another parent. Both must be in the mover's
    subtree, the kinds must fit, and a node cannot go under itself. Every path below is
    rewritten in one UPDATE, so subtree reads stay one prefix query."""
    require_manage(by, node)
    require_manage(by, parent)
    node = OrgNode.objects.select_for_update().get(pk=node.pk)
    parent = OrgNode.objects.select_for_update().get(pk=parent.pk)
    if parent.kind not in OrgNode.ALLOWED_PARENTS[OrgNode.Kind(node.kind)]:
        raise ValidationError(_("该类型的阵地不能放在这一级下面"), code="invalid_parent")
    if parent.path.startswith(node.path):
        raise ValidationError(_("不能移到自己或自己的下级下面"), code="invalid_parent")
    if parent.pk == node.parent_id:
        return node
    old, new = node.path, f"{parent.path}{node.pk}/"
    OrgNode.objects.filter(path__startswith=old).update(
        path=Concat(Value(new), Substr("path", len(old) + 1)),
        depth=F("depth") + (parent.depth + 1 - node.depth))
    OrgNode.objects.filter(pk=node.pk).update(parent=parent)
    node.refresh_from_db()
    return node
