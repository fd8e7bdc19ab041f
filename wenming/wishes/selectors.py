"""Who sees which wishes. The public wall shows approved wishes without personal data."""

from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet
from django.utils import timezone

from wenming.core.errors import NotFound
from wenming.core.masking import mask_name
from wenming.orgs.models import OrgNode
from wenming.orgs.permissions import is_platform_admin, is_staff_member, roles_of, subtree_q
from wenming.teams.permissions import led_team_ids

from .models import State, Wish

WALL_STATES = [State.APPROVED, State.CLAIMED, State.FULFILLED, State.CONFIRMED]


def wishes_for_user(user) -> QuerySet[Wish]:
    """Staff: their subtrees' wishes in any state. Residents: their own. Everyone with a role
    in a district: its wall (approved and later), as for its activities, teams and stores.
    Claimers: what they claimed."""
    qs = Wish.objects.select_related("station", "resident__user", "claimed_volunteer__user",
                                     "claimed_team")
    if is_platform_admin(user):
        return qs
    districts = {r.org.path.split("/")[1] for r in roles_of(user) if r.org}
    scope = Q(state__in=WALL_STATES) & reduce(
        or_, (Q(station__path__startswith=f"/{d}/") for d in districts), Q(pk__in=[]))
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


def wall(org: OrgNode | None = None) -> QuerySet[Wish]:
    """Approved wishes waiting for a claimer, most urgent and newest first."""
    qs = Wish.objects.select_related("station").filter(state=State.APPROVED)
    if org is not None:
        qs = qs.filter(station__path__startswith=org.path)
    return qs.order_by("-urgency", "-created_at", "-id")


def public_view(wish: Wish) -> dict:
    """What the wall may show: never the phone, ID number, full name or exact address."""
    return {"id": wish.id, "title": wish.title, "text": wish.text, "for_whom": wish.for_whom,
            "state": wish.state, "org_id": wish.station_id, "station_name": wish.station.name,
            "resident": mask_name(wish.resident.user.real_name), "urgency": wish.urgency,
            "due_date": wish.due_date.isoformat(), "rough_value": wish.rough_value,
            "created_at": timezone.localtime(wish.created_at).isoformat()}
