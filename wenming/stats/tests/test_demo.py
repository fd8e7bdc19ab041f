"""The stats demo seed: orders in every state over two years, each with the events a real
path of moves leaves, ratings, late ones, appeals on grids; wishes posted and fulfilled."""

import random
from collections import defaultdict

from django.utils import timezone

from wenming.orders.models import TRANSITIONS, OrderEvent, ServiceOrder, State
from wenming.orgs.models import Grid
from wenming.people.models import Volunteer
from wenming.wishes.models import Wish, WishEvent

from ..demo import seed
from ..forms import default_period
from ..selectors import calendar_period, figures


def test_the_seed_makes_every_figure_non_trivial(world):
    Grid.objects.create(station=world.sta1, name="一网格", polygon=[[0, 0], [0, 1], [1, 1]],
                        min_lat=0, max_lat=1, min_lng=0, max_lng=1)
    seed(size="small", nodes={}, users={"center": world.center_staff}, rng=random.Random(1))
    orders = list(ServiceOrder.objects.all())
    assert {o.state for o in orders} == set(State.values)
    events = defaultdict(list)
    for e in OrderEvent.objects.order_by("at", "id"):
        events[e.order_id].append(e)
    for o in orders:
        path = events[o.pk]
        assert path[0].to_state == "submitted" and path[-1].to_state == o.state
        assert all(e.to_state in TRANSITIONS[e.from_state] for e in path)
        assert o.escalations == sum(e.to_state.startswith("escalated") for e in path)
        assert o.created_at == path[0].at <= timezone.now()
    assert ServiceOrder.objects.filter(kind="appeal", grid__isnull=False).exists()
    assert Wish.objects.filter(state="confirmed").exists()
    assert WishEvent.objects.filter(to_state="confirmed").count() == \
        Wish.objects.filter(state="confirmed").count()
    assert not Volunteer.objects.filter(registered_at__gt=timezone.now()
                                        - timezone.timedelta(days=700)).exists()
    year = figures(world.center, calendar_period("year", timezone.localdate()))
    for key in ("dispatch_rate", "on_time_rate", "satisfaction", "avg_rating"):
        assert 0 < year[key] < 5, key
    assert 0 < year["on_time_rate"] < 1 and year["wishes_fulfilled"] > 0
    assert figures(world.center, default_period())["orders_total"] > 0
