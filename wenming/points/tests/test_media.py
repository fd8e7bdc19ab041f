"""Goods pictures leave only through their goods' view, for those who may see the store: no
media folder is served by its path, however spelled; names are random; sibling subtrees,
other districts, outsiders and anonymous callers get 404."""

import importlib
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from wenming.people.tests.factories import staff_at
from wenming.points.models import Goods
from wenming.points.selectors import picture_url
from wenming.points.tests.test_support import goods_in, other_district, store_at

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.MEDIA_ACCEL_REDIRECT = ""
    return tmp_path


@pytest.fixture
def soap(world, media):
    store = store_at(world.sta1, world.sta1_staff)
    return goods_in(store, world.sta1_staff, name="香皂",
                    picture=SimpleUploadedFile("picture.png", PNG))


def test_whoever_may_see_the_store_gets_the_picture(world, soap, client_for):
    for user in (world.vol1.user, world.vol1b.user, world.vol2.user, world.res1.user,
                 world.sta1_staff, world.inst1_staff, world.admin):
        response = client_for(user).get(picture_url(soap))
        assert response.status_code == 200, user
        assert (response["Content-Type"], response["X-Content-Type-Options"]) == (
            "image/png", "nosniff")
        assert b"".join(response.streaming_content) == PNG


def test_nobody_else_gets_it(world, soap, client_for, client):
    other_staff, stranger = other_district()
    sibling = staff_at(world.sta1b, "sta1b_staff")
    # Staff see their own subtree's stores only; other districts and outsiders see none.
    for user in (world.sta2_staff, world.inst2_staff, sibling, other_staff, stranger.user,
                 world.outsider):
        assert client_for(user).get(picture_url(soap)).status_code == 404, user
    assert client.get(picture_url(soap)).status_code == 404


def test_a_closed_store_hides_its_pictures_from_shoppers(world, soap, client_for):
    soap.store.is_active = False
    soap.store.save()
    assert client_for(world.vol1.user).get(picture_url(soap)).status_code == 404
    assert client_for(world.sta1_staff).get(picture_url(soap)).status_code == 200


def test_only_the_pictures_own_name_under_its_own_goods(world, soap, client_for):
    other = goods_in(soap.store, world.sta1_staff, name="毛巾",
                     picture=SimpleUploadedFile("picture.jpg", JPEG))
    client = client_for(world.vol1.user)
    name = soap.picture.name.rsplit("/", 1)[-1]
    assert client.get(f"/points/goods/{other.pk}/pictures/{name}").status_code == 404
    assert client.get(f"/points/goods/{soap.pk}/pictures/x.png").status_code == 404
    assert client.get(picture_url(other))["Content-Type"] == "image/jpeg"


def test_names_are_random(world, soap):
    assert re.fullmatch(r"goods/[\w-]{22}\.png", soap.picture.name)


@pytest.mark.parametrize("template", [
    "/media/{path}",
    "/media/goods/{name}",
    "/media/goods/..%2fgoods%2f{name}",
    "/media/goods/%2e%2e/goods/{name}",
    "/media/goods/%252e%252e%252fgoods%252f{name}",
    "/points/goods/{id}/pictures/..%2f{name}",
    "/points/goods/{id}/pictures/%2e%2e%2fgoods%2f{name}",
    "/points/goods/{id}/pictures/%252e%252e%252f{name}",
])
def test_no_path_reaches_the_media_folder(world, soap, client_for, client, template):
    url = template.format(path=soap.picture.name, name=soap.picture.name.rsplit("/", 1)[-1],
                          id=soap.pk)
    for c in (client, client_for(world.vol1.user), client_for(world.admin)):
        response = c.get(url)
        assert response.status_code == 404, url
        assert PNG not in response.content


def test_the_api_and_pages_point_at_the_view(world, soap, client_for):
    client = client_for(world.vol1.user)
    items = client.get(f"/api/stores/{soap.store.pk}/goods").json()["items"]
    assert [g["picture"] for g in items] == [picture_url(soap)]
    assert picture_url(soap) in client.get(f"/points/stores/{soap.store.pk}/").content.decode()
    staff = client_for(world.sta1_staff)
    assert picture_url(soap) in staff.get(f"/points/goods/{soap.pk}/edit/").content.decode()


def test_the_migration_renames_stored_pictures(world, soap, media,
                                               django_capture_on_commit_callbacks):
    from django.apps import apps

    (media / "goods" / "goods-0123456789ab.png").write_bytes(PNG)
    Goods.objects.filter(pk=soap.pk).update(picture="goods/goods-0123456789ab.png")
    migration = importlib.import_module("wenming.points.migrations.0004_random_picture_names")
    with django_capture_on_commit_callbacks(execute=True):
        migration.rename_to_random(apps, None)
    name = Goods.objects.get(pk=soap.pk).picture.name
    assert re.fullmatch(r"goods/[\w-]{22}\.png", name) and (media / name).read_bytes() == PNG
    assert not (media / "goods" / "goods-0123456789ab.png").exists()


@pytest.mark.parametrize("content", [b"<svg onload=alert(1)>", b"GIF89a" + b"\x00" * 20,
                                     PNG + b"\x00" * (5 * 1024 * 1024)])
def test_the_service_itself_keeps_anything_but_a_small_jpg_or_png_out(world, soap, media,
                                                                      content):
    from django.core.exceptions import ValidationError

    from wenming.points import services

    before = sorted(p.name for p in media.rglob("*.*"))
    with pytest.raises(ValidationError):
        goods_in(soap.store, world.sta1_staff, name="毛巾",
                 picture=SimpleUploadedFile("a.png", content))
    with pytest.raises(ValidationError):
        services.goods_update(by=world.sta1_staff, goods=soap,
                              changes={"picture": SimpleUploadedFile("a.png", content)})
    assert sorted(p.name for p in media.rglob("*.*")) == before
