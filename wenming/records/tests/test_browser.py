"""Real browser at phone width (Playwright, Debian's chromium, a live server): a volunteer
opens their record from the home grid, sees its five parts and asks to correct a line with a
photo; the station decides it. Normal and elder mode, nothing wider than 375 px.
Screenshots land in test-artifacts/."""

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from wenming.activities.tests.test_browser import browser, log_in, phone, shot  # noqa: F401
from wenming.records.models import Correction
from wenming.records.services import training_record
from wenming.testing import tile

from .test_support import approved_line

pytestmark = pytest.mark.browser


def test_a_volunteer_opens_their_record_and_asks_for_a_correction(
        world, live_server, browser, tmp_path):  # noqa: F811
    line = approved_line(world, hours="2", title="关爱空巢老人上门理发")
    approved_line(world, hours="3", days_ago=3, org=world.sta1b, title="芙蓉里环境整治")
    training_record(by=world.sta1_staff, volunteer=world.vol1, name="应急救护培训", hours=4,
                    organiser="海淀区红十字会", date=line.service_date)
    photo = tmp_path / "evidence.png"
    buffer = io.BytesIO()
    Image.new("RGB", (120, 80), (30, 120, 200)).save(buffer, "PNG")
    photo.write_bytes(buffer.getvalue())
    base = live_server.url

    vol = phone(browser)
    log_in(vol, base, "vol1")
    tile(vol, "服务记录")
    expect(vol.get_by_test_id("volunteer-no")).to_have_text(world.vol1.volunteer_no)
    expect(vol.get_by_test_id("lines")).to_contain_text("芙蓉里环境整治")
    assert vol.evaluate("document.documentElement.scrollWidth") <= 375
    shot(vol, "records-1-record.png")

    vol.locator(f'[data-line="{line.pk}"]').get_by_role("link", name="申请更正").click()
    vol.get_by_label("更正后的时长（小时）").fill("3")
    vol.get_by_label("更正理由").fill("签退时忘记扫码，实际服务到11点")
    vol.get_by_label("证明材料照片").set_input_files(str(photo))
    shot(vol, "records-2-correction.png")
    vol.get_by_role("button", name="提交更正申请").click()
    expect(vol.locator(".flash").first).to_contain_text("更正申请已提交")
    expect(vol.locator(f'[data-line="{line.pk}"]')).to_contain_text("更正中")
    correction = Correction.objects.get()
    assert (correction.hours, correction.state) == (3, "requested") and correction.evidence

    staff = phone(browser)
    log_in(staff, base, "sta1")
    staff.goto(f"{base}/corrections/{correction.pk}/")
    expect(staff.locator("img.rec-evidence")).to_be_visible()
    shot(staff, "records-3-decide.png")
    staff.get_by_role("button", name="同意更正（冲正并重新记录）").click()
    expect(staff.get_by_test_id("state")).to_have_text("已更正")

    vol.reload()
    expect(vol.get_by_test_id("total-hours")).to_contain_text("6 小时")
    vol.get_by_role("button", name="长者模式（大字）").click()
    expect(vol.get_by_test_id("volunteer-no")).to_be_visible()
    assert vol.evaluate("document.documentElement.scrollWidth") <= 375
    shot(vol, "records-4-elder.png")


def test_a_volunteer_declares_hours_with_a_photo_and_the_station_confirms(
        world, live_server, browser, tmp_path):  # noqa: F811
    from wenming.records.models import Declaration

    from .test_declarations import past_activity

    activity = past_activity(world, title="重阳节敬老院慰问")
    photo = tmp_path / "evidence.png"
    buffer = io.BytesIO()
    Image.new("RGB", (160, 100), (200, 120, 30)).save(buffer, "PNG")
    photo.write_bytes(buffer.getvalue())
    base = live_server.url

    vol = phone(browser)
    log_in(vol, base, "vol1")
    vol.goto(f"{base}/my/hours/")
    vol.get_by_test_id("declare").click()
    vol.get_by_label("所属活动").select_option(str(activity.pk))
    vol.get_by_label("申报时长（小时）").fill("2.5")
    vol.get_by_label("情况说明").fill("现场手机没电，未能扫码签到，负责人可证明")
    vol.get_by_label("证明照片").set_input_files(str(photo))
    assert vol.evaluate("document.documentElement.scrollWidth") <= 375
    shot(vol, "records-5-declare.png")
    vol.get_by_role("button", name="提交申报").click()
    expect(vol.get_by_test_id("state")).to_have_text("待确认")
    declaration = Declaration.objects.get()

    staff = phone(browser)
    log_in(staff, base, "sta1")
    staff.goto(f"{base}/declarations/")
    staff.get_by_role("link", name=f"{world.vol1.user.real_name} · 重阳节敬老院慰问").click()
    expect(staff.locator("img.rec-evidence")).to_be_visible()
    shot(staff, "records-6-declaration-decide.png")
    staff.get_by_role("button", name="确认并记入服务时长").click()
    expect(staff.get_by_test_id("state")).to_have_text("已确认")
    declaration.refresh_from_db()
    assert declaration.record.status == "approved"

    vol.goto(f"{base}/declarations/{declaration.pk}/")
    vol.get_by_role("button", name="长者模式（大字）").click()
    expect(vol.get_by_test_id("record")).to_contain_text("已认定")
    assert vol.evaluate("document.documentElement.scrollWidth") <= 375
    shot(vol, "records-7-declaration-confirmed.png")
