"""Who may see and do what on the wish wall: the scope reads and one capabilities object.

`wish_caps` is the one rule. Services enforce it (403) and the workflow (409); the pages,
their templates and the API only read it, and `allowed_moves` lists what it and the workflow
allow from the wish's current state. The private side of a wish (`sees_private`: who the
resident is, the text unmasked, the reason, the fulfilment note and photo, the history, the
claimer's full name) belongs to the resident, the staff of the wish's station and whoever
holds the claim, on every page and in every API answer alike.
"""

from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet

from wenming.core.errors import NotFound
from wenming.orgs.models import RoleAssignment
from wenming.orgs.permissions import (
    can_manage,
    is_platform_admin,
    is_staff_member,
    roles_of,
    subtree_q,
)
from wenming.people.models import Resident, Volunteer
from wenming.teams.permissions import led_team_ids

from .models import MOVES, WORKFLOW, Wish

Role = RoleAssignment.Role


# ---- scope reads --------------------------------------------------------------------------

def _districts(user) -> set[str]:
    return {r.org.path.split("/")[1] for r in roles_of(user) if r.org}


def wishes_for_user(user) -> QuerySet[Wish]:
    """Staff: their subtrees' wishes in any state. Residents: their own. Everyone with a role
    in a district: its wall (approved and later), as for its activities, teams and stores.
    Claimers: what they claimed."""
    qs = Wish.objects.select_related("station", "resident__user", "claimed_volunteer__user",
                                     "claimed_team")
    if is_platform_admin(user):
        return qs
    scope = Q(state__in=WORKFLOW.groups["wall"]) & reduce(
        or_, (Q(station__path__startswith=f"/{d}/") for d in _districts(user)), Q(pk__in=[]))
    if user.is_authenticated:
        scope |= Q(resident__user=user) | Q(claimed_volunteer__user=user) | Q(
            claimed_team_id__in=led_team_ids(user))
    if is_staff_member(user):
        scope |= subtree_q(user, "station__path")
    return qs.filter(scope)


def wish_get_for_user(user, wish_id: int) -> Wish:
    wish = wishes_for_user(user).filter(pk=wish_id).first()
    if wish is None:
        raise NotFound()
    return wish


# ---- capabilities -------------------------------------------------------------------------

@dataclass(frozen=True)
class WishCaps:
    own: bool  # the resident whose wish it is
    manages: bool  # staff of the wish's station (or above it)
    sees_private: bool
    can_approve: bool
    can_reject: bool
    can_claim: bool  # as a volunteer, for a team one leads, or for a donor unit (staff)
    claims_as_volunteer: bool
    can_record_donor: bool
    can_release: bool
    can_fulfil: bool
    can_confirm: bool
    can_cancel: bool


def is_active_volunteer(user) -> bool:
    """Whether the user may act as a volunteer now (read once per request, like the roles)."""
    if not any(r.role == Role.VOLUNTEER for r in roles_of(user)):
        return False
    if not hasattr(user, "_wenming_active_volunteer"):
        user._wenming_active_volunteer = Volunteer.objects.filter(
            user=user, status=Volunteer.Status.ACTIVE).exists()
    return user._wenming_active_volunteer


def is_claimer(user, wish: Wish) -> bool:
    return user.is_authenticated and bool(
        (wish.claimed_volunteer_id and wish.claimed_volunteer.user_id == user.pk)
        or (wish.claimed_team_id and wish.claimed_team_id in led_team_ids(user)))


def wish_caps(user, wish: Wish) -> WishCaps:
    """What `user` may see of `wish` and which of its moves are theirs (whatever its state:
    `allowed_moves` adds the workflow)."""
    own = user.is_authenticated and wish.resident.user_id == user.pk
    manages = can_manage(user, wish.station)
    claimer = is_claimer(user, wish)
    on_its_wall = wish.station.path.split("/")[1] in _districts(user)
    as_volunteer = on_its_wall and is_active_volunteer(user)
    return WishCaps(
        own=own, manages=manages, sees_private=own or manages or claimer,
        can_approve=manages, can_reject=manages,
        can_claim=manages or as_volunteer or (on_its_wall and bool(led_team_ids(user))),
        claims_as_volunteer=as_volunteer, can_record_donor=manages,
        can_release=claimer or manages, can_fulfil=claimer or manages, can_confirm=own,
        can_cancel=own or manages)


def allowed_moves(user, wish: Wish, caps: WishCaps | None = None) -> list[str]:
    """The moves `user` may make on `wish` now: their capabilities and the workflow agree."""
    caps = caps or wish_caps(user, wish)
    return [move for move, (to, only_from) in MOVES.items()
            if getattr(caps, f"can_{move}") and wish.state in only_from
            and WORKFLOW.can(wish.state, to)]


# ---- files --------------------------------------------------------------------------------

def wish_file_for_user(user, wish_id: int, name: str):
    """A wish's stored photo by its file name, if `user` may see it: the fulfilment photo is
    the private side's. Anything else (no such wish in scope, another name, a photo not
    theirs to see) is 404. A photo for the public wall, when wishes get one, is seen by
    everyone who sees the wish once it is on the wall."""
    wish = wish_get_for_user(user, wish_id)
    photo = wish.photo
    if not (photo and photo.name.rsplit("/", 1)[-1] == name and wish_caps(user, wish).sees_private):
        raise NotFound()
    return photo


def can_post_wish(user) -> bool:
    """Residents post wishes; staff post them on a resident's behalf."""
    return is_staff_member(user) or Resident.objects.filter(user=user).exists()
