"""Bad input on every write of the app: a clear 4xx, never a 500, nothing written."""

import pytest

from wenming.orders.tests.test_support import post, submit
from wenming.partners.models import Handover, HandoverEvent, MediationCase, Unit, UnitMember
from wenming.partners.tests.support import handed, unit_user
from wenming.testing import logged_in

pytestmark = pytest.mark.django_db

HUGE = 2**70


def _counts():
    return (Unit.objects.count(), Handover.objects.count(), HandoverEvent.objects.count(),
            MediationCase.objects.count(), UnitMember.objects.count())


@pytest.mark.parametrize("body", [
    {},
    {"name": "x", "kind": "department", "org_id": "abc"},
    {"name": "税务所", "kind": "nonsense", "org_id": 1},
    {"name": "税务所", "kind": "department", "org_id": HUGE},
    {"name": "税\x00务所", "kind": "department", "org_id": 1},
    {"name": "   ", "kind": "department", "org_id": 1},
    {"name": "税" * 101, "kind": "department", "org_id": 1},
    {"name": "税务所", "kind": "department", "org_id": 1, "extra": 1},
    [],
    "not json",
])
def test_bad_unit_bodies(world, body):
    body = body if not isinstance(body, dict) or body.get("org_id") != 1 else \
        {**body, "org_id": world.sta1.pk}
    before = _counts()
    r = post(logged_in(world.sta1_staff), "/api/units", body)
    assert 400 <= r.status_code < 500, r.content
    assert _counts() == before


@pytest.mark.parametrize("body", [
    {},
    {"unit_id": 0, "reason": "修"},
    {"unit_id": HUGE, "reason": "修路灯"},
    {"unit_id": "x", "reason": "修路灯"},
    {"unit_id": 1, "reason": ""},
    {"unit_id": 1, "reason": " "},
    {"unit_id": 1, "reason": "修\x07路灯"},
    {"unit_id": 1, "reason": "修" * 2001},
    {"unit_id": 1, "reason": "修路灯", "hours": 0},
    {"unit_id": 1, "reason": "修路灯", "hours": 10**6},
    {"unit_id": 1, "reason": "修路灯", "hours": "soon"},
    {"unit_id": 1, "reason": "修路灯", "due": "tomorrow"},
])
def test_bad_handover_bodies(world, unit, body):
    if body.get("unit_id") == 1:
        body = {**body, "unit_id": unit.pk}
    order = submit(world.res1, kind="appeal")
    before = _counts()
    r = post(logged_in(world.sta1_staff), f"/api/orders/{order.pk}/handover", body)
    assert 400 <= r.status_code < 500, r.content
    assert _counts() == before


@pytest.mark.parametrize(("move", "body"), [
    ("report", {}), ("report", {"note": ""}), ("report", {"note": "好\x00"}),
    ("report", {"note": "好" * 2001}), ("decline", {"reason": " "}), ("decline", {}),
])
def test_bad_move_bodies(world, unit, move, body):
    handover = handed(world, unit)
    client = logged_in(unit_user(unit))
    if move == "report":
        post(client, f"/api/handovers/{handover.pk}/accept")
    before = _counts()
    r = post(client, f"/api/handovers/{handover.pk}/{move}", body)
    assert 400 <= r.status_code < 500, r.content
    assert _counts() == before


@pytest.mark.parametrize("path", ["/api/handovers/0", f"/api/handovers/{HUGE}",
                                  "/api/handovers/abc", "/api/units/0", f"/api/units/{HUGE}",
                                  "/units/99999999999999999999999/",
                                  "/units/handovers/0/", "/units/mediations/new/?order=abc",
                                  "/units/mediations/new/?station=99999999999999999999"])
def test_bad_ids_are_4xx(world, path):
    r = logged_in(world.sta1_staff).get(path)
    assert 400 <= r.status_code < 500


def test_a_report_with_a_file_that_is_no_image_is_refused_and_nothing_is_written(world, unit):
    from django.core.files.uploadedfile import SimpleUploadedFile

    handover = handed(world, unit)
    client = logged_in(unit_user(unit))
    client.post(f"/units/handovers/{handover.pk}/accept/")
    fake = SimpleUploadedFile("x.jpg", b"<html>not a picture</html>", content_type="image/jpeg")
    r = client.post(f"/units/handovers/{handover.pk}/report/", {"note": "已处理", "photos": fake})
    assert r.status_code == 302
    handover.refresh_from_db()
    assert handover.state == "accepted" and not handover.photos.exists()


def test_a_report_with_photos_serves_them_only_in_scope(world, unit, other_unit):
    from django.core.files.uploadedfile import SimpleUploadedFile

    png = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
           b"\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00"
           b"\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
    handover = handed(world, unit)
    client = logged_in(unit_user(unit))
    client.post(f"/units/handovers/{handover.pk}/accept/")
    client.post(f"/units/handovers/{handover.pk}/report/", {
        "note": "已处理", "photos": SimpleUploadedFile("a.png", png, content_type="image/png")})
    photo = handover.photos.get()
    url = f"/units/handovers/{handover.pk}/photos/{photo.pk}/"
    assert logged_in(world.res1.user).get(url).status_code == 200
    assert logged_in(world.sta1_staff).get(url).status_code == 200
    assert logged_in(unit_user(other_unit)).get(url).status_code == 404
    assert logged_in(world.sta2_staff).get(url).status_code == 404
    from django.test import Client

    assert Client().get(url).status_code == 404
