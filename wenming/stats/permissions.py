"""Who reads which dashboard: staff their subtree's nodes, platform admins every node.

Residents and volunteers see public boards (honors), never staff dashboards: 403. A node
outside the caller's subtree is 404, so its existence does not leak.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from wenming.core.errors import Forbidden, NotFound
from wenming.orgs.models import OrgNode
from wenming.orgs.permissions import can_manage, is_staff_member, managed_nodes, subtree_q


def require_dashboards(user) -> None:
    if not is_staff_member(user):
        raise Forbidden(_("数据统计仅对阵地工作人员开放"))


def stats_org_get_for_user(user, org_id: int) -> OrgNode:
    """The node whose dashboard the caller asks for, or 403 (not staff) / 404 (outside)."""
    require_dashboards(user)
    org = OrgNode.objects.filter(subtree_q(user), pk=org_id).exclude(
        kind=OrgNode.Kind.POINT).first()
    if org is None:
        raise NotFound()
    return org


def home_node(user) -> OrgNode:
    """The node a staff member's dashboard opens at: their outermost one (the root for an
    admin without a node)."""
    require_dashboards(user)
    nodes = managed_nodes(user)
    if nodes:
        return nodes[0]
    root = OrgNode.objects.filter(parent__isnull=True).order_by("id").first()
    if root is None:
        raise NotFound()
    return root


@dataclass(frozen=True)
class StatsCaps:
    view: bool
    drill_up: bool  # the parent is in scope too
    manage_screens: bool  # create and revoke the node's big-screen links


def stats_caps(user, org: OrgNode) -> StatsCaps:
    mine = can_manage(user, org)
    parent = OrgNode(id=org.parent_id, path=org.path.rsplit("/", 2)[0] + "/") \
        if org.parent_id else None
    return StatsCaps(view=mine, drill_up=bool(parent and can_manage(user, parent)),
                     manage_screens=mine)
