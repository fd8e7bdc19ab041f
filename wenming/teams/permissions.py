"""Who may run a team: its active leaders, and staff of the node it is anchored at."""

from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet

from wenming.core.errors import Forbidden, NotFound
from wenming.orgs.permissions import (
    can_manage,
    is_platform_admin,
    is_staff_member,
    roles_of,
    subtree_q,
)

from .models import Membership, Team


def led_team_ids(user) -> set[int]:
    if not user.is_authenticated:
        return set()
    if not hasattr(user, "_wenming_led_teams"):
        user._wenming_led_teams = set(Membership.objects.filter(
            volunteer__user=user, role=Membership.Role.LEADER,
            status=Membership.Status.ACTIVE).values_list("team_id", flat=True))
    return user._wenming_led_teams


def can_lead(user, team: Team) -> bool:
    return team.pk in led_team_ids(user) or can_manage(user, team.org)


def require_lead(user, team: Team) -> None:
    if not can_lead(user, team):
        raise Forbidden()


def teams_for_user(user) -> QuerySet[Team]:
    """Staff: the teams anchored in their subtrees. Volunteers and residents: every active
    team of their own district, since volunteers browse teams to join (a team's name and
    anchor are public there; its members are not — see `members_visible`); leaders also
    their own teams."""
    qs = Team.objects.select_related("org", "platform", "parent")
    if is_platform_admin(user):
        return qs
    if is_staff_member(user):
        return qs.filter(subtree_q(user, "org__path"))
    districts = {r.org.path.split("/")[1] for r in roles_of(user) if r.org}
    if not districts:
        return qs.none()
    in_district = reduce(or_, (Q(org__path__startswith=f"/{d}/") for d in districts))
    return qs.filter(in_district).filter(Q(is_active=True) | Q(pk__in=led_team_ids(user)))


def team_get_for_user(user, team_id: int) -> Team:
    team = teams_for_user(user).filter(pk=team_id).first()
    if team is None:
        raise NotFound()
    return team


def members_visible(user, team: Team) -> bool:
    """A team's roster is personal data: its leaders, its staff and its own members."""
    return can_lead(user, team) or Membership.objects.filter(
        team=team, volunteer__user=user, status=Membership.Status.ACTIVE).exists()
