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


def score(person: Person, c: Candidate) -> tuple[float, list[str]]:
    """The candidate's score for the person (0–100) and the reasons, strongest first."""
    parts: dict[str, tuple[float, str]] = {}
    if None not in (person.lat, person.lng, c.lat, c.lng):
        km = haversine_km(person.lat, person.lng, c.lat, c.lng)
        parts["distance"] = (max(0.0, 1 - km / REACH_KM), _("距您约%(km).1f公里") % {"km": km})
    if c.platform_id is not None:
        share = person.habits.platforms.get(c.platform_id, 0.0)
        listed = c.platform_id in person.listed_platforms
        parts["kind"] = (max(share, 0.6 if listed else 0.0),
                         _("您常参加这类服务（占%(p)d%%）") % {"p": round(share * 100)}
                         if share >= 0.2 else _("您选择的服务类别") if listed else "")
    if c.org_id is not None and (share := person.habits.orgs.get(c.org_id, 0.0)):
        parts["place"] = (share, _("您在这里服务过%(n)d次") % {
            "n": round(share * person.habits.lines)})
    if c.start is not None:
        wd = c.start.weekday()
        share = person.habits.weekdays.get(wd, 0.0)
        parts["weekday"] = (share, _("您常在%(d)s服务") % {"d": _(WEEKDAYS[wd])}
                            if share >= 0.25 else "")
        free = _in_slots(person.slots, c.start)
        parts["time"] = ({True: 1.0, None: 0.5, False: 0.0}[free],
                         _("在您的可服务时段内") if free else "")
    if c.skills:
        have = sum(s in person.skills for s in c.skills) / len(c.skills)
        parts["skills"] = (have, _("需要您的技能") if have else "")
    else:
        parts["skills"] = (1.0, "")
    total = sum(WEIGHTS[k] * share for k, (share, _r) in parts.items())
    ranked = sorted(parts.items(), key=lambda kv: -WEIGHTS[kv[0]] * kv[1][0])
    return round(total, 1), [reason for _k, (share, reason) in ranked if reason and share > 0]
