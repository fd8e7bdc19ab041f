"""Who may see and do what in 荣誉表彰: the scope reads and one capabilities object per
selection.

- Rankings: of any node the caller sees (`org_get_for_user`: staff their subtrees, volunteers
  and residents their own station and the nodes above it); a sibling's node is 404. Names in
  full only to staff who manage the node; everyone else reads them as each volunteer allowed.
- Selections: staff of the selection's node (or above) see and run them in every state;
  once publicized (公示) and announced, everyone with a role in the district sees them, and
  any of them may object once while the publicity lasts.
- Awards: staff of the volunteer's station or the team's node (or above) see and enter them;
  a volunteer sees their own.

`selection_caps` is the one rule: services enforce it (403) and the workflow (409); pages
and the API read it (`allowed_moves`).
"""

from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet
from django.utils import timezone

from wenming.core.errors import Forbidden, NotFound
from wenming.orgs.models import OrgNode
from wenming.orgs.permissions import (
    can_manage,
    is_platform_admin,
    is_staff_member,
    roles_of,
    subtree_q,
    visible_orgs,
)

from .models import MOVES, WORKFLOW, Award, Objection, Selection, State


def _districts(user) -> set[str]:
    return {r.org.path.split("/")[1] for r in roles_of(user) if r.org}


def default_org(user) -> OrgNode:
    """The outermost node the caller sees: their district's center for a volunteer, the
    node they manage for staff."""
    org = visible_orgs(user).order_by("depth", "path").first()
    if org is None:
        raise NotFound()
    return org


def can_see_full_names(user, node: OrgNode) -> bool:
    return can_manage(user, node)


# ---- selections ------------------------------------------------------------------------------

def selections_for_user(user) -> QuerySet[Selection]:
    qs = Selection.objects.select_related("org")
    if is_platform_admin(user):
        return qs
    public = Q(state__in=WORKFLOW.groups["public"]) & reduce(
        or_, (Q(org__path__startswith=f"/{d}/") for d in _districts(user)), Q(pk__in=[]))
    if is_staff_member(user):
        public |= subtree_q(user, "org__path")
    return qs.filter(public)


def sees_notice(user, selection: Selection) -> bool:
    """The public side (公示, the result): everyone with a role in the selection's district."""
    return WORKFLOW.in_group(selection.state, "public") and (
        is_platform_admin(user) or selection.org.path.split("/")[1] in _districts(user))


def selection_get_for_user(user, selection_id: int) -> Selection:
    selection = selections_for_user(user).filter(pk=selection_id).first()
    if selection is None:
        raise NotFound()
    return selection


@dataclass(frozen=True)
class SelectionCaps:
    manages: bool
    can_edit_nominees: bool
    can_review: bool
    can_reopen: bool
    can_publicize: bool
    can_object: bool
    can_decide: bool
    can_announce: bool
    can_cancel: bool


def publicity_open(selection: Selection, now=None) -> bool:
    now = now or timezone.now()
    return selection.state == State.PUBLICIZED and bool(
        selection.publicity_end and now < selection.publicity_end)


def has_objected(user, selection: Selection) -> bool:
    return user.is_authenticated and Objection.objects.filter(selection=selection,
                                                              by=user).exists()


def pending_objections(selection: Selection) -> int:
    return selection.objections.filter(decision=Objection.Decision.PENDING).count()


def selection_caps(user, selection: Selection) -> SelectionCaps:
    """What `user` may do with `selection` now (`allowed_moves` adds the workflow). Objecting
    needs the publicity still open and no earlier objection of theirs; announcing needs it
    closed and every objection decided."""
    manages = can_manage(user, selection.org)
    publicized = selection.state == State.PUBLICIZED
    open_now = publicity_open(selection) and (manages or sees_notice(user, selection))
    return SelectionCaps(
        manages=manages,
        can_edit_nominees=manages and WORKFLOW.in_group(selection.state, "editable"),
        can_review=manages, can_reopen=manages, can_publicize=manages,
        can_object=user.is_authenticated and open_now and not has_objected(user, selection),
        can_decide=manages and publicized,
        can_announce=manages and publicized and not open_now
        and pending_objections(selection) == 0,
        can_cancel=manages)


def allowed_moves(user, selection: Selection, caps: SelectionCaps | None = None) -> list[str]:
    caps = caps or selection_caps(user, selection)
    moves = [move for move, (to, only_from) in MOVES.items()
             if getattr(caps, f"can_{move}") and selection.state in only_from
             and WORKFLOW.can(selection.state, to)]
    if caps.can_object:
        moves.append("object")
    return moves


def require(allowed: bool, message=None) -> None:
    if not allowed:
        raise Forbidden(message)


# ---- awards --------------------------------------------------------------------------------

def awards_for_user(user) -> QuerySet[Award]:
    qs = Award.objects.select_related("volunteer", "team", "selection")
    if is_platform_admin(user):
        return qs
    scope = Q(pk__in=[])
    if user.is_authenticated:
        scope |= Q(volunteer__user=user)
    if is_staff_member(user):
        scope |= subtree_q(user, "volunteer__station__path") | subtree_q(user, "team__org__path")
    return qs.filter(scope)


def award_get_for_user(user, award_id: int) -> Award:
    award = awards_for_user(user).filter(pk=award_id).first()
    if award is None:
        raise NotFound()
    return award
