"""Every page a role reaches from its home screen holds at 375 px, in normal and elder mode.

A real chromium visits the demo district as each demo role: the home screen, then every link
the home screen, its tab bar and its icon grid lead to. A page fails when the document is wider
than the phone (it would scroll sideways) or when a box's text runs out of it.
"""

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command

from wenming.orgs.services import platforms_ensure_defaults
from wenming.people.models import User
from wenming.testing import chromium

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
PASSWORD = "Demo@2026"
ROLES = ["res1", "vol1", "sta1", "center"]
# Downloads and actions are not pages to lay out.
SKIP = (".pdf", ".xlsx", "/logout/", "/admin/", "/i18n/", "/api/")

pytestmark = pytest.mark.browser

# Boxes whose text is wider than the box itself, ignoring boxes that clip or scroll on purpose.
OVERFLOWING = """() => [...document.querySelectorAll('body *')].filter(e => {
  const s = getComputedStyle(e);
  if (s.display === 'inline' || s.display === 'none' || e.clientWidth === 0) return false;
  if (s.overflowX !== 'visible' || e.closest('svg, .leaflet-container')) return false;
  return e.scrollWidth > e.clientWidth + 1;
}).slice(0, 5).map(e => e.tagName + '.' + e.className + ': ' + (e.textContent || '').trim().slice(0, 30))"""


@pytest.fixture
def demo(transactional_db):
    platforms_ensure_defaults()  # a transactional test before this one flushed them
    call_command("demo", size="small", no_progress=True, stdout=open("/dev/null", "w"))


@pytest.fixture
def browser(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with chromium() as browser:
        yield browser


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("用户名或手机号").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{base}/")


def reachable(page, base: str) -> list[str]:
    """Same-site pages linked from the home screen (tab bar, icon grid, cards)."""
    hrefs = page.eval_on_selector_all("a[href]", "as => as.map(a => a.href)")
    paths = []
    for href in hrefs:
        url = urlsplit(href)
        path = url.path + (f"?{url.query}" if url.query else "")
        if href.startswith(base) and path not in paths and not any(s in path for s in SKIP):
            paths.append(path)
    return paths


def problems(page) -> list[str]:
    width = page.evaluate("document.documentElement.scrollWidth")
    found = [f"document is {width} px wide"] if width > 375 else []
    return found + page.evaluate(OVERFLOWING)


def test_no_page_scrolls_sideways_at_375_px(demo, live_server, browser):
    # One test for every role: the demo district loads once (about 15 s).
    failures = []
    for username in ROLES:
        failures += walk(browser, live_server.url, username)
    assert not failures, "\n".join(failures)


def walk(browser, base: str, username: str) -> list[str]:
    failures = []
    for elder in (False, True):
        User.objects.filter(username=username).update(elder_mode=elder)
        context = browser.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN")
        page = context.new_page()
        log_in(page, base, username)
        paths = reachable(page, base)
        assert len(paths) >= 5, paths  # the tab bar and the icon grid are there
        for path in paths:
            response = page.goto(base + path)
            assert response.status < 500, path
            page.wait_for_load_state("networkidle")
            failures += [f"{'elder' if elder else 'normal'} {path}: {p}" for p in problems(page)]
            if path == "/":
                ARTIFACTS.mkdir(exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / f"home-{username}-{elder}.png"))
        context.close()
    return [f"{username} {f}" for f in failures]
