"""Masking of personal data in lists (个人信息保护法): 138****5678, 110***********123X."""

import re
import unicodedata


def mask_mobile(mobile: str | None) -> str:
    if not mobile:
        return ""
    return mobile[:3] + "*" * (len(mobile) - 7) + mobile[-4:] if len(mobile) > 7 else "*" * len(mobile)


def mask_id_number(id_number: str | None) -> str:
    if not id_number:
        return ""
    if len(id_number) <= 7:
        return "*" * len(id_number)
    return id_number[:3] + "*" * (len(id_number) - 7) + id_number[-4:]


def mask_name(name: str | None) -> str:
    """张三丰 -> 张**: for public walls that must not show a full name."""
    if not name:
        return ""
    return name[0] + "*" * (len(name) - 1)


# A number as people type it in free text: full-width digits, spaces or dashes between the
# digits, +86 in front, an X closing an ID number. Eleven digits or more is a mobile, an ID
# number (15 or 18) or something as identifying, so every such run is masked.
_NUMBER_RUN = re.compile(
    r"(?<![0-9０-９])(?:\+?(?:86|８６)[ \-－]?)?[0-9０-９](?:[ \-－\u3000]?[0-9０-９]){10,}"
    r"(?:[ \-－]?[XxＸｘ])?(?![0-9０-９])")


def _mask_run(match: re.Match) -> str:
    digits = re.sub(r"[^0-9X]", "", unicodedata.normalize("NFKC", match.group()).upper())
    if len(digits) == 13 and digits.startswith("861"):
        digits = digits[2:]  # +86 138 1234 5678
    return mask_mobile(digits) if len(digits) == 11 else mask_id_number(digits)


def mask_numbers_in_text(text: str | None) -> str:
    """Free text for a public wall with its mobile and ID numbers masked (138****5678), however
    they were typed; the rest of the text unchanged. `!= text` tells a moderator to look."""
    return _NUMBER_RUN.sub(_mask_run, text or "")
