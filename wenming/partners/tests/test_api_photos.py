"""吹哨报到 over the API with photos: `POST /api/handovers/{id}/report/photos` (multipart:
`note`, `photos` 1–6) checked by `core.uploads.checked_image` (code `invalid_image`), served
only through the hand-over's scoped photo view. Bad input is a 4xx with nothing written; a
unit that was not handed it and a sibling station get 404."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from wenming.core.tests.helpers import assert_error
from wenming.core.uploads import MAX_IMAGE_BYTES
from wenming.orders.tests.test_support import post
from wenming.partners import services
from wenming.partners.models import HandoverPhoto
from wenming.partners.services import MAX_PHOTOS
from wenming.partners.tests.support import handed, unit_user
from wenming.testing import logged_in

pytestmark = pytest.mark.django_db


def jpg() -> SimpleUploadedFile:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (4, 4), "green").save(buf, "JPEG")
    return SimpleUploadedFile("done.jpg", buf.getvalue(), content_type="image/jpeg")


def text_as_jpg() -> SimpleUploadedFile:
    return SimpleUploadedFile("done.jpg", b"just some text, not a picture", "image/jpeg")


def too_large() -> SimpleUploadedFile:
    return SimpleUploadedFile("big.jpg", b"\xff\xd8\xff\xe0" + b"0" * MAX_IMAGE_BYTES,
                              "image/jpeg")


@pytest.fixture
def accepted(world, unit):
    handover = handed(world, unit)
    return services.handover_accept(by=unit_user(unit), handover=handover)


def report(client, handover, photos, note="已更换灯泡，恢复照明"):
    return client.post(f"/api/handovers/{handover.pk}/report/photos",
                       {"note": note, "photos": photos})


def test_a_unit_reports_with_photos_served_only_to_those_who_see_the_handover(
        world, unit, accepted):
    client = logged_in(unit_user(unit))
    r = report(client, accepted, [jpg(), jpg()])
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["state"] == "reported" and len(body["photos"]) == 2
    url = body["photos"][0]
    assert client.get(url).status_code == 200
    assert logged_in(world.sta1_staff).get(url).status_code == 200
    assert logged_in(world.sta2_staff).get(url).status_code == 404


@pytest.mark.parametrize("photos", [lambda: [text_as_jpg()], lambda: [jpg(), too_large()],
                                    lambda: [jpg() for _ in range(MAX_PHOTOS + 1)]],
                         ids=["text-named-jpg", "6mb", "seven"])
def test_bad_photos_are_refused_and_nothing_written(unit, accepted, photos):
    r = report(logged_in(unit_user(unit)), accepted, photos())
    assert 400 <= r.status_code < 500, r.content
    if r.status_code == 422:
        assert_error(r, 422)
    accepted.refresh_from_db()
    assert accepted.state == "accepted" and not HandoverPhoto.objects.exists()


def test_no_photo_or_no_note_is_422(unit, accepted):
    client = logged_in(unit_user(unit))
    assert_error(client.post(f"/api/handovers/{accepted.pk}/report/photos",
                             {"note": "已办好"}), 422)
    assert report(client, accepted, [jpg()], note="").status_code in (400, 422)
    accepted.refresh_from_db()
    assert accepted.state == "accepted" and not HandoverPhoto.objects.exists()


def test_another_unit_and_a_sibling_station_get_404(world, unit, other_unit, accepted):
    for user in (unit_user(other_unit), world.sta2_staff, world.outsider):
        assert report(logged_in(user), accepted, [jpg()]).status_code == 404
    accepted.refresh_from_db()
    assert accepted.state == "accepted" and not HandoverPhoto.objects.exists()


def test_the_json_report_still_works(unit, accepted):
    r = post(logged_in(unit_user(unit)), f"/api/handovers/{accepted.pk}/report",
             {"note": "已处理完毕"})
    assert r.status_code == 200 and r.json()["photos"] == []
