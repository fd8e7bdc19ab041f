from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from wenming.core.errors import Forbidden, NotFound
from wenming.core.forms import call_service

from . import services
from .boundaries import boundary_for, boundary_set, shipped_districts
from .forms import BoundaryForm, GridForm, MoveForm, NodeForm
from .models import Grid, OrgNode
from .permissions import (
    is_platform_admin,
    is_staff_member,
    managed_nodes,
    org_get_for_user,
    require_manage,
    subtree_q,
)
from .selectors import subtree_counts
from .services import grid_draw


def _rows(root: OrgNode, nodes: list[OrgNode]) -> list[tuple[OrgNode, dict]]:
    counts = subtree_counts(root)
    return [(n, counts[n.id]) for n in nodes]


@login_required
def org_tree(request):
    """The tree of the caller's subtree(s), with counts; deeper levels load on demand."""
    if not is_staff_member(request.user):
        raise Forbidden()
    roots = (list(OrgNode.objects.filter(parent=None)) if is_platform_admin(request.user)
             else managed_nodes(request.user))
    trees = [_rows(root, [root]) for root in roots]
    return render(request, "orgs/tree.html", {"trees": [t[0] for t in trees]})


@login_required
def org_children(request, org_id: int):
    node = org_get_for_user(request.user, org_id)
    if not is_staff_member(request.user):
        raise Forbidden()
    children = list(node.children.order_by("kind", "name", "id"))
    return render(request, "orgs/_children.html", {"rows": _rows(node, children)})


# ---- grids: drawn and staffed by the station's staff on a map ---------------------------

def _station_managed(request, org_id: int) -> OrgNode:
    station = org_get_for_user(request.user, org_id)
    if station.kind != OrgNode.Kind.STATION:
        raise NotFound()
    require_manage(request.user, station)
    return station


@login_required
def grid_list(request, org_id: int):
    """A station's grids on a map, each with its grid managers."""
    station = _station_managed(request, org_id)
    grids = list(station.grids.prefetch_related("managers").order_by("name", "id"))
    return render(request, "orgs/grids.html", {
        "station": station, "grids": grids, "tile_url": settings.WENMING_MAP_TILE_URL,
        "shapes": [{"id": g.pk, "name": g.name, "polygon": g.polygon} for g in grids]})


@login_required
def grid_edit(request, org_id: int, grid_id: int | None = None):
    """Draw a new grid (or redraw one) by tapping its corners on the map."""
    station = _station_managed(request, org_id)
    grid = get_object_or_404(Grid, pk=grid_id, station=station) if grid_id else None
    form = GridForm(request.POST or None, station=station, grid=grid)
    if request.method == "POST" and form.is_valid():
        saved = call_service(form, grid_draw, by=request.user, station=station, grid=grid,
                             **form.cleaned_data)
        if saved is not None:
            messages.success(request, _("网格已保存"))
            return redirect("grid_list", station.pk)
    others = [{"id": g.pk, "name": g.name, "polygon": g.polygon}
              for g in station.grids.exclude(pk=grid.pk if grid else None)]
    return render(request, "orgs/grid_edit.html", {
        "station": station, "grid": grid, "form": form, "others": others,
        "tile_url": settings.WENMING_MAP_TILE_URL,
        "centre": {"lat": station.lat, "lng": station.lng}})


# ---- the tree edited on a page: add, edit, move (within the caller's subtree) ---------------

def _child_kinds(parent: OrgNode) -> list[str]:
    return [k for k, parents in OrgNode.ALLOWED_PARENTS.items() if parent.kind in parents]


def _managed(request, org_id: int) -> OrgNode:
    node = org_get_for_user(request.user, org_id)
    require_manage(request.user, node)
    return node


def _node_page(request, form, *, title: str, centre: OrgNode, node=None):
    return render(request, "orgs/node_form.html", {
        "form": form, "title": title, "node": node, "tile_url": settings.WENMING_MAP_TILE_URL,
        "centre": centre, "neighbours": [
            {"name": n.name, "lat": n.lat, "lng": n.lng}
            for n in (centre.children.exclude(lat=None)[:200] if centre else [])]})


@login_required
def org_add(request, org_id: int):
    parent = _managed(request, org_id)
    kinds = _child_kinds(parent)
    if not kinds:
        raise NotFound()
    form = NodeForm(request.POST or None, kinds=kinds,
                    initial={"lat": parent.lat, "lng": parent.lng})
    if request.method == "POST" and form.is_valid():
        node = call_service(form, services.org_add, by=request.user, parent=parent,
                            kind=form.cleaned_data["kind"], **form.values())
        if node:
            messages.success(request, _("已添加：%(name)s") % {"name": node.name})
            return redirect("org_tree")
    return _node_page(request, form, title=_("添加下级阵地 · %(p)s") % {"p": parent.name},
                      centre=parent)


@login_required
def org_edit(request, org_id: int):
    node = _managed(request, org_id)
    initial = {f: getattr(node, f) for f in services.NODE_FIELDS}
    form = NodeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if call_service(form, services.org_update, by=request.user, node=node, **form.values()):
            messages.success(request, _("已保存"))
            return redirect("org_tree")
    return _node_page(request, form, title=_("修改 · %(n)s") % {"n": node.name},
                      centre=node.parent or node, node=node)


@login_required
def org_move(request, org_id: int):
    node = _managed(request, org_id)
    allowed = OrgNode.ALLOWED_PARENTS[OrgNode.Kind(node.kind)]
    parents = (OrgNode.objects.filter(subtree_q(request.user), kind__in=allowed)
               .exclude(path__startswith=node.path).exclude(pk=node.parent_id)
               .order_by("path"))
    form = MoveForm(request.POST or None, parents=parents)
    if request.method == "POST" and form.is_valid():
        if call_service(form, services.org_move, by=request.user, node=node,
                        parent=form.cleaned_data["parent"]):
            messages.success(request, _("已移动：%(name)s") % {"name": node.name})
            return redirect("org_tree")
    return render(request, "orgs/node_move.html", {"form": form, "node": node})


@login_required
def org_boundary(request, org_id: int):
    """区域边界: the outline every map of the node's subtree draws, picked from the shipped
    Beijing districts or uploaded as GeoJSON, previewed on the map before and after."""
    node = _managed(request, org_id)
    shipped = shipped_districts()
    names = [(f["id"], f["properties"]["name"]) for f in shipped["features"]]
    form = BoundaryForm(request.POST or None, request.FILES or None, shipped=names)
    if request.method == "POST" and form.is_valid():
        data, feature = (form.cleaned_data.get("geojson"), form.cleaned_data["feature"])
        if data is None:
            data, feature = shipped, form.cleaned_data["shipped"]
        upload = form.cleaned_data.get("file")
        kept = call_service(form, boundary_set, by=request.user, node=node, data=data,
                            feature=feature, source=upload.name if upload else "beijing")
        if kept:
            messages.success(request, _("已保存区域边界：%(n)s") % {"n": kept.name})
            return redirect("org_boundary", org_id=node.pk)
    current = boundary_for(node)
    return render(request, "orgs/boundary.html", {
        "node": node, "form": form, "current": current,
        "own": current is not None and current.node_id == node.pk,
        "tile_url": settings.WENMING_MAP_TILE_URL})
