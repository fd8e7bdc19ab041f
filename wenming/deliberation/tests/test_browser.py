"""Real browser at phone width: the five steps. A resident raises a topic, two neighbours
endorse it onto the agenda, staff record the meeting and the decision and hand a task to a
partner unit, the unit's account reports it done with a note, the resident rates the result.
Then the station's public board at 375 px (normal and elder mode) and at 1280 px. Screenshots
land in test-artifacts/."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from wenming.activities.tests.test_browser import browser, log_in, phone, shot  # noqa: F401
from wenming.deliberation.models import Topic, TopicRule
from wenming.partners.tests.support import unit_at
from wenming.people.tests.factories import PASSWORD, resident_at
from wenming.testing import tile

pytestmark = pytest.mark.browser


def flash(page, text: str) -> None:
    # A generous wait: on a shared, loaded machine a write may take longer than the default.
    expect(page.locator(".flash").first).to_contain_text(text, timeout=30_000)


def test_the_five_steps_on_phones(world, live_server, browser):  # noqa: F811
    base = live_server.url
    TopicRule.objects.create(org=world.sta1, threshold=2)
    neighbours = [resident_at(world.sta1, f"nb{i}") for i in (1, 2)]
    unit = unit_at(world.sta1, "稻香园物业公司", account="unit1")

    # 问民需
    resident = phone(browser)
    log_in(resident, base, "res1")
    tile(resident, "议事厅")
    resident.get_by_test_id("raise").click()
    resident.get_by_label("议题（一句话）").fill("小区东门加装路灯")
    resident.get_by_label("具体情况").fill("东门晚上太暗，老人出门不安全，建议加装两盏路灯。")
    resident.get_by_label("类别").select_option("facilities")
    resident.get_by_label("地点").fill("东门")
    shot(resident, "topic-1-raise.png")
    resident.get_by_role("button", name="提交议题").click()
    flash(resident, "议题已提交")
    expect(resident.get_by_test_id("stage")).to_have_text("问民需·待审核")
    topic = Topic.objects.get()
    url = f"{base}/topics/{topic.pk}/"

    staff = phone(browser)
    log_in(staff, base, "sta1")
    staff.goto(url)
    staff.locator("[data-move=approve] button").click()
    flash(staff, "开始征集附议")

    # 汇民意
    for n in neighbours:
        page = phone(browser)
        log_in(page, base, n.user.username)
        page.goto(url)
        page.get_by_role("button", name="我也赞成，附议").click()
        flash(page, "附议成功")
    expect(page.get_by_test_id("endorsements")).to_have_text("附议 2 / 2")
    shot(page, "topic-2-endorsed.png")

    # 议民题
    staff.goto(url)
    expect(staff.locator(".badge", has_text="已列入议程")).to_be_visible()
    at = (timezone.localtime() + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    staff.get_by_label("议事时间").fill(at)
    staff.get_by_label("议事地点").fill("社区会客议事厅")
    staff.get_by_label("主持人").fill("李书记")
    staff.locator("[data-move=schedule] button").click()
    flash(staff, "已安排议事")
    staff.get_by_label("线下“赞成”票数（线上已有 0 票）").fill("15")
    staff.get_by_label("线下“反对”票数（线上已有 0 票）").fill("2")
    staff.get_by_label("决议", exact=True).fill("东门加装两盏太阳能路灯，物业负责安装维护")
    staff.get_by_label("线下参会人数").fill("17")
    shot(staff, "topic-3-decide.png")
    # The sticky tab bar can sit over this button at 375 px; press it by keyboard instead.
    staff.locator("[data-move=decide] button").focus()
    staff.keyboard.press("Enter")
    flash(staff, "决议已记录")

    # 执民事: to the partner unit
    staff.get_by_label("任务", exact=True).fill("安装太阳能路灯两盏")
    staff.get_by_label("完成期限").fill((timezone.localdate() + datetime.timedelta(days=7))
                                    .isoformat())
    staff.get_by_label("负责人").select_option(f"n:{unit.pk}")
    staff.locator("[data-move=add_task] button").click()
    flash(staff, "任务已分派")

    account = phone(browser)
    # A unit's own account has no role in the tree, so its landing page is not a member's
    # home (log_in's check); sign in by the form and go straight to its tasks.
    account.goto(f"{base}/login/")
    account.get_by_label("用户名或手机号").fill("unit1")
    account.get_by_label("密码").fill(PASSWORD)
    account.get_by_role("button", name="登录").click()
    account.wait_for_url(lambda u: "/login/" not in u)
    account.goto(f"{base}/topics/tasks/")
    account.get_by_role("link", name="安装太阳能路灯两盏").click()
    account.get_by_label("进展说明").fill("两盏路灯已安装并通电")
    account.get_by_label("任务已完成").check()
    shot(account, "topic-4-unit-report.png")
    account.get_by_role("button", name="提交进展").click()
    flash(account, "进展已提交")

    # 促民评
    resident.goto(url)
    expect(resident.get_by_test_id("stage")).to_have_text("促民评·评价中")
    resident.locator("label", has_text="5").first.click()
    resident.get_by_label("评价", exact=True).fill("晚上亮堂多了")
    resident.get_by_role("button", name="提交评价").click()
    flash(resident, "谢谢您的评价")
    expect(resident.get_by_test_id("rating")).to_contain_text("5.0 分")
    shot(resident, "topic-5-rated.png")
    topic.refresh_from_db()
    assert topic.stage == "evaluating" and topic.ratings.get().score == 5

    # The public board: 375 px, elder mode, 1280 px; nothing scrolls sideways.
    board = phone(browser)
    board.goto(f"{base}/topics/board/{world.sta1.pk}/?stage=evaluating")
    expect(board.get_by_test_id(f"topic-{topic.pk}")).to_be_visible()
    shot(board, "topic-board-375.png")
    assert board.evaluate("document.documentElement.scrollWidth") <= 375
    board.get_by_role("button", name="长者模式（大字）").click()
    expect(board.locator("html.elder")).to_have_count(1)
    shot(board, "topic-board-375-elder.png")
    assert board.evaluate("document.documentElement.scrollWidth") <= 375
    board.get_by_role("link", name="小区东门加装路灯").click()
    expect(board.get_by_test_id("history")).to_contain_text("促民评")
    shot(board, "topic-public-375-elder.png")
    assert board.evaluate("document.documentElement.scrollWidth") <= 375
    wide = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    wide.goto(f"{base}/topics/board/{world.sta1.pk}/?stage=evaluating")
    shot(wide, "topic-board-1280.png")
