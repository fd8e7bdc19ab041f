"""Reads about the demo district: is it loaded, and what does it hold."""

from django.db.models import Count

from wenming.orgs.models import Grid, OrgNode
from wenming.people.models import Resident, Volunteer

from . import data


def demo_exists() -> bool:
    return OrgNode.objects.filter(kind=OrgNode.Kind.CENTER, code=data.CENTER["code"],
                                  name=data.CENTER["name"]).exists()


def demo_counts() -> dict[str, int]:
    """Nodes per kind, grids, volunteers (and pending ones), residents."""
    kinds = dict(OrgNode.objects.values_list("kind").annotate(n=Count("id")))
    return {
        **{kind: kinds.get(kind, 0) for kind in OrgNode.Kind.values},
        "grids": Grid.objects.count(),
        "volunteers": Volunteer.objects.count(),
        "pending": Volunteer.objects.filter(status=Volunteer.Status.PENDING).count(),
        "residents": Resident.objects.count(),
    }
