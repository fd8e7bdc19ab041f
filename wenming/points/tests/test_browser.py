"""Real browser at phone width (Playwright driving Debian's chromium against a live server):
a wish from posting to the resident's confirmation and the volunteer's points, and a
redemption whose button is double-tapped yet spends once, handed over at the counter.
Screenshots land in test-artifacts/ so a person can look at what the pages show."""

import datetime
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import F
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from wenming.people.tests.factories import PASSWORD
from wenming.points import services
from wenming.points.models import Goods, PointsAccount, PointsEntry, Redemption
from wenming.testing import chromium, tile
from wenming.wishes import services as wish_services
from wenming.wishes.models import Wish

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
pytestmark = pytest.mark.browser


@pytest.fixture
def browser(monkeypatch, settings, tmp_path):
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # still plain synchronous ones. Uploads go to a temporary MEDIA_ROOT.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.MEDIA_ROOT = tmp_path
    with chromium() as browser:
        yield browser


def phone(browser):
    context = browser.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN")
    return context.new_page()


def log_in(browser, base: str, username: str):
    page = phone(browser)
    page.goto(f"{base}/login/")
    page.get_by_label("用户名或手机号").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("link", name="活动", exact=True)).to_be_visible()
    return page


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def png(colour: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (240, 240), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_wish_from_posting_to_confirmation_earns_the_volunteer_points(world, live_server,
                                                                        browser):
    base = live_server.url
    world.res1.user.real_name = "王秀英"
    world.res1.user.save()

    resident = log_in(browser, base, "res1")
    tile(resident, "微心愿")
    resident.get_by_role("link", name="我要许愿").click()
    resident.get_by_label("心愿（一句话）").fill("想要一台收音机")
    resident.get_by_label("具体说明").fill("老伴爱听评书，家里的收音机坏了。<b>谢谢</b>")
    resident.get_by_label("为谁许愿").fill("老伴")
    resident.get_by_label("希望在哪天前实现").fill("2099-01-01")
    resident.get_by_label("较急").check()
    resident.get_by_role("button", name="提交心愿").click()
    # more than half a year away: said in Chinese, nothing written, the text kept
    expect(resident.locator(".errors")).to_contain_text("期望实现日期不能超过半年")
    assert not Wish.objects.exists()
    soon = timezone.localdate() + datetime.timedelta(days=20)
    resident.get_by_label("希望在哪天前实现").fill(soon.isoformat())
    shot(resident, "wish-form.png")
    resident.get_by_role("button", name="提交心愿").click()
    expect(resident.locator(".flash").first).to_contain_text("心愿已提交")
    expect(resident.get_by_test_id("state")).to_have_text("待审核")

    staff = log_in(browser, base, "sta1")
    tile(staff, "微心愿")
    staff.get_by_role("link", name="心愿审核").click()
    expect(staff.get_by_text("想要一台收音机")).to_be_visible()
    shot(staff, "wish-review.png")
    staff.get_by_role("button", name="通过，上墙").click()
    expect(staff.locator(".flash").first).to_contain_text("已通过")

    volunteer = log_in(browser, base, "vol1")
    tile(volunteer, "微心愿")
    card = volunteer.locator(".wish", has_text="想要一台收音机")
    expect(card.get_by_test_id("resident")).to_have_text("王** · 稻香园社区实践站")
    expect(card).to_contain_text("<b>谢谢</b>")  # shown as text
    shot(volunteer, "wish-wall.png")
    card.get_by_role("link", name="查看 · 认领").click()
    volunteer.get_by_role("button", name="我来认领").click()
    expect(volunteer.locator(".flash").first).to_contain_text("认领成功")
    volunteer.get_by_label("实现情况").fill("买了一台新收音机送到家中，老人很满意。")
    volunteer.get_by_label("照片（可选，JPG或PNG，5MB以内）").set_input_files(
        {"name": "photo.png", "mimeType": "image/png", "buffer": png("#c8102e")})
    shot(volunteer, "wish-fulfil.png")
    volunteer.get_by_role("button", name="提交，请心愿人确认").click()
    expect(volunteer.get_by_test_id("state")).to_have_text("待确认")

    tile(resident, "微心愿")
    resident.get_by_role("link", name="我的心愿").click()
    shot(resident, "my-wishes.png")
    resident.get_by_role("link", name="志愿者已帮您实现，请确认").click()
    expect(resident.locator("img.wish-photo")).to_be_visible()
    resident.get_by_role("button", name="确认心愿已实现").click()
    expect(resident.get_by_test_id("state")).to_have_text("已实现")
    expect(resident.get_by_test_id("history")).to_contain_text("心愿人确认已实现")
    shot(resident, "wish-confirmed.png")

    tile(volunteer, "积分超市")
    expect(volunteer.get_by_test_id("balance")).to_have_text("30")
    expect(volunteer.get_by_test_id("entries")).to_contain_text("完成微心愿：想要一台收音机")
    shot(volunteer, "points-home.png")

    # The station's screen: no login, the resident masked; and the same wall in elder mode.
    glasses = wish_services.wish_moderate(by=world.sta1_staff, approve=True, wish=wish_services.wish_post(
        by=world.res1.user, title="想要一副老花镜", text="看报纸看不清。", urgency=2,
        due_date=timezone.localdate() + datetime.timedelta(days=5)))
    screen = phone(browser)
    screen.goto(f"{base}/wishes/wall/{world.inst1.pk}/")
    expect(screen.get_by_test_id(f"wish-{glasses.pk}")).to_contain_text("王**")
    expect(screen.locator("body")).not_to_contain_text("王秀英")
    shot(screen, "wish-wall-public.png")
    screen.set_viewport_size({"width": 1280, "height": 720})
    shot(screen, "wish-wall-screen.png")
    tile(volunteer, "微心愿")
    volunteer.get_by_role("button", name="长者模式（大字）").click()
    expect(volunteer.get_by_role("link", name="查看 · 认领")).to_be_visible()
    shot(volunteer, "wish-wall-elder.png")


def test_a_double_tapped_redeem_spends_once_and_the_counter_hands_it_over(world, live_server,
                                                                          browser):
    base = live_server.url
    account = services.account_for(world.vol1)
    PointsEntry.objects.create(account=account, amount=100, kind=PointsEntry.Kind.ADJUST,
                               reason="服务时长：社区义诊", source_type="tests.grant", source_id=1)
    PointsAccount.objects.filter(pk=account.pk).update(balance=F("balance") + 100)
    store = services.store_create(by=world.sta1_staff, org=world.sta1, name="稻香园爱心超市",
                                  address="稻香园社区服务中心一楼", opening_hours="周二、周四 9:00–11:30")
    goods = services.goods_add(by=world.sta1_staff, store=store, name="洗衣液 2kg", price=30,
                               stock=5, per_person_limit=2,
                               picture=SimpleUploadedFile("g.png", png("#2e7dd7")))
    services.goods_add(by=world.sta1_staff, store=store, name="抽纸（一提）", price=15, stock=0)

    page = log_in(browser, base, "vol1")
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST"
            and "/redeem/" in r.url else None)  # fetch() calls included
    tile(page, "积分超市")
    page.get_by_role("link", name="去爱心超市兑换").click()
    page.get_by_role("link", name="看看商品").click()
    expect(page.get_by_test_id("balance")).to_have_text("100")
    shot(page, "store-goods.png")
    card = page.get_by_test_id(f"goods-{goods.pk}")
    # A flaky network resending the form: the same POST twice at once, then a double tap.
    page.evaluate("""form => Promise.all([1, 2].map(() => fetch(form.action, {
        method: "POST", body: new FormData(form), credentials: "same-origin"})))""",
                  card.locator("form").element_handle())
    card.get_by_role("button", name="兑换").dblclick()
    expect(page.get_by_test_id("pickup-code")).to_be_visible()
    expect(page.locator(".pickup-qr svg")).to_be_visible()
    shot(page, "redemption-code.png")
    page.get_by_role("button", name="长者模式（大字）").click()
    expect(page.get_by_test_id("pickup-code")).to_be_visible()
    shot(page, "redemption-elder.png")
    assert len(posts) >= 3  # every copy reached the server ...
    assert Redemption.objects.count() == 1  # ... and spent once
    assert PointsAccount.objects.get(pk=account.pk).balance == 70
    assert Goods.objects.get(pk=goods.pk).stock == 4
    code = Redemption.objects.get().pickup_code

    staff = log_in(browser, base, "sta1")
    staff.goto(f"{base}/points/stores/{store.pk}/pickup/")
    staff.get_by_label("取货码").fill(code.lower())
    staff.get_by_role("button", name="确认发放").click()
    expect(staff.locator(".flash").first).to_contain_text("已发放：洗衣液 2kg × 1")
    shot(staff, "pickup-counter.png")
    staff.get_by_role("link", name="稻香园爱心超市").click()
    expect(staff.get_by_test_id("goods")).to_contain_text("洗衣液 2kg")
    shot(staff, "store-manage.png")
    page.get_by_role("link", name="我的兑换").click()
    expect(page.get_by_test_id(f"redemption-{Redemption.objects.get().pk}")).to_contain_text(
        "已领取")
    assert Redemption.objects.get().status == Redemption.Status.PICKED_UP
    shot(page, "my-redemptions-elder.png")
    page.goto(f"{base}/points/stores/{store.pk}/")
    shot(page, "store-goods-elder.png")
