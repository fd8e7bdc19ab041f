"""Real browser: station staff book a lecturer on a phone, the center's staff confirm it at
desktop width and the booking becomes an activity. Screenshots in test-artifacts/."""

import pytest
from playwright.sync_api import expect

from wenming.activities.tests.test_browser import PASSWORD, browser, log_in, phone, shot  # noqa: F401
from wenming.lectures.models import Booking
from wenming.lectures.tests.factories import at, roster
from wenming.lectures.tests.test_calendar import booked, next_month_day  # noqa: F401
from wenming.testing import tile

pytestmark = pytest.mark.browser


def desk_log_in(page, base: str, username: str) -> None:
    """At desktop width staff have the side navigation, not the phone's tab bar."""
    page.goto(f"{base}/login/")
    page.get_by_label("用户名或手机号").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("navigation", name="工作台")).to_be_visible()


def test_staff_book_a_lecturer_and_the_center_confirms(world, live_server, browser):  # noqa: F811
    r = roster(world)
    page = phone(browser)
    log_in(page, live_server.url, "sta1")
    tile(page, "宣讲")
    expect(page.get_by_test_id("lectures")).to_contain_text("新思想进万家")
    shot(page, "lectures-menu-375.png")
    page.get_by_test_id("lectures").locator("li", has_text="新思想进万家") \
        .get_by_role("link", name="预约").click()
    form = page.get_by_test_id("booking-form")
    form.get_by_label("预约方").select_option(f"community:{world.sta1.id}")
    form.get_by_label("日期").fill(at().date().isoformat())
    form.get_by_label("开始时间").fill("09:00")
    form.get_by_label("地点").fill("稻香园社区会议室")
    form.get_by_label("预计听众（人）").fill("80")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shot(page, "lectures-book-375.png")
    form.get_by_role("button", name="提交预约").click()
    expect(page.get_by_test_id("state")).to_have_text("待确认")
    booking = Booking.objects.get()
    assert (booking.lecturer, booking.org, booking.expected_audience) == \
        (r.famous, world.sta1, 80)
    page.get_by_role("button", name="长者模式（大字）").click()
    expect(page.get_by_role("button", name="退出长者模式")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shot(page, "lectures-booking-elder.png")

    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN") \
        .new_page()
    desk_log_in(desk, live_server.url, "center")
    desk.goto(f"{live_server.url}/lectures/bookings/{booking.pk}/")
    desk.get_by_role("button", name="确认安排").click()
    expect(desk.get_by_test_id("state")).to_have_text("已确认")
    shot(desk, "lectures-confirmed-1280.png")
    booking.refresh_from_db()
    assert booking.activity is not None and booking.activity.start == booking.start


def test_a_lecturer_reads_their_month_on_a_phone_and_staff_on_a_desk(  # noqa: F811
        world, live_server, browser, booked):  # noqa: F811
    page = phone(browser)
    log_in(page, live_server.url, world.vol1.user.username)
    page.goto(f"{live_server.url}/lectures/bookings/")
    page.get_by_test_id("my-calendar").click()
    page.get_by_test_id("next-month").click()
    day = page.get_by_test_id(f"day-{next_month_day(3, 9).date().isoformat()}")
    expect(day.get_by_test_id(f"booking-{booked.session.id}")).to_contain_text("09:00")
    expect(day.get_by_test_id(f"booking-{booked.later.id}")).to_contain_text("14:00")
    expect(page.locator(".cal-grid")).to_be_hidden()  # the grid is for wide screens
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shot(page, "lectures-calendar-375.png")
    page.get_by_role("button", name="长者模式（大字）").click()
    expect(page.get_by_role("button", name="退出长者模式")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shot(page, "lectures-calendar-elder.png")
    day.get_by_test_id(f"booking-{booked.session.id}").get_by_role("link").click()
    expect(page.get_by_test_id("state")).to_have_text("待确认")

    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN") \
        .new_page()
    desk_log_in(desk, live_server.url, "center")
    desk.goto(f"{live_server.url}/lectures/lecturers/{booked.famous.id}/calendar/"
              f"?month={booked.month}")
    grid = desk.locator(".cal-grid")
    expect(grid).to_be_visible()
    expect(grid).to_contain_text("新思想进万家 · 理论讲堂")
    expect(desk.get_by_test_id("cal-list")).to_be_hidden()
    shot(desk, "lectures-calendar-1280.png")
