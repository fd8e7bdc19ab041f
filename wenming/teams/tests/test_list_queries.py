"""/teams/ at any size: one grouped query for the page's member counts, not a GROUP BY over
every membership in scope (405-443 ms at district size, issue 10)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wenming.people.tests.factories import volunteer_at
from wenming.teams.models import Membership
from wenming.teams.services import team_create

pytestmark = pytest.mark.django_db
PINNED = 9  # the session and its user, roles, the count, a page of teams, its member counts, ...


def _teams(world, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        team = team_create(by=world.sta1_staff, name=f"稻香园服务队{i:03d}", org=world.sta1)
        for j in range(2):
            Membership.objects.create(team=team, volunteer=volunteer_at(world.sta1, f"m{i}-{j}"),
                                      status=Membership.Status.ACTIVE)


def _queries(client) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/teams/")
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_the_list_asks_the_same_queries_for_3_or_40_teams(world, client_for):
    client = client_for(world.sta1_staff)
    _teams(world, 3)
    few, html = _queries(client)
    assert html.count("2 名队员") == 3
    _teams(world, 37, start=3)
    many, html = _queries(client)
    assert many == few
    assert html.count("2 名队员") == 30  # a page of 30 of the 40


def test_the_list_counts_members_for_its_page_only(world, client_for):
    _teams(world, 2)
    with CaptureQueriesContext(connection) as ctx:
        client_for(world.sta1_staff).get("/teams/")
    grouped = [q["sql"] for q in ctx.captured_queries if "GROUP BY" in q["sql"]]
    assert len(grouped) == 1 and "IN (" in grouped[0]


def test_the_pinned_query_count(world, client_for, django_assert_num_queries):
    _teams(world, 5)
    client = client_for(world.sta1_staff)
    client.get("/teams/")  # the session's first read
    with django_assert_num_queries(PINNED):
        assert client.get("/teams/").status_code == 200
