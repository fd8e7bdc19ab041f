"""Notices and news: sanitising, who receives and sees what, read receipts, bad input."""

import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from wenming.core.errors import Forbidden, NotFound
from wenming.inbox.models import Notification
from wenming.notices import services
from wenming.notices.models import Notice, NoticeRead
from wenming.notices.permissions import notice_get_for_user
from wenming.testing import logged_in, race

pytestmark = pytest.mark.django_db


def publish(world, *, by=None, org=None, public=False, title="关于报送数据的通知",
            body="请于月底前报送。"):
    return services.notice_publish(by=by or world.center_staff, org=org or world.center,
                                   title=title, body=body, public=public)


def png() -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buf, "PNG")
    return SimpleUploadedFile("x.png", buf.getvalue(), content_type="image/png")


# ---- sanitising ----------------------------------------------------------------------------

@pytest.mark.parametrize("dirty, gone", [
    ("<p>好消息</p><script>alert(1)</script>", "<script"),
    ('<p onclick="steal()">好消息</p>', "onclick"),
    ('<a href="javascript:alert(1)">点我</a> 好消息', "javascript:"),
    ('<img src=x onerror="alert(1)">好消息', "onerror"),
    ('<p style="position:fixed">好消息</p>', "style"),
    ("<iframe src='https://evil'></iframe>好消息", "<iframe"),
    ("<svg><script>alert(1)</script></svg>好消息", "<svg"),
])
def test_nothing_that_runs_is_stored(world, dirty, gone):
    notice = publish(world, body=dirty, public=True)
    assert gone not in notice.body.lower()
    assert "好" in notice.body


def test_plain_text_keeps_its_paragraphs_and_is_escaped(world):
    notice = publish(world, body="第一段 <不是标签\n\n第二段", public=True)
    assert notice.body.count("<p>") == 2
    assert "&lt;不是标签" in notice.body


def test_links_keep_their_address_and_get_noopener(world):
    notice = publish(world, body='<p>详见<a href="https://example.org/a">这里</a></p>', public=True)
    assert 'href="https://example.org/a"' in notice.body
    assert "noopener" in notice.body


@pytest.mark.parametrize("body", ["", "   ", "<script>x</script>", "<p> </p>", "x" * 20_001])
def test_a_body_without_text_or_too_long_is_refused_and_nothing_is_written(world, body):
    with pytest.raises(ValidationError):
        publish(world, body=body)
    assert not Notice.objects.exists()


# ---- who receives and sees what --------------------------------------------------------------

def test_a_notice_reaches_the_inbox_of_the_staff_below_and_no_one_else(world):
    notice = publish(world, by=world.inst1_staff, org=world.inst1)
    told = set(Notification.objects.filter(url=f"/notices/{notice.pk}/").values_list(
        "user__username", flat=True))
    assert told == {"sta1"}  # the publisher is not told; inst2's side, volunteers are not


def test_a_notice_is_seen_by_its_recipients_and_managers_only(world):
    notice = publish(world, by=world.inst1_staff, org=world.inst1)
    for user in (world.sta1_staff, world.inst1_staff, world.center_staff, world.admin):
        assert notice_get_for_user(user, notice.pk) == notice
    for user in (world.sta2_staff, world.inst2_staff, world.vol1.user, world.res1.user,
                 world.outsider):
        with pytest.raises(NotFound):
            notice_get_for_user(user, notice.pk)


def test_public_news_is_for_everyone_even_without_logging_in(world):
    notice = publish(world, by=world.sta1_staff, org=world.sta1, public=True, title="站点新闻")
    assert Client().get(f"/notices/{notice.pk}/").status_code == 200
    assert "站点新闻" in Client().get("/").content.decode()
    assert "站点新闻" in Client().get(f"/notices/org/{world.sta1.pk}/").content.decode()
    body = Client().get("/api/notices").json()
    assert [n["title"] for n in body["items"]] == ["站点新闻"]


def test_a_member_home_shows_the_news_of_their_station_and_above_not_a_neighbours(world):
    publish(world, by=world.sta1_staff, org=world.sta1, public=True, title="一站新闻")
    publish(world, by=world.sta2_staff, org=world.sta2, public=True, title="二站新闻")
    publish(world, org=world.center, public=True, title="全区新闻")
    html = logged_in(world.vol1.user).get("/").content.decode()
    assert "一站新闻" in html and "全区新闻" in html and "二站新闻" not in html


def test_staff_publish_only_for_their_subtree(world):
    with pytest.raises(Forbidden):
        publish(world, by=world.sta2_staff, org=world.sta1)
    response = logged_in(world.sta2_staff).post(
        "/api/notices", json.dumps({"title": "越权通知", "body": "内容内容", "org_id": world.sta1.pk}),
        content_type="application/json")
    assert response.status_code == 404
    assert not Notice.objects.exists()


def test_a_sibling_cannot_edit_withdraw_or_read_receipts(world):
    notice = publish(world, by=world.sta1_staff, org=world.sta1)
    other = logged_in(world.sta2_staff)
    assert other.get(f"/notices/{notice.pk}/").status_code == 404
    assert other.get(f"/notices/{notice.pk}/edit/").status_code == 404
    assert other.post(f"/notices/{notice.pk}/withdraw/", {"reason": "不要了"}).status_code == 404
    assert other.get(f"/api/notices/{notice.pk}/receipts").status_code == 404
    assert other.patch(f"/api/notices/{notice.pk}", json.dumps(
        {"title": "改掉", "body": "改掉了"}), content_type="application/json").status_code == 404
    notice.refresh_from_db()
    assert notice.withdrawn_at is None and notice.title == "关于报送数据的通知"


def test_a_recipient_reads_but_cannot_edit(world):
    notice = publish(world, by=world.inst1_staff, org=world.inst1)
    client = logged_in(world.sta1_staff)
    html = client.get(f"/notices/{notice.pk}/").content.decode()
    assert 'data-move="edit"' not in html and 'data-move="withdraw"' not in html
    assert client.get(f"/api/notices/{notice.pk}/receipts").status_code == 403
    assert client.get(f"/api/notices/{notice.pk}").json()["allowed_moves"] == []


# ---- read receipts ---------------------------------------------------------------------------

def test_opening_a_notice_leaves_one_receipt_and_the_publisher_sees_it(world):
    notice = publish(world, org=world.inst1, by=world.inst1_staff)
    recipient = logged_in(world.sta1_staff)
    recipient.get(f"/notices/{notice.pk}/")
    recipient.get(f"/api/notices/{notice.pk}")
    assert NoticeRead.objects.filter(notice=notice).count() == 1
    receipts = logged_in(world.inst1_staff).get(f"/api/notices/{notice.pk}/receipts").json()
    assert (receipts["read"], receipts["total"]) == (1, 1)
    html = logged_in(world.center_staff).get(f"/notices/{notice.pk}/").content.decode()
    assert "已读回执：1 / 1" in html


def test_managers_opening_a_notice_leave_no_receipt(world):
    notice = publish(world, org=world.inst1, by=world.inst1_staff)
    logged_in(world.center_staff).get(f"/notices/{notice.pk}/")
    assert not NoticeRead.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_openings_at_once_leave_one_receipt(world):
    notice = publish(world, org=world.inst1, by=world.inst1_staff)
    results = race([lambda: services.notice_mark_read(user=world.sta1_staff, notice=notice)] * 4)
    assert sorted(results) == [False, False, False, True]
    assert NoticeRead.objects.count() == 1


# ---- withdrawing, editing, the API, pictures ---------------------------------------------------

def test_withdrawn_news_leaves_the_public_pages(world):
    notice = publish(world, public=True, title="要撤回的新闻")
    response = logged_in(world.center_staff).post(f"/notices/{notice.pk}/withdraw/",
                                                  {"reason": "内容有误"})
    assert response.status_code == 302
    assert Client().get(f"/notices/{notice.pk}/").status_code == 404
    assert "要撤回的新闻" not in Client().get("/").content.decode()
    assert logged_in(world.center_staff).get(f"/notices/{notice.pk}/").status_code == 200


def test_a_withdraw_without_a_reason_changes_nothing(world):
    notice = publish(world, public=True)
    logged_in(world.center_staff).post(f"/notices/{notice.pk}/withdraw/", {"reason": ""})
    notice.refresh_from_db()
    assert notice.withdrawn_at is None


def test_the_api_publishes_edits_and_withdraws(world):
    client = logged_in(world.inst1_staff)
    created = client.post("/api/notices", json.dumps({
        "title": "所里通知", "body": "<p>请参加培训</p><script>x</script>", "org_id": world.inst1.pk}),
        content_type="application/json")
    assert created.status_code == 201, created.content
    out = created.json()
    assert "<script" not in out["body"] and out["public"] is False
    assert out["allowed_moves"] == ["edit", "withdraw"]
    edited = client.patch(f"/api/notices/{out['id']}", json.dumps(
        {"title": "所里通知（更新）", "body": "时间改到周五", "pinned": True}),
        content_type="application/json")
    assert edited.json()["title"] == "所里通知（更新）" and edited.json()["pinned"] is True
    gone = client.post(f"/api/notices/{out['id']}/withdraw", json.dumps({"reason": "取消培训"}),
                       content_type="application/json")
    assert gone.json()["withdrawn"] is True and gone.json()["allowed_moves"] == []
    again = client.post(f"/api/notices/{out['id']}/withdraw", json.dumps({"reason": "再撤"}),
                        content_type="application/json")
    assert again.status_code == 403


@pytest.mark.parametrize("payload", [
    {"title": "", "body": "内容内容", "public": True},
    {"title": "标题", "body": "", "public": True},
    {"title": "标\x00题", "body": "内容内容", "public": True},
    {"title": "标题", "body": "内容内容", "public": "maybe"},
    {"title": "标题", "body": "内容内容", "color": "red"},
    {"title": "x" * 101, "body": "内容内容"},
])
def test_bad_api_input_is_a_clear_4xx_and_writes_nothing(world, payload):
    response = logged_in(world.center_staff).post(
        "/api/notices", json.dumps({"org_id": world.center.pk, **payload}),
        content_type="application/json")
    assert 400 <= response.status_code < 500
    assert "message" in response.json()["error"]
    assert not Notice.objects.exists()


def test_residents_and_visitors_cannot_publish(world):
    data = json.dumps({"title": "居民发的", "body": "内容内容", "org_id": world.sta1.pk})
    assert Client().post("/api/notices", data, content_type="application/json").status_code == 401
    assert logged_in(world.res1.user).post(
        "/api/notices", data, content_type="application/json").status_code in (403, 404)
    assert logged_in(world.res1.user).get("/notices/new/").status_code == 403
    assert not Notice.objects.exists()


def test_the_page_form_publishes_news_with_a_picture(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = logged_in(world.sta1_staff)
    response = client.post("/notices/new/", {
        "public": "1", "org": world.sta1.pk, "title": "站里的新闻", "body": "第一段\n\n第二段",
        "image": png()})
    notice = Notice.objects.get()
    assert response.status_code == 302 and notice.public and notice.image
    image = Client().get(f"/notices/{notice.pk}/image/{notice.image.name.rsplit('/', 1)[-1]}")
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert Client().get(f"/notices/{notice.pk}/image/other.png").status_code == 404


def test_a_fake_picture_is_refused_under_its_field(world):
    client = logged_in(world.sta1_staff)
    html = client.post("/notices/new/", {
        "public": "1", "org": world.sta1.pk, "title": "站里的新闻", "body": "内容内容",
        "image": SimpleUploadedFile("x.png", b"<html>not a png</html>")}).content.decode()
    assert "图片须为5MB以内的JPG或PNG" in html
    assert not Notice.objects.exists()


def test_a_notice_picture_follows_the_notice_scope(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    notice = services.notice_publish(by=world.sta1_staff, org=world.sta1, title="内部通知",
                                     body="内容内容", public=False, image=png())
    url = f"/notices/{notice.pk}/image/{notice.image.name.rsplit('/', 1)[-1]}"
    assert logged_in(world.sta1_staff).get(url).status_code == 200
    assert logged_in(world.sta2_staff).get(url).status_code == 404
    assert Client().get(url).status_code == 404


def test_the_form_searches_its_node_instead_of_listing_the_subtree(world):
    """Issue 10: a center's form put every node of its district into a <select>."""
    html = logged_in(world.center_staff).get("/notices/new/").content.decode()
    assert "data-picker" in html and f'<option value="{world.sta1.pk}"' not in html
    # A node outside the publisher's subtree, typed into the id box, is refused.
    html = logged_in(world.sta2_staff).post("/notices/new/", {
        "public": "0", "org": world.sta1.pk, "title": "越界通知", "body": "内容内容"
    }).content.decode()
    assert "picker" in html and not Notice.objects.exists()
