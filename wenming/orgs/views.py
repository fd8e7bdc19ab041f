from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from wenming.core.errors import Forbidden, NotFound
from wenming.core.forms import call_service

from .forms import GridForm
from .models import Grid, OrgNode
from .permissions import (
    is_platform_admin,
    is_staff_member,
    managed_nodes,
    org_get_for_user,
    require_manage,
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
