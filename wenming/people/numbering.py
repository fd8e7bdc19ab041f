"""志愿者编号: the platform's unified volunteer number.

"V" + six characters of the district (the centre's 行政区划代码 when it has one, else its id
zero-padded) + the year of registration + a six-digit sequence per district and year, e.g.
``V110108202600042``. It is stable (given once, at registration or by the 0007 migration for
those registered before) and unique (a locked sequence row per prefix, and a unique column),
and says nothing about the person: it is not derived from the ID number, so it may be printed
on certificates and e-cards and searched by staff without auditing.
"""

import datetime
import re

from django.db import IntegrityError, transaction
from django.utils import timezone

from wenming.orgs.models import OrgNode

from .models import VolunteerNoSequence

NUMBER = re.compile(r"^V[0-9A-Z]{6}[0-9]{4}[0-9]{6,}$")


def district_code(station: OrgNode) -> str:
    """Six characters naming the station's district (its centre)."""
    center_id = int(station.path.strip("/").split("/")[0])
    code = OrgNode.objects.filter(pk=center_id).values_list("code", flat=True).first() or ""
    code = re.sub(r"[^0-9A-Z]", "", code.upper())
    return code[:6] if len(code) >= 6 else f"{center_id:06d}"[-6:]


def prefix_for(station: OrgNode, day: datetime.date | None = None) -> str:
    return f"V{district_code(station)}{(day or timezone.localdate()).year:04d}"


@transaction.atomic
def numbers_reserve(prefix: str, count: int) -> list[str]:
    """`count` new numbers under `prefix`, the sequence row locked while it moves on."""
    if count <= 0:
        return []
    row = VolunteerNoSequence.objects.select_for_update().filter(prefix=prefix).first()
    if row is None:
        try:
            with transaction.atomic():
                row = VolunteerNoSequence.objects.create(prefix=prefix)
        except IntegrityError:  # created meanwhile by a concurrent registration
            pass
        row = VolunteerNoSequence.objects.select_for_update().get(prefix=prefix)
    first = row.last + 1
    row.last += count
    row.save(update_fields=["last"])
    return [f"{prefix}{n:06d}" for n in range(first, first + count)]


def numbers_for_stations(stations: list[OrgNode], day: datetime.date | None = None) -> list[str]:
    """One new number per entry of `stations` (a list with repeats, in order)."""
    prefixes = {}
    for station in {s.pk: s for s in stations}.values():
        prefixes[station.pk] = prefix_for(station, day)
    pools: dict[str, list[str]] = {}
    wanted: dict[str, int] = {}
    for s in stations:
        wanted[prefixes[s.pk]] = wanted.get(prefixes[s.pk], 0) + 1
    for prefix, count in sorted(wanted.items()):  # a fixed order: no deadlock between two
        pools[prefix] = list(reversed(numbers_reserve(prefix, count)))
    return [pools[prefixes[s.pk]].pop() for s in stations]
