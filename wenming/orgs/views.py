from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from wenming.core.errors import Forbidden

from .models import OrgNode
from .permissions import is_platform_admin, is_staff_member, managed_nodes, org_get_for_user
from .selectors import subtree_counts


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
