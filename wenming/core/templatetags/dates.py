"""Dates as people read them: the year only when it is not this year (Asia/Shanghai), in the
page's language. `{{ value|day }}` → 12月4日 / 2024年12月4日; `{{ value|day_time }}` adds H:i."""

import datetime

from django import template
from django.utils import dateformat, timezone
from django.utils.translation import get_language

register = template.Library()

FORMATS = {  # (this year, another year)
    "zh": ("n月j日", "Y年n月j日"),
    "en": ("M j", "M j, Y"),
}


def _format(value, with_time: bool) -> str:
    if value in (None, ""):
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    lang = "en" if (get_language() or "").startswith("en") else "zh"
    this_year, other_year = FORMATS[lang]
    fmt = this_year if value.year == timezone.localdate().year else other_year
    if with_time and isinstance(value, datetime.datetime):
        fmt += " H:i"
    return dateformat.format(value, fmt)


@register.filter
def day(value) -> str:
    return _format(value, with_time=False)


@register.filter
def day_time(value) -> str:
    return _format(value, with_time=True)
