"""Every dashboard figure equals a brute-force aggregate over the raw rows, for random data
with reversals, late approvals and orders/wishes at day edges, for each node and several
periods."""

import datetime
import random

import pytest
from django.utils import timezone

from wenming.activities.rules import rules_for

from ..selectors import Period, calendar_period, figures
from .support import brute, build

FIGURES = ("volunteers", "active_volunteers", "teams", "activities", "hours",
           "people_served", "orders", "dispatch_rate", "on_time_rate", "satisfaction",
           "avg_rating", "wishes_posted", "wishes_fulfilled", "points_earned", "points_spent",
           "star_levels")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_figure_matches_a_brute_force_count(world, seed):
    today = timezone.localdate()
    rng = random.Random(seed)
    days = [today - datetime.timedelta(days=d) for d in (0, 1, 20, 45, 80, 200, 400)]
    build(world, rng, days=days)
    thresholds = [1, 3, 6, 10, 15]  # low, so the random hours reach several levels
    from wenming.activities.models import ServiceRules
    ServiceRules.objects.create(center=world.center, star_thresholds=thresholds)
    assert rules_for(world.center).stars == thresholds
    last_year = calendar_period("year", today.replace(day=1) - datetime.timedelta(days=366))
    month_ago = (today.replace(day=1) - datetime.timedelta(days=40)).replace(day=1)
    periods = [calendar_period("month", today), calendar_period("year", today),
               Period(days[3], days[1]), Period(days[-1], today),
               # past periods: the star levels subtract what came after them
               last_year, calendar_period("month", days[3]),
               # whole months with days at both edges, and whole years with months
               Period(month_ago - datetime.timedelta(days=3), today),
               Period(last_year.first.replace(month=11), today)]
    for node in (world.center, world.inst1, world.inst2, world.sta1, world.sta1b):
        for period in periods:
            got = figures(node, period)
            want = brute(node, period, thresholds)
            assert {k: got[k] for k in FIGURES} == want, (node.name, period)
            for child in got["children"]:
                from wenming.orgs.models import OrgNode
                want_child = brute(OrgNode.objects.get(pk=child["org_id"]), period, thresholds)
                assert {k: child[k] for k in FIGURES} == want_child, (child["name"], period)


def test_the_trend_matches_each_months_figures(world):
    today = timezone.localdate()
    days = [today - datetime.timedelta(days=d) for d in (0, 1, 31, 62, 100, 300, 340)]
    build(world, random.Random(7), days=days)
    from ..selectors import _add_months, _month_end, trend
    rows = trend(world.inst1, today)
    assert [r["month"] for r in rows][-1] == f"{today:%Y-%m}" and len(rows) == 12
    first = _add_months(today.replace(day=1), -11)
    for i, row in enumerate(rows):
        month = _add_months(first, i)
        got = figures(world.inst1, Period(month, _month_end(month)))
        assert row["hours"] == got["hours"] and row["activities"] == got["activities"]
        assert row["orders"] == got["orders_total"]
    assert sum(r["orders"] for r in rows) > 0 and sum(r["hours"] for r in rows) > 0


def test_the_dashboards_one_pass_over_activities_agrees_with_each_figure(world):
    """`dashboard` reads the activities once for the figures, platforms and trend."""
    from ..selectors import by_platform, dashboard, trend
    today = timezone.localdate()
    days = [today - datetime.timedelta(days=d) for d in (0, 1, 31, 62, 100, 300, 400)]
    build(world, random.Random(11), days=days)
    last_year = calendar_period("year", today.replace(day=1) - datetime.timedelta(days=366))
    for node in (world.center, world.inst1, world.sta1):
        for period in (calendar_period("year", today), calendar_period("month", today),
                       Period(days[5], days[2]), last_year):
            whole = dashboard(node, period)
            alone = figures(node, period)
            assert {k: whole[k] for k in FIGURES} == {k: alone[k] for k in FIGURES}
            assert whole["children"] == alone["children"]
            assert whole["platforms"] == by_platform(node, period)
            assert whole["trend"] == trend(node, period.last)
