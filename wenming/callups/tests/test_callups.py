"""Call-ups: publishing, the push to matching volunteers in batches (never twice), signing up
within quota, withdrawing, closing; scope and bad input, on the API and the pages."""

import datetime

import pytest
from django.utils import timezone

from wenming.callups import services
from wenming.callups.models import Callup, Shift, Signup
from wenming.callups.tasks import fan_out
from wenming.callups.tests.support import callup, iso, shift
from wenming.core.tests.helpers import assert_error, post_json
from wenming.inbox.models import Notification
from wenming.people.models import Skill, Volunteer
from wenming.people.tests.factories import volunteer_at

pytestmark = pytest.mark.django_db


def pushed_to(c: Callup) -> set[int]:
    return set(Notification.objects.filter(url=f"/callups/{c.pk}/").values_list("user_id",
                                                                                 flat=True))


def body(world, **extra) -> dict:
    s = shift(24)
    return {"title": "防汛物资转运", "org_id": world.inst1.id, "text": "暴雨后转运沙袋",
            "skills": [], "shifts": [{"start": iso(s["start"]), "end": iso(s["end"]),
                                      "quota": 5}], **extra}


# ---- publishing and the push -------------------------------------------------------------

def test_staff_publish_and_it_reaches_every_volunteer_of_the_subtree(world, client_for):
    response = post_json(client_for(world.inst1_staff), "/api/callups", body(world))
    assert response.status_code == 201, response.content
    c = Callup.objects.get()
    fan_out.call(c.pk)
    assert pushed_to(c) == {world.vol1.user_id, world.vol1b.user_id}  # inst1's, not vol2
    c.refresh_from_db()
    assert c.reached == 2 and c.fanout_done_at is not None


def test_the_push_in_small_batches_reaches_each_once_even_when_run_twice(world):
    for _ in range(5):
        volunteer_at(world.sta1)
    c = callup(world)
    assert fan_out.call(c.pk, 2) == 4  # 7 volunteers in batches of 2
    fan_out.call(c.pk, 2)  # a retried task: nothing more
    assert Notification.objects.filter(url=f"/callups/{c.pk}/").count() == 7
    assert len(pushed_to(c)) == 7


def test_skills_narrow_the_push(world):
    world.vol1.skills.add(Skill.objects.create(name="驾驶"))
    c = callup(world, skills=["驾驶", "急救"])
    fan_out.call(c.pk)
    assert pushed_to(c) == {world.vol1.user_id}


def test_the_radius_narrows_the_push_by_home_or_else_station(world):
    Volunteer.objects.filter(pk=world.vol1.pk).update(home_lat=39.98, home_lng=116.31)
    Volunteer.objects.filter(pk=world.vol1b.pk).update(home_lat=40.2, home_lng=116.6)  # ~35 km
    near = volunteer_at(world.sta1b)  # no home: its station (~0.6 km away) counts
    c = callup(world, radius_km=3)
    fan_out.call(c.pk)
    assert pushed_to(c) == {world.vol1.user_id, near.user_id}


def test_inactive_volunteers_are_not_pushed(world):
    Volunteer.objects.filter(pk=world.vol1b.pk).update(status=Volunteer.Status.SUSPENDED)
    c = callup(world)
    fan_out.call(c.pk)
    assert pushed_to(c) == {world.vol1.user_id}


def test_a_sibling_institutes_staff_cannot_publish_here(world, client_for):
    assert_error(post_json(client_for(world.inst2_staff), "/api/callups", body(world)), 404)
    assert_error(post_json(client_for(world.vol1.user), "/api/callups", body(world)), 403)
    assert not Callup.objects.exists()


@pytest.mark.parametrize("change", [
    lambda b: b.update(shifts=[]),
    lambda b: b["shifts"][0].update(quota=0),
    lambda b: b["shifts"][0].update(end=b["shifts"][0]["start"]),
    lambda b: b["shifts"][0].update(start=iso(timezone.now() - datetime.timedelta(days=2)),
                                    end=iso(timezone.now() - datetime.timedelta(days=1))),
    lambda b: b["shifts"][0].update(start="明天"),
    lambda b: b.update(title=" "),
    lambda b: b.update(skills=["x" * 31]),
    lambda b: b.update(radius_km=0),
    lambda b: b.update(radius_km=float("nan")),
    lambda b: b.update(extra=1),
])
def test_bad_call_ups_are_refused_and_nothing_is_written(world, client_for, change):
    data = body(world)
    change(data)
    response = post_json(client_for(world.inst1_staff), "/api/callups", data)
    assert 400 <= response.status_code < 500 and response.status_code != 404
    assert not Callup.objects.exists() and not Shift.objects.exists()


# ---- signing up ---------------------------------------------------------------------------

def test_a_volunteer_signs_up_once_within_quota(world, client_for):
    c = callup(world, shifts=[shift(24, quota=1)])
    s = c.shifts.get()
    url = f"/api/callups/{c.id}/shifts/{s.id}/signup"
    first = post_json(client_for(world.vol1.user), url, {})
    assert first.status_code == 201 and first.json()["shifts"][0]["signed"] == 1
    assert first.json()["shifts"][0]["moves"] == ["withdraw"]
    assert_error(post_json(client_for(world.vol1.user), url, {}), 409, "already_signed_up")
    assert_error(post_json(client_for(world.vol2.user), url, {}), 409, "quota_full")
    assert Signup.objects.count() == 1


def test_a_withdrawn_place_is_free_again(world, client_for):
    c = callup(world, shifts=[shift(24, quota=1)])
    s = c.shifts.get()
    base = f"/api/callups/{c.id}/shifts/{s.id}"
    post_json(client_for(world.vol1.user), f"{base}/signup", {})
    assert post_json(client_for(world.vol1.user), f"{base}/withdraw", {}).status_code == 200
    assert post_json(client_for(world.vol2.user), f"{base}/signup", {}).status_code == 201
    assert post_json(client_for(world.vol1.user), f"{base}/signup", {}).json()["error"][
        "code"] == "quota_full"


def test_who_may_sign_up(world, client_for):
    c = callup(world)
    s = c.shifts.first()
    url = f"/api/callups/{c.id}/shifts/{s.id}/signup"
    assert_error(post_json(client_for(world.res1.user), url, {}), 403)
    assert_error(post_json(client_for(world.sta1_staff), url, {}), 403)
    assert_error(post_json(client_for(world.outsider), url, {}), 404)
    assert_error(post_json(client_for(world.vol1.user),
                           f"/api/callups/{c.id}/shifts/999999/signup", {}), 404)
    other = callup(world)
    assert_error(post_json(client_for(world.vol1.user),
                           f"/api/callups/{other.id}/shifts/{s.id}/signup", {}), 404)
    assert not Signup.objects.exists()


def test_a_closed_call_up_takes_no_more_sign_ups(world, client_for):
    c = callup(world)
    s = c.shifts.first()
    assert_error(post_json(client_for(world.inst2_staff), f"/api/callups/{c.id}/close", {}), 403)
    closed = post_json(client_for(world.inst1_staff), f"/api/callups/{c.id}/close", {})
    assert closed.json()["state"] == "closed" and closed.json()["allowed_moves"] == []
    assert_error(post_json(client_for(world.vol1.user),
                           f"/api/callups/{c.id}/shifts/{s.id}/signup", {}), 409,
                 "invalid_transition")


def test_cancelling_tells_those_signed_up(world):
    c = callup(world)
    services.signup_create(by=world.vol1.user, callup=c, shift_id=c.shifts.first().id)
    services.callup_move(by=world.inst1_staff, callup=c, move="cancel", reason="雨停了")
    assert Notification.objects.filter(user=world.vol1.user, title__contains="已撤销").exists()
    fan_out.call(c.pk)  # a cancelled call-up is pushed no further
    assert not pushed_to(c) - {world.vol1.user_id}


def test_the_organiser_sees_who_signed_up_others_do_not(world, client_for):
    c = callup(world)
    services.signup_create(by=world.vol1.user, callup=c, shift_id=c.shifts.first().id)
    staff = client_for(world.inst1_staff).get(f"/api/callups/{c.id}").json()
    assert [s["volunteer_id"] for s in staff["signups"]] == [world.vol1.id]
    assert "signups" not in client_for(world.vol2.user).get(f"/api/callups/{c.id}").json()


# ---- pages ---------------------------------------------------------------------------------

def test_a_volunteer_signs_up_on_the_page(world, client_for):
    c = callup(world)
    s = c.shifts.first()
    client = client_for(world.vol1.user)
    assert "防汛物资转运" in client.get("/callups/").content.decode()
    page = client.get(f"/callups/{c.id}/").content.decode()
    assert 'data-move="signup"' in page and 'data-testid="coverage"' not in page
    client.post(f"/callups/{c.id}/shifts/{s.id}/signup/")
    page = client.get(f"/callups/{c.id}/").content.decode()
    assert 'data-move="withdraw"' in page and "已报名 1 / 3 人" in page
    assert client.get(f"/callups/{c.id}/coverage/").status_code == 404


def test_the_organiser_watches_coverage(world, client_for):
    c = callup(world)
    fan_out.call(c.pk)
    services.signup_create(by=world.vol1.user, callup=c, shift_id=c.shifts.first().id)
    client = client_for(world.inst1_staff)
    page = client.get(f"/callups/{c.id}/").content.decode()
    assert f'hx-get="/callups/{c.id}/coverage/"' in page
    fragment = client.get(f"/callups/{c.id}/coverage/").content.decode()
    assert "已推送给 2 名志愿者" in fragment and "1 / 3" in fragment


def test_call_up_pages_outside_the_district_are_not_found(world, client_for):
    from wenming.points.tests.test_support import other_district

    other_staff, stranger = other_district()
    c = callup(world)
    s = c.shifts.first()
    for user in (other_staff, stranger.user, world.outsider):
        client = client_for(user)
        assert client.get(f"/callups/{c.id}/").status_code == 404
        assert client.post(f"/callups/{c.id}/shifts/{s.id}/signup/").status_code == 404
        assert client.post(f"/callups/{c.id}/close/").status_code == 404
    assert client_for(world.inst2_staff).get(f"/callups/{c.id}/coverage/").status_code == 404
    assert not Signup.objects.exists() and Callup.objects.get().state == "published"


def test_staff_publish_from_the_page(world, client_for):
    client = client_for(world.inst1_staff)
    assert client.get("/callups/new/").status_code == 200
    day = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = client.post("/callups/new/", {
        "title": "夜间巡河", "org": world.inst1.id, "text": "汛期夜间巡查河道", "skills": "驾驶，急救",
        "shift1_date": day, "shift1_start": "22:00", "shift1_end": "02:00", "shift1_quota": "4",
        "shift2_date": day})
    assert response.status_code == 200 and not Callup.objects.exists()  # shift 2 half-filled
    response = client.post("/callups/new/", {
        "title": "夜间巡河", "org": world.inst1.id, "text": "汛期夜间巡查河道", "skills": "驾驶，急救",
        "shift1_date": day, "shift1_start": "22:00", "shift1_end": "02:00", "shift1_quota": "4"})
    c = Callup.objects.get()
    assert response.status_code == 302 and c.skills == ["急救", "驾驶"]
    s = c.shifts.get()
    assert s.end - s.start == datetime.timedelta(hours=4)  # past midnight
    assert client_for(world.vol1.user).get("/callups/new/").status_code == 403


def test_a_push_whose_worker_dies_mid_batch_is_resumed_and_reaches_each_once(world, monkeypatch):
    from django_tasks_db.models import DBTaskResult

    from wenming.callups.tasks import resume_stalled_pushes

    for _ in range(5):
        volunteer_at(world.sta1)
    c = callup(world)
    real, calls = services.notify_user_ids, []

    def dies_on_the_second_batch(**kwargs):
        calls.append(1)
        written = real(**kwargs)
        if len(calls) == 2:
            raise RuntimeError("worker killed after writing, before moving the cursor")
        return written

    monkeypatch.setattr(services, "notify_user_ids", dies_on_the_second_batch)
    with pytest.raises(RuntimeError):
        fan_out.call(c.pk, 2)
    c.refresh_from_db()
    assert (c.reached, c.fanout_done_at) == (2, None)  # the first batch kept, the second undone
    assert len(pushed_to(c)) == 2

    monkeypatch.setattr(services, "notify_user_ids", real)
    assert resume_stalled_pushes() == []  # it moved a moment ago: maybe only slow
    Callup.objects.filter(pk=c.pk).update(
        fanout_at=timezone.now() - datetime.timedelta(minutes=3))
    assert resume_stalled_pushes() == [c.pk]
    assert DBTaskResult.objects.filter(task_path=fan_out.module_path, status="READY").exists()
    fan_out.call(c.pk, 2)  # what the worker runs from the queue
    c.refresh_from_db()
    assert c.reached == 7 and c.fanout_done_at is not None
    assert Notification.objects.filter(url=f"/callups/{c.pk}/").count() == len(pushed_to(c)) == 7
    assert resume_stalled_pushes() == []  # done: nothing to resume


def test_a_batch_read_while_another_worker_moved_the_cursor_writes_nothing(world, monkeypatch):
    for _ in range(3):
        volunteer_at(world.sta1)
    c = callup(world)
    real = services._batch_after

    def another_worker_finishes_first(callup, cursor, size):
        read = real(callup, cursor, size)
        monkeypatch.setattr(services, "_batch_after", real)
        while services.fanout_batch(callup_id=callup.pk, size=size):
            pass
        return read

    monkeypatch.setattr(services, "_batch_after", another_worker_finishes_first)
    assert services.fanout_batch(callup_id=c.pk, size=2) is False
    assert Notification.objects.filter(url=f"/callups/{c.pk}/").count() == len(pushed_to(c)) == 5
