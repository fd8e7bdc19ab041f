"""The navigation table: each role's tab bar and icon grid, and which tab is current."""

import pytest

from wenming.core.navigation import RESIDENT, REVIEWER, STAFF, VOLUNTEER, tabs_for, tiles_for


def labels(items) -> list[str]:
    return [str(i["label"]) for i in items]


def test_every_role_gets_five_tabs_in_the_same_order():
    assert labels(tabs_for({RESIDENT}, "/")) == ["首页", "活动", "点单", "消息", "我的"]
    assert labels(tabs_for({VOLUNTEER}, "/")) == ["首页", "活动", "订单", "消息", "我的"]
    assert labels(tabs_for({STAFF, REVIEWER}, "/")) == ["首页", "活动", "派单", "消息", "我的"]


@pytest.mark.parametrize(("path", "current"), [
    ("/", "首页"), ("/activities/12/", "活动"), ("/orders/queue/", "派单"), ("/inbox/", "消息"),
    ("/me/", "我的")])
def test_the_tab_of_the_page_is_current(path, current):
    tabs = tabs_for({STAFF}, path)
    assert [str(t["label"]) for t in tabs if t["current"]] == [current]


def test_the_grid_shows_only_what_the_role_may_do():
    resident = labels(tiles_for({RESIDENT}))
    staff = labels(tiles_for({STAFF, REVIEWER}))
    assert "我要点单" in resident and "派单" not in resident and "志愿者" not in resident
    assert {"派单", "时长审核", "志愿者", "导入志愿者", "导出时长"} <= set(staff)
    assert "时长审核" not in labels(tiles_for({VOLUNTEER}))


def test_a_partner_units_account_gets_its_own_tabs(world):
    from wenming.partners.models import Unit, UnitStaff
    from wenming.people.tests.factories import UserFactory
    from wenming.testing import logged_in

    unit = Unit.objects.create(name="海淀医院", kind=Unit.Kind.values[0], org=world.sta1)
    account = UserFactory(username="unit-liaison")
    UnitStaff.objects.create(unit=unit, user=account)
    html = logged_in(account).get("/inbox/").content.decode()
    tabs = html.split('aria-label="底部导航"', 1)[1].split("</nav>", 1)[0]
    assert "/units/handovers/" in tabs and "/orders/new/" not in tabs


def test_a_partner_units_account_lands_on_what_was_handed_to_it(world):
    from wenming.partners.models import Unit, UnitStaff
    from wenming.people.tests.factories import UserFactory
    from wenming.testing import logged_in

    unit = Unit.objects.create(name="海淀医院", kind=Unit.Kind.values[0], org=world.sta1)
    account = UserFactory(username="unit-home")
    UnitStaff.objects.create(unit=unit, user=account)
    response = logged_in(account).get("/")
    assert response.status_code == 302 and response["Location"] == "/units/handovers/"
