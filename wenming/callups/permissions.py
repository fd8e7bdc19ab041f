"""Who may see and do what with call-ups: the scope reads and the capabilities.

A call-up is public to its district: everyone with a role there sees it, active volunteers
there sign up for its shifts (the push goes to those who match its skills and area; anyone
who hears of it may still answer). Staff of the publishing node (or above) close or cancel
it and see who signed up.
"""

from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet

from wenming.core.errors import NotFound
from wenming.orgs.permissions import can_manage, is_platform_admin, roles_of, subtree_q
from wenming.wishes.permissions import is_active_volunteer

from .models import MOVES, WORKFLOW, Callup


def _districts(user) -> set[str]:
    return {r.org.path.split("/")[1] for r in roles_of(user) if r.org}


def callups_for_user(user) -> QuerySet[Callup]:
    qs = Callup.objects.select_related("org")
    if is_platform_admin(user):
        return qs
    if not user.is_authenticated:
        return qs.none()
    district = reduce(or_, (Q(org__path__startswith=f"/{d}/") for d in _districts(user)),
                      Q(pk__in=[]))
    return qs.filter(district | subtree_q(user, "org__path"))


def callup_get_for_user(user, callup_id: int) -> Callup:
    callup = callups_for_user(user).filter(pk=callup_id).first()
    if callup is None:
        raise NotFound()
    return callup


@dataclass(frozen=True)
class CallupCaps:
    manages: bool  # sees who signed up, closes or cancels
    can_sign_up: bool  # as an active volunteer of the district, while it is published
    can_close: bool
    can_cancel: bool


def callup_caps(user, callup: Callup) -> CallupCaps:
    manages = can_manage(user, callup.org)
    open_ = callup.state == "published"
    volunteer = callup.org.path.split("/")[1] in _districts(user) and is_active_volunteer(user)
    return CallupCaps(manages=manages, can_sign_up=open_ and volunteer,
                      can_close=manages, can_cancel=manages)


def allowed_moves(user, callup: Callup, caps: CallupCaps | None = None) -> list[str]:
    caps = caps or callup_caps(user, callup)
    return [move for move, (to, only_from) in MOVES.items()
            if getattr(caps, f"can_{move}") and callup.state in only_from
            and WORKFLOW.can(callup.state, to)]
