"""Call-ups ready to test with (the `world` personas of conftest)."""

import datetime

from django.utils import timezone

from wenming.callups import services
from wenming.callups.models import Callup


def shift(hours_from_now: float = 24, hours: float = 4, quota: int = 3) -> dict:
    start = timezone.now() + datetime.timedelta(hours=hours_from_now)
    return {"start": start, "end": start + datetime.timedelta(hours=hours), "quota": quota}


def callup(world, *, org=None, skills=None, radius_km=None, shifts=None, by=None) -> Callup:
    return services.callup_publish(
        by=by or world.inst1_staff, org=org or world.inst1, title="防汛物资转运", text="暴雨后转运沙袋",
        place="海淀街道实践所门口", skills=skills or [], radius_km=radius_km,
        shifts=shifts or [shift(24), shift(48, quota=2)])


def iso(value) -> str:
    return timezone.localtime(value).isoformat()
