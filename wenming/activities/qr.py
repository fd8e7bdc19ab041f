"""The rotating check-in code: a signed (activity, time window) pair, valid about a minute.

The signing key mixes the site secret with the activity's own secret, so a code for one
activity says nothing about another, and nobody without the server's key can make one.
"""

import time

from django.conf import settings
from django.core import signing
from django.utils.translation import gettext as _

from wenming.core.errors import Conflict

SALT = "wenming.checkin"


def _key(activity) -> str:
    return f"{settings.SECRET_KEY}:{activity.qr_secret}"


def qr_token(activity, window_seconds: int, now: float | None = None) -> str:
    window = int((now or time.time()) // window_seconds)
    return signing.dumps({"a": activity.pk, "w": window}, key=_key(activity), salt=SALT)


def qr_check(activity, token: str, window_seconds: int, now: float | None = None) -> None:
    """Accept a code of the current or the previous window (the phone may be a bit late)."""
    now = now or time.time()
    try:
        data = signing.loads(token, key=_key(activity), salt=SALT)
    except signing.BadSignature:
        raise Conflict(_("签到码无效，请扫描现场展示的签到码"), code="invalid_qr_token") from None
    if not isinstance(data, dict) or data.get("a") != activity.pk:
        raise Conflict(_("签到码不属于本活动"), code="invalid_qr_token")
    if int(now // window_seconds) - int(data.get("w", -10)) not in (0, 1):
        raise Conflict(_("签到码已过期，请扫描最新的签到码"), code="expired_qr_token")
