"""Real browser at phone width: the volunteer shows their e-card, the organiser scans it on
their phone (the camera simulated by the page's photo input, fed a PNG of the code made by
segno) and the volunteer is checked in. Screenshots, normal and elder mode, in test-artifacts/.
"""

import datetime

import pytest
import segno
from playwright.sync_api import expect

from wenming.activities import ecard
from wenming.activities.models import Attendance, Enrollment
from wenming.activities.tests.test_browser import (
    ARTIFACTS,
    activity_at,
    browser,  # noqa: F401 - the fixture
    log_in,
    phone,
    shot,
)

pytestmark = pytest.mark.browser


def elder(page) -> None:
    page.get_by_role("button", name="长者模式（大字）").click()
    expect(page.get_by_role("button", name="退出长者模式")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_the_organiser_scans_a_volunteers_e_card_on_a_phone(world, live_server, browser):  # noqa: F811
    activity = activity_at(world.sta1, starts_in=-datetime.timedelta(minutes=5),
                           leader=world.sta1_staff, title="敬老院陪伴聊天")
    Enrollment.objects.create(activity=activity, volunteer=world.vol1, status="enrolled")

    volunteer = phone(browser)
    log_in(volunteer, live_server.url, "vol1")
    volunteer.goto(f"{live_server.url}/my/ecard/")
    expect(volunteer.get_by_test_id("ecard-name")).to_have_text(world.vol1.user.real_name)
    expect(volunteer.get_by_test_id("ecard-qr").locator("svg")).to_be_visible()
    assert volunteer.evaluate("document.documentElement.scrollWidth") <= 375
    shot(volunteer, "ecard.png")
    elder(volunteer)
    shot(volunteer, "ecard-elder.png")

    # What the volunteer's phone shows, photographed by the organiser's phone.
    picture = ARTIFACTS / "ecard-code.png"
    ARTIFACTS.mkdir(exist_ok=True)
    segno.make(ecard.phone_token(world.vol1), error="m").save(str(picture), scale=8, border=4)

    organiser = phone(browser)
    log_in(organiser, live_server.url, "sta1")
    organiser.goto(f"{live_server.url}/activities/{activity.id}/manage/")
    organiser.get_by_role("link", name="扫志愿者电子证").click()
    expect(organiser.get_by_role("heading", name="扫志愿者电子证")).to_be_visible()
    organiser.locator("[data-scan-file]").set_input_files(str(picture))
    expect(organiser.get_by_test_id("scan-result")).to_contain_text("签到成功")
    expect(organiser.get_by_test_id("scan-result")).to_contain_text(world.vol1.user.real_name)
    expect(organiser.get_by_test_id("scan-log").locator("li")).to_have_count(1)
    assert organiser.evaluate("document.documentElement.scrollWidth") <= 375
    shot(organiser, "ecard-scan.png")
    attendance = Attendance.objects.get(activity=activity)
    assert (attendance.volunteer, attendance.checkin_method) == (world.vol1, "ecard")

    # The same card again: the page says why it is refused, and nothing more is written.
    organiser.locator("[data-scan-file]").set_input_files(str(picture))
    expect(organiser.get_by_test_id("scan-result")).to_contain_text("已签到")
    elder(organiser)
    shot(organiser, "ecard-scan-elder.png")
    assert Attendance.objects.count() == 1


def test_the_project_page_at_phone_width(world, live_server, browser):  # noqa: F811
    from wenming.activities import projects, services
    from wenming.activities.tests.test_support import platform_of

    project = services.project_create(by=world.sta1_staff, title="银龄陪伴·一村一品",
                                      platform=platform_of("health"), org=world.sta1,
                                      description="为社区独居老人每周上门陪伴、读报、量血压。")
    projects.project_move(by=world.inst1_staff, project=project, move="approve")
    projects.project_move(by=world.sta1_staff, project=project, move="recruit")
    activity_at(world.sta1, starts_in=datetime.timedelta(days=2), project=project,
                title="银龄陪伴：周六上门")
    page = phone(browser)
    log_in(page, live_server.url, "sta1")
    page.goto(f"{live_server.url}/projects/{project.id}/")
    expect(page.get_by_role("heading", name="银龄陪伴·一村一品")).to_be_visible()
    expect(page.get_by_role("button", name="开始实施")).to_be_visible()
    expect(page.get_by_test_id("totals")).to_contain_text("1场活动")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shot(page, "project.png")
    elder(page)
    expect(page.get_by_role("button", name="开始实施")).to_be_visible()
    shot(page, "project-elder.png")
    page.get_by_role("button", name="开始实施").click()
    expect(page.get_by_test_id("project-state")).to_have_attribute("data-state", "running")
