"""Random ledgers, orders, wishes and points for the exactness tests, written the way the
apps write them (ledger lines through record_write/approve/reverse, so HoursDaily moves in
the same transaction), and a brute-force Python version of every figure over the raw rows."""

import datetime
import random
from collections import defaultdict
from decimal import Decimal

from django.utils import timezone

from wenming.activities.models import Activity, HoursDaily, ServiceRecord
from wenming.activities.services import record_approve, record_reverse, record_write
from wenming.orders.models import ServiceOrder, State
from wenming.orgs.models import Grid, OrgNode, Platform
from wenming.people.models import Volunteer
from wenming.people.tests.factories import volunteer_at
from wenming.points.models import PointsEntry
from wenming.points.services import points_accounts_bulk_open, points_bulk_post
from wenming.teams.models import Team
from wenming.wishes.models import State as WishState
from wenming.wishes.models import Wish

from ..selectors import DONE, FULFILLED, REACHED, Period


def aware(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def build(world, rng: random.Random, *, days: list[datetime.date]) -> None:
    stations = [world.sta1, world.sta1b, world.sta2]
    vols = [world.vol1, world.vol1b, world.vol2] + [
        volunteer_at(rng.choice(stations)) for _i in range(5)]
    for v in vols:  # registered over the range; one suspended
        Volunteer.objects.filter(pk=v.pk).update(registered_at=aware(rng.choice(days), 23))
    Volunteer.objects.filter(pk=vols[-1].pk).update(status=Volunteer.Status.SUSPENDED)
    platforms = list(Platform.objects.all())
    for st in stations:
        Team.objects.create(name=f"{st.name}服务队", org=st)
        Grid.objects.create(station=st, name=f"{st.name}一网格", polygon=[[0, 0], [0, 1], [1, 1]],
                            min_lat=0, max_lat=1, min_lng=0, max_lng=1)
    for i in range(12):  # activities, some at the institute, some at night (day edges)
        org = rng.choice([*stations, world.inst1])
        day = rng.choice(days)
        Activity.objects.create(title=f"活动{i}", platform=rng.choice(platforms), org=org,
                                address="x", lat=39.9, lng=116.3, start=aware(day, rng.choice(
                                    [0, 10, 23])), end=aware(day, 23), quota=10,
                                people_served=rng.choice([None, 5, 12]))
    lines = []
    for _i in range(40):
        v = rng.choice(vols)
        org = rng.choice([v.station, v.station.parent])
        lines.append(record_write(volunteer=v, kind=ServiceRecord.Kind.BACKFILL, org=org,
                                  title="服务", service_date=rng.choice(days),
                                  hours=Decimal(rng.choice(["0.5", "1.25", "3", "6"])), by=None))
    for line in lines:
        roll = rng.random()
        if roll < 0.75:  # approved today, whatever the service day: late approvals too
            record_approve(by=world.center_staff, record=line)
            if rng.random() < 0.25:
                record_reverse(by=world.center_staff, record=line, reason="更正")
    residents = [world.res1]
    grids = list(Grid.objects.all())
    for i in range(40):
        st = rng.choice(stations)
        state = rng.choice(State.values)
        done = state in DONE
        score = rng.randint(1, 5) if state == State.RATED else None
        o = ServiceOrder.objects.create(
            kind=rng.choice(["service", "appeal"]), state=state, platform=rng.choice(platforms),
            text=f"需求{i}", address="x", lat=39.9, lng=116.3, cell="x",
            wished_at=aware(days[0]), contact_name="张", contact_phone="13900000000",
            resident=residents[0], submitted_by=world.res1.user, org=st, station=st,
            grid=rng.choice([None, *[g for g in grids if g.station_id == st.pk]]),
            escalations=rng.choice([0, 0, 1]), score=score,
            people_served=rng.choice([None, 3]) if done else None)
        ServiceOrder.objects.filter(pk=o.pk).update(created_at=aware(rng.choice(days),
                                                                       rng.choice([0, 12, 23])))
    for i in range(20):
        st = rng.choice(stations)
        state = rng.choice(WishState.values)
        w = Wish.objects.create(resident=world.res1, station=st, title=f"心愿{i}", text="x",
                                due_date=days[-1], state=state, posted_by=world.res1.user,
                                donor_name="爱心企业" if state in {"claimed", *FULFILLED} else "")
        Wish.objects.filter(pk=w.pk).update(created_at=aware(rng.choice(days), 23))
    # Points dated over the range (the bulk path, which dates entries; the rollup files
    # each by its Asia/Shanghai day: 01:00 there is the evening before in UTC), spent and
    # refunded; the approvals above earned theirs today through the single path.
    accounts = points_accounts_bulk_open(volunteer_ids=[v.pk for v in vols])
    entries = []
    for i, v in enumerate(vols):
        for kind, amount in ((PointsEntry.Kind.ADJUST, rng.randint(40, 60)),
                             (PointsEntry.Kind.REDEEM, -rng.randint(1, 30)),
                             (PointsEntry.Kind.REFUND, rng.randint(1, 5))):
            entries.append({"account_id": accounts[v.pk], "amount": amount, "kind": kind,
                            "reason": "x", "source_type": "test", "source_id": i,
                            "created_by_id": None,
                            "created_at": aware(rng.choice(days), rng.choice([1, 12, 23]))})
    points_bulk_post(entries=entries)
    # One volunteer moves to another station: their rollup rows follow them.
    mover = Volunteer.objects.get(pk=vols[3].pk)
    mover.station = rng.choice([st for st in stations if st.pk != mover.station_id])
    mover.save()
    # The volunteers' dates and states and the orders above were written below the services
    # (queryset updates), which the per-node rollup does not follow: recount it as the data
    # migration does. Its writers are proven by test_tally.py.
    from ..tally import rebuild_now
    rebuild_now()

def brute(node: OrgNode, period: Period, thresholds: list[int]) -> dict:
    """Every figure from the raw rows, in Python, by the definitions in docs/stats.md."""
    def inside(org) -> bool:
        return org.path.startswith(node.path)

    def in_period_dt(dt) -> bool:
        return period.first <= timezone.localdate(dt) <= period.last

    def in_period_day(day) -> bool:
        return period.first <= day <= period.last

    approved = [r for r in ServiceRecord.objects.select_related("org", "volunteer__station")
                if r.status == "approved"]
    vols = [v for v in Volunteer.objects.select_related("station") if inside(v.station)
            and v.status != "suspended" and timezone.localdate(v.registered_at) <= period.last]
    net = defaultdict(Decimal)
    total = defaultdict(Decimal)
    for r in approved:
        if inside(r.volunteer.station) and in_period_day(r.service_date):
            net[r.volunteer_id] += r.hours
        if inside(r.volunteer.station) and r.service_date <= period.last:
            total[r.volunteer_id] += r.hours
    stars = defaultdict(int)
    for v in vols:  # registered by the period's end, not suspended
        stars[sum(1 for t in thresholds if total[v.pk] >= t)] += 1
    acts = [a for a in Activity.objects.select_related("org") if inside(a.org)
            and a.status == "published" and in_period_dt(a.start)]
    orders = [o for o in ServiceOrder.objects.select_related("station") if inside(o.station)
              and in_period_dt(o.created_at)]
    wishes = [w for w in Wish.objects.select_related("station") if inside(w.station)
              and in_period_dt(w.created_at)]
    entries = [e for e in PointsEntry.objects.select_related("account__volunteer__station")
               if inside(e.account.volunteer.station) and in_period_dt(e.created_at)]
    done = [o for o in orders if o.state in DONE]
    rated = [o for o in orders if o.score is not None]
    handled = [o for o in orders if o.state not in {"cancelled", "rejected"}]
    hours = sum((r.hours for r in approved if inside(r.org) and in_period_day(r.service_date)),
                Decimal("0"))
    assert hours == sum((h.hours for h in HoursDaily.objects.select_related("org")
                         if inside(h.org) and in_period_day(h.day)), Decimal("0"))
    return {
        "volunteers": len(vols),
        "active_volunteers": sum(1 for h in net.values() if h > 0),
        "teams": sum(1 for t in Team.objects.select_related("org") if inside(t.org)
                     and t.is_active and timezone.localdate(t.created_at) <= period.last),
        "activities": len(acts),
        "hours": float(hours),
        "people_served": sum(a.people_served or 0 for a in acts)
        + sum(o.people_served or 1 for o in done),
        "orders": {s: sum(1 for o in orders if o.state == s) for s in State.values},
        "dispatch_rate": round(sum(1 for o in handled if o.state in REACHED) / len(handled), 4)
        if handled else None,
        "on_time_rate": round(sum(1 for o in done if o.escalations == 0) / len(done), 4)
        if done else None,
        "satisfaction": round(sum(1 for o in rated if o.score >= 4) / len(rated), 4)
        if rated else None,
        "avg_rating": round(sum(o.score for o in rated) / len(rated), 2) if rated else None,
        "wishes_posted": len(wishes),
        "wishes_fulfilled": sum(1 for w in wishes if w.state in FULFILLED),
        "points_earned": sum(e.amount for e in entries if e.kind not in ("redeem", "refund")),
        "points_spent": -sum(e.amount for e in entries if e.kind in ("redeem", "refund")),
        "star_levels": {str(level): stars[level] for level in range(len(thresholds) + 1)},
    }
