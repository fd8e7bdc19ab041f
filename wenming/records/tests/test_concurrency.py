"""Races on the real database (a SQLite file or PostgreSQL): two correction requests for
the same line at once give one request; two decisions on one request reverse the line once."""

import pytest

from wenming.activities.models import ServiceRecord
from wenming.core.tests.helpers import post_json
from wenming.points.tests.test_support import outcome
from wenming.records.models import Correction
from wenming.testing import logged_in, race

from .test_support import approved_line

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_correction_requests_for_one_line_at_once_make_one(world):
    line = approved_line(world)
    clients = [logged_in(world.vol1.user) for _ in range(2)]

    responses = race([lambda c=c, h=h: post_json(c, "/api/corrections", {
        "record_id": line.pk, "reason": "签退时忘记扫码，实际多服务了", "hours": h})
        for c, h in zip(clients, ("3", "4"), strict=True)])

    assert outcome(responses) == {(201, None): 1, (409, "correction_open"): 1}
    assert Correction.objects.filter(record=line).count() == 1


def test_two_staff_accepting_one_request_reverse_the_line_once(world):
    line = approved_line(world)
    cid = post_json(logged_in(world.vol1.user), "/api/corrections", {
        "record_id": line.pk, "reason": "实际服务3小时", "hours": "3"}).json()["id"]
    clients = [logged_in(u) for u in (world.sta1_staff, world.inst1_staff)]

    responses = race([lambda c=c: post_json(c, f"/api/corrections/{cid}/accept", {})
                      for c in clients])

    assert outcome(responses) == {(200, None): 1, (409, "invalid_transition"): 1}
    assert ServiceRecord.objects.filter(reverses=line).count() == 1
    assert ServiceRecord.objects.filter(volunteer=world.vol1, hours=3).count() == 1


def test_two_confirmations_of_one_declaration_write_one_line(world):
    from .test_declarations import declare

    d = declare(world)
    clients = [logged_in(u) for u in (world.sta1_staff, world.inst1_staff)]

    responses = race([lambda c=c: post_json(c, f"/api/declarations/{d.pk}/confirm", {})
                      for c in clients])

    assert outcome(responses) == {(200, None): 1, (409, "invalid_transition"): 1}
    assert ServiceRecord.objects.filter(kind="declaration").count() == 1


def test_two_declarations_for_one_activity_at_once_make_one(world):
    from .test_declarations import past_activity
    from .test_support import png

    activity = past_activity(world)
    clients = [logged_in(world.vol1.user) for _ in range(2)]

    responses = race([lambda c=c: c.post("/api/declarations", {
        "activity_id": activity.pk, "hours": "2", "note": "现场手机没电，未能扫码签到",
        "evidence": png()}) for c in clients])

    assert outcome(responses) == {(201, None): 1, (409, "declaration_open"): 1}
