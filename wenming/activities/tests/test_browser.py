"""Real browser: Playwright drives Debian's chromium against a live server at phone width.

Sign up and check in by geofence (the browser's position is set by the context), the
organiser's rotating QR code, and approval flowing into the volunteer's hours. Screenshots
land in test-artifacts/ so a person can look at what the pages show.
"""

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from wenming.activities.models import Activity, Enrollment, ServiceRecord, ServiceRules
from wenming.orgs.models import Platform
from wenming.people.tests.factories import PASSWORD
from wenming.testing import chromium, tile

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
PLACE = {"latitude": 39.98105, "longitude": 116.30512}  # a few metres from the activity
pytestmark = pytest.mark.browser


@pytest.fixture
def browser(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls (set
    # up, then checking what the pages wrote) are still plain synchronous ones.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with chromium() as browser:
        yield browser


def phone(browser, **options):
    context = browser.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN",
                                  **options)
    return context.new_page()


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("用户名或手机号").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    # Logged in, whatever the role's navigation (a partner unit's account has no 活动 tab).
    expect(page.locator("body:not([data-user=''])")).to_be_attached()
    page.wait_for_load_state()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def activity_at(org, *, starts_in: datetime.timedelta, hours: float = 2, **fields) -> Activity:
    start = timezone.now() + starts_in
    # get_or_create: a transactional test before this one may have flushed the migration's rows
    platform = Platform.objects.get_or_create(code="health",
                                              defaults={"name": "健康促进与体育服务平台"})[0]
    fields.setdefault("title", "社区义诊：量血压、测血糖")
    fields.setdefault("quota", 10)
    return Activity.objects.create(
        org=org, platform=platform, address="稻香园社区卫生服务站门口", lat=39.981, lng=116.305,
        start=start, end=start + datetime.timedelta(hours=hours), **fields)


def test_a_volunteer_finds_an_activity_near_them_signs_up_and_checks_in_by_geofence(
        world, live_server, browser):
    activity = activity_at(world.sta1, starts_in=datetime.timedelta(minutes=10),
                           leader=world.sta1_staff, content="为社区老人免费量血压、测血糖。")
    page = phone(browser, geolocation=PLACE, permissions=["geolocation"])
    log_in(page, live_server.url, "vol1")

    page.get_by_role("link", name="活动", exact=True).click()
    page.get_by_role("button", name="附近的活动").click()
    expect(page.get_by_test_id("distance").first).to_contain_text("米")
    expect(page.locator("#results")).to_contain_text("按距离由近到远")
    shot(page, "activities-near-me.png")

    page.get_by_role("link", name=activity.title).click()
    page.get_by_role("button", name="报名参加").click()
    expect(page.locator(".flash").first).to_contain_text("报名成功")
    page.get_by_role("button", name="定位签到").click()
    expect(page.locator(".flash").first).to_contain_text("签到成功")
    expect(page.get_by_test_id("checkin-at")).to_contain_text("定位")
    expect(page.get_by_role("button", name="定位签退")).to_be_visible()
    shot(page, "activity-checked-in.png")
    assert activity.attendances.get().volunteer == world.vol1

    # Elder mode enlarges the same page and keeps its controls.
    normal = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    page.get_by_role("button", name="长者模式（大字）").click()
    expect(page.get_by_role("button", name="定位签退")).to_be_visible()
    large = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    assert large >= normal * 1.3
    shot(page, "activity-elder.png")


def test_the_organiser_shows_a_qr_code_that_rotates(world, live_server, browser):
    ServiceRules.objects.create(center=world.center, qr_window_seconds=3)  # htmx every 2 s
    activity = activity_at(world.sta1, starts_in=-datetime.timedelta(minutes=5),
                           leader=world.sta1_staff)
    Enrollment.objects.create(activity=activity, volunteer=world.vol1, status="enrolled")
    page = phone(browser)
    log_in(page, live_server.url, "sta1")
    page.goto(f"{live_server.url}/activities/{activity.id}/manage/")
    code = page.locator("#qr svg")
    expect(code).to_be_visible()
    first = code.inner_html()
    shot(page, "activity-manage.png")
    expect(page.locator("#qr svg")).not_to_have_js_property("innerHTML", first, timeout=10_000)
    expect(page.get_by_test_id("roster")).to_contain_text(world.vol1.user.real_name)


def test_staff_approve_a_line_and_the_volunteers_total_follows(world, live_server, browser):
    activity = activity_at(world.sta1, starts_in=-datetime.timedelta(hours=3),
                           leader=world.sta1_staff)
    ServiceRecord.objects.create(
        volunteer=world.vol1, activity=activity, org=world.sta1, kind="attendance",
        title=activity.title, service_date=timezone.localdate(activity.start),
        hours=Decimal("2.5"))
    ServiceRecord.objects.create(
        volunteer=world.vol1b, activity=None, org=world.sta1b, kind="backfill",
        title="入户助老服务", service_date=timezone.localdate(), hours=Decimal("1"),
        reason="手机没电，未能签到")

    volunteer = phone(browser)
    log_in(volunteer, live_server.url, "vol1")
    volunteer.goto(f"{live_server.url}/my/hours/")
    expect(volunteer.get_by_test_id("total-hours")).to_contain_text("0")
    expect(volunteer.get_by_test_id("records")).to_contain_text("待审核")

    staff = phone(browser)
    log_in(staff, live_server.url, "inst1")
    tile(staff, "时长审核")
    expect(staff.get_by_test_id("count")).to_contain_text("共 2 条待审核")
    shot(staff, "records-pending.png")
    staff.get_by_role("checkbox", name="全选本页").check()
    staff.get_by_role("button", name="认定所选").click()
    expect(staff.locator(".flash").first).to_contain_text("已认定 2 条")

    volunteer.reload()
    expect(volunteer.get_by_test_id("total-hours")).to_contain_text("2.50")
    expect(volunteer.get_by_test_id("records")).to_contain_text("已认定")
    shot(volunteer, "my-hours.png")


def test_station_staff_publish_an_activity_by_picking_its_place_on_the_map(
        world, live_server, browser):
    Platform.objects.get_or_create(code="health", defaults={"name": "健康促进与体育服务平台"})
    day = timezone.localdate() + datetime.timedelta(days=7)
    page = phone(browser)
    log_in(page, live_server.url, "sta1")
    tile(page, "发布活动")
    page.get_by_label("活动名称").fill("周末社区义诊")
    page.get_by_label("服务平台").select_option(index=1)
    page.get_by_label("开始时间").fill(f"{day:%Y-%m-%d}T09:00")
    page.get_by_label("结束时间").fill(f"{day:%Y-%m-%d}T11:00")
    page.get_by_label("活动地点").fill("稻香园社区卫生服务站门口")
    page.get_by_label("招募人数").fill("20")
    picker = page.locator("[data-place-picker]")
    picker.scroll_into_view_if_needed()
    box = picker.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.7, box["y"] + box["height"] * 0.4)
    expect(page.locator("[data-place-status]")).to_contain_text("已在地图上选定活动地点")
    lat = page.locator("input[name=lat]").input_value()
    assert lat and page.locator("input[name=lng]").input_value()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shot(page, "activity-place-picker.png")
    page.get_by_role("button", name="发布", exact=True).click()
    expect(page.locator(".flash").first).to_be_visible(timeout=30_000)
    made = Activity.objects.get(title="周末社区义诊")
    assert (made.org, f"{made.lat:.6f}") == (world.sta1, lat)
