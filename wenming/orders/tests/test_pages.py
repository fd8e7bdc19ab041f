"""The order pages through Django's test client, as a browser would use them: 点单 in three
steps (and 代点单), my orders, cancel and rate; the volunteer's tasks and nearby grabs; the
staff queue, dispatch, escalated orders and map; a grid manager's appeals. Every page has a
sibling-subtree case (404/403), and bad input shows a Chinese message and writes nothing."""

import datetime
import json
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from wenming.activities.models import ServiceRecord
from wenming.orders import views
from wenming.orders.models import OrderEvent, ServiceOrder
from wenming.orders.tests.test_support import (
    FAR_AWAY,
    GRID_SQUARE,
    INSIDE_GRID,
    STA1,
    at_home,
    order_in,
    overdue,
    submit,
)
from wenming.orgs.services import grid_create
from wenming.people.tests.factories import UserFactory, resident_at

pytestmark = pytest.mark.django_db


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def flashed(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def state_of(order) -> str:
    return ServiceOrder.objects.get(pk=order.pk).state


def make(world, state: str, **kwargs) -> ServiceOrder:
    """An order of res1 at sta1, brought to `state` by sta1 staff and vol1."""
    return order_in(state, resident=world.res1, staff=world.sta1_staff, volunteer=world.vol1,
                    **kwargs)


def details(**fields) -> dict:
    return {"text": "需要志愿者上门量血压", "address": "稻香园小区3号楼2单元", "lat": STA1[0],
            "lng": STA1[1], "when": "today", **fields}


@pytest.fixture
def res2(world):
    return resident_at(world.sta2, "res2")


# ---- 点单: step 1, category --------------------------------------------------------------

def test_step_one_offers_the_platforms_as_big_buttons(world, client_for):
    html = page(client_for(world.res1.user).get("/orders/new/"))
    assert "您需要哪方面的服务？" in html and "健康促进与体育" in html
    assert 'href="/orders/new/health/"' in html and "如：上门量血压、测血糖" in html


def test_step_one_for_an_appeal_asks_about_the_problem(world, client_for):
    html = page(client_for(world.res1.user).get("/orders/new/", {"kind": "appeal"}))
    assert "您要反映什么方面的问题？" in html and 'href="/orders/new/health/?kind=appeal"' in html


def test_only_residents_order_for_themselves(world, client_for):
    assert client_for(world.vol2.user).get("/orders/new/").status_code == 403
    assert client_for(world.outsider).get("/orders/new/health/").status_code == 403
    assert client_for(world.res1.user).get("/orders/new/nosuch/").status_code == 404


# ---- 点单: step 2 and 3, describe, place, time, submit --------------------------------------

def test_step_two_prefills_the_place_and_offers_common_needs(world, client_for):
    html = page(client_for(world.res1.user).get("/orders/new/health/"))
    assert 'value="稻香园小区3号楼"' in html  # the resident's address
    assert f'value="{world.sta1.lat}"' in html  # no home position: the station's spot
    assert 'data-need="陪同老人就医"' in html and "用我现在的位置" in html
    assert "今天尽快" in html and "明天上午" in html and "选个时间" in html


def test_a_resident_submits_and_lands_on_the_order(world, client_for):
    response = client_for(world.res1.user).post("/orders/new/health/", details(), follow=True)
    order = ServiceOrder.objects.get()
    assert response.redirect_chain[-1][0] == f"/orders/{order.pk}/"
    assert "提交成功" in flashed(response) and "待审核" in page(response)
    assert (order.kind, order.platform.code, order.station, order.resident) == (
        "service", "health", world.sta1, world.res1)
    wait = order.wished_at - timezone.now()
    assert datetime.timedelta(hours=1) <= wait <= datetime.timedelta(hours=2)


def test_tomorrow_morning_and_a_picked_time(world, client_for):
    client = client_for(world.res1.user)
    client.post("/orders/new/health/", details(when="tomorrow"))
    tomorrow = timezone.localtime(ServiceOrder.objects.get().wished_at)
    assert tomorrow.date() == timezone.localdate() + datetime.timedelta(days=1)
    assert tomorrow.hour == 9
    picked = (timezone.localtime() + datetime.timedelta(days=3)).replace(second=0, microsecond=0)
    client.post("/orders/new/health/", details(when="pick",
                                               wished_at=picked.strftime("%Y-%m-%dT%H:%M")))
    assert ServiceOrder.objects.latest("id").wished_at == picked


def test_an_appeal_goes_through_the_same_steps(world, client_for):
    client = client_for(world.res1.user)
    html = page(client.get("/orders/new/culture/", {"kind": "appeal"}))
    assert "遇到了什么问题" in html and 'data-need="楼道堆放杂物"' in html
    client.post("/orders/new/culture/?kind=appeal", details(text="楼道堆放杂物"))
    assert ServiceOrder.objects.get().kind == "appeal"


@pytest.mark.parametrize(("fields", "message"), [
    ({"text": ""}, "请说一说您需要什么帮助"),
    ({"text": "修"}, "请再多写几个字"),
    ({"address": ""}, "请填写地点"),
    ({"lat": ""}, "请确认地点"),
    ({"when": "pick"}, "请选择期望的日期和时间"),
    ({"when": "pick", "wished_at": "2020-01-01T09:00"}, "期望时间不能早于现在"),
    ({"when": "pick", "wished_at": "明天"}, "日期"),
    ({"lat": FAR_AWAY[0], "lng": FAR_AWAY[1]}, "该地点不在本区服务范围内"),
    ({"contact_phone": "12345"}, "手机号"),
])
def test_bad_order_input_is_explained_in_chinese_and_writes_nothing(world, client_for, fields,
                                                                     message):
    html = page(client_for(world.res1.user).post("/orders/new/health/", details(**fields)))
    assert message in html
    assert not ServiceOrder.objects.exists()


# ---- 代点单 ---------------------------------------------------------------------------------

def test_staff_find_a_resident_and_order_on_their_behalf(world, client_for):
    client = client_for(world.sta1_staff)
    assert client.get("/orders/new/").url == "/orders/new/for/?kind=service"
    name = world.res1.user.real_name
    html = page(client.get("/orders/new/for/", {"q": name}))
    assert name in html and world.res1.user.mobile not in html  # the mobile is masked
    assert f"/orders/new/?resident={world.res1.pk}" in html
    html = page(client.get("/orders/new/health/", {"resident": world.res1.pk}))
    assert "代点单" in html and 'value="稻香园小区3号楼"' in html
    client.post(f"/orders/new/health/?resident={world.res1.pk}", details())
    order = ServiceOrder.objects.get()
    assert (order.resident, order.submitted_by) == (world.res1, world.sta1_staff)
    assert order.events.get().reason == "代群众点单"


def test_sibling_staff_neither_find_nor_order_for_a_resident(world, client_for):
    client = client_for(world.sta2_staff)
    html = page(client.get("/orders/new/for/", {"q": world.res1.user.real_name}))
    assert "没有找到这位群众" in html
    assert client.get("/orders/new/", {"resident": world.res1.pk}).status_code == 404
    assert client.post(f"/orders/new/health/?resident={world.res1.pk}",
                       details()).status_code == 404
    assert client_for(world.res1.user).get("/orders/new/for/").status_code == 403
    assert not ServiceOrder.objects.exists()


# ---- my orders, cancel, rate ----------------------------------------------------------------

def test_my_orders_show_where_each_stands(world, client_for, res2):
    make(world, "accepted")
    rejected = make(world, "rejected")
    html = page(client_for(world.res1.user).get("/orders/mine/"))
    assert "共 2 个订单" in html and "服务中" in html and "已驳回" in html
    assert 'aria-current="step"' in html
    html = page(client_for(world.res1.user).get(f"/orders/{rejected.pk}/"))
    assert "不属于志愿服务范围" in html  # the reason the resident sees
    assert "共 0 个订单" in page(client_for(res2.user).get("/orders/mine/"))


def test_the_order_page_shows_the_time_line_and_masks_the_volunteer_for_the_resident(
        world, client_for):
    order = make(world, "accepted")
    html = page(client_for(world.res1.user).get(f"/orders/{order.pk}/"))
    for move in ["提交</strong><span class=\"muted\"> · 我", "审核通过</strong><span class=\"muted\"> · 实践站",
                 "接单</strong><span class=\"muted\"> · 志愿者"]:
        assert move in html
    name = world.vol1.user.real_name
    assert name[0] + "*" in html and name not in html
    assert name in page(client_for(world.sta1_staff).get(f"/orders/{order.pk}/"))


def test_nobody_outside_sees_an_order(world, client_for, res2):
    order = make(world, "submitted")
    for user in [res2.user, world.sta2_staff, world.vol2.user, world.outsider]:
        assert client_for(user).get(f"/orders/{order.pk}/").status_code == 404


def test_a_resident_cancels_before_acceptance(world, client_for):
    order = make(world, "dispatched")
    client = client_for(world.res1.user)
    assert "取消订单" in page(client.get(f"/orders/{order.pk}/"))
    response = client.post(f"/orders/{order.pk}/cancel/", {"reason": "已经解决了"}, follow=True)
    assert "订单已取消" in flashed(response) and state_of(order) == "cancelled"


def test_an_accepted_order_cannot_be_cancelled(world, client_for, res2):
    order = make(world, "accepted")
    client = client_for(world.res1.user)
    assert "取消订单" not in page(client.get(f"/orders/{order.pk}/"))
    response = client.post(f"/orders/{order.pk}/cancel/", follow=True)
    assert "不能取消" in flashed(response) and state_of(order) == "accepted"
    assert client_for(res2.user).post(f"/orders/{order.pk}/cancel/").status_code == 404


def test_the_resident_rates_with_stars_and_a_comment(world, client_for):
    order = make(world, "completed")
    client = client_for(world.res1.user)
    html = page(client.get(f"/orders/{order.pk}/"))
    assert "服务满意吗" in html and 'id="star-5"' in html
    response = client.post(f"/orders/{order.pk}/rate/", {"score": "5", "comment": "很耐心"},
                           follow=True)
    assert "感谢您的评价" in flashed(response)
    order.refresh_from_db()
    assert (order.state, order.score, order.comment) == ("rated", 5, "很耐心")


@pytest.mark.parametrize("score", ["", "6", "0", "五"])
def test_a_bad_rating_is_refused_in_chinese(world, client_for, score):
    order = make(world, "completed")
    response = client_for(world.res1.user).post(f"/orders/{order.pk}/rate/", {"score": score},
                                                follow=True)
    assert "星" in flashed(response) and state_of(order) == "completed"


def test_only_the_resident_rates(world, client_for, res2):
    order = make(world, "completed")
    assert client_for(res2.user).post(f"/orders/{order.pk}/rate/",
                                      {"score": "1"}).status_code == 404
    # The volunteer sees the order but may not rate it: the service refuses (403).
    assert client_for(world.vol1.user).post(f"/orders/{order.pk}/rate/",
                                            {"score": "5"}).status_code == 403
    assert state_of(order) == "completed"


# ---- the volunteer ------------------------------------------------------------------------

def test_orders_for_me_accept_and_complete(world, client_for):
    order = make(world, "dispatched")
    client = client_for(world.vol1.user)
    html = page(client.get("/orders/tasks/"))
    assert "有 1 个订单待处理" in html and "接单" in html and "已派单" in html
    response = client.post(f"/orders/{order.pk}/accept/", {"next": "/orders/tasks/"},
                           follow=True)
    assert "已接单" in flashed(response) and state_of(order) == "accepted"
    assert "完成服务" in page(response)
    response = client.post(f"/orders/{order.pk}/complete/", {
        "note": "已上门量血压", "hours": "1.5", "people_served": "2"}, follow=True)
    assert "已完成" in flashed(response) and state_of(order) == "completed"
    assert ServiceRecord.objects.get(order_id=order.pk).hours == Decimal("1.5")


@pytest.mark.parametrize(("fields", "message"), [
    ({"note": ""}, "请填写服务情况说明"),
    ({"hours": "30"}, "服务时长不能超过24小时"),
    ({"hours": "一个钟"}, "服务时长请填数字"),
    ({"people_served": "0"}, "服务人数至少1人"),
])
def test_bad_completion_is_explained_and_changes_nothing(world, client_for, fields, message):
    order = make(world, "accepted")
    body = {"note": "已完成", "hours": "1", "people_served": "1", **fields}
    response = client_for(world.vol1.user).post(f"/orders/{order.pk}/complete/", body,
                                                follow=True)
    assert message in flashed(response)
    assert state_of(order) == "accepted" and not ServiceRecord.objects.exists()


def test_declining_needs_a_reason(world, client_for):
    order = make(world, "dispatched")
    client = client_for(world.vol1.user)
    response = client.post(f"/orders/{order.pk}/decline/", {"reason": ""}, follow=True)
    assert "请说明不能接单的原因" in flashed(response) and state_of(order) == "dispatched"
    response = client.post(f"/orders/{order.pk}/decline/", {"reason": "当天不在家"}, follow=True)
    assert "已拒单" in flashed(response) and state_of(order) == "declined"


def test_another_volunteer_neither_sees_nor_moves_the_order(world, client_for):
    order = make(world, "dispatched")
    client = client_for(world.vol2.user)
    assert "有 0 个订单待处理" in page(client.get("/orders/tasks/"))
    assert client.post(f"/orders/{order.pk}/accept/").status_code == 404
    assert client.post(f"/orders/{order.pk}/complete/", {"note": "x", "hours": "1"}
                       ).status_code == 404
    assert client_for(world.res1.user).get("/orders/tasks/").status_code == 403
    assert state_of(order) == "dispatched"


def test_nearby_open_orders_are_grabbed_by_the_first(world, client_for):
    at_home(world.vol1, 39.9815, 116.3055)
    at_home(world.vol2, 39.9816, 116.3056)  # a neighbour from another station
    order = make(world, "open")
    html = page(client_for(world.vol1.user).get("/orders/nearby/"))
    assert "附近有 1 个订单可抢" in html and "距您约" in html and "米" in html
    response = client_for(world.vol1.user).post(f"/orders/{order.pk}/grab/", follow=True)
    assert "抢单成功" in flashed(response) and state_of(order) == "accepted"
    response = client_for(world.vol2.user).post(f"/orders/{order.pk}/grab/", follow=True)
    assert "来晚了" in flashed(response)
    assert ServiceOrder.objects.get(pk=order.pk).volunteer == world.vol1


def test_open_orders_far_from_home_are_not_offered(world, client_for):
    at_home(world.vol2, 39.995, 116.452)  # ~9 km east
    order = make(world, "open")
    client = client_for(world.vol2.user)
    assert "附近有 0 个订单可抢" in page(client.get("/orders/nearby/"))
    assert client.post(f"/orders/{order.pk}/grab/").status_code == 404
    html = page(client_for(world.vol1b.user).get("/orders/nearby/"))
    assert "还没有登记常住地" in html
    assert state_of(order) == "open"


# ---- staff: queue, escalated, dispatch, map ------------------------------------------------

def test_the_queue_shows_time_left_and_overdue_in_red(world, client_for):
    late, fresh = make(world, "submitted"), make(world, "reviewed")
    ServiceOrder.objects.filter(pk=late.pk).update(
        due_at=timezone.now() - datetime.timedelta(minutes=30))
    html = page(client_for(world.sta1_staff).get("/orders/queue/"))
    assert "共 2 个订单" in html and ("已超时 30分钟" in html or "已超时 29分钟" in html)
    assert "is-overdue" in html and "剩 " in html
    assert html.index(f"#{late.pk} ") < html.index(f"#{fresh.pk} ")  # deadline first


def test_the_queue_filters_by_state_kind_and_org(world, client_for):
    make(world, "submitted")
    appeal = submit(world.res1, kind="appeal", text="路灯坏了，晚上看不见")
    client = client_for(world.center_staff)
    html = page(client.get("/orders/queue/", {"kind": "appeal"}))
    assert "路灯坏了" in html and "共 1 个订单" in html
    html = page(client.get("/orders/queue/", {"state": "reviewed"}))
    assert "共 0 个订单" in html
    html = page(client.get("/orders/queue/", {"org": world.sta2.pk}))
    assert "共 0 个订单" in html
    html = page(client.get("/orders/queue/", {"org": world.sta1.pk}))
    assert "共 2 个订单" in html and f"#{appeal.pk} " in html
    assert "选择一个有效的选项" in page(client.get("/orders/queue/", {"state": "nosuch"}))


def test_the_queue_is_for_staff_of_the_subtree(world, client_for):
    order = make(world, "submitted")
    assert f"#{order.pk} " not in page(client_for(world.sta2_staff).get("/orders/queue/"))
    assert "共 0 个订单" in page(client_for(world.sta2_staff).get("/orders/queue/"))
    for user in [world.res1.user, world.vol1.user, world.outsider]:
        assert client_for(user).get("/orders/queue/").status_code == 403
    assert client_for(world.sta2_staff).get(
        "/orders/queue/", {"org": world.sta1.pk}).status_code == 200  # not a choice: ignored


def test_the_queue_costs_the_same_queries_for_many_rows(world, client_for,
                                                        django_assert_max_num_queries):
    make(world, "submitted")
    client = client_for(world.sta1_staff)
    with CaptureQueriesContext(connection) as one:
        client.get("/orders/queue/")
    for state in ["reviewed", "dispatched", "accepted", "open"]:
        make(world, state)
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get("/orders/queue/")


def test_the_dispatch_page_ranks_candidates_and_dispatches_to_one(world, client_for):
    at_home(world.vol1, 39.9812, 116.3052)
    order = make(world, "submitted")
    client = client_for(world.sta1_staff)
    html = page(client.get(f"/orders/{order.pk}/dispatch/"))
    assert "审核通过" in html and "审核通过后即可派单" in html and "派给TA" not in html
    response = client.post(f"/orders/{order.pk}/review/", follow=True)
    assert "审核通过" in flashed(response) and state_of(order) == "reviewed"
    html = page(response)
    assert world.vol1.user.real_name in html and "距离约" in html and "派给TA" in html
    assert 'class="bar"' in html and "/25" in html
    response = client.post(f"/orders/{order.pk}/dispatch/", {"to": f"v{world.vol1.pk}"},
                           follow=True)
    assert "已派单" in flashed(response)
    order.refresh_from_db()
    assert (order.state, order.volunteer) == ("dispatched", world.vol1)


@pytest.mark.parametrize("to", ["", "v999999", "x1"])
def test_dispatching_to_someone_not_ranked_is_refused(world, client_for, to):
    at_home(world.vol1, 39.9812, 116.3052)
    order = make(world, "reviewed")
    response = client_for(world.sta1_staff).post(f"/orders/{order.pk}/dispatch/", {"to": to},
                                                 follow=True)
    assert "请" in flashed(response) and state_of(order) == "reviewed"


def test_the_dispatch_page_is_for_staff_of_the_subtree(world, client_for):
    order = make(world, "dispatched")
    assert client_for(world.sta2_staff).get(f"/orders/{order.pk}/dispatch/").status_code == 404
    assert client_for(world.sta2_staff).post(f"/orders/{order.pk}/review/").status_code == 404
    # The volunteer sees the order (it is dispatched to them) but not the dispatch page.
    assert client_for(world.vol1.user).get(f"/orders/{order.pk}/dispatch/").status_code == 403
    assert client_for(world.vol1.user).post(f"/orders/{order.pk}/open/").status_code == 403
    assert state_of(order) == "dispatched"


def test_rejecting_needs_a_reason_the_resident_sees(world, client_for):
    order = make(world, "submitted")
    client = client_for(world.sta1_staff)
    response = client.post(f"/orders/{order.pk}/reject/", {"reason": " "}, follow=True)
    assert "请填写驳回原因" in flashed(response) and state_of(order) == "submitted"
    client.post(f"/orders/{order.pk}/reject/", {"reason": "请拨打物业电话报修"})
    assert state_of(order) == "rejected"
    assert "请拨打物业电话报修" in page(client_for(world.res1.user).get(f"/orders/{order.pk}/"))


def test_staff_open_an_order_for_grabbing(world, client_for):
    order = make(world, "reviewed")
    response = client_for(world.sta1_staff).post(f"/orders/{order.pk}/open/", follow=True)
    assert "已开放抢单" in flashed(response) and state_of(order) == "open"
    response = client_for(world.sta1_staff).post(f"/orders/{order.pk}/open/", follow=True)
    assert "不能执行此操作" in flashed(response)


def test_escalated_orders_reach_the_institute(world, client_for):
    order = overdue(make(world, "submitted"))
    html = page(client_for(world.inst1_staff).get("/orders/escalated/"))
    assert f"#{order.pk} " in html and "上报 1 次" in html and "属地：" in html
    html = page(client_for(world.inst1_staff).get(f"/orders/{order.pk}/dispatch/"))
    assert "确认驳回" in html
    # The station still follows it, without the moves.
    html = page(client_for(world.sta1_staff).get(f"/orders/{order.pk}/dispatch/"))
    assert "现由 海淀街道实践所 办理" in html and "确认驳回" not in html
    assert "共 0 个订单" in page(client_for(world.inst2_staff).get("/orders/escalated/"))
    assert client_for(world.vol1.user).get("/orders/escalated/").status_code == 403


def test_the_map_carries_markers_and_stations(world, client_for):
    order = make(world, "reviewed")
    make(world, "rated")  # finished: not on the map
    response = client_for(world.inst1_staff).get("/orders/map/")
    markers = json.loads(page(response).split('id="order-markers" type="application/json">')[1]
                         .split("</script>")[0])
    assert [m["id"] for m in markers] == [order.pk]
    assert 'data-dispatch="/orders/0/dispatch/"' in page(response)  # the popup's link
    assert {s[0] for s in response.context["stations"]} == {world.sta1.name, world.sta1b.name}
    html = page(response)
    assert 'data-tiles=""' in html and "/static/vendor/leaflet/leaflet.js" in html
    assert "未配置底图" in html


def test_the_map_uses_the_configured_tile_server(world, client_for):
    with override_settings(WENMING_MAP_TILE_URL="https://tiles.intranet/{z}/{x}/{y}.png"):
        html = page(client_for(world.sta1_staff).get("/orders/map/"))
    assert 'data-tiles="https://tiles.intranet/{z}/{x}/{y}.png"' in html


def test_the_map_shows_only_the_subtree(world, client_for):
    make(world, "reviewed")
    response = client_for(world.sta2_staff).get("/orders/map/")
    assert response.context["markers"] == []
    assert [s[0] for s in response.context["stations"]] == [world.sta2.name]
    assert client_for(world.res1.user).get("/orders/map/").status_code == 403


def test_the_map_shows_the_most_urgent_orders_up_to_its_cap(world, client_for, monkeypatch,
                                                            django_assert_max_num_queries):
    """Issue 10: a district's 2,000 markers made 715 KB; the map keeps the most urgent few
    and says how many there are in all."""
    monkeypatch.setattr(views, "MAP_MARKERS", 2)
    orders = [make(world, "reviewed") for _ in range(3)]
    client = client_for(world.inst1_staff)
    client.get("/orders/map/")
    with django_assert_max_num_queries(14):
        response = client.get("/orders/map/")
    urgent = sorted(orders, key=lambda o: (o.due_at, -o.pk))[:2]
    assert [m["id"] for m in response.context["markers"]] == [o.pk for o in urgent]
    assert response.context["total"] == 3 and "共 3 个" in page(response)


# ---- the grid manager ---------------------------------------------------------------------

def test_a_grid_manager_sees_the_appeals_of_their_grid(world, client_for):
    manager, other = UserFactory(username="gridman"), UserFactory(username="othergrid")
    grid_create(station=world.sta1b, name="芙蓉里一网格", polygon=GRID_SQUARE, managers=[manager])
    grid_create(station=world.sta2, name="石油大院一网格",
                polygon=[[39.99, 116.35], [39.99, 116.36], [40.0, 116.36], [40.0, 116.35]],
                managers=[other])
    appeal = submit(world.res1, kind="appeal", at=INSIDE_GRID, text="楼道堆放杂物")
    submit(world.res1, kind="service", at=INSIDE_GRID, text="需要陪同就医")
    html = page(client_for(manager).get("/orders/grid/"))
    assert "共 1 条诉求" in html and "楼道堆放杂物" in html and "芙蓉里一网格" in html
    assert "楼道堆放杂物" in page(client_for(manager).get(f"/orders/{appeal.pk}/"))
    assert "共 0 条诉求" in page(client_for(other).get("/orders/grid/"))
    assert client_for(other).get(f"/orders/{appeal.pk}/").status_code == 404
    assert client_for(world.res1.user).get("/orders/grid/").status_code == 403


# ---- navigation -----------------------------------------------------------------------------

def test_the_navigation_fits_the_role(world, client_for):
    assert "我的订单" in page(client_for(world.res1.user).get("/orders/mine/"))
    html = page(client_for(world.vol1.user).get("/orders/tasks/"))
    assert re.search(r'href="/orders/tasks/"[^>]*>(?:(?!</a>).)*订单</a>', html, re.S)
    assert 'href="/orders/new/"' not in html
    html = page(client_for(world.sta1_staff).get("/orders/queue/"))
    assert re.search(r'href="/orders/queue/"[^>]*>(?:(?!</a>).)*派单</a>', html, re.S)


def test_no_event_is_written_by_a_page_read(world, client_for):
    order = make(world, "reviewed")
    before = OrderEvent.objects.count()
    for url in [f"/orders/{order.pk}/", f"/orders/{order.pk}/dispatch/", "/orders/queue/",
                "/orders/map/", "/orders/escalated/"]:
        client_for(world.sta1_staff).get(url)
    assert OrderEvent.objects.count() == before
