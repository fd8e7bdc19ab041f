"""The wish wall through the API and its services: posted → approved / rejected → claimed
(and released) → fulfilled → confirmed, or expired; each move stored with who and why; bad
input refused with nothing changed; the wall never shows who the resident is."""

import datetime
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tasks_db.models import DBTaskResult

from wenming.core.errors import Conflict, Forbidden
from wenming.core.tests.helpers import assert_error, post_json
from wenming.inbox.models import Notification
from wenming.people.models import Resident, User
from wenming.people.tests.factories import volunteer_at
from wenming.points.tests.test_support import Clock, balance, other_district
from wenming.teams import services as team_services
from wenming.wishes import services
from wenming.wishes.models import Wish, WishEvent
from wenming.wishes.tasks import expire_wish
from wenming.wishes.tests.test_support import (
    approved,
    body,
    claimed,
    fulfilled,
    history,
    in_days,
    posted,
    stored,
)

pytestmark = pytest.mark.django_db


def act(client, wish, action: str, data=None):
    return post_json(client, f"/api/wishes/{wish.id}/{action}", data or {})


def snapshot() -> tuple:
    return (list(Wish.objects.order_by("id").values()), WishEvent.objects.count(),
            Notification.objects.count())


# ---- posting ------------------------------------------------------------------------------

def test_a_resident_posts_a_wish_that_waits_for_moderation(world, client_for):
    client = client_for(world.res1.user)
    response = post_json(client, "/api/wishes", body(urgency=1))
    assert response.status_code == 201
    wish = response.json()
    assert (wish["state"], wish["org_id"], wish["title"]) == ("posted", world.sta1.id,
                                                              "想要一副老花镜")
    assert wish["resident_name"] == world.res1.user.real_name  # the resident sees their own
    assert history(Wish.objects.get()) == [("", "posted", world.res1.user.pk, "")]
    # Not on the wall yet; the resident follows it under ?mine=.
    assert client_for(world.vol1.user).get("/api/wishes").json()["count"] == 0
    mine = client.get("/api/wishes?mine=true").json()["items"]
    assert [w["id"] for w in mine] == [wish["id"]]


def test_staff_post_on_a_residents_behalf_within_their_subtree(world, client_for):
    response = post_json(client_for(world.inst1_staff), "/api/wishes",
                         body(resident_id=world.res1.id))
    assert response.status_code == 201
    wish = Wish.objects.get()
    assert (wish.resident, wish.posted_by, wish.station) == (world.res1, world.inst1_staff,
                                                             world.sta1)
    before = snapshot()
    for user in (world.sta2_staff, world.vol1.user):
        response = post_json(client_for(user), "/api/wishes", body(resident_id=world.res1.id))
        assert_error(response, 404, "unknown_resident")
    assert_error(post_json(client_for(world.inst1_staff), "/api/wishes",
                           body(resident_id=999_999)), 404, "unknown_resident")
    assert snapshot() == before


def test_only_residents_post_their_own_wishes(world, client_for):
    before = snapshot()
    for user in (world.vol1.user, world.sta1_staff, world.outsider):
        assert_error(post_json(client_for(user), "/api/wishes", body()), 403)
    assert snapshot() == before


@pytest.mark.parametrize("fields", [
    {"title": ""}, {"title": "   "}, {"title": "镜"}, {"title": "长" * 61},
    {"text": ""}, {"text": " \n "}, {"text": "想"}, {"text": "长" * 1001},
    {"due_date": in_days(0).isoformat()}, {"due_date": in_days(-1).isoformat()},
    {"due_date": in_days(181).isoformat()}, {"due_date": "明天"}, {"due_date": None},
    {"rough_value": -1}, {"rough_value": 100_001}, {"urgency": 3}, {"urgency": -1},
    {"resident_name": "王秀英"},
])
def test_bad_wishes_are_refused_and_nothing_is_stored(world, client_for, fields):
    before = snapshot()
    response = post_json(client_for(world.res1.user), "/api/wishes", body(**fields))
    assert_error(response, 422)
    assert snapshot() == before


@pytest.mark.parametrize("missing", ["title", "text", "due_date"])
def test_a_wish_without_its_required_fields_is_refused(world, client_for, missing):
    data = body()
    del data[missing]
    before = snapshot()
    assert_error(post_json(client_for(world.res1.user), "/api/wishes", data), 422,
                 "invalid_input")
    assert snapshot() == before


def test_malformed_json_is_refused(world, client_for):
    before = snapshot()
    assert_error(post_json(client_for(world.res1.user), "/api/wishes", "{title:"), 400)
    assert_error(post_json(client_for(world.res1.user), "/api/wishes", "[1]"), 422)
    assert snapshot() == before


def test_html_in_any_text_is_stored_and_returned_as_text(world, client_for):
    script = '<script>alert("心愿")</script>'
    resident = client_for(world.res1.user)
    wish = post_json(resident, "/api/wishes", body(
        title=script, text=f"<img src=x onerror=alert(1)>{script}", reason="<b>粗体</b>",
        for_whom="<i>奶奶</i>")).json()
    wish_obj = Wish.objects.get(pk=wish["id"])
    assert (wish_obj.title, wish_obj.reason) == (script, "<b>粗体</b>")
    staff = client_for(world.sta1_staff)
    act(staff, wish_obj, "approve", {"approve": True})
    volunteer = client_for(world.vol1.user)
    act(volunteer, wish_obj, "claim")
    act(volunteer, wish_obj, "fulfil", {"note": f"已送达{script}"})
    seen = volunteer.get(f"/api/wishes/{wish['id']}").json()
    assert (seen["title"], seen["text"], seen["for_whom"]) == (
        script, f"<img src=x onerror=alert(1)>{script}", "<i>奶奶</i>")
    own = resident.get(f"/api/wishes/{wish['id']}").json()
    assert (own["reason"], own["fulfil_note"]) == ("<b>粗体</b>", f"已送达{script}")
    raw = resident.get("/api/wishes?mine=true").content.decode()
    assert "&lt;script&gt;" not in raw  # JSON carries the text itself, not an HTML escape


# ---- moderation ---------------------------------------------------------------------------

def test_staff_approve_a_wish_onto_the_wall_and_its_expiry_is_scheduled(
        world, client_for, django_capture_on_commit_callbacks):
    wish = posted(world, due_date=in_days(3))
    with django_capture_on_commit_callbacks(execute=True):
        response = act(client_for(world.inst1_staff), wish, "approve", {"approve": True})
    assert (response.status_code, response.json()["state"]) == (200, "approved")
    assert history(wish)[-1] == ("posted", "approved", world.inst1_staff.pk, "")
    assert Notification.objects.filter(user=world.res1.user, title__contains="上墙").exists()
    task = DBTaskResult.objects.get(task_path="wenming.wishes.tasks.expire_wish")
    assert task.args_kwargs["args"] == [wish.id]
    assert task.run_after.astimezone(datetime.timezone(datetime.timedelta(hours=8))) == \
        datetime.datetime.combine(in_days(4), datetime.time.min,
                                  tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
    assert [w["id"] for w in client_for(world.vol2.user).get("/api/wishes").json()["items"]] == [
        wish.id]


def test_a_rejection_needs_a_reason_the_resident_is_told(world, client_for):
    wish, staff = posted(world), client_for(world.sta1_staff)
    before = snapshot()
    for reason in ("", "   "):
        assert_error(act(staff, wish, "approve", {"approve": False, "reason": reason}), 422,
                     "reason_required")
    assert snapshot() == before
    response = act(staff, wish, "approve", {"approve": False, "reason": "属于低保救助范围，已转民政"})
    assert (response.status_code, response.json()["state"]) == (200, "rejected")
    assert history(wish)[-1] == ("posted", "rejected", world.sta1_staff.pk, "属于低保救助范围，已转民政")
    note = Notification.objects.get(user=world.res1.user)
    assert note.body == "属于低保救助范围，已转民政"
    assert_error(act(staff, wish, "approve", {"approve": True}), 409, "invalid_transition")
    assert client_for(world.vol1.user).get("/api/wishes").json()["count"] == 0


def test_a_moderated_wish_is_not_moderated_again(world, client_for):
    wish = approved(world)
    before = snapshot()
    for data in ({"approve": True}, {"approve": False, "reason": "重复"}):
        assert_error(act(client_for(world.sta1_staff), wish, "approve", data), 409,
                     "invalid_transition")
    assert snapshot() == before


def test_volunteers_and_residents_do_not_moderate(world, client_for):
    wish = posted(world)
    before = snapshot()
    assert_error(act(client_for(world.vol1.user), wish, "approve", {"approve": True}), 404)
    assert_error(act(client_for(world.res1.user), wish, "approve", {"approve": True}), 403)
    assert snapshot() == before


# ---- claiming -----------------------------------------------------------------------------

def test_a_volunteer_claims_a_wish_and_the_next_one_is_too_late(world, client_for):
    wish = approved(world)
    response = act(client_for(world.vol2.user), wish, "claim")
    assert (response.status_code, response.json()["state"]) == (200, "claimed")
    assert stored(wish).claimed_volunteer == world.vol2
    assert history(wish)[-1] == ("approved", "claimed", world.vol2.user.pk, "")
    assert Notification.objects.filter(user=world.res1.user, title__contains="认领").exists()
    before = snapshot()
    assert_error(act(client_for(world.vol1.user), wish, "claim"), 409, "already_claimed")
    assert snapshot() == before


def test_a_wish_waiting_for_moderation_cannot_be_claimed(world, client_for):
    wish = posted(world)
    before = snapshot()
    assert_error(act(client_for(world.vol1.user), wish, "claim"), 404)
    with pytest.raises(Conflict):
        services.wish_claim(by=world.vol1.user, wish=wish)
    assert snapshot() == before


def test_a_team_leader_claims_for_the_team_but_a_member_may_not(world, client_for):
    leader = volunteer_at(world.sta1, "leader")
    team = team_services.team_create(by=world.sta1_staff, name="稻香园助老队", org=world.sta1,
                                     leader=leader)
    team_services.membership_decide(by=leader.user, approve=True, membership=(
        team_services.membership_request(volunteer=world.vol1, team=team)))
    wish = approved(world)
    before = snapshot()
    assert_error(act(client_for(world.vol1.user), wish, "claim", {"team_id": team.id}), 403)
    assert snapshot() == before
    assert act(client_for(leader.user), wish, "claim", {"team_id": team.id}).status_code == 200
    wish = stored(wish)
    assert (wish.claimed_team, wish.claimed_volunteer) == (team, None)
    # The leader fulfils for the team; the team's claim earns no one's personal points.
    assert act(client_for(leader.user), wish, "fulfil", {"note": "队员已送达"}).status_code == 200
    assert act(client_for(world.res1.user), wish, "confirm").status_code == 200
    assert (balance(leader), balance(world.vol1)) == (0, 0)


def test_staff_record_a_donor_units_claim(world, client_for):
    wish = approved(world)
    before = snapshot()
    assert_error(act(client_for(world.vol1.user), wish, "claim", {"donor_name": "某某眼镜店"}),
                 403)
    assert_error(act(client_for(world.sta1_staff), wish, "claim"), 403)  # staff are no volunteer
    assert snapshot() == before
    response = act(client_for(world.sta1_staff), wish, "claim", {"donor_name": "  明亮眼镜店 "})
    assert response.status_code == 200
    assert (stored(wish).donor_name, stored(wish).claimed_volunteer) == ("明亮眼镜店", None)
    assert act(client_for(world.sta1_staff), wish, "fulfil", {"note": "眼镜店已赠送"}
               ).status_code == 200


def test_a_suspended_volunteer_cannot_claim(world, client_for):
    wish = approved(world)
    type(world.vol1).objects.filter(pk=world.vol1.pk).update(status="suspended")
    before = snapshot()
    assert_error(act(client_for(world.vol1.user), wish, "claim"), 403)
    assert snapshot() == before


def test_the_claimer_releases_the_wish_back_to_the_wall(world, client_for):
    wish = claimed(world)
    before = snapshot()
    for user in (world.vol2.user, world.res1.user):
        assert_error(act(client_for(user), wish, "release", {"reason": "不想做了"}), 403)
    assert snapshot() == before
    response = act(client_for(world.vol1.user), wish, "release", {"reason": "临时出差"})
    assert (response.status_code, response.json()["state"]) == (200, "approved")
    wish = stored(wish)
    assert (wish.claimed_volunteer, wish.claimed_team, wish.donor_name) == (None, None, "")
    assert history(wish)[-1] == ("claimed", "approved", world.vol1.user.pk, "临时出差")
    assert_error(act(client_for(world.vol1.user), wish, "release"), 403)
    assert act(client_for(world.vol2.user), wish, "claim").status_code == 200


def test_a_wish_released_after_its_date_expires(world, monkeypatch,
                                                django_capture_on_commit_callbacks):
    wish = claimed(world, due_date=in_days(1))
    clock = Clock(monkeypatch)
    clock.advance(days=3)
    DBTaskResult.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        services.wish_release(by=world.vol1.user, wish=wish)
    task = DBTaskResult.objects.get(task_path="wenming.wishes.tasks.expire_wish")
    assert task.run_after <= clock.now
    assert expire_wish.call(wish.id) is True
    assert stored(wish).state == "expired"


# ---- fulfilling and confirming ------------------------------------------------------------

def test_the_claimer_fulfils_with_a_note_and_only_the_resident_confirms(world, client_for):
    wish = claimed(world)
    before = snapshot()
    for note in ("", "  ", "好"):
        assert_error(act(client_for(world.vol1.user), wish, "fulfil", {"note": note}), 422)
    assert_error(act(client_for(world.vol1.user), wish, "fulfil", {}), 422, "invalid_input")
    assert_error(act(client_for(world.vol2.user), wish, "fulfil", {"note": "我来"}), 403)
    assert_error(act(client_for(world.res1.user), wish, "confirm"), 409, "invalid_transition")
    assert snapshot() == before
    response = act(client_for(world.vol1.user), wish, "fulfil", {"note": "已配好眼镜送到家"})
    assert (response.status_code, response.json()["state"]) == (200, "fulfilled")
    assert stored(wish).fulfil_note == "已配好眼镜送到家"
    before = snapshot()
    for user in (world.vol1.user, world.sta1_staff, world.admin):
        assert_error(act(client_for(user), wish, "confirm"), 403)
    assert_error(act(client_for(world.vol1.user), wish, "release"), 409, "invalid_transition")
    assert snapshot() == before
    response = act(client_for(world.res1.user), wish, "confirm")
    assert (response.status_code, response.json()["state"]) == (200, "confirmed")
    assert [(f, t) for f, t, _by, _r in history(wish)] == [
        ("", "posted"), ("posted", "approved"), ("approved", "claimed"),
        ("claimed", "fulfilled"), ("fulfilled", "confirmed")]
    assert balance(world.vol1) == 30
    assert_error(act(client_for(world.res1.user), wish, "confirm"), 409, "invalid_transition")
    assert balance(world.vol1) == 30


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.mark.parametrize("name,content,ext", [("眼镜.jpg", JPEG, "jpg"), ("a.PNG", PNG, "png"),
                                              ("photo.html", JPEG + b"<script>x</script>", "jpg"),
                                              ("noext", PNG, "png")])
def test_a_small_jpg_or_png_photo_is_kept_under_its_true_type(world, media, name, content, ext):
    wish = claimed(world)
    photo = SimpleUploadedFile(name, content, content_type="text/html")
    wish = services.wish_fulfil(by=world.vol1.user, wish=wish, note="已送达", photo=photo)
    stored_name = stored(wish).photo.name
    assert stored_name.startswith("wishes/") and stored_name.endswith(f".{ext}")
    assert (media / stored_name).read_bytes() == content


@pytest.mark.parametrize("content", [b"GIF89a" + b"\x00" * 20, b"<svg onload=alert(1)>",
                                     b"<html><script>alert(1)</script>", b"", b"\xff\xd8",
                                     b"\xff\xd8\xff" + b"\x00" * (5 * 1024 * 1024)])
def test_other_photos_are_refused_and_nothing_changes(world, media, content):
    wish = claimed(world)
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        services.wish_fulfil(by=world.vol1.user, wish=wish, note="已送达",
                             photo=SimpleUploadedFile("p.jpg", content))
    assert exc.value.code == "invalid_image"
    assert snapshot() == before
    assert list(media.rglob("*.*")) == []


def test_nobody_but_the_claimer_fulfils_even_through_the_service(world):
    wish = claimed(world)
    for user in (world.vol2.user, world.res1.user, world.sta2_staff):
        with pytest.raises(Forbidden):
            services.wish_fulfil(by=user, wish=wish, note="代为完成")
    services.wish_fulfil(by=world.sta1_staff, wish=wish, note="站里代为完成")  # its station may


# ---- expiry -------------------------------------------------------------------------------

def test_an_unclaimed_wish_past_its_date_expires_exactly_once(world, monkeypatch, client_for):
    wish = approved(world, due_date=in_days(2))
    clock = Clock(monkeypatch)
    clock.advance(days=1)  # on its date: still waiting
    assert expire_wish.call(wish.id) is False
    clock.advance(days=2)
    assert expire_wish.call(wish.id) is True
    assert expire_wish.call(wish.id) is False
    assert services.wish_expire(wish_id=wish.id) is False
    assert stored(wish).state == "expired"
    assert [t for _f, t, _b, _r in history(wish)].count("expired") == 1
    assert history(wish)[-1][2] is None  # by the system
    assert_error(act(client_for(world.vol1.user), wish, "claim"), 404)  # off the wall
    with pytest.raises(Conflict):
        services.wish_claim(by=world.vol1.user, wish=wish)


@pytest.mark.parametrize("step", [posted, claimed, fulfilled])
def test_only_approved_wishes_expire(world, monkeypatch, step):
    wish = step(world, due_date=in_days(1))
    state = stored(wish).state
    Clock(monkeypatch).advance(days=5)
    assert services.wish_expire(wish_id=wish.id) is False
    assert stored(wish).state == state


def test_expiring_an_unknown_wish_does_nothing(db):
    assert expire_wish.call(123_456) is False


# ---- the wall -----------------------------------------------------------------------------

@pytest.fixture
def known_resident(world):
    User.objects.filter(pk=world.res1.user.pk).update(real_name="王秀英", mobile="13812345678")
    Resident.objects.filter(pk=world.res1.pk).update(id_number="11010819540312002X",
                                                     address="稻香园小区3号楼2单元501")
    world.res1.refresh_from_db()
    world.res1.user.refresh_from_db()
    return world.res1


def test_the_wall_never_shows_who_the_resident_is(world, client_for, known_resident):
    claimer = volunteer_at(world.sta1, "claimer")
    wishes = [approved(world), claimed(world, claimer), fulfilled(world, claimer)]
    for user in (world.vol1.user, world.vol2.user, world.vol1b.user, world.sta2_staff,
                 world.inst2_staff):
        client = client_for(user)
        listed = client.get("/api/wishes")
        assert listed.status_code == 200
        assert {w["id"] for w in listed.json()["items"]} == {w.id for w in wishes}
        data = listed.json()
        shown = json.dumps([data] + [client.get(f"/api/wishes/{w.id}").json() for w in wishes],
                           ensure_ascii=False)
        for secret in ("王秀英", "秀英", "13812345678", "138****5678", "11010819540312002X",
                       "0312002X", "稻香园小区3号楼2单元501", "2单元"):
            assert secret not in shown, (user, secret)
        assert {w["resident"] for w in data["items"]} == {"王**"}
        assert not {"resident_name", "reason", "fulfil_note"} & set(data["items"][0])
    # Another district's people, and people with no role, do not see this district's wall.
    other_staff, stranger = other_district()
    for user in (other_staff, stranger.user, world.outsider):
        client = client_for(user)
        assert client.get("/api/wishes").json() == {"items": [], "count": 0}
        for wish in wishes:
            assert_error(client.get(f"/api/wishes/{wish.id}"), 404)
    # The resident and the station's staff see the name; the claimer of a wish sees it on the
    # wishes they hold (as on the page: one rule, `sees_private`), not on the rest of the wall.
    for user in (world.res1.user, world.sta1_staff):
        items = client_for(user).get("/api/wishes").json()["items"]
        assert {w["resident_name"] for w in items} == {"王秀英"}
    items = client_for(claimer.user).get("/api/wishes").json()["items"]
    assert {w["id"]: w.get("resident_name") for w in items} == {
        wishes[0].id: None, wishes[1].id: "王秀英", wishes[2].id: "王秀英"}


def test_the_wall_puts_the_most_urgent_and_newest_first(world, client_for):
    old = approved(world, title="旧的普通心愿")
    new = approved(world, title="新的普通心愿")
    urgent = approved(world, title="紧急的心愿", urgency=2)
    waiting = posted(world, title="未审核的心愿", urgency=2)
    items = client_for(world.vol1.user).get("/api/wishes").json()["items"]
    assert [w["id"] for w in items] == [urgent.id, new.id, old.id]
    staff_items = client_for(world.sta1_staff).get("/api/wishes").json()["items"]
    assert [w["id"] for w in staff_items] == [waiting.id, urgent.id, new.id, old.id]


def test_the_wall_filters_by_node_and_state(world, client_for):
    here = approved(world)
    there = services.wish_moderate(by=world.sta2_staff, approve=True, wish=services.wish_post(
        by=world.sta2_staff, resident=Resident.objects.create(user=User.objects.create(
            username="res2", mobile="13900009999", real_name="李四"), station=world.sta2),
        title="想学智能手机", text="想学用手机挂号", due_date=in_days(5)))
    staff_claimed = claimed(world)
    client = client_for(world.vol1.user)
    assert {w["id"] for w in client.get(f"/api/wishes?org={world.sta1.id}").json()["items"]} \
        == {here.id, staff_claimed.id}
    assert [w["id"] for w in client.get("/api/wishes?state=approved").json()["items"]] == [
        there.id, here.id]
    assert_error(client.get(f"/api/wishes?org={world.sta2.id}"), 404)  # not a node of theirs
    assert_error(client.get("/api/wishes?state=" + "x" * 17), 422)


# session, user, roles, led teams, the page, the count; for a volunteer, whether they are
# active (their claim capability), read once
@pytest.mark.parametrize("persona,queries", [("sta1_staff", 6), ("vol1", 7), ("res1", 6)])
def test_the_wish_list_runs_a_fixed_number_of_queries(world, client_for, persona, queries,
                                                      django_assert_num_queries):
    user = getattr(world, persona)
    client = client_for(getattr(user, "user", user))
    for rows in (1, 6):
        for _i in range(rows):
            claimed(world)
            approved(world)
        with django_assert_num_queries(queries):
            response = client.get("/api/wishes")
        assert response.json()["count"] >= rows
