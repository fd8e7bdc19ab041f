"""Writes to the org tree and its grids."""

import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from shapely.geometry import Polygon

from .models import Grid, OrgNode, RoleAssignment


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


@transaction.atomic
def grid_create(*, station: OrgNode, name: str, polygon: list[list[float]],
                managers=()) -> Grid:
    """A grid is a simple polygon of at least three [lat, lng] corners inside a station."""
    if station.kind != OrgNode.Kind.STATION:
        raise ValidationError(_("网格必须属于一个实践站"), code="invalid_station")
    try:
        shape = Polygon([(lng, lat) for lat, lng in polygon])
        valid = len(polygon) >= 3 and shape.is_valid and shape.area > 0
    except (TypeError, ValueError):
        valid = False
    if not valid:
        raise ValidationError(_("网格边界应为至少三个不自交的经纬度点"), code="invalid_polygon")
    lats, lngs = [p[0] for p in polygon], [p[1] for p in polygon]
    grid = Grid.objects.create(station=station, name=name, polygon=polygon,
                               min_lat=min(lats), max_lat=max(lats),
                               min_lng=min(lngs), max_lng=max(lngs))
    grid.managers.set(managers)
    return grid


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
