"""Who sees which orders: residents their own, staff their subtree's queue (and orders of
their stations escalated upward), volunteers what is dispatched or open to them, grid
managers the appeals of their grids."""

from django.db.models import Q, QuerySet

from wenming.core.errors import NotFound
from wenming.geo import cells_near
from wenming.orgs.permissions import is_platform_admin, is_staff_member, subtree_q
from wenming.people.models import Volunteer
from wenming.teams.permissions import led_team_ids

from .models import ServiceOrder, State


def orders_for_user(user) -> QuerySet[ServiceOrder]:
    qs = ServiceOrder.objects.select_related("platform", "org", "station", "volunteer__user",
                                             "team", "resident__user")
    if not user.is_authenticated:
        return qs.none()
    if is_platform_admin(user):
        return qs
    scope = Q(resident__user=user) | Q(grid__managers=user, kind=ServiceOrder.Kind.APPEAL)
    if is_staff_member(user):
        scope |= subtree_q(user, "org__path") | subtree_q(user, "station__path")
    volunteer = Volunteer.objects.filter(user=user).only("id", "home_lat", "home_lng").first()
    if volunteer is not None:
        scope |= Q(volunteer=volunteer) | Q(team_id__in=led_team_ids(user))
        if volunteer.home_lat is not None:
            scope |= Q(state=State.OPEN, cell__in=cells_near(volunteer.home_lat,
                                                             volunteer.home_lng))
    return qs.filter(scope).distinct()


def order_get_for_user(user, order_id: int) -> ServiceOrder:
    order = orders_for_user(user).filter(pk=order_id).first()
    if order is None:
        raise NotFound()
    return order


def order_get_for_grab(user, order_id: int) -> ServiceOrder:
    """An order the caller may try to grab: one they see, or one that was offered near their
    home and has been taken since, so that a volunteer who comes late hears 409 ("taken"),
    not 404."""
    order = orders_for_user(user).filter(pk=order_id).first()
    if order is None:
        home = Volunteer.objects.filter(user=user, home_lat__isnull=False).values_list(
            "home_lat", "home_lng").first()
        order = home and ServiceOrder.objects.filter(
            pk=order_id, cell__in=cells_near(*home), events__to_state=State.OPEN).first()
    if order is None:
        raise NotFound()
    return order


def order_history(order: ServiceOrder) -> list[dict]:
    return [{"from": e.from_state or None, "to": e.to_state,
             "by": e.by.real_name or e.by.username if e.by else None,
             "by_id": e.by_id, "at": e.at, "reason": e.reason, "org_id": e.org_id}
            for e in order.events.select_related("by")]
