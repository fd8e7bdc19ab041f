"""Who sees and acts on partner units, their members and what is handed to them.

Staff of a node's subtree manage the units serving nodes in it; a unit's own accounts
(`UnitStaff`) see their unit, its members and what was handed to it, nothing else of the
community.
"""

from django.db.models import QuerySet

from wenming.orgs.permissions import subtree_q

from .models import Unit


def units_of_user(user) -> QuerySet[Unit]:
    """The units the user acts for as the unit's own account (UnitStaff)."""
    if not user.is_authenticated:
        return Unit.objects.none()
    return Unit.objects.filter(staff__user=user, is_active=True)


def units_for_user(user) -> QuerySet[Unit]:
    """Units the user may read: those serving nodes they manage, and their own units."""
    if not user.is_authenticated:
        return Unit.objects.none()
    managed = Unit.objects.filter(subtree_q(user, "org__path"))
    return (managed | Unit.objects.filter(staff__user=user)).distinct()
