"""Query counts that do not grow with the rows shown: the record, the queues."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wenming.records import services
from wenming.records.models import Training

from .test_support import approved_line, yesterday

pytestmark = pytest.mark.django_db


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def _more(world, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        line = approved_line(world, days_ago=2 + i, title=f"助老服务{i}")
        services.complaint_file(by=world.sta1_staff, record=line, text=f"投诉内容第{i}条记录")
        services.correction_request(by=world.vol1.user, record=line, hours=3,
                                    reason=f"时长记错了第{i}条")
        Training.objects.create(volunteer=world.vol1, org=world.sta1, name=f"培训{i}", hours=2,
                                organiser="红十字会", date=yesterday())


@pytest.mark.parametrize("url", ["/api/volunteers/{v}/record", "/api/complaints",
                                 "/api/corrections", "/me/record/"])
def test_queries_do_not_grow_with_rows(world, client_for, url):
    url = url.format(v=world.vol1.pk)
    client = client_for(world.vol1.user)
    _more(world, 1)
    few = _count(client, url)
    _more(world, 5, start=1)
    assert _count(client, url) == few


def test_the_seal_queue_queries_do_not_grow(world, client_for):
    staff = client_for(world.sta1_staff)
    approved_line(world)
    services.seal_apply(by=world.vol1.user, volunteer=world.vol1, org=world.sta1)
    few = _count(staff, "/api/seal-applications")
    services.seal_apply(by=world.vol1b.user, volunteer=world.vol1b, org=world.sta1b)
    approved_line(world, world.vol2)
    services.seal_apply(by=world.vol2.user, volunteer=world.vol2, org=world.sta2)
    assert _count(client_for(world.center_staff), "/api/seal-applications") <= few + 1
