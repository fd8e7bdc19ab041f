"""A visitor's first screen: the district's name, what is ahead, the wall, the ways in."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from wenming.activities.models import Activity
from wenming.orgs.models import Platform

pytestmark = pytest.mark.django_db


def activity_at(world, *, days: int, title: str) -> Activity:
    start = timezone.now() + datetime.timedelta(days=days)
    return Activity.objects.create(
        title=title, platform=Platform.objects.get(code="culture"), org=world.sta1,
        address="社区活动室", lat=39.9, lng=116.3, start=start,
        end=start + datetime.timedelta(hours=2), quota=10)


def test_the_landing_page_names_the_district_and_shows_what_is_ahead(world):
    activity_at(world, days=3, title="下周的书法课")
    activity_at(world, days=-3, title="上周的书法课")
    html = Client().get("/").content.decode()
    assert world.center.name in html
    assert "下周的书法课" in html and "上周的书法课" not in html


def test_every_chip_and_way_in_on_the_landing_page_leads_somewhere(world):
    client = Client()
    html = client.get("/").content.decode()
    assert 'href="/activities/?platform=culture"' in html
    for href in ("/orders/new/", "/activities/", f"/wishes/wall/{world.center.pk}/",
                 f"/honors/board/{world.center.pk}/"):
        assert f'href="{href}' in html
        assert client.get(href).status_code in (200, 302)  # 302: log in first
