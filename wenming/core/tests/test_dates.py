"""Dates show the year only when it is not this year, in the page's language."""

import datetime

from django.utils import timezone, translation

from wenming.core.templatetags.dates import day, day_time


def test_this_years_dates_leave_the_year_out_and_others_show_it():
    now = timezone.localtime()
    this_year = now.replace(month=3, day=4, hour=9, minute=5)
    last_year = this_year.replace(year=now.year - 1)
    assert day(this_year) == "3月4日"
    assert day_time(this_year) == "3月4日 09:05"
    assert day(last_year) == f"{now.year - 1}年3月4日"
    assert day(datetime.date(now.year + 1, 1, 2)) == f"{now.year + 1}年1月2日"


def test_english_pages_get_english_dates():
    now = timezone.localtime()
    with translation.override("en"):
        assert day(now.replace(month=3, day=4)) == "Mar 4"
        assert day(now.replace(year=now.year - 2, month=3, day=4)) == f"Mar 4, {now.year - 2}"


def test_nothing_shows_for_no_date():
    assert day(None) == "" and day_time("") == ""
