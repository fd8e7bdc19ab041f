"""Helpers shared by the order tests (this module holds no tests).

Places: STA1 is the sta1 station's own spot; orders placed there route to sta1. Every order is
built through the real services, so each state is reached the way it is in production.
"""

import datetime
import json
from decimal import Decimal

from django.utils import timezone

from wenming.geo import cell_of
from wenming.orders import services
from wenming.orders.models import ServiceOrder
from wenming.orgs.models import Platform, RoleAssignment
from wenming.people.models import Resident
from wenming.people.services import volunteer_slots_write
from wenming.people.tests.factories import volunteer_at

STA1 = (39.981, 116.305)
STA2 = (39.995, 116.352)
FAR_AWAY = (31.2304, 121.4737)  # Shanghai: outside the district
# A small grid square that belongs to sta1b although sta1 is the nearer station.
INSIDE_GRID = (39.982, 116.306)
GRID_SQUARE = [[39.9815, 116.3055], [39.9815, 116.3065], [39.9825, 116.3065],
               [39.9825, 116.3055]]


def soon(hours: float = 24) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(hours=hours)


def platform_of(code: str = "health") -> Platform:
    """A platform by code (created again after a transactional test flushed the migration's
    rows)."""
    return Platform.objects.get_or_create(code=code, defaults={"name": code})[0]


def submit(resident, *, by=None, at=STA1, platform: str = "health", kind: str = "service",
           **fields) -> ServiceOrder:
    fields.setdefault("text", "家中水管漏水，老人行动不便，请志愿者帮忙")
    fields.setdefault("address", "稻香园小区3号楼2单元")
    fields.setdefault("wished_at", soon())
    return services.order_submit(by=by or resident.user, resident=resident, kind=kind,
                                 platform=platform_of(platform), lat=at[0], lng=at[1], **fields)


def order_body(**fields) -> dict:
    """A valid POST /api/orders body placed at sta1."""
    return {"kind": "service", "platform": "health", "text": "需要志愿者陪同老人去医院复诊",
            "lat": STA1[0], "lng": STA1[1], "address": "稻香园小区5号楼",
            "wished_at": soon().isoformat(), **fields}


def at_home(volunteer, lat: float, lng: float):
    """Give a volunteer a home (its h3 cell, its slots' copy of it), as the profile service
    does."""
    volunteer.home_lat, volunteer.home_lng, volunteer.home_cell = lat, lng, cell_of(lat, lng)
    volunteer.save(update_fields=["home_lat", "home_lng", "home_cell"])
    volunteer_slots_write(volunteers=[volunteer])
    return volunteer


def everyone(world, username: str = "everyone"):
    """One person holding every role at once: center staff, a volunteer and a resident of
    sta1. Whatever the move, this caller may see the order and make it, so only the state
    decides whether it is allowed. Returns the volunteer (its `.user` is the person)."""
    volunteer = volunteer_at(world.sta1, username)
    Resident.objects.create(user=volunteer.user, station=world.sta1, address="稻香园")
    RoleAssignment.objects.create(user=volunteer.user, role=RoleAssignment.Role.STAFF,
                                  org=world.center)
    return volunteer


def overdue(order: ServiceOrder) -> ServiceOrder:
    """Let the current stage's limit pass and run the escalation the task would run."""
    past = timezone.now() - datetime.timedelta(seconds=1)
    ServiceOrder.objects.filter(pk=order.pk).update(due_at=past)
    assert services.order_escalate_if_overdue(order_id=order.pk, state=order.state, due_at=past)
    return ServiceOrder.objects.get(pk=order.pk)


def order_in(state: str, *, resident, staff, volunteer) -> ServiceOrder:
    """An order of `resident` at sta1 brought to `state` through the services: reviewed and
    dispatched by `staff` to `volunteer`, who accepts and completes it. Escalated orders
    passed a limit: escalated_queue while submitted, escalated_serving once accepted (both
    are handled by inst1 then)."""
    order = submit(resident)
    me = resident.user
    if state == "submitted":
        return order
    if state == "escalated_queue":
        return overdue(order)
    if state == "rejected":
        return services.order_reject(by=staff, order=order, reason="不属于志愿服务范围")
    if state == "cancelled":
        return services.order_cancel(by=me, order=order, reason="已自行解决")
    order = services.order_review(by=staff, order=order)
    if state == "reviewed":
        return order
    if state == "open":
        return services.order_open(by=staff, order=order)
    order = services.order_dispatch(by=staff, order=order, volunteer=volunteer)
    if state == "dispatched":
        return order
    if state == "declined":
        return services.order_decline(volunteer=volunteer, order=order, reason="临时有事")
    order = services.order_accept(volunteer=volunteer, order=order)
    if state == "accepted":
        return order
    if state == "escalated_serving":
        return overdue(order)
    order = services.order_complete(volunteer=volunteer, order=order, note="已修好水管",
                                    hours=Decimal("1.5"), people_served=1)
    if state == "completed":
        return order
    assert state == "rated", state
    return services.order_rate(by=me, order=order, score=4, comment="很及时")


def post(client, url: str, data=None, **extra):
    body = data if isinstance(data, str | bytes) else json.dumps(data or {})
    return client.post(url, body, content_type="application/json", **extra)
