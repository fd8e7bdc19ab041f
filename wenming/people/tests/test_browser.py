"""Real browser: Playwright drives Debian's chromium against a live server.

Screenshots land in test-artifacts/ so a person can look at what the page shows.
"""

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from wenming.people.tests.factories import PASSWORD

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
pytestmark = pytest.mark.browser


@pytest.fixture
def page():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        context = browser.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN")
        yield context.new_page()
        browser.close()


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("用户名或手机号").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="工作台")).to_be_visible()


def test_station_staff_see_their_volunteers_and_none_of_a_sibling_station(
        world, live_server, page):
    ARTIFACTS.mkdir(exist_ok=True)
    log_in(page, live_server.url, "sta1")
    page.get_by_role("link", name="志愿者", exact=True).click()
    rows = page.locator("table.list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(world.vol1.user.real_name)
    expect(page.locator("body")).not_to_contain_text(world.vol2.user.real_name)
    expect(page.locator("body")).not_to_contain_text(world.vol1.user.mobile)
    page.screenshot(path=str(ARTIFACTS / "sta1-volunteers.png"), full_page=True)

    # A sibling station's volunteer is not reachable by URL either.
    response = page.goto(f"{live_server.url}/volunteers/{world.vol2.id}/")
    assert response.status == 404


def test_the_search_box_filters_as_you_type(world, live_server, page):
    log_in(page, live_server.url, "inst1")
    page.goto(f"{live_server.url}/volunteers/")
    expect(page.locator("table.list tbody tr")).to_have_count(2)  # vol1 and vol1b
    page.get_by_placeholder("姓名、手机号或身份证号").fill(world.vol1b.user.real_name)
    expect(page.locator("table.list tbody tr")).to_have_count(1)
    expect(page.locator("table.list tbody")).to_contain_text(world.vol1b.user.real_name)


def test_elder_mode_enlarges_the_page_and_stays_on(world, live_server, page):
    page.goto(f"{live_server.url}/login/")
    normal = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    page.get_by_role("button", name="长者模式（大字）").click()
    page.goto(f"{live_server.url}/login/")
    large = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    assert large >= normal * 1.3
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "login-elder.png"), full_page=True)


def test_the_content_security_policy_blocks_nothing_on_the_people_pages(world, live_server, page):
    """The policy is on; htmx (a static file) still searches as you type, forms still post,
    and the browser reports no violation on any people page."""
    violations: list[str] = []
    page.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))
    page.on("pageerror", lambda e: violations.append(str(e)))
    log_in(page, live_server.url, "inst1")
    response = page.goto(f"{live_server.url}/volunteers/")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    page.get_by_placeholder("姓名、手机号或身份证号").fill(world.vol1b.user.real_name)
    expect(page.locator("table.list tbody tr")).to_have_count(1)
    page.get_by_role("link", name=world.vol1b.user.real_name).click()
    page.get_by_role("button", name="查看完整号码（将记录查看日志）").click()
    expect(page.get_by_test_id("id-number")).to_have_text(world.vol1b.id_number)
    for path in ["/me/", "/me/password/", "/me/mobile/", "/register/", "/orgs/"]:
        page.goto(f"{live_server.url}{path}")
    assert violations == []
