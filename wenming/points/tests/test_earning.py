"""How points are earned: certified hours (per_hour, 10 by default, per district), their
reversal, a five-star order rating and a confirmed wish; each source earns once."""

import datetime

import pytest
from django.utils import timezone

from wenming.activities import services as ledger
from wenming.orders import services as orders
from wenming.orders.models import ServiceOrder
from wenming.points import services
from wenming.points.models import PointsEntry, PointsRules
from wenming.points.services import ledger_problems
from wenming.points.tests.test_support import (
    balance,
    goods_in,
    other_district,
    pending_record,
    platform_of,
    store_at,
)
from wenming.wishes import services as wishes

pytestmark = pytest.mark.django_db


def approved(staff, volunteer, org, hours):
    return ledger.record_approve(by=staff, record=pending_record(volunteer, org, hours))


def entries(volunteer) -> list[tuple[str, int]]:
    return list(PointsEntry.objects.filter(account__volunteer=volunteer).order_by("id")
                .values_list("kind", "amount"))


def test_an_approved_record_earns_ten_points_an_hour_by_default(world):
    approved(world.sta1_staff, world.vol1, world.sta1, "2.5")
    approved(world.sta1_staff, world.vol1, world.sta1, "0.25")
    assert entries(world.vol1) == [("hours", 25), ("hours", 2)]  # rounded down
    assert balance(world.vol1) == 27
    assert ledger_problems() == []


def test_each_district_sets_its_own_rate(world):
    PointsRules.objects.create(center=world.center, per_hour=15)
    other_staff, stranger = other_district()
    approved(world.sta1_staff, world.vol1, world.sta1, "2.5")
    approved(other_staff, stranger, stranger.station, "2.5")
    assert (balance(world.vol1), balance(stranger)) == (37, 25)


def test_a_record_approved_below_a_point_earns_nothing(world):
    approved(world.sta1_staff, world.vol1, world.sta1, "0.05")
    assert (entries(world.vol1), balance(world.vol1)) == ([], 0)


def test_a_rejected_or_pending_record_earns_nothing(world):
    pending_record(world.vol1, world.sta1, 3)
    ledger.record_reject(by=world.sta1_staff, reason="未到场",
                         record=pending_record(world.vol1, world.sta1, 2))
    assert entries(world.vol1) == []


def test_a_reversal_takes_the_points_back(world):
    record = approved(world.sta1_staff, world.vol1, world.sta1, 3)
    ledger.record_reverse(by=world.sta1_staff, record=record, reason="时长录入错误")
    assert entries(world.vol1) == [("hours", 30), ("reversal", -30)]
    assert balance(world.vol1) == 0
    assert ledger_problems() == []


def test_a_reversal_never_takes_the_balance_below_zero(world):
    record = approved(world.sta1_staff, world.vol1, world.sta1, 3)
    soap = goods_in(store_at(world.sta1, world.sta1_staff), world.sta1_staff, price=25)
    services.redemption_create(volunteer=world.vol1, goods=soap, quantity=1)
    ledger.record_reverse(by=world.sta1_staff, record=record, reason="时长录入错误")
    assert entries(world.vol1) == [("hours", 30), ("redeem", -25), ("reversal", -5)]
    assert balance(world.vol1) == 0
    assert ledger_problems() == []


def test_a_rate_change_does_not_change_what_a_reversal_takes_back(world):
    record = approved(world.sta1_staff, world.vol1, world.sta1, 2)
    PointsRules.objects.create(center=world.center, per_hour=50)
    ledger.record_reverse(by=world.sta1_staff, record=record, reason="冲正")
    assert entries(world.vol1) == [("hours", 20), ("reversal", -20)]


def test_a_record_earns_once_however_often_it_is_posted(world):
    record = approved(world.sta1_staff, world.vol1, world.sta1, 2)
    assert services.points_for_record(record) is None
    reversal = ledger.record_reverse(by=world.sta1_staff, record=record, reason="冲正")
    assert services.points_for_record(reversal) is None
    assert entries(world.vol1) == [("hours", 20), ("reversal", -20)]
    assert ledger_problems() == []


def completed_order(world, volunteer) -> ServiceOrder:
    now = timezone.now()
    return ServiceOrder.objects.create(
        kind="service", state="completed", platform=platform_of("health"), text="上门量血压",
        address="稻香园小区3号楼", lat=39.981, lng=116.305, wished_at=now, contact_name="张",
        contact_phone="13900000000", resident=world.res1, submitted_by=world.res1.user,
        org=world.sta1, station=world.sta1, volunteer=volunteer)


@pytest.mark.parametrize("score,points", [(5, 20), (4, 0), (1, 0)])
def test_a_five_star_rating_earns_the_bonus(world, score, points):
    order = orders.order_rate(by=world.res1.user, order=completed_order(world, world.vol1),
                              score=score)
    assert balance(world.vol1) == points
    assert services.points_for_rating(order) is None  # a retry earns nothing more
    assert balance(world.vol1) == points


def test_the_five_star_bonus_follows_the_district_rules(world):
    PointsRules.objects.create(center=world.center, five_star_bonus=0)
    orders.order_rate(by=world.res1.user, order=completed_order(world, world.vol1), score=5)
    assert entries(world.vol1) == []


def test_a_confirmed_wish_earns_its_claimer_points_once(world):
    wish = wishes.wish_post(by=world.res1.user, title="想要一副老花镜", text="看报纸看不清",
                            due_date=timezone.localdate() + datetime.timedelta(days=10))
    wishes.wish_moderate(by=world.sta1_staff, wish=wish, approve=True)
    wishes.wish_claim(by=world.vol2.user, wish=wish)
    wishes.wish_fulfil(by=world.vol2.user, wish=wish, note="已送到家中")
    assert balance(world.vol2) == 0  # fulfilled is not yet confirmed
    wish = wishes.wish_confirm(by=world.res1.user, wish=wish)
    assert entries(world.vol2) == [("wish", 30)]
    assert services.points_for_wish(wish) is None
    assert balance(world.vol2) == 30
    assert ledger_problems() == []
