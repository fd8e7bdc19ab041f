"""Real browser at phone width: station staff blow the whistle on a resident's appeal and
hand it to a partner unit; the unit's account accepts it and reports back with a note and a
photo; the resident sees who handled it on their order page (normal and elder mode, nothing
scrolls sideways at 375 px); staff draw a grid by tapping corners on the map (1280 px).
Screenshots land in test-artifacts/."""

import base64

import pytest
from playwright.sync_api import expect

from wenming.activities.tests.test_browser import browser, log_in, phone, shot  # noqa: F401
from wenming.orders.tests.test_support import submit
from wenming.orgs.models import Grid
from wenming.partners.models import Handover
from wenming.partners.tests.support import unit_at

pytestmark = pytest.mark.browser

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_a_unit_accepts_and_reports_a_handed_over_appeal(world, live_server, browser,  # noqa: F811
                                                         tmp_path):
    base = live_server.url
    unit_at(world.sta1, "海淀医院", account="unit1")
    appeal = submit(world.res1, kind="appeal", text="老人独居，希望有医生上门量血压")

    staff = phone(browser)
    log_in(staff, base, world.sta1_staff.username)
    staff.goto(f"{base}/orders/{appeal.pk}/")
    staff.get_by_role("link", name="吹哨交办给单位").click()
    staff.get_by_label("交办给").select_option(label="海淀医院")
    staff.get_by_label("交办事由").fill("请安排家庭医生上门")
    shot(staff, "partners-1-handover-form.png")
    no_sideways_scroll(staff)
    staff.get_by_role("button", name="交办").click()
    expect(staff.locator(".flash").first).to_contain_text("已交办给海淀医院")
    expect(staff.get_by_test_id("handled-by")).to_contain_text("由 海淀医院 负责办理")

    account = phone(browser)
    log_in(account, base, "unit1")
    account.goto(f"{base}/units/handovers/")
    shot(account, "partners-2-unit-inbox.png")
    account.get_by_role("link", name=f"#{appeal.pk} 老人独居").click()
    account.get_by_role("button", name="接收，马上办理").click()
    expect(account.get_by_test_id("handover-state")).to_have_text("办理中")
    account.get_by_role("textbox", name="办理情况").fill("已安排家庭医生每周二上门，血压平稳")
    photo = tmp_path / "visit.png"
    photo.write_bytes(PNG)
    account.get_by_label("现场照片（最多6张，JPG或PNG）").set_input_files(str(photo))
    shot(account, "partners-3-unit-report.png")
    no_sideways_scroll(account)
    account.get_by_role("button", name="提交反馈").click()
    expect(account.get_by_test_id("handover-state")).to_have_text("已反馈")
    handover = Handover.objects.get()
    assert (handover.state, handover.photos.count()) == ("reported", 1)

    resident = phone(browser)
    log_in(resident, base, "res1")
    resident.goto(f"{base}/orders/{appeal.pk}/")
    expect(resident.get_by_test_id("handled-by")).to_contain_text("海淀医院 已办理并反馈")
    expect(resident.get_by_test_id("handover-report")).to_contain_text("每周二上门")
    assert resident.locator(".handover-photos img").evaluate("i => i.naturalWidth") == 1
    shot(resident, "partners-4-resident-order.png")
    no_sideways_scroll(resident)
    world.res1.user.elder_mode = True
    world.res1.user.save(update_fields=["elder_mode"])
    resident.reload()
    expect(resident.locator("html.elder")).to_have_count(1)
    expect(resident.get_by_test_id("handled-by")).to_contain_text("海淀医院")
    shot(resident, "partners-5-resident-order-elder.png")
    no_sideways_scroll(resident)


def test_staff_draw_a_grid_by_tapping_its_corners(world, live_server, browser):  # noqa: F811
    base = live_server.url
    page = phone(browser)
    log_in(page, base, world.sta1_staff.username)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{base}/orgs/{world.sta1.pk}/grids/new/")
    box = page.locator("#grid-map")
    expect(box).to_be_visible()
    for x, y in [(100, 100), (400, 100), (400, 300), (100, 300)]:
        box.click(position={"x": x, "y": y})
    expect(page.get_by_test_id("corner-count")).to_have_text("4 / 3+")
    page.get_by_label("网格名称").fill("北区网格")
    page.get_by_label(world.vol1.user.real_name).check()
    shot(page, "partners-6-grid-draw-1280.png")
    page.get_by_role("button", name="保存网格").click()
    expect(page.locator(".flash").first).to_contain_text("网格已保存")
    grid = Grid.objects.get()
    assert len(grid.polygon) == 4 and list(grid.managers.all()) == [world.vol1.user]
    shot(page, "partners-7-grids-1280.png")
