"""The candidates near a person and what they did before: the reads behind 为你推荐.

Scope comes from each app's own permissions (`activities_for_user`, `open_near_q`,
`wishes_for_user`), so a recommendation never shows what the person could not open.
"""

import datetime
import math

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.activities.models import Activity, Enrollment, ServiceRecord
from wenming.activities.permissions import activities_for_user
from wenming.geo import haversine_km
from wenming.notices.permissions import news_around
from wenming.orders.models import ServiceOrder
from wenming.orders.permissions import open_near_q
from wenming.people.models import Resident, User, Volunteer
from wenming.wishes.models import State as WishState
from wenming.wishes.permissions import wishes_for_user

from .scoring import REACH_KM, Candidate, Habits, Person, points, score

HORIZON = datetime.timedelta(days=30)
KM_PER_DEGREE = 111.2
MAX_CANDIDATES = 400


def habits_of(volunteer_id: int, *, before: datetime.date | None = None) -> Habits:
    lines = ServiceRecord.objects.filter(volunteer_id=volunteer_id,
                                         status=ServiceRecord.Status.APPROVED)
    if before is not None:
        lines = lines.filter(service_date__lt=before)
    return Habits.of(list(lines.values_list("activity__platform_id", "org_id", "service_date")))


def person_of(volunteer: Volunteer, *, lat=None, lng=None, before=None) -> Person:
    """The volunteer as the scoring sees them; the place given (where they are now) wins
    over home, home over their station."""
    if lat is None or lng is None:
        lat, lng = volunteer.home_lat, volunteer.home_lng
    if lat is None or lng is None:
        lat, lng = volunteer.station.lat, volunteer.station.lng
    return Person(
        lat=lat, lng=lng,
        listed_platforms=frozenset(volunteer.service_categories.values_list("id", flat=True)),
        skills=frozenset(volunteer.skills.values_list("name", flat=True)),
        slots=tuple((s["weekday"], s["start"], s["end"]) for s in volunteer.availability
                    if isinstance(s, dict) and {"weekday", "start", "end"} <= s.keys()),
        habits=habits_of(volunteer.pk, before=before))


def near(lat: float | None, lng: float | None, prefix: str = "") -> Q:
    """A bounding box of REACH_KM around the place, on `prefix` lat/lng columns."""
    if lat is None or lng is None:
        return Q()
    dlat = REACH_KM / KM_PER_DEGREE
    dlng = REACH_KM / (KM_PER_DEGREE * max(0.1, math.cos(math.radians(lat))))
    return Q(**{f"{prefix}lat__range": (lat - dlat, lat + dlat),
                f"{prefix}lng__range": (lng - dlng, lng + dlng)})


def around(qs: QuerySet[Activity], person: Person) -> QuerySet[Activity]:
    """The activities worth scoring: near the person, or at one of the five places they
    served most (a volunteer who crosses the district for their choir still hears of it)."""
    places = sorted(person.habits.orgs, key=person.habits.orgs.get, reverse=True)[:5]
    return qs.filter(near(person.lat, person.lng) | Q(org_id__in=places))


# Plain rows, not model instances: building hundreds of activities with their joined rows
# cost more than the query and the scoring together.
ACTIVITY_FIELDS = ("id", "title", "lat", "lng", "platform_id", "org_id", "start",
                   "required_skills", "address")


def activity_candidates(qs: QuerySet[Activity]) -> list[Candidate]:
    return [Candidate("activity", pk, title, lat, lng, platform, org, timezone.localtime(start),
                      tuple(skills or ()), f"/activities/{pk}/", address)
            for pk, title, lat, lng, platform, org, start, skills, address
            in qs.values_list(*ACTIVITY_FIELDS)]


def _activities(user: User, person: Person, volunteer: Volunteer | None) -> list[Candidate]:
    now = timezone.now()
    qs = activities_for_user(user).filter(status=Activity.Status.PUBLISHED, start__gt=now,
                                          start__lte=now + HORIZON)
    qs = around(qs, person)
    if volunteer is not None:
        qs = qs.exclude(pk__in=Enrollment.objects.filter(volunteer=volunteer).exclude(
            status=Enrollment.Status.CANCELLED).values("activity_id"))
    return activity_candidates(qs.order_by("start")[:MAX_CANDIDATES])


def _orders(volunteer: Volunteer) -> list[Candidate]:
    """Open orders the volunteer may grab: near home (`open_near_q`, the branch of
    `orders_for_user` that can hold an open order for a volunteer; dispatched ones are not
    open). One indexed query instead of the whole scope's five reads."""
    rows = ServiceOrder.objects.filter(open_near_q(volunteer)).order_by("due_at", "id").values_list(
        "id", "text", "lat", "lng", "platform_id", "station_id", "wished_at", "skill", "address")
    return [Candidate("order", pk, text[:40], lat, lng, platform, station,
                      timezone.localtime(wished), (skill,) if skill else (), f"/orders/{pk}/",
                      address)
            for pk, text, lat, lng, platform, station, wished, skill, address in rows[:100]]


def _wishes(user: User, person: Person) -> list[Candidate]:
    rows = wishes_for_user(user).filter(state=WishState.APPROVED).filter(
        near(person.lat, person.lng, "station__")).values_list(
        "id", "title", "station__lat", "station__lng", "station_id", "station__name")
    return [Candidate("wish", pk, title, lat, lng, None, station, None, (), f"/wishes/{pk}/",
                      name) for pk, title, lat, lng, station, name in rows[:100]]


def ranked(person: Person, candidates: list[Candidate], limit: int) -> list[dict]:
    """The best `limit` candidates, each with its reasons. All are scored (`points`); only
    the shown ones are explained: a reason costs a translation, and a volunteer's few
    hundred candidates times six reasons were a third of the time (issue 15)."""
    rows = []
    for c in candidates:
        km = (haversine_km(person.lat, person.lng, c.lat, c.lng)
              if None not in (person.lat, person.lng, c.lat, c.lng) else None)
        rows.append((points(person, c), round(km, 1) if km is not None else None, c))
    rows.sort(key=lambda r: (-r[0], r[1] or 0, r[2].kind, r[2].id))
    return [{"kind": c.kind, "id": c.id, "title": c.title, "score": total,
             "reasons": score(person, c)[1], "url": c.url, "place": c.place,
             "start": c.start, "distance_km": km} for total, km, c in rows[:limit]]


def recommendations_for(user: User, *, lat=None, lng=None, limit: int = 20) -> list[dict]:
    """What to do next, best first, each with its reasons: for a volunteer, activities, open
    orders and wishes; for a resident, activities and news near their station."""
    volunteer = Volunteer.objects.filter(user=user, status=Volunteer.Status.ACTIVE
                                         ).select_related("station").first()
    if volunteer is not None:
        person = person_of(volunteer, lat=lat, lng=lng)
        candidates = (_activities(user, person, volunteer) + _orders(volunteer)
                      + _wishes(user, person))
        return ranked(person, candidates, limit)
    resident = Resident.objects.filter(user=user).select_related("station").first()
    if resident is None:
        return []
    station = resident.station
    person = Person(lat=lat if lat is not None else station.lat,
                    lng=lng if lng is not None else station.lng,
                    listed_platforms=frozenset(), skills=frozenset(), slots=(),
                    habits=Habits())
    rows = ranked(person, _activities(user, person, None), limit)
    news = [{"kind": "news", "id": n.pk, "title": n.title, "score": 0.0,
             "reasons": [_("来自%(org)s的新闻") % {"org": n.org.name}],
             "url": f"/notices/{n.pk}/",
             "place": n.org.name, "start": None, "distance_km": None}
            for n in news_around(station)[:3]]
    return news + rows[:max(0, limit - len(news))]

