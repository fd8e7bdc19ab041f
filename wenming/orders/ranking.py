"""Ranked candidates for an order, each score explained factor by factor.

Volunteers are narrowed by h3 cells around the place (an indexed IN on `home_cell`, with
the home's latitude as a range within each cell), then measured exactly (haversine) and
scored on six factors whose weights add up to 100.

At district size the volunteers within reach number some 25,000, too many to score one by
one for every order, and the ranking stays exact without that. The best matches among the
few hundred nearest the place are read first, and the `limit`-th best of their scores is a
floor. Then SQL returns only the volunteers whose best possible score still reaches it
(`_could_reach`), in three parts, because availability decides how far away that can be:
those free at the wished weekday and time may live as far as a perfect score allows, those
who gave no slots as far as 10 points less allow, everyone else as far as 15 points less
allow (and without a rated order, 3.75 less again). The first two are found on the
`AvailabilitySlot` rows (an index range by weekday, or no weekday, and home cell), the third
on the volunteers' `(home_cell, home_lat, home_lng)` index; distance is tested on those
columns before a row is read. Whoever all three leave out scores below `limit` others. Only
the winners' reasons are written out.
"""

import datetime
import math
import re
from functools import lru_cache, reduce
from itertools import combinations
from operator import or_

from django.db.models import (
    Avg,
    BooleanField,
    Count,
    F,
    FloatField,
    Func,
    Q,
    QuerySet,
    Value,
)
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from wenming.geo import EARTH_RADIUS_KM, cells_by_distance, haversine_km
from wenming.people.models import AvailabilitySlot, Skill, Volunteer
from wenming.teams.models import Team

from .models import ServiceOrder, State, in_group

WEIGHTS = {"match": 25, "distance": 25, "availability": 15, "load": 15, "rating": 10,
           "fairness": 10}
REACH_KM = 7.0
BUSY = in_group("busy")  # a volunteer's orders in hand
# Points of slack in the SQL bound: six factors rounded to 0.1 each, and the sum once more.
SLACK = 0.5
KM_PER_DEGREE = 2 * math.pi * EARTH_RADIUS_KM / 360
# The first read: FIRST volunteers this near the place, the best matches nearest.
FIRST, FIRST_KM = 200, 0.8


def _wished(order: ServiceOrder) -> tuple[int, str]:
    local = timezone.localtime(order.wished_at)
    return local.weekday(), local.strftime("%H:%M")


def _free(slots: list[dict], weekday: int, hhmm: str) -> bool | None:
    if not slots:
        return None
    return any(s["weekday"] == weekday and s["start"] <= hhmm < s["end"] for s in slots)


def _shares(*, platform: bool, skill: bool, km: float, available: bool | None, load: int,
            rating: float | None, recent: int) -> dict[str, float]:
    """Each factor's share of its weight, 0 to 1."""
    return {"match": ((15 if platform else 0) + (10 if skill else 0)) / 25,
            "distance": max(0.0, 1 - km / REACH_KM),
            "availability": {True: 1.0, None: 1 / 3, False: 0.0}[available],
            "load": 1 - min(load, 3) / 3,
            "rating": ((rating or 3.5) - 1) / 4,
            "fairness": 1 - min(recent, 5) / 5}


def _score(shares: dict[str, float]) -> float:
    return round(sum(round(WEIGHTS[f] * s, 1) for f, s in shares.items()), 1)


@lru_cache(maxsize=16)
def _wording(language: str | None) -> dict:
    """The explanations' words in `language`, the active one: looked up once, not for each
    of every candidate's factors."""
    return {"match": _("服务类别%(p)s，技能%(s)s"), "yes": _("相符"), "no": _("不符"),
            "distance": _("距离约%(km).1f公里"),
            "availability": {True: _("期望时间在其可服务时段内"), None: _("未填写可服务时段"),
                             False: _("期望时间不在其可服务时段内")},
            "load": _("手头有%(n)d个未完成订单"), "rating": _("平均评分%(r).1f"),
            "unrated": _("暂无评分"), "fairness": _("近30天接单%(n)d次")}


def _explain(shares: dict[str, float], *, platform: bool, skill: bool, km: float,
             available: bool | None, load: int, rating: float | None, recent: int
             ) -> list[dict]:
    w = _wording(get_language())
    details = {
        "match": w["match"] % {"p": w["yes" if platform else "no"],
                               "s": w["yes" if skill else "no"]},
        "distance": w["distance"] % {"km": km},
        "availability": w["availability"][available],
        "load": w["load"] % {"n": load},
        "rating": w["rating"] % {"r": rating} if rating else w["unrated"],
        "fairness": w["fairness"] % {"n": recent},
    }
    return [{"factor": f, "points": round(WEIGHTS[f] * s, 1), "detail": details[f]}
            for f, s in shares.items()]


def _stats(field: str, ids: list[int]) -> tuple[dict, dict, dict]:
    """Open load, average rating and recent assignments per volunteer (or team)."""
    orders = ServiceOrder.objects.filter(**{f"{field}__in": ids})
    since = timezone.now() - datetime.timedelta(days=30)
    rows = orders.values(field).annotate(
        load=Count("id", filter=Q(state__in=BUSY)),
        rating=Avg("score", filter=Q(state=State.RATED)),
        recent=Count("id", filter=Q(created_at__gte=since)))
    return ({r[field]: r["load"] for r in rows}, {r[field]: r["rating"] for r in rows},
            {r[field]: r["recent"] for r in rows})


class _Sql(Func):
    """SQL text with the volunteer's columns put in where it names them (`{home_lat}`), and
    `params` for its %s. `_could_reach` repeats these in every condition, and compiling them
    there as ORM expressions (Exists, F arithmetic) took as long as running the query; the
    columns are still compiled, so any table alias holds."""

    def __init__(self, sql: str, *params, output_field):
        self.sql, self.params = sql, params
        self.names = sorted(set(re.findall(r"\{(\w+)\}", sql)))
        super().__init__(*(F(name) for name in self.names), output_field=output_field)

    def as_sql(self, compiler, connection, **extra_context):
        columns = {name: compiler.compile(column)[0]
                   for name, column in zip(self.names, self.get_source_expressions(), strict=True)}
        return f"({self.sql.format(**columns)})", list(self.params)


def order_skills(order: ServiceOrder) -> list[str]:
    """The skills an order asks for: its menu item's (any one of them matches), else the one
    typed in."""
    if order.item_id:
        return order.item.skill_names or ([order.skill] if order.skill else [])
    return [order.skill] if order.skill else []


def _volunteer_rows(order: ServiceOrder, where: Q) -> QuerySet:
    """Volunteers `where`, with whether they match the order's platform and skills and their
    distance squared, measured flat (within 0.1 % of haversine at this range). The status is
    checked on the rows read: as a condition it can lure SQLite into its index."""
    platform_ok = _Sql(
        f"EXISTS (SELECT 1 FROM {Volunteer.service_categories.through._meta.db_table} c"
        " WHERE c.volunteer_id = {pk} AND c.platform_id = %s)",
        order.platform_id, output_field=BooleanField())
    skills = order_skills(order)
    skill_ok = _Sql(
        f"EXISTS (SELECT 1 FROM {Volunteer.skills.through._meta.db_table} s"
        f" JOIN {Skill._meta.db_table} k ON k.id = s.skill_id"
        " WHERE s.volunteer_id = {pk} AND k.name IN (" + ", ".join(["%s"] * len(skills)) + "))",
        *skills, output_field=BooleanField()) if skills else Value(True)
    y, x = KM_PER_DEGREE, KM_PER_DEGREE * math.cos(math.radians(order.lat))
    km2 = _Sql("({home_lat} - %s) * %s * ({home_lat} - %s) * %s"
               " + ({home_lng} - %s) * %s * ({home_lng} - %s) * %s",
               *(order.lat, y) * 2, *(order.lng, x) * 2, output_field=FloatField())
    return Volunteer.objects.filter(where).annotate(platform_ok=platform_ok, skill_ok=skill_ok) \
        .alias(km2=km2)


def _square(order: ServiceOrder, km: float) -> Q:
    """Homes at most `km` north, south, east or west of the place (flat, as `km2`)."""
    lat, lng = km / KM_PER_DEGREE, km / (KM_PER_DEGREE * math.cos(math.radians(order.lat)))
    return Q(home_lat__range=(order.lat - lat, order.lat + lat),
             home_lng__range=(order.lng - lng, order.lng + lng))


READ = ("id", "home_lat", "home_lng", "availability", "status", "platform_ok", "skill_ok")


def _could_reach(order: ServiceOrder, cells: list[tuple[float, str]], when: tuple[int, str],
                 floor: float) -> QuerySet:
    """Volunteers who might still score `floor`, as rows of `READ`; some twice.

    A perfect match scores 100 at the place. Each of the platform (15), the skill (10, if
    the order names one) and five stars (3.75: without a rated order the rating counts 6.25
    of 10) they lack lowers that, and so does availability: nothing when free at the wished
    time, 10 without any slots, 15 otherwise. Distance costs 25 / REACH_KM points a km (flat
    distance, 1 % allowed). Each part holds volunteers of one kind of availability, tested
    as if all were of it (`_bounds`); the last holds everyone, so volunteers of the first two
    kinds may come twice (`_read` keeps them once). A part whose best could not reach the
    floor even at the place is left out (never the first: no score passes 100)."""

    def km_for(points: float) -> float:
        return min(max(0.0, points - floor + SLACK) * REACH_KM / 25 * 1.01, REACH_KM * 1.01)

    rated = _Sql(f"EXISTS (SELECT 1 FROM {ServiceOrder._meta.db_table} o"
                 " WHERE o.volunteer_id = {pk} AND o.state = %s)", State.RATED,
                 output_field=BooleanField())
    # Rated first: the test fails soonest for most volunteers, and SQL stops at the first.
    lacks = [(3.75, Q(rated=True)), (15, Q(platform_ok=True))] + (
        [(10, Q(skill_ok=True))] if order.skill else [])

    def part(best: float, where) -> QuerySet:
        """Volunteers `where(cells)` who might score `floor`, the best they could score at
        the place being `best`."""
        km = km_for(best)
        return _volunteer_rows(order, where([c for d, c in cells if d <= km])
                               & _square(order, km)).alias(rated=rated).filter(
            Q(km2__lte=km ** 2), *_bounds(lacks, lambda lost: km_for(best - lost))
        ).values_list(*READ)

    def slots(**where):
        return lambda near: Q(pk__in=AvailabilitySlot.objects.filter(
            cell__in=near, **where).values("volunteer_id"))

    weekday, hhmm = when
    parts = [part(best, where) for best, where in [
        (100, slots(weekday=weekday, start__lte=hhmm, end__gt=hhmm)),
        (90, slots(weekday=None)), (85, lambda near: Q(home_cell__in=near))]
        if km_for(best) > 0]
    return parts[0].union(*parts[1:], all=True)


def _bounds(lacks: list[tuple[float, Q]], km_for) -> list[Q]:
    """For each set of `lacks` (points, the Q that meets it): one of them is met, or the
    volunteer lives within `km_for(points lost)`. Where no distance is near enough, one of
    the set must be met, which already satisfies every larger set: those are left out."""
    bounds, nowhere = [], []
    for n in range(1, len(lacks) + 1):
        for lacking in combinations(range(len(lacks)), n):
            if any(set(s) <= set(lacking) for s in nowhere):
                continue
            met = reduce(or_, (lacks[i][1] for i in lacking))
            km = km_for(sum(lacks[i][0] for i in lacking))
            if km > 0:
                bounds.append(Q(km2__lte=km ** 2) | met)
            else:
                bounds.append(met)
                nowhere.append(lacking)
    return bounds


def _read(order: ServiceOrder, rows, when: tuple[int, str], seen: set[int]) -> list[dict]:
    """The active volunteers among `rows` (of `READ`) within reach, but those `seen` (which
    gains them), with what scoring them needs but their order statistics (`_add_stats`)."""
    found = []
    for pk, lat, lng, slots, status, platform, skill in rows:
        km = haversine_km(order.lat, order.lng, lat, lng)
        if km <= REACH_KM and status == Volunteer.Status.ACTIVE and pk not in seen:
            seen.add(pk)
            found.append({"volunteer_id": pk, "facts": {
                "platform": bool(platform), "skill": bool(skill), "km": km,
                "available": _free(slots, *when), "load": 0, "rating": None, "recent": 0}})
    return found


def _add_stats(found: list[dict]) -> None:
    """Open load, rating and recent assignments into the facts of those with any order
    (their score is then due again); the others' stay as read."""
    load, rating, recent = _stats("volunteer_id", [c["volunteer_id"] for c in found])
    for c in found:
        pk = c["volunteer_id"]
        if pk in load:
            c["facts"].update(load=load[pk], rating=rating[pk], recent=recent[pk])
            c.pop("shares", None)


def _ranked(found: list[dict]) -> list[dict]:
    """`found` best first, scoring those not scored since their facts last changed."""
    for c in found:
        if "shares" not in c:
            c["shares"] = _shares(**c["facts"])
            c["score"], c["distance_km"] = _score(c["shares"]), round(c["facts"]["km"], 2)
    return sorted(found, key=lambda c: (-c["score"], c["distance_km"]))


def _nth_score(ranked: list[dict], n: int) -> float:
    return ranked[n - 1]["score"] if len(ranked) >= n else 0.0


def volunteer_candidates(order: ServiceOrder, limit: int = 20) -> list[dict]:
    """The best `limit` volunteers within reach, exactly as if all were scored (see the
    module's docstring): four queries, six when open orders pull the first ones down."""
    when, cells = _wished(order), cells_by_distance(order.lat, order.lng)
    nearby = Q(home_cell__in=[c for km, c in cells if km <= FIRST_KM]) & _square(order, FIRST_KM)
    seen: set[int] = set()
    first = _read(order, _volunteer_rows(order, nearby).order_by(
        "-platform_ok", "-skill_ok", "km2").values_list(*READ)[:FIRST], when, seen)
    floor = _nth_score(_ranked(first), limit)  # as if none of them had orders yet
    found = first + _read(order, _could_reach(order, cells, when, floor), when, seen)
    _add_stats(found)
    ranked = _ranked(found)
    if _nth_score(ranked, limit) < floor:
        # Open orders or ratings pulled the first ones below the floor: read down to them.
        floor = _nth_score(ranked, limit)
        more = _read(order, _could_reach(order, cells, when, floor), when, seen)
        _add_stats(more)
        ranked = _ranked(found + more)
    names = dict(Volunteer.objects.filter(pk__in=[c["volunteer_id"] for c in ranked[:limit]])
                 .values_list("id", "user__real_name"))
    return [{"volunteer_id": c["volunteer_id"], "name": names[c["volunteer_id"]],
             "score": c["score"], "distance_km": c["distance_km"],
             "reasons": _explain(c["shares"], **c["facts"])} for c in ranked[:limit]]


def team_candidates(order: ServiceOrder, limit: int = 5) -> list[dict]:
    institute_path = "/".join(order.station.path.split("/")[:3]) + "/"
    teams = list(Team.objects.filter(is_active=True, org__path__startswith=institute_path)
                 .values_list("id", "name", "platform_id", "org__lat", "org__lng")[:200])
    load, rating, recent = _stats("team_id", [t[0] for t in teams])
    found = []
    for pk, name, platform_id, lat, lng in teams:
        km = haversine_km(order.lat, order.lng, lat, lng) if lat else REACH_KM
        found.append({"team_id": pk, "name": name, "facts": {
            "platform": bool(platform_id) and platform_id == order.platform_id,
            "skill": not order.skill, "km": km, "available": None,
            "load": load.get(pk, 0), "rating": rating.get(pk), "recent": recent.get(pk, 0)}})
    return [{"team_id": c["team_id"], "name": c["name"], "score": c["score"],
             "distance_km": c["distance_km"], "reasons": _explain(c["shares"], **c["facts"])}
            for c in _ranked(found)[:limit]]


def candidates_for(order: ServiceOrder, limit: int = 20) -> list[dict]:
    """Volunteers first (the usual case), then teams, each list best first."""
    return volunteer_candidates(order, limit) + team_candidates(order)
