"""Ranked candidates for an order, each score explained factor by factor.

Volunteers are narrowed by h3 cells around the place (an indexed IN on `home_cell`), then
measured exactly (haversine) and scored on six factors whose weights add up to 100.
"""

import datetime

from django.db.models import Avg, Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.geo import cells_near, haversine_km
from wenming.people.models import Volunteer
from wenming.teams.models import Team

from .models import ServiceOrder, State

WEIGHTS = {"match": 25, "distance": 25, "availability": 15, "load": 15, "rating": 10,
           "fairness": 10}
REACH_KM = 7.0
BUSY = [State.DISPATCHED, State.ACCEPTED]


def _available(slots: list[dict], when: datetime.datetime) -> bool | None:
    if not slots:
        return None
    local = timezone.localtime(when)
    hhmm = local.strftime("%H:%M")
    return any(s["weekday"] == local.weekday() and s["start"] <= hhmm < s["end"] for s in slots)


def _factors(order, *, platforms: set[str], skills: set[str], km: float, slots, load: int,
             rating: float | None, recent: int) -> list[dict]:
    match = (15 if order.platform.code in platforms else 0) + (
        10 if not order.skill or order.skill in skills else 0)
    available = _available(slots, order.wished_at)
    parts = [
        ("match", match / 25, _("服务类别%(p)s，技能%(s)s") % {
            "p": _("相符") if order.platform.code in platforms else _("不符"),
            "s": _("相符") if not order.skill or order.skill in skills else _("不符")}),
        ("distance", max(0.0, 1 - km / REACH_KM), _("距离约%(km).1f公里") % {"km": km}),
        ("availability", {True: 1.0, None: 1 / 3, False: 0.0}[available],
         {True: _("期望时间在其可服务时段内"), None: _("未填写可服务时段"),
          False: _("期望时间不在其可服务时段内")}[available]),
        ("load", 1 - min(load, 3) / 3, _("手头有%(n)d个未完成订单") % {"n": load}),
        ("rating", ((rating or 3.5) - 1) / 4,
         _("平均评分%(r).1f") % {"r": rating} if rating else _("暂无评分")),
        ("fairness", 1 - min(recent, 5) / 5, _("近30天接单%(n)d次") % {"n": recent}),
    ]
    return [{"factor": f, "points": round(WEIGHTS[f] * share, 1), "detail": str(detail)}
            for f, share, detail in parts]


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


def volunteer_candidates(order: ServiceOrder, limit: int = 20) -> list[dict]:
    volunteers = list(Volunteer.objects.filter(
        home_cell__in=cells_near(order.lat, order.lng), status=Volunteer.Status.ACTIVE,
    ).select_related("user").prefetch_related("skills", "service_categories"))
    ids = [v.pk for v in volunteers]
    load, rating, recent = _stats("volunteer_id", ids)
    scored = []
    for v in volunteers:
        km = haversine_km(order.lat, order.lng, v.home_lat, v.home_lng)
        if km > REACH_KM:
            continue
        reasons = _factors(order, platforms={p.code for p in v.service_categories.all()},
                           skills={s.name for s in v.skills.all()}, km=km,
                           slots=v.availability, load=load.get(v.pk, 0),
                           rating=rating.get(v.pk), recent=recent.get(v.pk, 0))
        scored.append({"volunteer_id": v.pk, "name": v.user.real_name,
                       "score": round(sum(r["points"] for r in reasons), 1),
                       "distance_km": round(km, 2), "reasons": reasons})
    return sorted(scored, key=lambda c: (-c["score"], c["distance_km"]))[:limit]


def team_candidates(order: ServiceOrder, limit: int = 5) -> list[dict]:
    institute_path = "/".join(order.station.path.split("/")[:3]) + "/"
    teams = list(Team.objects.filter(is_active=True, org__path__startswith=institute_path)
                 .select_related("org", "platform")[:200])
    load, rating, recent = _stats("team_id", [t.pk for t in teams])
    scored = []
    for t in teams:
        km = haversine_km(order.lat, order.lng, t.org.lat, t.org.lng) if t.org.lat else REACH_KM
        reasons = _factors(order, platforms={t.platform.code} if t.platform else set(),
                           skills=set(), km=km, slots=[], load=load.get(t.pk, 0),
                           rating=rating.get(t.pk), recent=recent.get(t.pk, 0))
        scored.append({"team_id": t.pk, "name": t.name,
                       "score": round(sum(r["points"] for r in reasons), 1),
                       "distance_km": round(km, 2), "reasons": reasons})
    return sorted(scored, key=lambda c: (-c["score"], c["distance_km"]))[:limit]


def candidates_for(order: ServiceOrder, limit: int = 20) -> list[dict]:
    """Volunteers first (the usual case), then teams, each list best first."""
    return volunteer_candidates(order, limit) + team_candidates(order)
