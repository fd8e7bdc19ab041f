"""The public board's pager takes its count from the tabs' grouped count (no second COUNT):
the pages still add up, and the queries do not grow with the topics."""

import pytest
from django.db import connection

from wenming.deliberation.models import Topic
from wenming.testing import logged_in

pytestmark = pytest.mark.django_db


def topics(world, n: int, stage: str = "endorsing") -> None:
    Topic.objects.bulk_create([
        Topic(station=world.sta1, resident=world.res1, raised_by=world.res1.user,
              title=f"议题{i}", text="小区里需要大家商量的一件事", stage=stage, threshold=10)
        for i in range(n)])


def count_queries(client, url: str) -> tuple[int, str]:
    seen = []
    with connection.execute_wrapper(lambda execute, sql, *a: seen.append(sql) or execute(sql, *a)):
        r = client.get(url)
    assert r.status_code == 200
    return len(seen), r.content.decode()


def test_the_pages_add_up_with_the_tabs_count(world, client):
    topics(world, 25)
    topics(world, 3, stage="decided")
    url = f"/topics/board/{world.sta1.id}/"
    first = client.get(url).content.decode()
    second = client.get(url, {"page": 2}).content.decode()
    assert "1 / 2" in first and "2 / 2" in second
    shown = {f"议题{i}<" for i in range(25)}
    assert sum(1 for t in shown if t in first) + sum(1 for t in shown if t in second) == 25
    decided = client.get(url, {"stage": "decided"}).content.decode()
    assert "1 / 2" not in decided and decided.count("议题0<") == 1


def test_the_board_takes_the_same_queries_for_5_or_50_topics(world):
    client = logged_in(world.outsider)
    url = f"/topics/board/{world.sta1.id}/"
    topics(world, 5)
    client.get(url)
    few, _html = count_queries(client, url)
    topics(world, 45)
    many, html = count_queries(client, url)
    assert many == few
    assert "1 / 3" in html
