"""The volunteer's e-card (志愿者电子证): a signed code an organiser scans to check them in.

Two variants, both signed with the site's key (django.core.signing, its own salt):
- on the phone, `{"v": volunteer, "w": window}`: a new code every WINDOW seconds; the current
  and the previous window are accepted, so a screenshot forwarded to a friend expires within
  two minutes at most;
- printed (for elders without a smartphone), `{"v": volunteer, "p": serial}`: valid until
  the volunteer prints a new card or reports it lost, which moves `ECard.print_serial` or
  sets `print_revoked`.
Nobody without the server's key can make either; a code for one volunteer names only them.
"""

import math
import time

from django.core import signing
from django.utils.translation import gettext as _

from wenming.core.errors import Conflict
from wenming.people.models import Volunteer

from .models import ECard

SALT = "wenming.ecard"
WINDOW = 60  # seconds a phone code is shown before the next one


def phone_token(volunteer: Volunteer, now: float | None = None) -> str:
    window = int((now or time.time()) // WINDOW)
    return signing.dumps({"v": volunteer.pk, "w": window}, salt=SALT)


def printed_token(card: ECard) -> str:
    return signing.dumps({"v": card.volunteer_id, "p": card.print_serial}, salt=SALT)


def seconds_left(now: float | None = None) -> int:
    now = now or time.time()
    # Rounded up: in the window's last second it is 1, never 0 (the phone would refresh at
    # once and show a code that is still good).
    return math.ceil(WINDOW - now % WINDOW)


def ecard_volunteer(token: str, now: float | None = None) -> Volunteer:
    """The volunteer a scanned code names, or a 409 saying why it is refused."""
    try:
        data = signing.loads((token or "").strip(), salt=SALT)
    except signing.BadSignature:
        raise Conflict(_("这不是有效的志愿者电子证"), code="invalid_ecard") from None
    if not isinstance(data, dict) or not isinstance(data.get("v"), int):
        raise Conflict(_("这不是有效的志愿者电子证"), code="invalid_ecard")
    if "w" in data:
        if int((now or time.time()) // WINDOW) - int(data["w"]) not in (0, 1):
            raise Conflict(_("电子证二维码已过期，请志愿者刷新后再扫"), code="expired_ecard")
    elif not ECard.objects.filter(volunteer_id=data["v"], print_serial=data.get("p"),
                                  print_revoked=False).exclude(print_serial=0).exists():
        raise Conflict(_("这张纸质电子证已挂失或已换新，请使用新卡"), code="revoked_ecard")
    volunteer = Volunteer.objects.select_related("user").filter(pk=data["v"]).first()
    if volunteer is None:
        raise Conflict(_("这不是有效的志愿者电子证"), code="invalid_ecard")
    return volunteer
