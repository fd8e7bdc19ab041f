"""Real browser at phone width (Playwright, Debian's chromium, a live server): a volunteer
taps the 排行榜 tile and finds their place in the monthly ranking, outside the first page,
with its breakdown; the 光荣榜 at 375 px in elder mode (nothing scrolls sideways) and on a
1920×1080 hall screen. Screenshots land in test-artifacts/."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from wenming.activities.tests.test_browser import browser, log_in, phone, shot  # noqa: F401
from wenming.honors import services
from wenming.honors.models import PublicityConsent, Selection
from wenming.people.tests.factories import volunteer_at
from wenming.testing import tile

from .support import line

pytestmark = pytest.mark.browser


def test_a_volunteer_finds_their_place_in_the_monthly_ranking(world, live_server, browser):  # noqa: F811
    today = timezone.localdate()
    ahead = [volunteer_at(world.sta1) for _ in range(31)]
    for i, v in enumerate(ahead):
        line(v, 4 + i / 4, today)  # within the daily cap (12 h), each above vol1
    line(world.vol1, 3, today)
    PublicityConsent.objects.create(volunteer=ahead[-1], display="full")
    base = live_server.url

    page = phone(browser)
    log_in(page, base, "vol1")
    tile(page, "排行榜")
    mine = page.get_by_test_id("my-place")
    expect(mine.get_by_test_id("my-rank")).to_have_text("第 32 名")
    expect(mine).to_contain_text("服务时长")
    expect(page.get_by_test_id("ranking").locator("li")).to_have_count(30)
    expect(page.get_by_test_id("ranking").locator("li").first).to_contain_text(
        ahead[-1].user.real_name)
    shot(page, "honors-ranking-phone.png")
    page.get_by_test_id("ranking").locator("summary").nth(1).click()
    expect(page.get_by_test_id("ranking").locator(".breakdown").nth(1)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    s = services.selection_nominate(by=world.center_staff, node=world.center, kind="star",
                                    period="month", top_n=5)
    services.selection_review(by=world.center_staff, selection=s)
    services.selection_publicize(by=world.center_staff, selection=s)
    Selection.objects.filter(pk=s.pk).update(publicity_end=timezone.now())
    services.selection_announce(by=world.center_staff, selection=Selection.objects.get(pk=s.pk))

    elder = phone(browser)
    elder.context.add_cookies([{"name": "elder", "value": "1", "url": base}])
    elder.goto(f"{base}/honors/board/{world.center.pk}/")
    expect(elder.get_by_test_id("board")).to_contain_text("时尚达人")
    assert elder.evaluate("document.documentElement.classList.contains('elder')")
    assert elder.evaluate("document.documentElement.scrollWidth") <= 375
    shot(elder, "honors-board-phone-elder.png")

    screen = browser.new_context(viewport={"width": 1920, "height": 1080},
                                 locale="zh-CN").new_page()
    screen.goto(f"{base}/honors/board/{world.center.pk}/")
    expect(screen.get_by_test_id("board")).to_contain_text(ahead[-1].user.real_name)
    assert screen.evaluate("document.documentElement.scrollWidth") <= 1920
    screen.screenshot(path="test-artifacts/honors-board-1920.png")
