"""Real browser at phone width: a resident finds a room from the home screen's tile, reads its
week, books a slot, sees it in their bookings; the same page in elder mode does not scroll
sideways; the staff's queue at desktop width. Screenshots in test-artifacts/."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from wenming.people.tests.factories import PASSWORD
from wenming.rooms.models import Booking
from wenming.rooms.tests.support import at, book, room
from wenming.testing import chromium, tile

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


def test_a_resident_books_a_room_slot_on_a_phone(world, live_server, browser):
    r = room(world, needs_approval=False)
    book(world, r, by=world.vol1.user, days=1, hour=9)  # someone else's slot that day
    page = open_page(browser)
    log_in(page, live_server.url, "res1")

    tile(page, "场地预约")
    page.get_by_role("link", name="稻香园暖客厅").click()
    day = at(1, 0).date().isoformat()
    page.goto(f"{live_server.url}/rooms/{r.id}/?week={day}")
    expect(page.get_by_test_id(f"day-{day}")).to_contain_text("已被预约")
    no_sideways_scroll(page)
    shot(page, "rooms-1-week.png")

    page.get_by_label("日期").fill(day)
    page.get_by_label("开始").fill("09:30")  # overlaps the booked 9–10
    page.get_by_label("结束").fill("10:30")
    page.get_by_label("人数").fill("6")
    page.get_by_label("用途").fill("社区合唱排练")
    page.get_by_role("button", name="提交预约").click()
    expect(page.locator(".errors")).to_contain_text("该时段已被预约")
    page.get_by_label("开始").fill("10:00")
    page.get_by_label("结束").fill("11:30")
    page.get_by_role("button", name="提交预约").click()
    expect(page.locator(".flash").first).to_contain_text("预约成功")
    expect(page.get_by_test_id("state")).to_have_text("已预约")
    shot(page, "rooms-2-booked.png")
    booking = Booking.objects.get(booked_by=world.res1.user)
    assert booking.purpose == "社区合唱排练" and booking.attendees == 6

    page.goto(f"{live_server.url}/rooms/mine/")
    expect(page.get_by_test_id(f"booking-{booking.id}")).to_contain_text("稻香园暖客厅")

    page.get_by_role("button", name="长者模式（大字）").click()
    page.goto(f"{live_server.url}/rooms/{r.id}/?week={day}")
    expect(page.get_by_test_id(f"day-{day}")).to_contain_text("社区合唱排练")
    no_sideways_scroll(page)
    shot(page, "rooms-3-week-elder.png")


def test_staff_see_the_queue_at_desktop_width(world, live_server, browser):
    r = room(world, needs_approval=True)
    pending = book(world, r)
    page = open_page(browser, width=1280)
    log_in(page, live_server.url, "sta1")
    page.goto(f"{live_server.url}/rooms/queue/")
    card = page.get_by_test_id(f"queue-{pending.id}")
    card.get_by_role("button", name="通过").click()
    expect(page.locator(".flash").first).to_contain_text("已通过预约")
    shot(page, "rooms-4-queue-desktop.png")
    pending.refresh_from_db()
    assert pending.state == "confirmed"


def test_staff_edit_a_room_on_a_phone_in_elder_mode(world, live_server, browser):
    r = room(world)
    page = open_page(browser)
    log_in(page, live_server.url, "sta1")
    page.goto(f"{live_server.url}/rooms/{r.id}/")
    page.get_by_role("button", name="长者模式（大字）").click()
    page.get_by_test_id("room-edit-link").click()
    no_sideways_scroll(page)
    shot(page, "rooms-5-edit-elder.png")

    page.get_by_label("容纳人数").fill("12")
    page.get_by_label("周日开放").fill("")
    page.get_by_label("周日闭馆").fill("")
    page.get_by_label("周六闭馆").fill("")  # half a day: refused, nothing written
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("hours-5")).to_contain_text("请同时填写开放和闭馆时间")
    no_sideways_scroll(page)
    shot(page, "rooms-6-edit-error-elder.png")
    r.refresh_from_db()
    assert r.capacity == 20

    page.get_by_label("周六闭馆").fill("12:00")
    page.get_by_label("预约需工作人员审核").check()
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".flash").first).to_contain_text("场地信息已保存")
    r.refresh_from_db()
    assert (r.capacity, r.needs_approval, r.opening_hours["5"]) == (12, True, ["08:00", "12:00"])
    assert "6" not in r.opening_hours
