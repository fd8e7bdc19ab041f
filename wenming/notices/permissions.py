"""Who sees and does what with notices and news: the scope reads and `notice_caps`.

- Public news that is not withdrawn: anyone, logged in or not.
- A notice (not public): the staff of its node's subtree receive it; staff above the node
  manage it like everything else in their subtree.
- Publishing, editing, withdrawing, and the read receipts: whoever manages the node.
"""

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from wenming.core.errors import NotFound
from wenming.orgs.models import OrgNode, RoleAssignment
from wenming.orgs.permissions import can_manage, is_platform_admin, managed_nodes, subtree_q
from wenming.people.models import User

from .models import Notice

LIVE_NEWS = Q(public=True, withdrawn_at__isnull=True)


def _received_q(user) -> Q:
    """Notices addressed to a node at or above one the user is staff of."""
    node_ids = {i for n in managed_nodes(user) for i in [*n.ancestor_ids, n.id]}
    return Q(public=False, withdrawn_at__isnull=True, org_id__in=node_ids) if node_ids else Q(
        pk__in=[])


def notices_for_user(user) -> QuerySet[Notice]:
    qs = Notice.objects.select_related("org", "published_by")
    if is_platform_admin(user):
        return qs
    scope = LIVE_NEWS
    if user.is_authenticated and managed_nodes(user):
        scope |= _received_q(user) | subtree_q(user, "org__path")
    return qs.filter(scope)


def notice_get_for_user(user, notice_id: int) -> Notice:
    notice = notices_for_user(user).filter(pk=notice_id).first()
    if notice is None:
        raise NotFound()
    return notice


def recipients(notice: Notice) -> QuerySet[User]:
    """The staff a notice is addressed to: everyone with a staff role in its node's subtree."""
    return User.objects.filter(
        role_assignments__role=RoleAssignment.Role.STAFF,
        role_assignments__org__path__startswith=notice.org.path).distinct()


def publishing_nodes(user) -> QuerySet[OrgNode]:
    """The nodes a user may publish for: their managed subtrees."""
    return OrgNode.objects.filter(subtree_q(user)) if managed_nodes(user) or is_platform_admin(
        user) else OrgNode.objects.none()


@dataclass(frozen=True)
class NoticeCaps:
    can_edit: bool          # change the text, the picture, pin it
    can_withdraw: bool
    sees_receipts: bool     # who of the recipients has read it
    is_recipient: bool      # opening it leaves a read receipt


def notice_caps(user, notice: Notice) -> NoticeCaps:
    manages = user.is_authenticated and can_manage(user, notice.org)
    live = notice.withdrawn_at is None
    recipient = (user.is_authenticated and not notice.public and live
                 and any(notice.org.contains(n) for n in managed_nodes(user)))
    return NoticeCaps(can_edit=manages and live, can_withdraw=manages and live,
                      sees_receipts=manages and not notice.public, is_recipient=recipient)


def allowed_moves(user, notice: Notice, caps: NoticeCaps | None = None) -> list[str]:
    caps = caps or notice_caps(user, notice)
    return [m for m, ok in (("edit", caps.can_edit), ("withdraw", caps.can_withdraw)) if ok]


def news_in(node: OrgNode | None) -> QuerySet[Notice]:
    """Live news of a node's subtree (the whole platform without a node), newest first."""
    qs = Notice.objects.filter(LIVE_NEWS).select_related("org")
    if node is not None:
        qs = qs.filter(org__path__startswith=node.path)
    return qs



def news_around(station: OrgNode) -> QuerySet[Notice]:
    """What a member of a station reads: the live news of their station and of every node
    above it (their institute, the district)."""
    return Notice.objects.filter(LIVE_NEWS, org_id__in=[*station.ancestor_ids, station.id]
                                 ).select_related("org")
