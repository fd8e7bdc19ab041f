"""Real browser at phone width: a volunteer opens the call-up from the inbox message the push
wrote, signs up for a shift, sees their place; the organiser watches coverage update by
itself (htmx polling). Elder mode at 375 px; 1280 px for the organiser."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from wenming.callups import services
from wenming.callups.models import Signup
from wenming.callups.tasks import fan_out
from wenming.callups.tests.support import callup, shift
from wenming.people.tests.factories import PASSWORD
from wenming.testing import chromium

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
pytestmark = pytest.mark.browser


@pytest.fixture
def browser(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with chromium() as browser:
        yield browser


def open_page(browser, width: int = 375):
    context = browser.new_context(viewport={"width": width, "height": 812}, locale="zh-CN")
    return context.new_page()


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("用户名或手机号").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/login/" not in url)


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= \
        page.evaluate("window.innerWidth")


def test_a_volunteer_answers_a_call_up_on_a_phone(world, live_server, browser):
    c = callup(world, shifts=[shift(24, quota=2), shift(48, quota=2)])
    fan_out.call(c.pk)
    first = c.shifts.order_by("start").first()

    organiser = open_page(browser, width=1280)
    log_in(organiser, live_server.url, "inst1")
    organiser.goto(f"{live_server.url}/callups/{c.id}/")
    expect(organiser.get_by_test_id(f"coverage-{first.id}")).to_contain_text("0 / 2")

    page = open_page(browser)
    log_in(page, live_server.url, "vol1")
    page.get_by_test_id("inbox-tab").click()  # its name carries the unread count
    page.get_by_role("link", name="招募令：防汛物资转运").click()
    expect(page.get_by_role("heading", name="防汛物资转运")).to_be_visible()
    shot(page, "callup-1-detail.png")
    page.get_by_test_id(f"shift-{first.id}").get_by_role("button",
                                                         name="我报名这个班次").click()
    expect(page.locator(".flash").first).to_contain_text("报名成功")
    expect(page.get_by_test_id(f"shift-{first.id}")).to_contain_text("已报名 1 / 2 人")
    expect(page.get_by_test_id(f"shift-{first.id}").get_by_role(
        "button", name="取消报名")).to_be_visible()
    no_sideways_scroll(page)
    shot(page, "callup-2-signed-up.png")
    assert Signup.objects.get().volunteer == world.vol1

    # The organiser's table catches up by itself (polling), no reload.
    services.signup_create(by=world.vol1b.user, callup=c, shift_id=first.id)
    expect(organiser.get_by_test_id(f"coverage-{first.id}")).to_contain_text("2 / 2",
                                                                            timeout=15_000)
    shot(organiser, "callup-3-coverage-desktop.png")

    page.get_by_role("button", name="长者模式（大字）").click()
    expect(page.get_by_test_id(f"shift-{first.id}")).to_contain_text("已报满")
    no_sideways_scroll(page)
    shot(page, "callup-4-elder.png")
