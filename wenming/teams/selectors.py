"""Reads for team lists: figures for one page of teams, never for every team in scope."""

from django.db.models import Count

from .models import Membership


def member_counts(team_ids: list[int]) -> dict[int, int]:
    """Active members per team, for the teams of one page (one grouped query over their
    memberships). Annotating the whole scoped list instead grouped every membership of the
    district before paging: /teams/ took 405-443 ms at district size (issue 10)."""
    if not team_ids:
        return {}
    rows = Membership.objects.filter(team_id__in=team_ids, status=Membership.Status.ACTIVE) \
        .values("team_id").annotate(n=Count("id")).values_list("team_id", "n")
    return dict(rows)


def with_member_counts(teams) -> list:
    """The teams (a page), each with `members` set."""
    teams = list(teams)
    counts = member_counts([t.pk for t in teams])
    for team in teams:
        team.members = counts.get(team.pk, 0)
    return teams
