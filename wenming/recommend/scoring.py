"""为你推荐: how well a thing to do fits a person, with the reasons shown to them.

Pure functions over plain data (no database), so the benchmark can replay a month of the
past with exactly the rule the pages use.

A volunteer's `Habits` come from their approved service lines before a moment: the share
of their lines in each kind of service (platform), at each node, and on each weekday. A
candidate (an activity, an open order, a wish, a call-up shift) scores, out of 100:

    distance   25 × max(0, 1 − km / 8)        near home, or the place given
    kind       25 × share of their lines in its platform, at least 0.6 when they listed it
    place      15 × share of their lines at its node
    weekday    15 × share of their lines on its weekday
    time       10 when it falls in their stated availability (5 when they stated none)
    skills     10 × share of its required skills they have (10 when it needs none)

A newcomer with no history scores on distance, their listed kinds, time and skills alone.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from wenming.geo import haversine_km

REACH_KM = 8.0
WEIGHTS = {"distance": 25, "kind": 25, "place": 15, "weekday": 15, "time": 10, "skills": 10}
WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


@dataclass(frozen=True)
class Habits:
    platforms: dict[int, float] = field(default_factory=dict)  # platform id → share
    orgs: dict[int, float] = field(default_factory=dict)       # node id → share
    weekdays: dict[int, float] = field(default_factory=dict)   # Monday 0 → share
    lines: int = 0

    @classmethod
    def of(cls, rows: list[tuple[int | None, int, datetime.date]]) -> "Habits":
        """From (platform id, node id, service day) of each approved line."""
        n = len(rows)
        if not n:
            return cls()
        count = lambda values: {k: v / n for k, v in Counter(values).items()}  # noqa: E731
        return cls(platforms=count(r[0] for r in rows if r[0] is not None),
                   orgs=count(r[1] for r in rows), weekdays=count(r[2].weekday() for r in rows),
                   lines=n)


@dataclass(frozen=True)
class Person:
    lat: float | None
    lng: float | None
    listed_platforms: frozenset[int]
    skills: frozenset[str]
    slots: tuple[tuple[int, str, str], ...]  # (weekday, "HH:MM", "HH:MM")
    habits: Habits


@dataclass(frozen=True)
class Candidate:
    kind: str            # activity | order | wish | shift
    id: int
    title: str
    lat: float | None
    lng: float | None
    platform_id: int | None
    org_id: int | None
    start: datetime.datetime | None  # local time
    skills: tuple[str, ...] = ()
    url: str = ""
    place: str = ""


def _in_slots(slots, start: datetime.datetime) -> bool | None:
    if not slots:
        return None
    hhmm = start.strftime("%H:%M")
    return any(w == start.weekday() and a <= hhmm < b for w, a, b in slots)


def shares(person: Person, c: Candidate) -> dict[str, float]:
    """Each factor's share (0–1) for the candidate: the numbers only, no words."""
    parts: dict[str, float] = {}
    if None not in (person.lat, person.lng, c.lat, c.lng):
        km = haversine_km(person.lat, person.lng, c.lat, c.lng)
        parts["distance"] = max(0.0, 1 - km / REACH_KM)
    if c.platform_id is not None:
        share = person.habits.platforms.get(c.platform_id, 0.0)
        parts["kind"] = max(share, 0.6 if c.platform_id in person.listed_platforms else 0.0)
    if c.org_id is not None and (share := person.habits.orgs.get(c.org_id, 0.0)):
        parts["place"] = share
    if c.start is not None:
        parts["weekday"] = person.habits.weekdays.get(c.start.weekday(), 0.0)
        parts["time"] = {True: 1.0, None: 0.5, False: 0.0}[_in_slots(person.slots, c.start)]
    parts["skills"] = (sum(s in person.skills for s in c.skills) / len(c.skills)
                       if c.skills else 1.0)
    return parts


def points(person: Person, c: Candidate) -> float:
    """The candidate's score for the person, 0–100 (what ranking needs: no reasons, which
    cost a translation each and are shown only for the top few)."""
    return round(sum(WEIGHTS[k] * share for k, share in shares(person, c).items()), 1)


def _reason(person: Person, c: Candidate, key: str, share: float) -> str:
    if key == "distance":
        return _("距您约%(km).1f公里") % {"km": haversine_km(person.lat, person.lng, c.lat, c.lng)}
    if key == "kind":
        habit = person.habits.platforms.get(c.platform_id, 0.0)
        return (_("您常参加这类服务（占%(p)d%%）") % {"p": round(habit * 100)} if habit >= 0.2
                else _("您选择的服务类别") if c.platform_id in person.listed_platforms else "")
    if key == "place":
        return _("您在这里服务过%(n)d次") % {"n": round(share * person.habits.lines)}
    if key == "weekday":
        return (_("您常在%(d)s服务") % {"d": _(WEEKDAYS[c.start.weekday()])}
                if share >= 0.25 else "")
    if key == "time":
        return _("在您的可服务时段内") if share == 1.0 else ""
    return _("需要您的技能") if c.skills else ""


def score(person: Person, c: Candidate) -> tuple[float, list[str]]:
    """The candidate's score for the person (0–100) and the reasons, strongest first."""
    parts = shares(person, c)
    total = round(sum(WEIGHTS[k] * share for k, share in parts.items()), 1)
    ranked = sorted(parts.items(), key=lambda kv: -WEIGHTS[kv[0]] * kv[1])
    reasons = (_reason(person, c, key, share) for key, share in ranked if share > 0)
    return total, [r for r in reasons if r]
