"""Claims, confirmations and expiry racing on the real database (a SQLite file or
PostgreSQL): one claimer wins, the points are paid once, a wish expires once."""

import pytest

from wenming.core.tests.helpers import post_json
from wenming.people.tests.factories import volunteer_at
from wenming.points.models import PointsEntry
from wenming.points.services import ledger_problems
from wenming.points.tests.test_support import Clock, balance, outcome, race
from wenming.testing import logged_in
from wenming.wishes import services
from wenming.wishes.models import Wish, WishEvent
from wenming.wishes.tests.test_support import approved, fulfilled, in_days

pytestmark = pytest.mark.django_db(transaction=True)


def claim(client, wish):
    return post_json(client, f"/api/wishes/{wish.id}/claim", {})


def test_two_volunteers_claiming_one_wish_one_gets_it(world):
    wish = approved(world)
    pairs = [(v, logged_in(v.user)) for v in (world.vol1, world.vol2)]

    results = race([lambda v=v, c=c: (v, claim(c, wish)) for v, c in pairs])

    assert outcome(r for _v, r in results) == {(200, None): 1, (409, "already_claimed"): 1}
    winner = next(v for v, r in results if r.status_code == 200)
    assert Wish.objects.get(pk=wish.pk).claimed_volunteer == winner
    assert WishEvent.objects.filter(wish=wish, to_state="claimed").count() == 1


def test_many_claimers_one_winner(world):
    wish = approved(world)
    volunteers = [volunteer_at(world.sta1) for _ in range(10)]
    clients = [logged_in(v.user) for v in volunteers]

    responses = race([lambda c=c: claim(c, wish) for c in clients])

    assert outcome(responses) == {(200, None): 1, (409, "already_claimed"): 9}
    assert WishEvent.objects.filter(wish=wish, to_state="claimed").count() == 1


def test_racing_confirmations_pay_the_claimer_once(world):
    wish = fulfilled(world)
    clients = [logged_in(world.res1.user) for _ in range(8)]

    responses = race([lambda c=c: post_json(c, f"/api/wishes/{wish.id}/confirm", {})
                      for c in clients])

    assert outcome(responses) == {(200, None): 1, (409, "invalid_transition"): 7}
    assert PointsEntry.objects.filter(kind="wish").count() == 1
    assert balance(world.vol1) == 30
    assert ledger_problems() == []


def test_racing_expiry_workers_expire_a_wish_once(world, monkeypatch):
    wish = approved(world, due_date=in_days(1))
    Clock(monkeypatch).advance(days=3)

    results = race([lambda: services.wish_expire(wish_id=wish.id)] * 6)

    assert sorted(results) == [False] * 5 + [True]
    assert WishEvent.objects.filter(wish=wish, to_state="expired").count() == 1


def test_a_claim_racing_the_expiry_either_claims_or_finds_it_expired(world, monkeypatch):
    wish = approved(world, due_date=in_days(1))
    Clock(monkeypatch).advance(days=3)
    client = logged_in(world.vol1.user)

    results = race([lambda: services.wish_expire(wish_id=wish.id), lambda: claim(client, wish)])

    expired, response = results if isinstance(results[0], bool) else results[::-1]
    state = Wish.objects.get(pk=wish.pk).state
    if expired:
        assert state == "expired" and response.status_code in (404, 409)
    else:
        assert state == "claimed" and response.status_code == 200
    assert WishEvent.objects.filter(wish=wish).exclude(
        to_state__in=["posted", "approved"]).count() == 1
