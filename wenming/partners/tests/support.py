"""Fixtures of the partner-unit tests: a unit at sta1 with its own account and a member."""

import datetime

import pytest
from django.utils import timezone

from wenming.orders.tests.test_support import GRID_SQUARE, INSIDE_GRID, submit
from wenming.orgs.services import grid_create
from wenming.partners import services
from wenming.partners.models import Handover, Unit, UnitStaff
from wenming.people.tests.factories import UserFactory


def unit_at(org, name: str = "海淀医院", *, kind: str = Unit.Kind.CO_BUILD,
            account: str | None = None) -> Unit:
    unit = Unit.objects.create(org=org, name=name, kind=kind, contact_name="王主任",
                               contact_phone="13800138000", services="每月义诊一次")
    if account:
        UnitStaff.objects.create(unit=unit, user=UserFactory(username=account,
                                                             real_name=f"{name}联络员"))
    return unit


def unit_user(unit: Unit):
    return unit.staff.select_related("user").first().user


def handed(world, unit: Unit, *, kind: str = "appeal", order=None) -> Handover:
    """An order of res1 at sta1 handed by sta1's staff to `unit`."""
    order = order or submit(world.res1, kind=kind)
    return services.handover_send(by=world.sta1_staff, order=order, unit=unit,
                                  reason="请派人上门查看")


def overdue(handover: Handover) -> Handover:
    past = timezone.now() - datetime.timedelta(seconds=1)
    Handover.objects.filter(pk=handover.pk).update(due_at=past)
    assert services.handover_escalate_if_overdue(handover_id=handover.pk, due_at=past)
    return Handover.objects.get(pk=handover.pk)


@pytest.fixture
def unit(world):
    return unit_at(world.sta1, account="unit1")


@pytest.fixture
def other_unit(world):
    """A unit serving sta2: a sibling subtree."""
    return unit_at(world.sta2, "中关村派出所", kind=Unit.Kind.DEPARTMENT, account="unit2")


@pytest.fixture
def grid(world):
    """A grid of sta1b with a grid manager who is no staff member."""
    manager = UserFactory(username="gridman", real_name="网格员老李")
    return grid_create(station=world.sta1b, name="第一网格", polygon=GRID_SQUARE,
                       managers=[manager])


def grid_appeal(world, grid):
    return submit(world.res1, kind="appeal", at=INSIDE_GRID)
