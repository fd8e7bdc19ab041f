"""Without signal, in a real chromium: the service worker keeps a volunteer's own pages as
last seen (home, the e-card), shows the offline page for anything never opened, and forgets
the pages when somebody else logs in on the same phone."""

import pytest
from playwright.sync_api import expect

from wenming.activities.tests.test_browser import browser, log_in, phone, shot  # noqa: F401

pytestmark = pytest.mark.browser

KEPT = "() => caches.open('wenming-v1-pages').then(c => c.keys()).then(k => k.map(r => new URL(r.url).pathname))"


def controlled(page, base: str, path: str) -> None:
    """Open `path` once the worker is active, so that it handles (and keeps) the page."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.goto(base + path)
    page.wait_for_function("navigator.serviceWorker.controller !== null")


def test_own_pages_open_offline_and_others_show_the_offline_page(world, live_server,
                                                                 browser):  # noqa: F811
    base = live_server.url
    page = phone(browser)
    log_in(page, base, world.vol1.user.username)
    controlled(page, base, "/")
    page.goto(base + "/my/ecard/")
    page.goto(base + "/")
    page.wait_for_function(f"({KEPT})().then(p => p.includes('/my/ecard/') && p.includes('/'))")

    page.context.set_offline(True)
    page.goto(base + "/my/ecard/")
    expect(page.locator("[data-offline-status]")).to_contain_text("当前没有网络")
    expect(page.locator("main")).to_contain_text(world.vol1.user.real_name)
    shot(page, "offline-ecard.png")
    page.goto(base + "/teams/")
    expect(page.get_by_role("heading", name="当前没有网络")).to_be_visible()
    shot(page, "offline-page.png")
    page.context.set_offline(False)


def test_another_person_logging_in_empties_the_kept_pages(world, live_server,
                                                          browser):  # noqa: F811
    base = live_server.url
    page = phone(browser)
    log_in(page, base, world.vol1.user.username)
    controlled(page, base, "/")
    page.goto(base + "/")
    page.wait_for_function(f"({KEPT})().then(p => p.includes('/'))")
    page.context.clear_cookies()
    log_in(page, base, world.vol2.user.username)
    page.wait_for_function(f"({KEPT})().then(p => p.length === 1 && p[0] === '/offline/')")


def test_a_check_in_without_signal_is_kept_and_sent_when_the_signal_returns(
        world, live_server, browser):  # noqa: F811
    import datetime

    from wenming.activities import services
    from wenming.activities.models import Attendance
    from wenming.activities.tests.test_browser import PLACE, activity_at

    activity = activity_at(world.sta1, starts_in=datetime.timedelta(minutes=10))
    services.enrollment_create(volunteer=world.vol1, activity=activity)
    base = live_server.url
    page = phone(browser, geolocation=PLACE, permissions=["geolocation"])
    log_in(page, base, world.vol1.user.username)
    page.goto(f"{base}/activities/{activity.pk}/")
    page.context.set_offline(True)
    page.get_by_role("button", name="定位签到").click()
    expect(page.locator("[data-offline-status]")).to_contain_text("签到已保存在手机上")
    shot(page, "offline-checkin-kept.png")
    assert not Attendance.objects.exists()
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator("[data-offline-status]")).to_contain_text("离线时的记录已提交成功")
    attendance = Attendance.objects.get()
    assert attendance.volunteer == world.vol1 and attendance.checkin_method == "geo"
