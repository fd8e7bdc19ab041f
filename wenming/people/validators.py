"""Chinese identity numbers (GB 11643-1999) and mobile numbers."""

import datetime
import re
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# ASCII only: \d would also take other scripts' digits, so one number could be written
# several ways and slip past the uniqueness checks.
_ID_SHAPE = re.compile(r"^[1-9]\d{5}\d{8}\d{3}[\dX]$", re.ASCII)
_MOBILE = re.compile(r"^1[3-9]\d{9}$", re.ASCII)


@dataclass(frozen=True)
class IdInfo:
    number: str
    birth_date: datetime.date
    sex: str  # "M" or "F", from the order code's parity


def id_check_digit(first17: str) -> str:
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def parse_id_number(value: str) -> IdInfo:
    """Validate an 18-digit resident ID number and read birth date and sex from it."""
    # NFKC turns full-width digits and Ｘ (typed with Chinese input methods) into ASCII.
    number = unicodedata.normalize("NFKC", value or "").strip().upper()
    if len(number) != 18:
        raise ValidationError(_("身份证号应为18位"), code="invalid_id_number")
    if not _ID_SHAPE.match(number):
        raise ValidationError(_("身份证号格式不正确：前17位应为数字，最后一位为数字或X"),
                              code="invalid_id_number")
    try:
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(_("身份证号中的出生日期不存在"), code="invalid_id_number") from None
    if birth.year < 1900 or birth > timezone.localdate():
        raise ValidationError(_("身份证号中的出生日期不合理"), code="invalid_id_number")
    if id_check_digit(number[:17]) != number[17]:
        raise ValidationError(_("身份证号校验位不正确，请核对"), code="invalid_id_number")
    return IdInfo(number, birth, "M" if int(number[16]) % 2 else "F")


def normalize_mobile(value: str) -> str:
    """An 11-digit mainland mobile number; spaces, dashes and a +86 prefix are dropped."""
    mobile = re.sub(r"[\s-]", "", unicodedata.normalize("NFKC", value or ""))
    if mobile.startswith("+86"):
        mobile = mobile[3:]
    if not _MOBILE.match(mobile):
        raise ValidationError(_("手机号应为以1开头的11位数字"), code="invalid_mobile")
    return mobile


def compose_id_number(region: str, birth: datetime.date, order: int) -> str:
    """A well-formed ID number (for the demo district and tests): region code, birth date,
    a 3-digit order code (odd for men, even for women) and its check digit."""
    first17 = f"{region}{birth:%Y%m%d}{order % 1000:03d}"
    return first17 + id_check_digit(first17)
