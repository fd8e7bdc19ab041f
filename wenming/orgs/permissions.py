"""The one permission layer: what a user's roles let them see and manage.

Staff hold a role at a node and reach that node's subtree; platform admins reach every node;
volunteers and residents reach their own station and its ancestors (to read, never to manage).
"""

from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet

from wenming.core.errors import Forbidden, NotFound
from wenming.core.masking import mask_mobile, mask_name

from .models import OrgNode, RoleAssignment

Role = RoleAssignment.Role


def roles_of(user) -> list[RoleAssignment]:
    """The user's role assignments with their nodes, fetched once per request."""
    if not user.is_authenticated:
        return []
    if not hasattr(user, "_wenming_roles"):
        user._wenming_roles = list(user.role_assignments.select_related("org"))
    return user._wenming_roles


def is_platform_admin(user) -> bool:
    return user.is_authenticated and (
        user.is_superuser or any(r.role == Role.ADMIN for r in roles_of(user)))


def managed_nodes(user) -> list[OrgNode]:
    """Nodes whose subtree the user manages as staff (outermost only)."""
    nodes = sorted((r.org for r in roles_of(user) if r.role == Role.STAFF and r.org),
                   key=lambda n: n.path)
    outermost: list[OrgNode] = []
    for node in nodes:
        if not any(node.path.startswith(o.path) for o in outermost):
            outermost.append(node)
    return outermost


def is_staff_member(user) -> bool:
    return is_platform_admin(user) or bool(managed_nodes(user))


def subtree_q(user, path_field: str = "path") -> Q:
    """A filter on `path_field` that keeps the user's managed subtrees; empty for non-staff."""
    if is_platform_admin(user):
        return Q()
    nodes = managed_nodes(user)
    if not nodes:
        return Q(pk__in=[])
    return reduce(or_, (Q(**{f"{path_field}__startswith": n.path}) for n in nodes))


def can_manage(user, org: OrgNode) -> bool:
    return is_platform_admin(user) or any(n.contains(org) for n in managed_nodes(user))


def require_manage(user, org: OrgNode) -> None:
    if not can_manage(user, org):
        raise Forbidden()


def visible_orgs(user) -> QuerySet[OrgNode]:
    if is_staff_member(user):
        return OrgNode.objects.filter(subtree_q(user))
    own = [r.org for r in roles_of(user) if r.org]
    ids = {i for n in own for i in [*n.ancestor_ids, n.id]}
    return OrgNode.objects.filter(pk__in=ids)


def org_get_for_user(user, org_id: int) -> OrgNode:
    org = visible_orgs(user).filter(pk=org_id).first()
    if org is None:
        raise NotFound()
    return org


@dataclass(frozen=True)
class OrgContact:
    name: str
    phone: str
    masked: bool


def org_contact(user, node: OrgNode) -> OrgContact:
    """A node's contact person and phone, the one place that decides who reads them whole.

    They are published to the people the node serves: its managers (and those above), and
    members whose own node lies in its subtree or on its path (a resident calls their
    station, a volunteer their institute). Anyone else gets them masked; no page shows them
    so today, so there is nothing to reveal and nothing to audit."""
    own = [r.org for r in roles_of(user) if r.org]
    published = can_manage(user, node) or any(
        o.path.startswith(node.path) or node.path.startswith(o.path) for o in own)
    if published:
        return OrgContact(name=node.contact_name, phone=node.contact_phone, masked=False)
    return OrgContact(name=mask_name(node.contact_name), phone=mask_mobile(node.contact_phone),
                      masked=True)
