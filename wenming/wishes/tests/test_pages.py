"""The wish wall pages, driven through Django's test client as a browser would: the wall and
its public screen, posting (also on a resident's behalf), moderation, claim, release, fulfil
with a photo, confirm, follow, stale wishes; scope per persona and bad input."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from wenming.people.tests.factories import resident_at, volunteer_at
from wenming.points.models import PointsAccount
from wenming.teams.models import Membership
from wenming.teams.services import team_create
from wenming.wishes import services
from wenming.wishes.models import State, Wish, WishEvent
from wenming.wishes.selectors import photo_url

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def posted(world, resident=None, **fields) -> Wish:
    fields = {"title": "想要一副老花镜", "text": "看报纸看不清，想要一副300度的老花镜。",
              "due_date": in_days(10), **fields}
    return services.wish_post(by=(resident or world.res1).user, **fields)


def approved(world, **fields) -> Wish:
    return services.wish_moderate(by=world.sta1_staff, wish=posted(world, **fields),
                                  approve=True)


def claimed(world, **fields) -> Wish:
    return services.wish_claim(by=world.vol1.user, wish=approved(world, **fields))


def fulfilled(world, **fields) -> Wish:
    return services.wish_fulfil(by=world.vol1.user, wish=claimed(world, **fields),
                                note="已送到家中")


def page(response) -> str:
    return response.content.decode()


def state_of(wish) -> str:
    return Wish.objects.get(pk=wish.pk).state


def form_for(**fields) -> dict:
    return {"title": "想要一台收音机", "text": "老伴爱听评书，家里的收音机坏了。", "reason": "独居",
            "for_whom": "老伴", "due_date": in_days(20).isoformat(), "rough_value": "80",
            "urgency": "1", **fields}


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


# ---- the wall ----------------------------------------------------------------------------

def test_the_wall_shows_approved_wishes_most_urgent_first_with_the_resident_masked(
        world, client_for):
    world.res1.user.real_name = "张秀英"
    world.res1.user.save()
    approved(world, title="普通的心愿")
    approved(world, title="紧急的心愿", urgency=2)
    posted(world, title="还没审核的心愿")
    html = page(client_for(world.vol1.user).get("/wishes/"))
    assert html.index("紧急的心愿") < html.index("普通的心愿")
    assert "还没审核的心愿" not in html
    assert "张**" in html and "稻香园社区实践站" in html
    user = world.res1.user
    for private in ("张秀英", user.mobile, world.res1.address):
        assert private not in html


def test_the_wall_filters_by_station_or_institute(world, client_for):
    approved(world, title="稻香园的心愿")
    other = resident_at(world.sta1b)
    services.wish_moderate(by=world.inst1_staff, approve=True,
                           wish=posted(world, resident=other, title="芙蓉里的心愿"))
    client = client_for(world.inst1_staff)
    html = page(client.get("/wishes/", {"org": world.sta1b.pk}))
    assert "芙蓉里的心愿" in html and "稻香园的心愿" not in html
    html = page(client.get("/wishes/", {"org": world.inst1.pk}))
    assert "芙蓉里的心愿" in html and "稻香园的心愿" in html


def test_a_station_outside_ones_scope_is_not_a_filter_choice(world, client_for):
    html = page(client_for(world.sta2_staff).get("/wishes/", {"org": world.sta1.pk}))
    assert "没有找到这个编号，或它不在您的管辖范围内" in html


def test_the_public_wall_needs_no_login_and_shows_nothing_personal(world, client):
    world.res1.user.real_name = "张秀英"
    world.res1.user.save()
    approved(world, title="想要一副老花镜", reason="子女在外地，没人照顾")
    posted(world, title="待审核的心愿")
    response = client.get(f"/wishes/wall/{world.inst1.pk}/")
    html = page(response)
    assert response.status_code == 200
    assert "想要一副老花镜" in html and "张**" in html and "稻香园社区实践站" in html
    assert "待审核的心愿" not in html and "子女在外地" not in html
    user = world.res1.user
    for private in ("张秀英", user.mobile, world.res1.address, "/wishes/1/"):
        assert private not in html
    assert "<svg" in html  # the code volunteers scan to claim


def test_the_public_wall_refreshes_its_cards_by_htmx_and_404s_for_an_unknown_node(
        world, client):
    approved(world, title="想要一副老花镜")
    response = client.get(f"/wishes/wall/{world.sta1.pk}/", headers={"HX-Request": "true"})
    assert "<html" not in page(response) and "想要一副老花镜" in page(response)
    assert client.get("/wishes/wall/999999/").status_code == 404


def test_the_public_wall_of_another_branch_does_not_show_the_wish(world, client):
    approved(world, title="想要一副老花镜")
    assert "想要一副老花镜" not in page(client.get(f"/wishes/wall/{world.inst2.pk}/"))


def test_html_in_a_wish_is_shown_as_text_and_never_run(world, client_for, client):
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    wish = approved(world, title="<b>粗体</b>心愿", text=evil, for_whom="<i>我</i>")
    for html in (page(client_for(world.vol1.user).get("/wishes/")),
                 page(client_for(world.vol1.user).get(f"/wishes/{wish.pk}/")),
                 page(client.get(f"/wishes/wall/{world.sta1.pk}/"))):
        assert "<script>alert" not in html and "<img src=x" not in html and "<b>粗体" not in html
        assert "&lt;script&gt;" in html and "&lt;b&gt;粗体&lt;/b&gt;" in html


def test_pages_ask_for_a_login_but_the_public_wall(world, client):
    wish = approved(world)
    for url in ("/wishes/", "/wishes/new/", "/wishes/mine/", "/wishes/claimed/",
                "/wishes/review/", "/wishes/stale/", f"/wishes/{wish.pk}/"):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_an_outsider_or_another_districts_volunteer_cannot_open_a_wish(world, client_for):
    wish = approved(world)
    assert client_for(world.outsider).get(f"/wishes/{wish.pk}/").status_code == 404
    assert "想要一副老花镜" not in page(client_for(world.outsider).get("/wishes/"))


# ---- posting -----------------------------------------------------------------------------

def test_a_resident_posts_a_wish_and_sees_it_waiting_in_my_wishes(world, client_for):
    client = client_for(world.res1.user)
    html = page(client.post("/wishes/new/", form_for(), follow=True))
    assert "心愿已提交" in html and "待审核" in html
    wish = Wish.objects.get()
    assert (wish.title, wish.for_whom, wish.urgency, wish.rough_value, wish.state) == (
        "想要一台收音机", "老伴", 1, 80, State.POSTED)
    html = page(client.get("/wishes/mine/"))
    assert "想要一台收音机" in html and "提交心愿" in html


@pytest.mark.parametrize(("fields", "message"), [
    ({"due_date": "2020-01-01"}, "期望实现日期应晚于今天"),
    ({"title": ""}, "这个字段是必填项"),
    ({"text": "a"}, "心愿内容应为2到1000个字"),
    ({"rough_value": "-5"}, "确保该值大于或等于0"),
    ({"urgency": "9"}, "选择一个有效的选项"),
    ({"due_date": "明天"}, "输入一个有效的日期"),
])
def test_bad_input_is_explained_in_chinese_and_nothing_is_written(world, client_for, fields,
                                                                  message):
    response = client_for(world.res1.user).post("/wishes/new/", form_for(**fields))
    assert response.status_code == 200 and message in page(response)
    assert not Wish.objects.exists() and not WishEvent.objects.exists()


def test_a_volunteer_without_a_resident_profile_cannot_post(world, client_for):
    assert client_for(world.vol1.user).get("/wishes/new/").status_code == 403


def test_staff_post_on_a_residents_behalf_by_mobile(world, client_for):
    client = client_for(world.sta1_staff)
    html = page(client.post("/wishes/new/", form_for(resident_mobile=world.res1.user.mobile),
                            follow=True))
    assert "心愿已提交" in html
    wish = Wish.objects.get()
    assert wish.resident == world.res1 and wish.posted_by == world.sta1_staff


def test_sibling_station_staff_cannot_post_for_another_stations_resident(world, client_for):
    response = client_for(world.sta2_staff).post(
        "/wishes/new/", form_for(resident_mobile=world.res1.user.mobile))
    assert "本辖区没有登记这个手机号的群众" in page(response)
    assert not Wish.objects.exists()


# ---- moderation --------------------------------------------------------------------------

def test_staff_approve_from_the_queue_and_the_wish_goes_on_the_wall(world, client_for):
    wish = posted(world)
    client = client_for(world.sta1_staff)
    assert "想要一副老花镜" in page(client.get("/wishes/review/"))
    html = page(client.post(f"/wishes/{wish.pk}/approve/", {"next": "/wishes/review/"},
                            follow=True))
    assert "已通过，心愿已上墙" in html and "没有待审核的心愿" in html
    assert state_of(wish) == State.APPROVED
    assert "想要一副老花镜" in page(client_for(world.vol1.user).get("/wishes/"))


def test_rejecting_needs_a_reason_which_the_resident_then_reads(world, client_for):
    wish = posted(world)
    client = client_for(world.sta1_staff)
    html = page(client.post(f"/wishes/{wish.pk}/reject/", {"reason": ""}, follow=True))
    assert "请填写未通过的原因" in html and state_of(wish) == State.POSTED
    client.post(f"/wishes/{wish.pk}/reject/", {"reason": "请到社区领取免费老花镜"})
    assert state_of(wish) == State.REJECTED
    html = page(client_for(world.res1.user).get("/wishes/mine/"))
    assert "未通过" in html and "请到社区领取免费老花镜" in html


def test_sibling_subtree_staff_neither_see_nor_moderate_the_wish(world, client_for):
    wish = posted(world)
    client = client_for(world.sta2_staff)
    assert "想要一副老花镜" not in page(client.get("/wishes/review/"))
    assert client.get(f"/wishes/{wish.pk}/").status_code == 404
    assert client.post(f"/wishes/{wish.pk}/approve/").status_code == 404
    assert client.post(f"/wishes/{wish.pk}/reject/", {"reason": "x"}).status_code == 404
    assert state_of(wish) == State.POSTED


def test_sibling_staff_see_an_approved_wish_on_the_districts_wall_but_cannot_moderate(
        world, client_for):
    wish = approved(world)
    client = client_for(world.sta2_staff)
    assert client.get(f"/wishes/{wish.pk}/").status_code == 200
    assert client.post(f"/wishes/{wish.pk}/reject/", {"reason": "x"}).status_code == 403
    assert state_of(wish) == State.APPROVED


def test_volunteers_and_residents_have_no_moderation_queue(world, client_for):
    assert client_for(world.vol1.user).get("/wishes/review/").status_code == 403
    assert client_for(world.res1.user).get("/wishes/stale/").status_code == 403


# ---- claim, release, fulfil, confirm ------------------------------------------------------

def test_a_volunteer_claims_and_sees_it_under_claimed_and_a_second_claim_is_refused(
        world, client_for):
    wish = approved(world)
    html = page(client_for(world.vol1.user).post(f"/wishes/{wish.pk}/claim/", follow=True))
    assert "认领成功" in html and "已认领" in html
    assert "想要一副老花镜" in page(client_for(world.vol1.user).get("/wishes/claimed/"))
    html = page(client_for(world.vol1b.user).post(f"/wishes/{wish.pk}/claim/", follow=True))
    assert "该心愿已被认领或已关闭" in html
    assert Wish.objects.get(pk=wish.pk).claimed_volunteer == world.vol1


def test_a_team_leader_claims_for_their_team(world, client_for):
    team = team_create(by=world.sta1_staff, name="稻香园助老队", org=world.sta1)
    Membership.objects.create(team=team, volunteer=world.vol1, role=Membership.Role.LEADER,
                              status=Membership.Status.ACTIVE)
    wish = approved(world)
    client = client_for(world.vol1.user)
    assert "稻香园助老队" in page(client.get(f"/wishes/{wish.pk}/"))
    client.post(f"/wishes/{wish.pk}/claim/", {"team": team.pk})
    stored = Wish.objects.get(pk=wish.pk)
    assert stored.claimed_team == team and stored.claimed_volunteer is None


def test_a_team_one_does_not_lead_is_not_a_choice(world, client_for):
    team = team_create(by=world.sta1_staff, name="稻香园助老队", org=world.sta1)
    wish = approved(world)
    html = page(client_for(world.vol1.user).post(f"/wishes/{wish.pk}/claim/",
                                                 {"team": team.pk}, follow=True))
    assert "选择一个有效的选项" in html and state_of(wish) == State.APPROVED


def test_staff_record_a_donor_units_claim_and_a_volunteer_may_not(world, client_for):
    wish = approved(world)
    assert client_for(world.vol1.user).post(
        f"/wishes/{wish.pk}/claim/", {"donor_name": "华联超市"}).status_code == 403
    assert state_of(wish) == State.APPROVED
    client_for(world.sta1_staff).post(f"/wishes/{wish.pk}/claim/", {"donor_name": "华联超市"})
    assert Wish.objects.get(pk=wish.pk).donor_name == "华联超市"
    assert "华联超市" in page(client_for(world.res1.user).get(f"/wishes/{wish.pk}/"))


def test_the_claimer_releases_it_back_to_the_wall(world, client_for):
    wish = claimed(world)
    html = page(client_for(world.vol1.user).post(f"/wishes/{wish.pk}/release/",
                                                 {"reason": "临时出差"}, follow=True))
    assert "心愿回到心愿墙" in html and state_of(wish) == State.APPROVED


def test_someone_else_cannot_release_or_fulfil_a_claimed_wish(world, client_for):
    wish = claimed(world)
    client = client_for(world.vol1b.user)
    assert client.post(f"/wishes/{wish.pk}/release/").status_code == 403
    assert client.post(f"/wishes/{wish.pk}/fulfil/", {"note": "已送到"}).status_code == 403
    assert state_of(wish) == State.CLAIMED


def test_the_claimer_fulfils_with_a_photo_only_those_who_see_the_wish_can_open(
        world, client_for, media):
    wish = claimed(world)
    client = client_for(world.vol1.user)
    html = page(client.post(f"/wishes/{wish.pk}/fulfil/", {
        "note": "已把老花镜送到家中", "photo": SimpleUploadedFile("a.png", PNG)}, follow=True))
    assert "等待心愿人确认" in html and "已把老花镜送到家中" in html
    assert state_of(wish) == State.FULFILLED
    url = photo_url(Wish.objects.get(pk=wish.pk))
    assert url in page(client_for(world.res1.user).get(f"/wishes/{wish.pk}/"))
    response = client_for(world.res1.user).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PNG
    assert response["Content-Type"] == "image/png"
    assert client_for(world.outsider).get(url).status_code == 404
    assert client_for(world.res1.user).get("/media/wishes/").status_code == 404


@pytest.mark.parametrize("upload", [
    SimpleUploadedFile("evil.jpg", b"<html><script>alert(1)</script></html>"),
    SimpleUploadedFile("big.jpg", JPG + b"\x00" * (5 * 1024 * 1024)),
], ids=["not-an-image", "over-5mb"])
def test_a_bad_photo_is_refused_in_chinese_and_nothing_changes(world, client_for, media,
                                                               upload):
    wish = claimed(world)
    html = page(client_for(world.vol1.user).post(f"/wishes/{wish.pk}/fulfil/", {
        "note": "已送到", "photo": upload}, follow=True))
    assert "图片须为5MB以内的JPG或PNG" in html
    assert state_of(wish) == State.CLAIMED and list(media.rglob("*.*")) == []


def test_fulfilling_needs_a_note(world, client_for):
    wish = claimed(world)
    html = page(client_for(world.vol1.user).post(f"/wishes/{wish.pk}/fulfil/", {"note": ""},
                                                 follow=True))
    assert "这个字段是必填项" in html and state_of(wish) == State.CLAIMED


def test_the_resident_confirms_and_the_volunteer_earns_points(world, client_for):
    wish = fulfilled(world)
    client = client_for(world.res1.user)
    assert "志愿者已帮您实现，请确认" in page(client.get("/wishes/mine/"))
    html = page(client.post(f"/wishes/{wish.pk}/confirm/", follow=True))
    assert "已确认实现" in html and "心愿人确认已实现" in html
    assert state_of(wish) == State.CONFIRMED
    assert PointsAccount.objects.get(volunteer=world.vol1).balance == 30


def test_only_the_resident_confirms(world, client_for):
    wish = fulfilled(world)
    assert client_for(world.vol1.user).post(f"/wishes/{wish.pk}/confirm/").status_code == 403
    assert state_of(wish) == State.FULFILLED


def test_a_state_that_does_not_allow_the_step_is_a_message_not_an_error(world, client_for):
    wish = approved(world)
    html = page(client_for(world.res1.user).post(f"/wishes/{wish.pk}/confirm/", follow=True))
    assert "不能执行此操作" in html and state_of(wish) == State.APPROVED


def test_the_history_shows_each_step_to_the_resident_but_not_to_other_volunteers(
        world, client_for):
    wish = claimed(world)
    html = page(client_for(world.res1.user).get(f"/wishes/{wish.pk}/"))
    assert "提交心愿" in html and "审核通过，已上墙" in html and "被认领" in html
    assert world.vol1.user.real_name in html
    html = page(client_for(world.vol1b.user).get(f"/wishes/{wish.pk}/"))
    assert 'data-testid="history"' not in html
    assert world.vol1.user.real_name not in html and world.res1.user.real_name not in html


# ---- follow, stale ----------------------------------------------------------------------

def test_a_volunteer_follows_a_wish_and_finds_it_in_my_wishes(world, client_for):
    wish = approved(world)
    client = client_for(world.vol1b.user)
    html = page(client.post(f"/wishes/{wish.pk}/follow/", {"on": "1"}, follow=True))
    assert "已关注" in html and "取消关注" in html
    assert "想要一副老花镜" in page(client.get("/wishes/mine/"))
    client.post(f"/wishes/{wish.pk}/follow/", {"on": "0"})
    assert not wish.followers.exists()


def test_stale_wishes_list_a_week_unclaimed_and_soon_due_in_ones_subtree(world, client_for):
    old = approved(world, title="上墙很久的心愿")
    Wish.objects.filter(pk=old.pk).update(
        updated_at=timezone.now() - datetime.timedelta(days=8))
    approved(world, title="快到期的心愿", due_date=in_days(2))
    approved(world, title="刚上墙的心愿", due_date=in_days(30))
    html = page(client_for(world.sta1_staff).get("/wishes/stale/"))
    assert "上墙很久的心愿" in html and "快到期的心愿" in html and "刚上墙的心愿" not in html
    html = page(client_for(world.sta2_staff).get("/wishes/stale/"))
    assert "上墙很久的心愿" not in html and "快到期的心愿" not in html


def test_the_wall_list_runs_a_fixed_number_of_queries(world, client_for,
                                                      django_assert_max_num_queries):
    for n in range(3):
        approved(world, title=f"心愿{n}")
    client = client_for(world.vol1.user)
    client.get("/wishes/")  # warm the session and the role cache
    for n in range(3, 15):
        approved(world, title=f"心愿{n}", resident=resident_at(world.sta1))
    with django_assert_max_num_queries(12):
        assert "心愿14" in page(client.get("/wishes/"))


def test_another_districts_volunteer_does_not_see_the_wall(world, client_for):
    from wenming.orgs.services import org_create

    center = org_create(kind="center", name="朝阳区新时代文明实践中心", lat=39.92, lng=116.44)
    inst = org_create(kind="institute", name="望京街道实践所", parent=center)
    station = org_create(kind="station", name="望京社区实践站", parent=inst)
    stranger = volunteer_at(station)
    wish = approved(world)
    client = client_for(stranger.user)
    assert "想要一副老花镜" not in page(client.get("/wishes/"))
    assert client.get(f"/wishes/{wish.pk}/").status_code == 404
    assert client.post(f"/wishes/{wish.pk}/claim/").status_code == 404


def test_a_volunteer_scanning_another_stations_screen_lands_on_its_wall(world, client_for):
    other = resident_at(world.sta1b)
    services.wish_moderate(by=world.inst1_staff, approve=True,
                           wish=posted(world, resident=other, title="芙蓉里的心愿"))
    approved(world, title="稻香园的心愿")
    html = page(client_for(world.vol2.user).get("/wishes/", {"org": world.sta1b.pk}))
    assert "芙蓉里的心愿" in html and "稻香园的心愿" not in html
