"""Helpers shared by the points, store and wish tests (this module holds no tests).

`give_points` credits accounts the way the ledger does (an entry per credit and the cached
balance with it), in bulk; `race` runs calls at once from real threads against the real
database, each thread closing its connection; `Clock` moves Django's clock."""

import datetime
import itertools
import secrets
from collections import Counter
from decimal import Decimal

from django.test import Client
from django.utils import timezone

from wenming.activities.models import ServiceRecord
from wenming.orgs.models import Platform
from wenming.orgs.services import org_create
from wenming.people.models import ApiToken
from wenming.people.services import _token_hash
from wenming.people.tests.factories import staff_at, volunteer_at
from wenming.points import services
from wenming.points.models import Goods, PointsAccount, PointsEntry, Store
from wenming.testing import race as shared_race

_grants = itertools.count(1)
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
BACKEND = "wenming.people.backends.UsernameOrMobileBackend"




def bearer_clients(users) -> list[Client]:
    """A client per user carrying a fresh API token (as the mobile front ends do); the
    tokens are written in one statement, so hundreds of callers cost milliseconds."""
    raws = [secrets.token_urlsafe(16) for _u in users]
    expires = timezone.now() + datetime.timedelta(days=1)
    ApiToken.objects.bulk_create([ApiToken(user=u, key_hash=_token_hash(raw), expires_at=expires)
                                  for u, raw in zip(users, raws, strict=True)])
    return [Client(HTTP_AUTHORIZATION=f"Bearer {raw}") for raw in raws]


def give_points(volunteers, amount: int) -> None:
    """Credit each volunteer `amount` points: one ADJUST entry each, through the bulk path
    (balances and the volunteer rollup move with them), so `wenming check-ledger` agrees."""
    PointsAccount.objects.bulk_create([PointsAccount(volunteer=v) for v in volunteers],
                                      ignore_conflicts=True)
    accounts = dict(PointsAccount.objects.filter(volunteer__in=volunteers).values_list(
        "volunteer_id", "id"))
    from wenming.points.services import points_bulk_post

    points_bulk_post(entries=[{
        "account_id": accounts[v.pk], "amount": amount, "kind": PointsEntry.Kind.ADJUST,
        "reason": "测试充值", "source_type": "tests.grant", "source_id": next(_grants)}
        for v in volunteers])


def balance(volunteer) -> int:
    return PointsAccount.objects.filter(volunteer=volunteer).values_list(
        "balance", flat=True).first() or 0


def store_at(org, by, name: str = "爱心超市") -> Store:
    return services.store_create(by=by, org=org, name=name, address="社区服务中心一楼")


def goods_in(store: Store, by, *, name: str = "洗衣液", price: int = 10, stock: int = 10,
             **fields) -> Goods:
    return services.goods_add(by=by, store=store, name=name, price=price, stock=stock, **fields)


def stock_of(goods: Goods) -> int:
    return Goods.objects.values_list("stock", flat=True).get(pk=goods.pk)




def outcome(responses) -> Counter:
    """(status, error code) of each response; None as the code of a success."""
    seen = Counter()
    for r in responses:
        body = r.json()
        seen[(r.status_code, body["error"]["code"] if "error" in body else None)] += 1
    return seen


class Clock:
    """Django's `timezone.now` under the test's control (restored by monkeypatch), starting
    tomorrow at 08:00 Shanghai time."""

    def __init__(self, monkeypatch):
        today = datetime.datetime.now(SHANGHAI).date()
        self.now = datetime.datetime.combine(today + datetime.timedelta(days=1),
                                             datetime.time(8), tzinfo=SHANGHAI)
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def advance(self, **delta) -> None:
        self.now += datetime.timedelta(**delta)


def other_district():
    """Another center with one station, its staff and a volunteer: (staff, volunteer)."""
    center = org_create(kind="center", name="朝阳区新时代文明实践中心", lat=39.92, lng=116.44)
    station = org_create(kind="station", name="望京社区实践站", lat=39.99, lng=116.47,
                         parent=org_create(kind="institute", name="望京街道实践所",
                                           parent=center))
    return staff_at(station, "chaoyang_staff"), volunteer_at(station, "chaoyang_vol")


def pending_record(volunteer, org, hours) -> ServiceRecord:
    """A pending line of the hours ledger, as an order's completion writes it."""
    return ServiceRecord.objects.create(
        volunteer=volunteer, org=org, kind=ServiceRecord.Kind.ORDER, title="入户助老服务",
        service_date=datetime.date(2026, 3, 2), hours=Decimal(str(hours)))


def platform_of(code: str) -> Platform:
    return Platform.objects.get_or_create(code=code, defaults={"name": code})[0]


def race(calls, *, close_main: bool = True) -> list:
    """200-thread races here need every connection slot: the caller's is closed first."""
    return shared_race(calls, close_main=close_main)
