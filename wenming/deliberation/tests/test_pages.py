"""The pages: raising a topic with photos, each step's form, bad input as messages (nothing
written), the staff queues."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from wenming.deliberation.models import Endorsement, Stage, Topic, TopicPhoto, TopicTask
from wenming.deliberation.tests import support
from wenming.testing import logged_in

pytestmark = pytest.mark.django_db


def png(name: str = "photo.png") -> SimpleUploadedFile:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buf, "PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def test_a_resident_raises_a_topic_with_a_photo(world):
    client = logged_in(world.res1.user)
    assert client.get("/topics/new/").status_code == 200
    r = client.post("/topics/new/", {"title": "井盖破损", "text": "3号楼前井盖破了，晚上危险",
                                     "category": "safety", "place": "3号楼", "photos": [png()]})
    assert r.status_code == 302, r.content.decode()[:2000]
    topic = Topic.objects.get()
    assert topic.stage == Stage.COLLECTING and topic.photos.count() == 1


def test_a_photo_that_is_not_an_image_is_refused_and_nothing_written(world):
    fake = SimpleUploadedFile("x.png", b"<html>not an image</html>", content_type="image/png")
    r = logged_in(world.res1.user).post("/topics/new/", {"title": "井盖破损", "text": "井盖破了",
                                                         "category": "safety", "photos": [fake]})
    assert r.status_code == 200
    assert not Topic.objects.exists() and not TopicPhoto.objects.exists()


def test_a_volunteer_without_a_resident_profile_cannot_raise(world):
    r = logged_in(world.vol1.user).post("/topics/new/", {"title": "井盖破损", "text": "井盖破了",
                                                         "category": "safety"})
    assert r.status_code == 200 and not Topic.objects.exists()


def test_staff_raise_on_behalf_of_a_resident_by_mobile(world):
    r = logged_in(world.sta1_staff).post("/topics/new/", {
        "title": "加装电梯", "text": "老楼加装电梯", "category": "facilities",
        "resident_mobile": world.res1.user.mobile})
    assert r.status_code == 302
    assert Topic.objects.get().resident == world.res1


def test_the_moderator_is_warned_of_numbers_in_the_text(world):
    topic = support.collecting(world, text="请联系13912345678")
    html = logged_in(world.sta1_staff).get(f"/topics/{topic.id}/").content.decode()
    assert 'data-testid="numbers-warning"' in html


def test_steps_through_the_pages(world):
    staff = logged_in(world.sta1_staff)
    topic = support.collecting(world)
    staff.post(f"/topics/{topic.id}/approve/")
    neighbour = support.neighbours(world, 1)[0]
    logged_in(neighbour.user).post(f"/topics/{topic.id}/endorse/")
    assert Endorsement.objects.count() == 1
    at = (timezone.localtime() + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    staff.post(f"/topics/{topic.id}/schedule/", {"at": at, "place": "议事厅", "reason": "急",
                                                 "options": "装\n不装"})
    topic.refresh_from_db()
    assert topic.stage == Stage.SCHEDULED
    option = topic.options.first()
    logged_in(neighbour.user).post(f"/topics/{topic.id}/vote/", {"option": option.id})
    r = staff.post(f"/topics/{topic.id}/decide/", {"decision": "加装路灯", "offline_count": 5,
                                                   f"offline_{option.id}": 4}, follow=True)
    assert "决议已记录" in r.content.decode(), r.content.decode()
    topic.refresh_from_db()
    assert topic.stage == Stage.DECIDED and topic.options.first().offline_votes == 4
    due = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    staff.post(f"/topics/{topic.id}/tasks/", {"title": "安装", "due": due,
                                              "owner": f"u:{world.sta1_staff.id}"})
    task = TopicTask.objects.get()
    staff.post(f"/topics/{topic.id}/tasks/{task.id}/report/", {"note": "装好了", "complete": "on",
                                                                "photo": png()})
    topic.refresh_from_db()
    assert topic.stage == Stage.EVALUATING
    r = logged_in(neighbour.user).post(f"/topics/{topic.id}/rate/", {"score": 4, "comment": "好"})
    assert r.status_code == 302 and topic.ratings.count() == 1
    html = logged_in(neighbour.user).get(f"/topics/board/{world.sta1.id}/{topic.id}/").content
    assert "4.0 分".encode() in html


def test_bad_offline_counts_are_a_message_and_nothing_written(world):
    topic = support.scheduled(world)
    option = topic.options.first()
    r = logged_in(world.sta1_staff).post(f"/topics/{topic.id}/decide/", {
        "decision": "加装路灯", "offline_count": 0, f"offline_{option.id}": "-3"}, follow=True)
    assert "人数不正确" in r.content.decode()
    assert Topic.objects.get(pk=topic.pk).stage == Stage.SCHEDULED


def test_a_task_for_an_owner_not_offered_is_refused(world):
    topic = support.decided(world)
    due = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    logged_in(world.sta1_staff).post(f"/topics/{topic.id}/tasks/", {
        "title": "安装", "due": due, "owner": f"u:{world.sta2_staff.id}"})
    assert not TopicTask.objects.exists()


def test_the_list_my_tasks_and_the_comment_queue(world):
    topic = support.executing(world)
    comment = topic.comments.create(user=world.res1.user, text="广告", reports=1)
    assert logged_in(world.res1.user).get("/topics/").status_code == 200
    html = logged_in(world.sta1_staff).get("/topics/tasks/").content.decode()
    assert "联系物业安装" in html
    html = logged_in(world.sta1_staff).get("/topics/comments/").content.decode()
    assert f'data-testid="reported-{comment.id}"' in html
    assert logged_in(world.res1.user).get("/topics/comments/").status_code == 403
    assert logged_in(world.sta2_staff).get("/topics/comments/").content.decode().count(
        "data-testid=\"reported-") == 0
