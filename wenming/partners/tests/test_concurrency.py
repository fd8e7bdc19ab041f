"""Hand-overs racing on the real database (a SQLite file or PostgreSQL): two staff blowing
the whistle on one order at once make one hand-over; a unit's accounts accepting at once
make one move; an escalation racing a report leaves one consistent state."""

import pytest

from wenming.orders.tests.test_support import post, submit
from wenming.partners.models import Handover, HandoverEvent, UnitStaff
from wenming.partners.tests.support import handed, unit_at, unit_user
from wenming.people.tests.factories import UserFactory
from wenming.testing import logged_in, race

pytestmark = pytest.mark.django_db(transaction=True)


def statuses(responses) -> list[int]:
    return sorted(r.status_code for r in responses)


def test_two_staff_handing_one_order_over_at_once_make_one_handover(world):
    unit, other = unit_at(world.sta1, "海淀医院"), unit_at(world.sta1, "供电所")
    order = submit(world.res1, kind="appeal")
    calls = [lambda u=u, who=who: post(logged_in(who), f"/api/orders/{order.pk}/handover",
                                       {"unit_id": u.pk, "reason": "请处理"})
             for u, who in [(unit, world.sta1_staff), (other, world.inst1_staff)]]
    assert statuses(race(calls)) == [201, 409]
    assert Handover.objects.filter(order=order).count() == 1


def test_a_units_accounts_accepting_at_once_move_it_once(world):
    unit = unit_at(world.sta1, account="unit1")
    for i in range(5):
        UnitStaff.objects.create(unit=unit, user=UserFactory(username=f"u{i}"))
    handover = handed(world, unit)
    clients = [logged_in(s.user) for s in unit.staff.select_related("user")]
    responses = race([lambda c=c: post(c, f"/api/handovers/{handover.pk}/accept")
                      for c in clients])
    assert statuses(responses) == [200] + [409] * 5
    assert HandoverEvent.objects.filter(handover=handover, to_state="accepted").count() == 1


def test_the_same_account_reporting_twice_at_once_reports_once(world):
    unit = unit_at(world.sta1, account="unit1")
    handover = handed(world, unit)
    client = logged_in(unit_user(unit))
    post(client, f"/api/handovers/{handover.pk}/accept")
    responses = race([lambda: post(client, f"/api/handovers/{handover.pk}/report",
                                   {"note": "已办好"}) for _ in range(4)])
    assert statuses(responses) == [200, 409, 409, 409]
    assert HandoverEvent.objects.filter(handover=handover, to_state="reported").count() == 1
