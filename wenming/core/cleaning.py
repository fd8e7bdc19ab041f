"""What the platform accepts from outside, as plain functions: the API's schemas
(wenming.core.schemas) and the page forms (wenming.core.forms) both call these, so a value
refused on one side is refused on the other.

- Ids and other integers fit a signed 64-bit column (SQLite refuses bigger ones with an
  OverflowError, PostgreSQL with "out of range").
- Times lie between 2000-01-01 and 2100-12-31 in the platform's zone (Asia/Shanghai): year 1
  or 9999 cannot be converted to every zone, and one such row made later reads fail.
- Text holds no control characters (PostgreSQL refuses NUL outright; the others break CSV
  exports, logs and terminals) and no lone surrogates (not encodable as UTF-8). Text made only
  of whitespace and invisible characters counts as empty.
"""

import datetime
import re
import zoneinfo

from django.conf import settings

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
ID_MAX = INT64_MAX

FIRST_DAY = datetime.date(2000, 1, 1)
LAST_DAY = datetime.date(2100, 12, 31)

# C0 controls except tab, line feed and carriage return; DEL; C1 controls; lone surrogates.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# Characters that print as nothing (Python's str.isspace() does not count them as spaces).
_INVISIBLE = frozenset(
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u200d\u200e\u200f"
    "\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069"
    "\u3164\ufeff\uffa0"
)


def platform_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def has_control_characters(text: str) -> bool:
    return _CONTROL.search(text) is not None


def is_blank(text: str) -> bool:
    """True for text a person would see as empty: spaces and invisible characters only."""
    return all(ch.isspace() or ch in _INVISIBLE for ch in text)


def fits_int64(value: int) -> bool:
    return INT64_MIN <= value <= INT64_MAX


def date_in_range(day: datetime.date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY


def datetime_in_range(moment: datetime.datetime) -> bool:
    """Compared without converting (converting year 1 or 9999 to another zone overflows):
    an aware moment against the bounds in the platform's zone, a naive one as platform
    wall-clock time."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        return datetime.datetime.combine(FIRST_DAY, datetime.time.min) <= moment < \
            datetime.datetime.combine(LAST_DAY + datetime.timedelta(days=1), datetime.time.min)
    zone = platform_zone()
    first = datetime.datetime.combine(FIRST_DAY, datetime.time.min, tzinfo=zone)
    after = datetime.datetime.combine(LAST_DAY + datetime.timedelta(days=1), datetime.time.min,
                                      tzinfo=zone)
    return first <= moment < after


def normalise_datetime(moment: datetime.datetime) -> datetime.datetime:
    """An aware moment in range, in the platform's zone (any UTC offset is accepted);
    a naive one unchanged (the services say whether they take naive times)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment
    return moment.astimezone(platform_zone())


def checked_text(value: str | None, *, name: str, low: int, high: int) -> str:
    """The text stripped, or a 422 naming the field when its length is not low..high."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    value = (value or "").strip()
    if not low <= len(value) <= high or has_control_characters(value) or (low and is_blank(value)):
        raise ValidationError(_("%(name)s应为%(low)d到%(high)d个字") % {
            "name": name, "low": low, "high": high}, code="invalid_text")
    return value
