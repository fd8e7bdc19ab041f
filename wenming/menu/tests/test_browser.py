"""Real browser (Playwright, Debian's chromium, a live server): a resident in elder mode
orders from the menu on a phone in three taps after 我要点单; staff keep the menu at desktop
width; the hall's kiosk at phone and screen width. Screenshots in test-artifacts/."""

import re

import pytest
from playwright.sync_api import expect

from wenming.activities.tests.test_browser import PASSWORD, browser, log_in, phone, shot  # noqa: F401
from wenming.menu import services
from wenming.menu.tests.factories import small_menu
from wenming.orders.models import ServiceOrder
from wenming.testing import tab

pytestmark = pytest.mark.browser


def desk_log_in(page, base: str, username: str) -> None:
    """At desktop width staff have the side navigation, not the phone's tab bar."""
    page.goto(f"{base}/login/")
    page.get_by_label("用户名或手机号").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("navigation", name="工作台")).to_be_visible()


def no_sideways(page, width: int = 375) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_a_resident_in_elder_mode_orders_from_the_menu_in_three_taps(world, live_server,
                                                                     browser):  # noqa: F811
    menu = small_menu(world)
    page = phone(browser)
    log_in(page, live_server.url, "res1")
    tab(page, "点单")
    expect(page.get_by_test_id("menu-categories")).to_contain_text("助老助残")
    shot(page, "menu-order-1-normal.png")
    page.get_by_role("button", name="长者模式（大字）").click()
    expect(page.get_by_role("button", name="退出长者模式")).to_be_visible()
    no_sideways(page)
    shot(page, "menu-order-1-elder.png")

    page.get_by_role("link", name=re.compile("^助老助残")).click()                 # tap 1
    expect(page.get_by_test_id("menu-items")).to_contain_text("海淀助浴")
    no_sideways(page)
    shot(page, "menu-order-2-elder.png")
    page.get_by_role("link", name=re.compile("^上门量血压")).click()               # tap 2
    expect(page.get_by_label("需要什么帮助")).to_have_value("上门量血压")
    no_sideways(page)
    shot(page, "menu-order-3-elder.png")
    page.get_by_role("button", name="提交需求").click()                           # tap 3
    expect(page.locator(".flash").first).to_contain_text("提交成功")
    shot(page, "menu-order-4-submitted-elder.png")
    order = ServiceOrder.objects.get()
    assert (order.item, order.resident, order.skill) == (menu.bp, world.res1, "医疗护理")


def test_staff_menu_and_the_kiosk_at_both_widths(world, live_server, browser,  # noqa: F811
                                                 monkeypatch):
    menu = small_menu(world)
    codes = []

    class Capture:
        name = "capture"

        def send(self, notification, *, key=""):
            codes.append(re.search(r"\d{6}", notification.body).group())

    monkeypatch.setattr(services, "channels", lambda: [Capture()])
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN") \
        .new_page()
    desk_log_in(desk, live_server.url, "inst1")
    desk.goto(f"{live_server.url}/menu/")
    expect(desk.get_by_test_id("category").first).to_contain_text("编辑")
    shot(desk, "menu-editor-1280.png")
    staff = phone(browser)
    log_in(staff, live_server.url, "sta1")
    staff.goto(f"{live_server.url}/menu/hotline/")
    no_sideways(staff)
    shot(staff, "menu-hotline-375.png")
    staff.goto(f"{live_server.url}/menu/kiosk/open/")
    staff.get_by_role("button", name="开启").click()
    expect(staff.get_by_test_id("kiosk-start")).to_be_visible()
    no_sideways(staff)
    shot(staff, "kiosk-home-375.png")
    staff.get_by_test_id("kiosk-start").click()
    for digit in world.res1.user.mobile:
        staff.locator(f"[data-digit='{digit}']").click()
    expect(staff.locator("#kiosk-mobile")).to_have_value(world.res1.user.mobile)
    no_sideways(staff)
    shot(staff, "kiosk-phone-375.png")
    staff.get_by_role("button", name="发送验证码").click()
    expect(staff.locator("#kiosk-code")).to_be_visible()
    for digit in codes[-1]:
        staff.locator(f"[data-digit='{digit}']").click()
    staff.get_by_role("button", name="确定").click()
    staff.get_by_role("link", name="助老助残").click()
    staff.get_by_role("link", name="上门量血压").click()
    no_sideways(staff)
    shot(staff, "kiosk-item-375.png")
    staff.get_by_role("button", name="明天上午").click()
    expect(staff.get_by_role("heading", name="提交成功！")).to_be_visible()
    shot(staff, "kiosk-done-375.png")
    order = ServiceOrder.objects.get()
    assert (order.resident, order.item, order.submitted_by) == \
        (world.res1, menu.bp, world.sta1_staff)
    desk.goto(f"{live_server.url}/menu/kiosk/open/")
    desk.get_by_role("button", name="开启").click()
    desk.get_by_test_id("kiosk-start").click()
    shot(desk, "kiosk-phone-1280.png")
