from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Status

from wenming.core.errors import DomainError, NotFound
from wenming.core.pagination import PageQuery, paginate
from wenming.core.schemas import Id, Lat, Lng, Schema, Strict

from . import services as org_services
from .boundaries import as_feature, boundary_for, boundary_remove, boundary_set
from .models import Grid, OrgNode
from .permissions import org_contact, org_get_for_user, require_manage, visible_orgs
from .selectors import org_pick_row, org_search, subtree_counts
from .services import grid_draw, grid_manager_candidates

router = Router(tags=["orgs 阵地"])


class OrgOut(Schema):
    id: int
    kind: str
    point_type: str
    name: str
    code: str
    parent_id: Id | None
    lat: Lat | None
    lng: Lng | None
    address: str
    contact_name: str
    contact_phone: str


class OrgDetailOut(OrgOut):
    counts: dict[str, int]


def org_out(user, node: OrgNode) -> dict:
    contact = org_contact(user, node)
    return {**OrgOut.from_orm(node).dict(), "contact_name": contact.name,
            "contact_phone": contact.phone}


class OrgSearchQuery(PageQuery):
    q: str = Field("", max_length=50)
    kind: str = Field("", max_length=60, description="逗号分隔，如 institute,station")


@router.get("", url_name="org_search", summary="按名称搜索本辖区阵地（选择阵地时边输边搜）")
def org_search_list(request, filters: Query[OrgSearchQuery]):
    kinds = [k for k in filters.kind.split(",") if k]
    if any(k not in OrgNode.Kind.values for k in kinds):
        raise DomainError(_("阵地类型不正确"), code="invalid_kind")
    qs = org_search(visible_orgs(request.user), q=filters.q, kinds=kinds)
    return paginate(qs, filters, org_pick_row)


@router.get("/{org_id}", response=OrgDetailOut, summary="一个阵地及其下属统计")
def org_detail(request, org_id: Id):
    node = org_get_for_user(request.user, org_id)
    subtree = list(OrgNode.objects.filter(path__startswith=node.path).only(
        "id", "path", "parent_id", "kind"))
    counts = subtree_counts(node)[node.id]
    by_kind = {k: 0 for k in OrgNode.Kind.values}
    for child in subtree[1:]:
        by_kind[child.kind] += 1
    return {**org_out(request.user, node), "counts": {**counts, **{f"{k}s": n for k, n in by_kind.items()}}}


@router.get("/{org_id}/children", response=dict, summary="直接下级阵地")
def org_children(request, org_id: Id, page: Query[PageQuery]):
    node = org_get_for_user(request.user, org_id)
    children = visible_orgs(request.user).filter(parent=node).order_by("kind", "name", "id")
    return paginate(children, page, lambda n: org_out(request.user, n))


# ---- the tree, edited by staff within their subtree --------------------------------------

class NodeIn(Strict):
    kind: str = Field(..., max_length=16)
    name: str = Field(..., max_length=100)
    point_type: str = Field("", max_length=16)
    address: str = Field("", max_length=200)
    lat: Lat | None = None
    lng: Lng | None = None
    contact_name: str = Field("", max_length=50)
    contact_phone: str = Field("", max_length=20)


class NodeEdit(Strict):
    name: str | None = Field(None, max_length=100)
    point_type: str | None = Field(None, max_length=16)
    address: str | None = Field(None, max_length=200)
    lat: Lat | None = None
    lng: Lng | None = None
    contact_name: str | None = Field(None, max_length=50)
    contact_phone: str | None = Field(None, max_length=20)


class MoveIn(Strict):
    parent_id: Id


@router.post("/{org_id}/children", response={201: OrgOut}, summary="添加下级阵地（所、站、点）")
def org_add(request, org_id: Id, payload: NodeIn):
    parent = org_get_for_user(request.user, org_id)
    node = org_services.org_add(by=request.user, parent=parent, **payload.dict())
    return Status(201, org_out(request.user, node))


@router.patch("/{org_id}", response=OrgOut, summary="修改阵地名称、地址、位置、联系人")
def org_edit(request, org_id: Id, payload: NodeEdit):
    node = org_get_for_user(request.user, org_id)
    changes = payload.dict(exclude_unset=True)
    return org_out(request.user, org_services.org_update(by=request.user, node=node, **changes))


@router.post("/{org_id}/move", response=OrgOut, summary="连同下级一起移到另一个上级下面")
def org_move(request, org_id: Id, payload: MoveIn):
    node = org_get_for_user(request.user, org_id)
    parent = org_get_for_user(request.user, payload.parent_id)
    return org_out(request.user, org_services.org_move(by=request.user, node=node,
                                                       parent=parent))


# ---- the district's outline -----------------------------------------------------------------

class BoundaryIn(Strict):
    # A FeatureCollection, a Feature or a bare (Multi)Polygon: orgs.boundaries checks it.
    geojson: dict
    feature: str = Field("", max_length=100, description="区域名称或行政区划代码（多个区域时）")


@router.get("/{org_id}/boundary", url_name="org_boundary",
            summary="地图上画出的区域边界（本阵地的，或上级最近的一个，GeoJSON Feature）")
def boundary_get(request, org_id: Id):
    found = boundary_for(org_get_for_user(request.user, org_id))
    if found is None:
        raise NotFound(_("尚未设置区域边界"))
    return as_feature(found)


@router.put("/{org_id}/boundary", summary="上传本阵地的区域边界（GeoJSON）")
def boundary_put(request, org_id: Id, payload: BoundaryIn):
    node = org_get_for_user(request.user, org_id)
    return as_feature(boundary_set(by=request.user, node=node, data=payload.geojson,
                                   feature=payload.feature, source="api"))


@router.delete("/{org_id}/boundary", response={204: None}, summary="删除本阵地的区域边界")
def boundary_delete(request, org_id: Id):
    boundary_remove(by=request.user, node=org_get_for_user(request.user, org_id))
    return Status(204, None)


# ---- grids ------------------------------------------------------------------------------

class GridIn(Strict):
    name: str = Field(..., max_length=100)
    # [[lat, lng], ...]: the service checks the shape (3–200 corners, simple, no overlap).
    polygon: list[list[float]] = Field(..., max_length=200)
    manager_ids: list[Id] = Field(default_factory=list, max_length=50)


def grid_out(grid: Grid) -> dict:
    return {"id": grid.pk, "station_id": grid.station_id, "name": grid.name,
            "polygon": grid.polygon, "manager_ids": [m.pk for m in grid.managers.all()]}


def _station(request, org_id: Id) -> OrgNode:
    station = org_get_for_user(request.user, org_id)
    require_manage(request.user, station)
    if station.kind != OrgNode.Kind.STATION:
        raise NotFound()
    return station


def _managers(station: OrgNode, ids: list[int]):
    found = list(grid_manager_candidates(station).filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise NotFound(_("网格员须为本站的工作人员或志愿者"))
    return found


@router.get("/{org_id}/grids", summary="实践站的网格及网格员")
def grid_list(request, org_id: Id):
    station = _station(request, org_id)
    return {"items": [grid_out(g) for g in station.grids.prefetch_related("managers")]}


@router.post("/{org_id}/grids", response={201: dict}, summary="画网格并指定网格员")
def grid_create(request, org_id: Id, payload: GridIn):
    station = _station(request, org_id)
    grid = grid_draw(by=request.user, station=station, name=payload.name,
                     polygon=payload.polygon, managers=_managers(station, payload.manager_ids))
    return Status(201, grid_out(grid))


@router.put("/{org_id}/grids/{grid_id}", summary="修改网格边界和网格员")
def grid_update(request, org_id: Id, grid_id: Id, payload: GridIn):
    station = _station(request, org_id)
    grid = station.grids.filter(pk=grid_id).first()
    if grid is None:
        raise NotFound()
    grid = grid_draw(by=request.user, station=station, grid=grid, name=payload.name,
                     polygon=payload.polygon, managers=_managers(station, payload.manager_ids))
    return grid_out(grid)
