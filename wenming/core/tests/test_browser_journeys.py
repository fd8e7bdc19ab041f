"""Real browser journeys by clicks from the home screen (issue 11's "done when"): the center
opens a volunteer's record from the list, a volunteer takes their hours certificate, staff pick
a node by typing in a search-as-you-type picker, and the district's outline on the maps.
Phone width in elder mode, and the desk width; screenshots land in test-artifacts/."""

import subprocess

import pytest
from playwright.sync_api import expect

from wenming.activities.tests.test_browser import ARTIFACTS, browser, log_in, phone, shot  # noqa: F401
from wenming.orgs.boundaries import boundary_set, shipped_districts
from wenming.orgs.models import Boundary
from wenming.records.tests.test_support import approved_line
from wenming.teams.models import Team
from wenming.testing import tab, tile

pytestmark = pytest.mark.browser


def elder(page) -> None:
    page.get_by_role("button", name="长者模式（大字）").click()
    expect(page.locator("html.elder")).to_be_attached()


def fits(page, width: int = 375) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_center_staff_open_a_volunteers_record_from_the_list(world, live_server, browser):  # noqa: F811
    approved_line(world, hours="3", title="关爱空巢老人上门理发")
    page = phone(browser)
    log_in(page, live_server.url, "center")
    elder(page)
    tile(page, "志愿者")
    page.get_by_role("link", name=world.vol1.user.real_name, exact=True).click()
    page.get_by_test_id("record-link").click()
    expect(page.locator("h1")).to_contain_text(f"{world.vol1.user.real_name}的志愿服务记录")
    for part in ("services", "trainings", "commendations", "evaluations", "complaints"):
        expect(page.locator(f"#{part}-h")).to_be_visible()
    expect(page.get_by_test_id("lines")).to_contain_text("关爱空巢老人上门理发")
    expect(page.get_by_test_id("total-hours")).to_contain_text("3 小时")
    fits(page)
    shot(page, "journey-center-record-375-elder.png")

    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    log_in(desk, live_server.url, "center")
    desk.get_by_role("navigation", name="工作台").get_by_role("link", name="志愿者",
                                                               exact=True).click()
    desk.get_by_role("link", name=world.vol1.user.real_name, exact=True).click()
    desk.get_by_test_id("record-link").click()
    expect(desk.get_by_test_id("lines")).to_contain_text("关爱空巢老人上门理发")
    shot(desk, "journey-center-record-1280.png")


def test_a_volunteer_takes_their_hours_certificate_from_the_home_grid(
        world, live_server, browser, tmp_path):  # noqa: F811
    approved_line(world, hours="2.5", title="社区义诊：量血压、测血糖")
    page = phone(browser, accept_downloads=True)
    log_in(page, live_server.url, "vol1")
    elder(page)
    page.locator(".topbar .brand").click()
    with page.expect_download() as download:
        page.get_by_role("navigation", name="常用功能").get_by_role(
            "link", name="时长证明", exact=True).click()
    pdf = tmp_path / "certificate.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert world.vol1.user.real_name in text and "2.5" in text
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile",
                    str(pdf), str(ARTIFACTS / "journey-volunteer-certificate")], check=True)


def test_staff_pick_the_node_of_a_new_team_by_typing_part_of_its_name(
        world, live_server, browser):  # noqa: F811
    page = phone(browser)
    log_in(page, live_server.url, "center")
    elder(page)
    tile(page, "志愿队伍")
    page.get_by_role("link", name="成立队伍").click()
    page.get_by_label("队名").fill("芙蓉里助老服务队")
    search = page.get_by_role("combobox").first
    # With JavaScript the id box and its "type a number" help are gone: only the search shows.
    expect(page.locator(".picker-nojs").first).to_be_hidden()
    search.fill("芙蓉")
    option = page.get_by_role("option").filter(has_text="芙蓉里社区实践站")
    expect(option).to_be_visible()
    fits(page)
    shot(page, "journey-picker-375-elder.png")
    option.click()
    expect(page.locator(".picker-chosen").first).to_contain_text("芙蓉里社区实践站")
    page.get_by_role("button", name="成立", exact=True).click()
    expect(page.locator(".flash").first).to_be_visible()
    assert Team.objects.get(name="芙蓉里助老服务队").org_id == world.sta1b.id


def test_a_search_that_finds_nothing_says_so_and_chooses_nothing(world, live_server, browser):  # noqa: F811
    page = phone(browser)
    log_in(page, live_server.url, "center")
    page.goto(f"{live_server.url}/teams/new/")
    page.get_by_role("combobox").first.fill("没有这个阵地")
    expect(page.locator(".picker-list").first).to_contain_text("没有找到")
    page.get_by_label("队名").fill("无处安放队")
    page.get_by_role("button", name="成立", exact=True).click()
    expect(page.locator(".error, .errorlist").first).to_be_visible()
    assert not Team.objects.filter(name="无处安放队").exists()


def test_center_staff_set_the_outline_and_every_map_draws_it(world, live_server, browser):  # noqa: F811
    page = phone(browser)
    log_in(page, live_server.url, "center")
    tile(page, "阵地")
    page.locator(".kind-center .actions-inline").first.get_by_role("link", name="修改").click()
    page.get_by_test_id("boundary-link").click()
    expect(page.get_by_test_id("boundary-current")).to_contain_text("尚未设置")
    page.get_by_label("选用内置的区域（北京市各区）").select_option(label="海淀区")
    page.get_by_role("button", name="保存边界").click()
    expect(page.get_by_test_id("boundary-current")).to_contain_text("本阵地的边界：海淀区")
    expect(page.locator("path.district-boundary")).to_have_count(1)
    fits(page)
    shot(page, "journey-boundary-375.png")
    assert Boundary.objects.get(node=world.center).name == "海淀区"

    # A station's staff see the district's outline on their own map: the place picker.
    station = phone(browser)
    log_in(station, live_server.url, "sta1")
    station.goto(f"{live_server.url}/orgs/{world.sta1.id}/edit/")
    expect(station.locator("[data-place-picker] path.district-boundary")).to_have_count(1)
    # The outline lets a tap through: the place is still picked by tapping inside it.
    station.locator("[data-place-picker]").click(position={"x": 150, "y": 100})
    assert station.locator("input[name=lat]").input_value()
    shot(station, "journey-boundary-picker-375.png")


def test_a_map_without_an_outline_stays_quiet(world, live_server, browser):  # noqa: F811
    page = phone(browser)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    log_in(page, live_server.url, "sta1")
    page.goto(f"{live_server.url}/orgs/{world.sta1.id}/edit/")
    expect(page.locator("[data-place-picker] .leaflet-pane").first).to_be_attached()
    expect(page.locator("path.district-boundary")).to_have_count(0)
    boundary_set(by=None, node=world.center, data=shipped_districts())
    page.reload()
    expect(page.locator("path.district-boundary")).to_have_count(1)
    assert not errors


def test_the_order_map_the_dashboard_and_the_order_form_draw_the_outline(
        world, live_server, browser):  # noqa: F811
    boundary_set(by=None, node=world.center, data=shipped_districts())
    staff = phone(browser)
    errors = []
    staff.on("pageerror", lambda e: errors.append(str(e)))
    log_in(staff, live_server.url, "center")
    for path in ("/orders/map/", f"/stats/{world.center.id}/", "/activities/new/"):
        staff.goto(f"{live_server.url}{path}")
        expect(staff.locator("path.district-boundary"), path).to_have_count(1)
    resident = phone(browser)
    log_in(resident, live_server.url, "res1")
    tab(resident, "点单")
    resident.get_by_role("link", name="健康促进与体育服务平台").click()
    resident.get_by_role("button", name="上门量血压、测血糖").click()
    expect(resident.locator("[data-place-picker]")).to_be_attached()
    expect(resident.locator("path.district-boundary")).to_have_count(1)
    assert not errors
