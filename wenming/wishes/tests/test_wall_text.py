"""Free text on the wall: a mobile or ID number a resident typed into a wish is masked on
every public view (the wall pages, the public screen, the API for those who do not see the
private side); the resident, the station's staff and the claimer read the words as written;
the moderator is warned before approving."""

import json

import pytest

from wenming.wishes.tests.test_support import approved, claimed, posted

pytestmark = pytest.mark.django_db

MOBILE, ID_NUMBER = "138 1234 5678", "11010819540312002X"
WORDS = {"title": "想要老花镜，电话13812345678",
         "text": f"请打 {MOBILE} 找我，身份证{ID_NUMBER}，住3号楼",
         "for_whom": "自己 13812345678"}
SECRETS = ("13812345678", MOBILE, ID_NUMBER, "0312", "1234 5678")


def shown(response) -> str:
    return response.content.decode() if response["Content-Type"].startswith("text/html") \
        else json.dumps(response.json(), ensure_ascii=False)


def test_the_public_views_mask_the_numbers(world, client_for, client):
    wish = approved(world, **WORDS)
    vol = client_for(world.vol1b.user)
    for response in (vol.get("/wishes/"), vol.get(f"/wishes/{wish.pk}/"),
                     vol.get("/api/wishes"), vol.get(f"/api/wishes/{wish.pk}"),
                     client.get(f"/wishes/wall/{world.sta1.pk}/"),
                     client_for(world.sta2_staff).get(f"/api/wishes/{wish.pk}")):
        text = shown(response)
        assert response.status_code == 200
        assert "138****5678" in text and "110***********002X" in text and "住3号楼" in text
        for secret in SECRETS:
            assert secret not in text, secret


def test_the_private_side_reads_the_words_as_written(world, client_for):
    wish = claimed(world, **WORDS)
    for user in (world.res1.user, world.sta1_staff, world.vol1.user):
        client = client_for(user)
        assert client.get(f"/api/wishes/{wish.pk}").json()["text"] == WORDS["text"]
        assert ID_NUMBER in client.get(f"/wishes/{wish.pk}/").content.decode()


def test_the_moderator_is_warned_before_approving(world, client_for):
    wish = posted(world, **WORDS)
    plain = posted(world, title="想要一台收音机", text="老伴爱听评书")
    client = client_for(world.sta1_staff)
    queue = client.get("/wishes/review/").content.decode()
    assert queue.count('data-testid="numbers-warning"') == 1
    assert queue.index('data-testid="numbers-warning"') < queue.index(
        f'action="/wishes/{wish.pk}/approve/"')
    detail = client.get(f"/wishes/{wish.pk}/").content.decode()
    assert 'data-testid="numbers-warning"' in detail and "仍然通过" in detail
    assert 'data-testid="numbers-warning"' not in client.get(
        f"/wishes/{plain.pk}/").content.decode()
    body = client.get(f"/api/wishes/{wish.pk}").json()
    assert body["has_numbers"] is True and "approve" in body["allowed_moves"]
    assert client.get(f"/api/wishes/{plain.pk}").json()["has_numbers"] is False
    # A warning, not a block: approved, it goes on the wall masked.
    assert client.post(f"/api/wishes/{wish.pk}/approve", {"approve": True},
                       content_type="application/json").status_code == 200
    assert "138****5678" in client_for(world.vol2.user).get("/wishes/").content.decode()


def test_those_without_the_private_side_are_not_told_there_were_numbers(world, client_for):
    wish = approved(world, **WORDS)
    body = client_for(world.vol1b.user).get(f"/api/wishes/{wish.pk}").json()
    assert "has_numbers" not in body
