"""Real browser at phone width: the center's staff open 数据统计 from the home screen, drill
down center → institute → station, and download the quarterly report (Excel and PDF).
Screenshots land in test-artifacts/."""

import io
import random

import openpyxl
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from wenming.activities.tests.test_browser import browser, log_in, phone, shot  # noqa: F401
from wenming.testing import tile

from .support import build

pytestmark = pytest.mark.browser


def test_center_drills_down_to_a_station_and_downloads_the_quarter(
        world, live_server, browser):  # noqa: F811
    today = timezone.localdate()
    build(world, random.Random(5), days=[today, today.replace(day=1)])
    page = phone(browser)
    log_in(page, live_server.url, "center")
    tile(page, "数据统计")
    expect(page.get_by_test_id("stats-title")).to_have_text(world.center.name)
    page.get_by_label("季度").check()
    page.get_by_role("button", name="查看").click()
    quarter = page.get_by_test_id("period")
    expect(quarter).to_contain_text(f"{today.year}-")
    expect(page.locator("[data-chart=trend] canvas")).to_have_count(1)  # ECharts drew
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shot(page, "stats-1-center.png")

    page.get_by_test_id("children").get_by_role("link", name=world.inst1.name).click()
    expect(page.get_by_test_id("stats-title")).to_have_text(world.inst1.name)
    expect(page.get_by_test_id("period")).to_have_text(quarter.inner_text())  # period kept
    page.get_by_test_id("children").get_by_role("link", name=world.sta1.name).click()
    expect(page.get_by_test_id("stats-title")).to_have_text(world.sta1.name)
    # Offline: the dots on a plain Leaflet map, no tiles.
    expect(page.locator("#stats-map path.leaflet-interactive").first).to_be_attached()
    expect(page.locator("#stats-map .leaflet-tile")).to_have_count(0)
    shot(page, "stats-2-station.png")

    with page.expect_download() as excel:
        page.locator('[data-report="quarter-xlsx"]').click()
    book = openpyxl.load_workbook(io.BytesIO(open(excel.value.path(), "rb").read()))
    assert book.worksheets[0].cell(row=1, column=1).value.startswith(world.sta1.name)
    with page.expect_download() as pdf:
        page.locator('[data-report="quarter-pdf"]').click()
    assert open(pdf.value.path(), "rb").read(4) == b"%PDF"
    page.get_by_test_id("drill-up").click()
    expect(page.get_by_test_id("stats-title")).to_have_text(world.inst1.name)
