"""Helpers shared by the record tests (this module holds no tests)."""

import datetime
import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from wenming.activities.models import ServiceRecord
from wenming.activities.services import record_approve, record_write


def staff_of(world, org):
    return {world.sta1.pk: world.sta1_staff, world.sta2.pk: world.sta2_staff,
            world.sta1b.pk: world.inst1_staff}.get(org.pk, world.center_staff)


def approved_line(world, volunteer=None, *, hours="2", days_ago=1, org=None,
                  title="社区助老") -> ServiceRecord:
    """An approved ledger line, written and decided through the activities services."""
    volunteer = volunteer or world.vol1
    org = org or volunteer.station
    line = record_write(volunteer=volunteer, kind=ServiceRecord.Kind.BACKFILL, org=org,
                        title=title, place="稻香园社区", service_date=timezone.localdate()
                        - datetime.timedelta(days=days_ago), hours=Decimal(hours),
                        by=staff_of(world, org))
    return record_approve(by=staff_of(world, org), record=line)


def png(name: str = "photo.png", colour=(200, 30, 30)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), colour).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def yesterday() -> str:
    return (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
