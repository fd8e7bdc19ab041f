"""Wish photos leave only through their wish's view, by the wish's rule (`sees_private`):
no media folder is served by its path, however the path is spelled; names are random; a
photo is 404 for anyone who may not see it, signed in or not."""

import importlib
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from wenming.people.tests.factories import staff_at
from wenming.points.tests.test_support import other_district
from wenming.wishes import services
from wenming.wishes.models import Wish
from wenming.wishes.selectors import photo_url
from wenming.wishes.tests.test_support import approved, claimed, stored

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.MEDIA_ACCEL_REDIRECT = ""
    return tmp_path


def with_photo(world, content=JPEG, name="p.jpg") -> Wish:
    return stored(services.wish_fulfil(by=world.vol1.user, wish=claimed(world), note="已送达",
                                       photo=SimpleUploadedFile(name, content)))


def basename(wish: Wish) -> str:
    return wish.photo.name.rsplit("/", 1)[-1]


def test_those_who_see_the_private_side_get_the_photo_with_its_type(world, media, client_for):
    wish = with_photo(world)
    for user in (world.res1.user, world.vol1.user, world.sta1_staff, world.inst1_staff,
                 world.center_staff, world.admin):
        response = client_for(user).get(photo_url(wish))
        assert response.status_code == 200, user
        assert response["Content-Type"] == "image/jpeg"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Cache-Control"] == "private, max-age=86400"
        assert b"".join(response.streaming_content) == JPEG


def test_a_png_is_sent_as_a_png(world, media, client_for):
    wish = with_photo(world, PNG, "a.png")
    response = client_for(world.res1.user).get(photo_url(wish))
    assert (response.status_code, response["Content-Type"]) == (200, "image/png")


def test_nobody_else_gets_it_and_nobody_learns_it_exists(world, media, client_for, client):
    wish = with_photo(world)
    other_staff, stranger = other_district()
    sibling = staff_at(world.sta1b, "sta1b_staff")
    # The wish is on the district's wall for the sibling staff and volunteers; its photo is
    # the private side's all the same.
    for user in (world.sta2_staff, world.inst2_staff, sibling, world.vol1b.user,
                 world.vol2.user, other_staff, stranger.user, world.outsider):
        assert client_for(user).get(photo_url(wish)).status_code == 404, user
    assert client.get(photo_url(wish)).status_code == 404  # anonymous


def test_only_the_photos_own_name_under_its_own_wish(world, media, client_for):
    wish = with_photo(world)
    other = with_photo(world)
    client = client_for(world.sta1_staff)
    assert client.get(f"/wishes/{wish.pk}/photos/{basename(other)}").status_code == 404
    assert client.get(f"/wishes/{wish.pk}/photos/wish-{wish.pk}.jpg").status_code == 404
    assert client.get(f"/wishes/{approved(world).pk}/photos/x.jpg").status_code == 404


def test_names_are_random_and_never_count_through(world, media):
    names = [basename(with_photo(world)) for _i in range(3)]
    assert len(set(names)) == 3
    for name in names:
        assert re.fullmatch(r"[\w-]{22}\.jpg", name)
        assert "wish" not in name


TRAVERSALS = [
    "/media/wishes/{name}",
    "/media/goods/../wishes/{name}",
    "/media/goods/..%2fwishes/{name}",
    "/media/goods/..%2Fwishes%2F{name}",
    "/media/goods/%2e%2e/wishes/{name}",
    "/media/goods/%2e%2e%2fwishes%2f{name}",
    "/media/goods/%252e%252e%252fwishes%252f{name}",
    "/media/goods/..%5cwishes%5c{name}",
    "/media/goods/....//wishes/{name}",
    "/media/%2fwishes/{name}",
    "/media//wishes/{name}",
    "/media/{path}",
    "/wishes/{id}/photos/..%2f..%2fmedia%2fwishes%2f{name}",
    "/wishes/{id}/photos/..%2f{name}",
    "/wishes/{id}/photos/%2e%2e%2fwishes%2f{name}",
    "/wishes/{id}/photos/%252e%252e%252f{name}",
    "/points/goods/1/pictures/..%2f..%2fwishes%2f{name}",
]


@pytest.mark.parametrize("template", TRAVERSALS)
def test_no_path_reaches_the_media_folder(world, media, client_for, client, template):
    wish = with_photo(world)
    url = template.format(name=basename(wish), path=wish.photo.name, id=wish.pk)
    for c in (client, client_for(world.res1.user), client_for(world.admin)):
        response = c.get(url)
        assert response.status_code == 404, (url, response.status_code)
        assert JPEG not in response.content


def test_the_proxy_sends_the_bytes_after_the_check_when_configured(world, media, settings,
                                                                   client_for):
    settings.MEDIA_ACCEL_REDIRECT = "/_protected_media/"
    wish = with_photo(world)
    response = client_for(world.res1.user).get(photo_url(wish))
    assert response.status_code == 200 and response.content == b""
    assert response["X-Accel-Redirect"] == f"/_protected_media/{wish.photo.name}"
    assert response["Content-Type"] == "image/jpeg"
    refused = client_for(world.vol1b.user).get(photo_url(wish))
    assert refused.status_code == 404 and not refused.has_header("X-Accel-Redirect")


def test_a_photo_missing_on_disk_is_404_not_500(world, media, client_for):
    wish = with_photo(world)
    (media / wish.photo.name).unlink()
    assert client_for(world.res1.user).get(photo_url(wish)).status_code == 404


def test_the_page_and_the_api_point_at_the_view_only_for_the_private_side(world, media,
                                                                          client_for):
    wish = with_photo(world)
    for user, shown in ((world.res1.user, True), (world.vol1.user, True),
                        (world.sta1_staff, True), (world.vol1b.user, False),
                        (world.sta2_staff, False)):
        client = client_for(user)
        html = client.get(f"/wishes/{wish.pk}/").content.decode()
        body = client.get(f"/api/wishes/{wish.pk}").json()
        assert (photo_url(wish) in html, body.get("photo")) == (
            shown, photo_url(wish) if shown else None), user
        assert "/media/" not in html


def test_the_migration_renames_stored_photos(world, media, django_capture_on_commit_callbacks):
    from django.apps import apps

    wish = claimed(world)
    (media / "wishes").mkdir()
    (media / "wishes" / f"wish-{wish.pk}.jpg").write_bytes(JPEG)
    Wish.objects.filter(pk=wish.pk).update(photo=f"wishes/wish-{wish.pk}.jpg")
    migration = importlib.import_module(
        "wenming.wishes.migrations.0003_cancelled_state_and_random_photo_names")
    with django_capture_on_commit_callbacks(execute=True):
        migration.rename_to_random(apps, None)
    name = stored(wish).photo.name
    assert re.fullmatch(r"wishes/[\w-]{22}\.jpg", name)
    assert (media / name).read_bytes() == JPEG
    assert not (media / "wishes" / f"wish-{wish.pk}.jpg").exists()
