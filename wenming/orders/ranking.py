"""Ranked candidates for an order, each score explained factor by factor.

Volunteers are narrowed by h3 cells around the place (an indexed IN on `home_cell`), then
measured exactly (haversine) and scored on six factors whose weights add up to 100.

At district size the cells within reach hold some 25,000 volunteers, too many to score one
by one for every order, and the ranking stays exact without that: a few hundred volunteers
nearest the place, the best matches first, are read first, and the `limit`-th best of their
scores is a floor; then
SQL returns from the cells around only the volunteers whose best possible score still reaches
it (`_could_reach`). Whoever it leaves out scores below `limit` others. Only the winners'
reasons are written out.
"""

import datetime
import math
from functools import reduce
from itertools import combinations
from operator import or_

from django.db import connection
from django.db.models import (
    Avg,
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.geo import EARTH_RADIUS_KM, cells_by_distance, haversine_km
from wenming.people.models import Volunteer
from wenming.teams.models import Team

from .models import ServiceOrder, State

WEIGHTS = {"match": 25, "distance": 25, "availability": 15, "load": 15, "rating": 10,
           "fairness": 10}
REACH_KM = 7.0
BUSY = [State.DISPATCHED, State.ACCEPTED]
# Points of slack in the SQL bound: six factors rounded to 0.1 each, and the sum once more.
SLACK = 0.5
KM_PER_DEGREE = 2 * math.pi * EARTH_RADIUS_KM / 360
# The first read: FIRST volunteers in cells this near the place, the best matches nearest.
FIRST, FIRST_KM = 200, 0.5


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


def _explain(shares: dict[str, float], *, platform: bool, skill: bool, km: float,
             available: bool | None, load: int, rating: float | None, recent: int
             ) -> list[dict]:
    details = {
        "match": _("服务类别%(p)s，技能%(s)s") % {"p": _("相符") if platform else _("不符"),
                                            "s": _("相符") if skill else _("不符")},
        "distance": _("距离约%(km).1f公里") % {"km": km},
        "availability": {True: _("期望时间在其可服务时段内"), None: _("未填写可服务时段"),
                         False: _("期望时间不在其可服务时段内")}[available],
        "load": _("手头有%(n)d个未完成订单") % {"n": load},
        "rating": _("平均评分%(r).1f") % {"r": rating} if rating else _("暂无评分"),
        "fairness": _("近30天接单%(n)d次") % {"n": recent},
    }
    return [{"factor": f, "points": round(WEIGHTS[f] * s, 1), "detail": str(details[f])}
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


def _volunteer_rows(order: ServiceOrder, cells: list[str]) -> QuerySet:
    """Volunteers at home in `cells`, with whether they match the order's platform and skill
    and their distance squared, measured flat (within 0.1 % of haversine at this range). The
    status is checked on the rows read: as a condition it can lure SQLite into its index."""
    skill = (Exists(Volunteer.skills.through.objects.filter(
        volunteer=OuterRef("pk"), skill__name=order.skill)) if order.skill else Value(True))
    dy = (F("home_lat") - Value(order.lat)) * Value(KM_PER_DEGREE)
    dx = (F("home_lng") - Value(order.lng)) * Value(
        KM_PER_DEGREE * math.cos(math.radians(order.lat)))
    return Volunteer.objects.filter(home_cell__in=cells).annotate(
        platform_ok=Exists(Volunteer.service_categories.through.objects.filter(
            volunteer=OuterRef("pk"), platform_id=order.platform_id)),
        skill_ok=skill,
    ).alias(km2=ExpressionWrapper(dx * dx + dy * dy, output_field=FloatField()))


# Whether a volunteer has a slot holding the wished weekday and time, in each database's JSON.
FREE_AT = {
    "sqlite": "EXISTS (SELECT 1 FROM json_each(people_volunteer.availability) s"
              " WHERE json_extract(s.value, '$.weekday') = %s"
              " AND json_extract(s.value, '$.start') <= %s AND json_extract(s.value, '$.end') > %s)",
    "postgresql": "jsonb_typeof(people_volunteer.availability) = 'array' AND EXISTS (SELECT 1"
                  " FROM jsonb_array_elements(people_volunteer.availability) s"
                  " WHERE s->>'weekday' = %s::text"
                  " AND s->>'start' <= %s AND s->>'end' > %s)",
}


def _could_reach(order: ServiceOrder, cells: list[tuple[float, str]], when: tuple[int, str],
                 floor: float) -> QuerySet:
    """Volunteers who might still score `floor`. A perfect match scores 100 at the place;
    each of the platform (15), the skill (10, if the order names one) and availability at the
    wished time (15; 10 of them without any slots) they lack lowers that, and distance costs
    25 / REACH_KM points a km (flat distance, 1 % allowed). For each set of lacks: one of them
    is met, or the volunteer is near enough without them. SQL tests distance first, the rest
    only where it is in doubt (a text match on the weekday before the slots' JSON)."""

    def within(points: float) -> Q:
        km = max(0.0, points - floor + SLACK) * REACH_KM / 25 * 1.01
        return Q(km2__lte=min(km, REACH_KM * 1.01) ** 2)

    weekday, hhmm = when
    # The text match assumes the JSON as Django and PostgreSQL write it ("weekday": 5).
    free = Q(availability__icontains=f'"weekday": {weekday}') & Q(free_then=True)
    # Availability loses 10 points unless free then, and 5 more unless free or without slots.
    # Cheapest first: the weekday's text match turns most of those far away down at once.
    tests = [(10, free), (5, free | Q(availability=[])), (15, Q(platform_ok=True))]
    if order.skill:
        tests.append((10, Q(skill_ok=True)))
    farthest = max(0.0, 100 - floor + SLACK) * REACH_KM / 25 * 1.01
    rows = _volunteer_rows(order, [c for km, c in cells if km <= farthest]).alias(
        free_then=RawSQL(FREE_AT[connection.vendor], (weekday, hhmm, hhmm),
                         output_field=BooleanField())).filter(within(100))
    for n in range(1, len(tests) + 1):
        for lacking in combinations(tests, n):
            met = reduce(or_, (q for _points, q in lacking))
            rows = rows.filter(within(100 - sum(p for p, _q in lacking)) | met)
    return rows


def _read(order: ServiceOrder, rows: QuerySet, when: tuple[int, str]) -> list[dict]:
    """The active volunteers among `rows` within reach, with what scoring them needs but
    their order statistics (`_add_stats`)."""
    found = []
    for pk, lat, lng, slots, status, platform, skill in rows.values_list(
            "id", "home_lat", "home_lng", "availability", "status", "platform_ok", "skill_ok"):
        km = haversine_km(order.lat, order.lng, lat, lng)
        if km <= REACH_KM and status == Volunteer.Status.ACTIVE:
            found.append({"volunteer_id": pk, "facts": {
                "platform": bool(platform), "skill": bool(skill), "km": km,
                "available": _free(slots, *when), "load": 0, "rating": None, "recent": 0}})
    return found


def _add_stats(found: list[dict]) -> None:
    load, rating, recent = _stats("volunteer_id", [c["volunteer_id"] for c in found])
    for c in found:
        pk = c["volunteer_id"]
        c["facts"].update(load=load.get(pk, 0), rating=rating.get(pk), recent=recent.get(pk, 0))


def _ranked(found: list[dict]) -> list[dict]:
    for c in found:
        c["shares"] = _shares(**c["facts"])
        c["score"], c["distance_km"] = _score(c["shares"]), round(c["facts"]["km"], 2)
    return sorted(found, key=lambda c: (-c["score"], c["distance_km"]))


def _nth_score(ranked: list[dict], n: int) -> float:
    return ranked[n - 1]["score"] if len(ranked) >= n else 0.0


def volunteer_candidates(order: ServiceOrder, limit: int = 20) -> list[dict]:
    """The best `limit` volunteers within reach, exactly as if all were scored (see the
    module's docstring): four queries, six when open orders pull the first ones down."""
    when, cells = _wished(order), cells_by_distance(order.lat, order.lng)
    first = _read(order, _volunteer_rows(order, [c for km, c in cells if km <= FIRST_KM])
                  .order_by("-platform_ok", "-skill_ok", "km2")[:FIRST], when)
    floor = _nth_score(_ranked(first), limit)  # as if none of them had orders yet
    found = first + _read(order, _could_reach(order, cells, when, floor).exclude(
        pk__in=[c["volunteer_id"] for c in first]), when)
    _add_stats(found)
    ranked = _ranked(found)
    if _nth_score(ranked, limit) < floor:
        # Open orders or ratings pulled the first ones below the floor: read down to them.
        floor, seen = _nth_score(ranked, limit), {c["volunteer_id"] for c in found}
        more = [c for c in _read(order, _could_reach(order, cells, when, floor), when)
                if c["volunteer_id"] not in seen]
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
                 .select_related("org")[:200])
    load, rating, recent = _stats("team_id", [t.pk for t in teams])
    found = []
    for t in teams:
        km = haversine_km(order.lat, order.lng, t.org.lat, t.org.lng) if t.org.lat else REACH_KM
        found.append({"team_id": t.pk, "name": t.name, "facts": {
            "platform": bool(t.platform_id) and t.platform_id == order.platform_id,
            "skill": not order.skill, "km": km, "available": None,
            "load": load.get(t.pk, 0), "rating": rating.get(t.pk), "recent": recent.get(t.pk, 0)}})
    return [{"team_id": c["team_id"], "name": c["name"], "score": c["score"],
             "distance_km": c["distance_km"], "reasons": _explain(c["shares"], **c["facts"])}
            for c in _ranked(found)[:limit]]


def candidates_for(order: ServiceOrder, limit: int = 20) -> list[dict]:
    """Volunteers first (the usual case), then teams, each list best first."""
    return volunteer_candidates(order, limit) + team_candidates(order)
