"""Photos over the API: a topic's photos (`POST /api/topics/{id}/photos`) and a progress report
with a photo (`POST .../tasks/{task_id}/progress/photo`), multipart, checked by
`core.uploads.checked_image` (code `invalid_image`), served only by the topic's scoped view.
Bad input is a 4xx with nothing written; a sibling station gets 404."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from wenming.core.tests.helpers import assert_error
from wenming.core.uploads import MAX_IMAGE_BYTES
from wenming.deliberation.models import TaskUpdate, TopicPhoto
from wenming.deliberation.services import MAX_PHOTOS
from wenming.deliberation.tests import support
from wenming.people.tests.factories import resident_at
from wenming.testing import logged_in

pytestmark = pytest.mark.django_db


def png(name: str = "photo.png") -> SimpleUploadedFile:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(buf, "PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def text_as_jpg() -> SimpleUploadedFile:
    return SimpleUploadedFile("photo.jpg", b"<html><script>alert(1)</script></html>",
                              content_type="image/jpeg")


def too_large_jpg() -> SimpleUploadedFile:
    return SimpleUploadedFile("big.jpg", b"\xff\xd8\xff\xe0" + b"0" * MAX_IMAGE_BYTES,
                              content_type="image/jpeg")


def add_photo(client, topic, upload):
    return client.post(f"/api/topics/{topic.pk}/photos", {"image": upload})


def progress_photo(client, topic, upload, **fields):
    task = topic.tasks.get()
    return client.post(f"/api/topics/{topic.pk}/tasks/{task.pk}/progress/photo",
                       {"note": "路灯已到货，下周安装", **fields, "image": upload})


def test_the_raiser_adds_a_photo_and_it_is_served_only_through_the_scoped_view(world):
    topic = support.collecting(world)
    resident = logged_in(world.res1.user)
    r = add_photo(resident, topic, png())
    assert r.status_code == 201, r.content
    body = r.json()
    assert len(body["photos"]) == 1 and body["can_add_photo"] is True
    url = body["photos"][0]
    assert url.startswith(f"/topics/{topic.pk}/photos/") and url.endswith(".png")
    served = resident.get(url)
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    stored = TopicPhoto.objects.get().image.name
    assert "photo.png" not in stored  # a random name, never the uploader's
    assert logged_in(world.sta2_staff).get(url).status_code == 404


def test_staff_add_a_photo_while_neighbours_endorse(world):
    topic = support.endorsing(world)
    r = add_photo(logged_in(world.sta1_staff), topic, png())
    assert r.status_code == 201, r.content
    assert topic.photos.count() == 1


@pytest.mark.parametrize("upload", [text_as_jpg, too_large_jpg], ids=["text-named-jpg", "6mb"])
def test_a_bad_topic_photo_is_refused_and_nothing_written(world, upload):
    topic = support.collecting(world)
    r = add_photo(logged_in(world.res1.user), topic, upload())
    assert 400 <= r.status_code < 500
    if r.status_code == 422:
        assert_error(r, 422, "invalid_image")
    assert not TopicPhoto.objects.exists()


def test_a_fifth_photo_is_refused(world):
    topic = support.collecting(world)
    client = logged_in(world.res1.user)
    for _ in range(MAX_PHOTOS):
        assert add_photo(client, topic, png()).status_code == 201
    assert_error(add_photo(client, topic, png()), 422, "too_many_photos")
    assert topic.photos.count() == MAX_PHOTOS


def test_a_missing_file_is_422(world):
    topic = support.collecting(world)
    r = logged_in(world.res1.user).post(f"/api/topics/{topic.pk}/photos", {})
    assert_error(r, 422)
    assert not TopicPhoto.objects.exists()


def test_a_neighbour_may_not_add_photos_to_someone_elses_topic(world):
    topic = support.endorsing(world)
    neighbour = resident_at(world.sta1).user
    assert_error(add_photo(logged_in(neighbour), topic, png()), 403)
    assert not TopicPhoto.objects.exists()


def test_no_photos_once_the_meeting_is_set(world):
    topic = support.scheduled(world)
    assert_error(add_photo(logged_in(world.res1.user), topic, png()), 409, "invalid_transition")
    assert not TopicPhoto.objects.exists()


def test_a_sibling_station_gets_404_and_nothing_is_written(world):
    topic = support.collecting(world)
    for user in (world.sta2_staff, world.inst2_staff, resident_at(world.sta2).user,
                 world.outsider):
        assert add_photo(logged_in(user), topic, png()).status_code == 404
    executing = support.executing(world)
    assert progress_photo(logged_in(world.sta2_staff), executing, png()).status_code == 404
    assert not TopicPhoto.objects.exists() and not TaskUpdate.objects.exists()


def test_an_owner_reports_progress_with_a_photo(world):
    topic = support.executing(world)
    client = logged_in(world.sta1_staff)
    r = progress_photo(client, topic, png(), done="true")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["state"] == "done" and body["can_report"] is False
    update = TaskUpdate.objects.get()
    assert update.photo and update.kind == TaskUpdate.Kind.DONE
    photo = body["updates"][-1]["photo"]
    assert client.get(photo).status_code == 200
    assert logged_in(world.sta2_staff).get(photo).status_code == 404
    topic.refresh_from_db()
    assert topic.stage == "evaluating"


@pytest.mark.parametrize("upload", [text_as_jpg, too_large_jpg], ids=["text-named-jpg", "6mb"])
def test_a_bad_progress_photo_is_refused_and_nothing_written(world, upload):
    topic = support.executing(world)
    r = progress_photo(logged_in(world.sta1_staff), topic, upload(), done="true")
    assert 400 <= r.status_code < 500
    if r.status_code == 422:
        assert_error(r, 422, "invalid_image")
    assert not TaskUpdate.objects.exists()
    assert topic.tasks.get().state == "open"


@pytest.mark.parametrize("fields", [{"note": ""}, {"note": "x" * 1001}, {"done": "maybe"}])
def test_bad_progress_fields_are_422_and_nothing_written(world, fields):
    topic = support.executing(world)
    r = progress_photo(logged_in(world.sta1_staff), topic, png(), **fields)
    assert 400 <= r.status_code < 500, r.content
    assert not TaskUpdate.objects.exists()


def test_a_resident_may_not_report_on_a_task(world):
    topic = support.executing(world)
    r = progress_photo(logged_in(world.res1.user), topic, png())
    assert r.status_code in (403, 404)
    assert not TaskUpdate.objects.exists()


# ---- the same on the topic's page ---------------------------------------------------------

def test_the_raiser_adds_a_photo_on_the_page(world):
    topic = support.collecting(world)
    client = logged_in(world.res1.user)
    html = client.get(f"/topics/{topic.pk}/").content.decode()
    assert 'data-testid="photo-add"' in html
    r = client.post(f"/topics/{topic.pk}/photos/add/", {"image": png()}, follow=True)
    assert r.status_code == 200 and topic.photos.count() == 1
    assert "照片已添加" in r.content.decode()


def test_a_bad_photo_on_the_page_is_a_message_and_nothing_written(world):
    topic = support.collecting(world)
    r = logged_in(world.res1.user).post(f"/topics/{topic.pk}/photos/add/",
                                        {"image": text_as_jpg()}, follow=True)
    assert r.status_code == 200 and "图片须为5MB以内的JPG或PNG" in r.content.decode()
    assert not TopicPhoto.objects.exists()


def test_no_photo_form_for_a_neighbour_or_once_scheduled(world):
    topic = support.endorsing(world)
    neighbour = resident_at(world.sta1).user
    html = logged_in(neighbour).get(f"/topics/{topic.pk}/").content.decode()
    assert 'data-testid="photo-add"' not in html
    r = logged_in(neighbour).post(f"/topics/{topic.pk}/photos/add/", {"image": png()})
    assert r.status_code in (302, 403)
    assert not TopicPhoto.objects.exists()
    scheduled = support.scheduled(world)
    html = logged_in(world.res1.user).get(f"/topics/{scheduled.pk}/").content.decode()
    assert 'data-testid="photo-add"' not in html


def test_a_sibling_station_gets_404_on_the_page_form(world):
    topic = support.collecting(world)
    r = logged_in(world.sta2_staff).post(f"/topics/{topic.pk}/photos/add/", {"image": png()})
    assert r.status_code == 404
    assert not TopicPhoto.objects.exists()
