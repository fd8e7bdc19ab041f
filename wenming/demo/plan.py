"""What the demo district contains, decided without touching the database.

Everything comes from one `random.Random(2026)`, consumed in a fixed order (layout first,
then volunteers, then residents), so two runs produce the same district row for row.
"""

import datetime
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from wenming.people.validators import compose_id_number

from . import data

SEED = 2026
# Ages are reckoned on a fixed day so the district does not drift with the calendar.
REFERENCE_DAY = datetime.date(2026, 1, 1)

# Stations sit on a lattice of cells (about 0.78 km × 0.77 km) over Haidian; each station
# takes one cell as its grid, so grids never overlap and every point finds one grid.
LAT0, LNG0, ROWS, COLS = 39.860, 116.080, 45, 40
DLAT, DLNG = 0.007, 0.009


@dataclass(frozen=True)
class Size:
    institutes: int
    stations: int
    volunteers: int
    residents: int
    # chance that a station has a second point; whether it has a first one
    station_points: tuple[float, float]


SIZES = {
    "small": Size(institutes=3, stations=12, volunteers=500, residents=100,
                  station_points=(0.34, 0.0)),
    "district": Size(institutes=29, stations=648, volunteers=100_000, residents=20_000,
                     station_points=(1.0, 0.45)),
}


@dataclass
class NodeSpec:
    kind: str
    name: str
    lat: float
    lng: float
    parent: str | None = None  # the parent's key
    key: str = ""  # the administrative code, or a synthetic key for points
    address: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    point_type: str = ""
    requires_volunteer_approval: bool = False
    place: str = ""  # the community or street name, for addresses and grid names
    cell: tuple[float, float, float, float] | None = None  # min_lat, min_lng, max_lat, max_lng
    children: list["NodeSpec"] = field(default_factory=list)

    @property
    def polygon(self) -> list[list[float]]:
        s, w, n, e = self.cell
        return [[s, w], [s, e], [n, e], [n, w]]


class Identities:
    """Names, unique mobiles and unique valid ID numbers."""

    def __init__(self, rng: random.Random, reserved_mobiles=()):
        self.rng = rng
        self.mobiles: set[str] = set(reserved_mobiles)
        self.id_numbers: set[str] = set()
        self._surnames = [s for s, _ in data.SURNAMES]
        self._surname_cum = _cumulative(w for _, w in data.SURNAMES)
        self._regions = [r for r, _ in data.REGIONS]
        self._region_cum = _cumulative(w for _, w in data.REGIONS)

    def name(self, sex: str, birth: datetime.date) -> str:
        rng = self.rng
        surname = rng.choices(self._surnames, cum_weights=self._surname_cum)[0]
        pool = data.GIVEN[(sex, "old" if birth.year < 1975 else "young")]
        length = 2 if rng.random() < 0.68 else 1
        return surname + "".join(rng.choice(pool) for _ in range(length))

    def mobile(self) -> str:
        while True:
            number = self.rng.choice(data.MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if number not in self.mobiles:
                self.mobiles.add(number)
                return number

    def id_number(self, sex: str, birth: datetime.date) -> str:
        region = self.rng.choices(self._regions, cum_weights=self._region_cum)[0]
        while True:
            # The order code's parity is the holder's sex: odd for men, even for women.
            order = self.rng.randrange(500) * 2 + (1 if sex == "M" else 0)
            number = compose_id_number(region, birth, order)
            if number not in self.id_numbers:
                self.id_numbers.add(number)
                return number

    def birth(self, year_from: int, year_to: int) -> datetime.date:
        start = datetime.date(year_from, 1, 1)
        days = (datetime.date(year_to, 12, 31) - start).days
        return start + datetime.timedelta(days=self.rng.randrange(days + 1))

    def landline(self) -> str:
        return f"010-{self.rng.choice(['62', '82', '88', '68'])}{self.rng.randrange(10**6):06d}"


def _cumulative(weights) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


def _age(birth: datetime.date) -> int:
    d = REFERENCE_DAY
    return d.year - birth.year - ((d.month, d.day) < (birth.month, birth.day))


class DemoPlan:
    """The demo district of a given size: the org tree first, then people on demand."""

    def __init__(self, size: str):
        self.size = SIZES[size]
        self.rng = random.Random(SEED)
        self.people = Identities(self.rng, [m for _, _, m, _ in data.ACCOUNTS])
        self._used_names: set[str] = set()
        self.center = self._center()
        self.institutes = self._institutes()
        self.center.children.extend(self.institutes)
        self.stations = [s for inst in self.institutes for s in inst.children
                         if s.kind == "station"]
        self._place_stations()
        self._add_points()
        self.named_people = {username: self._named_person(username, mobile)
                             for username, _, mobile, _ in data.ACCOUNTS}

    # --- the tree -------------------------------------------------------------------------

    def _center(self) -> NodeSpec:
        c = data.CENTER
        return NodeSpec("center", c["name"], c["lat"], c["lng"], key=c["code"],
                        address=c["address"], place="海淀区",
                        contact_name=self._contact_name(), contact_phone=self.people.landline())

    def _institutes(self) -> list[NodeSpec]:
        chosen = data.INSTITUTES[:self.size.institutes]
        # The full district's streets differ in size; the small demo's are alike.
        weights = [self.rng.uniform(0.6, 1.5) for _ in chosen] \
            if len(chosen) == len(data.INSTITUTES) else [1.0] * len(chosen)
        counts = _split(self.size.stations, weights)
        institutes = []
        for (street, code, lat, lng), count in zip(chosen, counts, strict=True):
            inst = NodeSpec("institute", f"{street}新时代文明实践所", lat, lng, parent=self.center.key,
                            key=code, place=street, address=self._street_address(),
                            contact_name=self._contact_name(), contact_phone=self.people.landline())
            is_town = street.endswith("镇")
            for n in range(count):
                inst.children.append(self._station(inst, n, village=is_town and self.rng.random() < 0.55))
            institutes.append(inst)
        # A couple of stations check self-registered volunteers before they may serve.
        for inst in institutes[:2]:
            inst.children[1].requires_volunteer_approval = True
        return institutes

    def _station(self, inst: NodeSpec, n: int, village: bool) -> NodeSpec:
        place = self._community_name(village)
        code = f"{inst.key}{(200 if village else 1) + n:03d}"
        office = "村委会" if village else "居委会"
        return NodeSpec("station", f"{place}新时代文明实践站", inst.lat, inst.lng,
                        parent=inst.key, key=code, place=place,
                        address=f"北京市海淀区{inst.place}{place}{office}",
                        contact_name=self._contact_name(), contact_phone=self.people.mobile())

    def _community_name(self, village: bool) -> str:
        rng = self.rng
        for attempt in range(200):
            if village and attempt < 20:
                name = rng.choice(data.VILLAGE_STEMS) + "村"
            else:
                stem = rng.choice(data.COMMUNITY_STEMS)
                suffix = "" if attempt < 3 else rng.choice(data.COMMUNITY_SUFFIXES[3:])
                if stem.endswith("里") and suffix.endswith("里"):
                    continue
                name = f"{stem}{suffix}社区"
            if name not in self._used_names:
                self._used_names.add(name)
                return name
        raise RuntimeError("ran out of community names")

    def _place_stations(self) -> None:
        """Stations claim lattice cells round-robin, each the free cell nearest its institute."""
        cells = [(i, j) for i in range(ROWS) for j in range(COLS)]

        def km2(cell, inst):  # squared distance in km, good enough for ordering
            lat, lng = LAT0 + (cell[0] + 0.5) * DLAT, LNG0 + (cell[1] + 0.5) * DLNG
            return ((lat - inst.lat) * 111.2) ** 2 + ((lng - inst.lng) * 85.2) ** 2

        nearest = {inst.key: iter(sorted(cells, key=lambda c, inst=inst: (km2(c, inst), c)))
                   for inst in self.institutes}
        taken: set[tuple[int, int]] = set()
        for n in range(max(len(inst.children) for inst in self.institutes)):
            for inst in self.institutes:
                if n >= len(inst.children):
                    continue
                cell = next(c for c in nearest[inst.key] if c not in taken)
                taken.add(cell)
                station = inst.children[n]
                s, w = round(LAT0 + cell[0] * DLAT, 6), round(LNG0 + cell[1] * DLNG, 6)
                station.cell = (s, w, round(s + DLAT, 6), round(w + DLNG, 6))
                station.lat, station.lng = round(s + DLAT / 2, 6), round(w + DLNG / 2, 6)

    def _add_points(self) -> None:
        rng, first, second = self.rng, *self.size.station_points
        n_center = len(data.CENTER_POINTS) if self.size.institutes > 3 else 1
        for point_type, name, lat, lng in data.CENTER_POINTS[:n_center]:
            self._point(self.center, point_type, name, lat, lng)
        per_institute = 2 if self.size.institutes > 3 else 1
        for inst in self.institutes:
            for k in range(per_institute):
                kind = "venue" if k == 0 else "base"
                suffix = rng.choice(data.VENUE_KINDS if kind == "venue" else data.BASE_KINDS)
                self._point(inst, kind, f"{inst.place}{suffix}",
                            inst.lat + rng.uniform(-0.003, 0.003), inst.lng + rng.uniform(-0.003, 0.003))
        for station in self.stations:
            count = (rng.random() < first) + (rng.random() < second)
            for _ in range(count):
                self._station_point(station)

    def _station_point(self, station: NodeSpec) -> None:
        rng = self.rng
        stem = station.place.removesuffix("社区").removesuffix("村")
        taken = {c.name for c in station.children}
        name = ""
        while not name or name in taken:
            kind = rng.choices(["post", "venue", "base"], weights=[6, 3, 1])[0]
            if kind == "post":
                name = rng.choice(data.POST_BRANDS).format(stem) + "志愿服务驿站"
            elif kind == "venue":
                name = station.place + rng.choice(data.VENUE_KINDS)
            else:
                name = stem + rng.choice(data.BASE_KINDS)
        s, w, n, e = station.cell
        self._point(station, kind, name, rng.uniform(s + 0.0005, n - 0.0005),
                    rng.uniform(w + 0.0005, e - 0.0005))

    def _point(self, parent: NodeSpec, point_type: str, name: str, lat: float, lng: float):
        key = f"{parent.key}-p{len(parent.children)}"
        parent.children.append(NodeSpec(
            "point", name, round(lat, 6), round(lng, 6), parent=parent.key, key=key,
            point_type=point_type, address=self._street_address(),
            contact_name=self._contact_name(), contact_phone=self.people.mobile()))

    def points(self, parent: NodeSpec) -> list[NodeSpec]:
        return [c for c in parent.children if c.kind == "point"]

    # --- people ---------------------------------------------------------------------------

    def _contact_name(self) -> str:
        sex = "F" if self.rng.random() < 0.6 else "M"
        return self.people.name(sex, self.people.birth(1965, 1995))

    def _street_address(self) -> str:
        return f"北京市海淀区{self.rng.choice(data.ROADS)}{self.rng.randrange(1, 200)}号"

    def _named_person(self, username: str, mobile: str) -> dict:
        sex = {"vol1": "M", "res1": "F"}.get(username, "F")
        birth = self.people.birth(1950, 1958) if username == "res1" else self.people.birth(1975, 1995)
        return {"mobile": mobile, "id_number": self.people.id_number(sex, birth)}

    def named_station(self, institute: int) -> NodeSpec:
        """The station of `sta1` (institute 0) and `sta2` (institute 1)."""
        return self.institutes[institute].children[0]

    def volunteer_rows(self) -> Iterator[dict]:
        """The volunteers, as `VolunteerInput` fields (with `station` as its code)."""
        rng, people = self.rng, self.people
        weights = _cumulative(rng.lognormvariate(0, 0.5) for _ in self.stations)
        skill_names = [s for s, _, _ in data.SKILLS]
        skill_cum = _cumulative(w for _, w, _ in data.SKILLS)
        platform_of = {s: p for s, _, p in data.SKILLS}
        for _ in range(self.size.volunteers):
            station = rng.choices(self.stations, cum_weights=weights)[0]
            sex = "F" if rng.random() < 0.58 else "M"
            span = rng.choices([(2000, 2006), (1966, 1999), (1950, 1965)], weights=[20, 45, 35])[0]
            birth = people.birth(*span)
            age = _age(birth)
            skills = list(dict.fromkeys(
                rng.choices(skill_names, cum_weights=skill_cum,
                            k=rng.choices([0, 1, 2, 3], weights=[15, 40, 30, 15])[0])))
            categories = {platform_of[s] for s in skills} | {rng.choice(data.PLATFORMS)}
            political = _political(rng, age)
            yield {
                "real_name": people.name(sex, birth),
                "id_number": people.id_number(sex, birth),
                "mobile": people.mobile(),
                "station": station.key,
                "skills": skills,
                "service_categories": sorted(categories),
                "residence_area": station.place,
                "political_status": political,
                "tags": _tags(rng, sex, age, political, skills),
                "home_lat": round(station.lat + rng.gauss(0, 0.004), 6),
                "home_lng": round(station.lng + rng.gauss(0, 0.005), 6),
                "availability": rng.choice(
                    data.RETIREE_AVAILABILITY + data.AVAILABILITY if age >= 60 else data.AVAILABILITY),
            }

    def resident_rows(self) -> Iterator[dict]:
        """The residents, as `resident_register` keywords (with `station` as its code)."""
        rng, people = self.rng, self.people
        for _ in range(self.size.residents):
            station = rng.choice(self.stations)
            sex = "F" if rng.random() < 0.55 else "M"
            birth = people.birth(*rng.choices([(1935, 1965), (1966, 2004)], weights=[55, 45])[0])
            yield {
                "real_name": people.name(sex, birth),
                "mobile": people.mobile(),
                "station": station.key,
                "id_number": people.id_number(sex, birth) if rng.random() < 0.6 else "",
                "address": f"{station.place}{rng.randrange(1, 40)}号楼{rng.randrange(1, 7)}单元"
                           f"{rng.randrange(1, 19)}{rng.randrange(1, 5):02d}",
                "lat": round(station.lat + rng.uniform(-DLAT / 2, DLAT / 2), 6),
                "lng": round(station.lng + rng.uniform(-DLNG / 2, DLNG / 2), 6),
                "is_elderly": _age(birth) >= 60,
            }


def _split(total: int, weights: list[float]) -> list[int]:
    """`total` in whole parts proportional to `weights` (largest remainder), each at least 2."""
    scale = (total - 2 * len(weights)) / sum(weights)
    raw = [w * scale for w in weights]
    parts = [2 + math.floor(r) for r in raw]
    by_remainder = sorted(range(len(raw)), key=lambda i: raw[i] - math.floor(raw[i]), reverse=True)
    for i in by_remainder[:total - sum(parts)]:
        parts[i] += 1
    return parts


def _political(rng: random.Random, age: int) -> str:
    if age <= 28:
        return rng.choices(["league_member", "party_member", "probationary", "masses"],
                           weights=[55, 8, 3, 34])[0]
    return rng.choices(["party_member", "probationary", "other_party", "masses"],
                       weights=[36, 1, 2, 61])[0]


def _tags(rng: random.Random, sex: str, age: int, political: str, skills: list[str]) -> list[str]:
    tags = []
    if age <= 26 and rng.random() < 0.7:
        tags.append("student")
    if age >= 60 and rng.random() < 0.35:
        tags.append("five_elders")
    if sex == "M" and age >= 30 and rng.random() < 0.08:
        tags.append("veteran")
    if political == "party_member" and 25 <= age < 60 and rng.random() < 0.5:
        tags.append("dual_report")
    if rng.random() < 0.01:
        tags.append("model_worker")
    if data.PROFESSIONAL_SKILLS.intersection(skills) and rng.random() < 0.5:
        tags.append("expert")
    return tags
