"""The batch dispatch page (/orders/batch/, 批量派单): a node's waiting orders assigned for the
least total distance beside greedy first-come dispatch, and one button that dispatches the
pairs shown, all or none. The solver itself is tested in test_batch.py; here, what staff see
and may do, who may not, and that bad input is a message, never a 500.

Places as in test_batch.py: `east(km)` of sta1, so the figures can be worked out by hand."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wenming.orders import services
from wenming.orders.models import OrderEvent, ServiceOrder
from wenming.orders.tests.test_batch import east, helper, km, waiting
from wenming.orders.tests.test_support import submit

pytestmark = pytest.mark.django_db

URL = "/orders/batch/"


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def flashed(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def crossed(world):
    """Two orders and two volunteers where first-come dispatch takes the volunteer the next
    order needs: greedy a-x, b-y (4.3 km); the best a-y, b-x (2.3 km)."""
    a, b = waiting(world, 0), waiting(world, 2.2)
    x, y = helper(world, "x", 1.0), helper(world, "y", -1.1)
    return a, b, x, y


def states(*orders) -> list[tuple[str, int | None]]:
    return [tuple(ServiceOrder.objects.filter(pk=o.pk).values_list("state", "volunteer_id")[0])
            for o in orders]


# ---- what staff see ---------------------------------------------------------------------

def test_it_shows_the_proposal_beside_greedy_first_come_dispatch(world, client_for):
    a, b, x, y = crossed(world)

    response = client_for(world.center_staff).get(URL, {"org": world.center.pk})

    html, found = page(response), response.context["found"]
    best, first_come = found["solver"]["total_km"], found["greedy"]["total_km"]
    assert best == pytest.approx(km(a, y) + km(b, x), abs=1e-3) and abs(best - 2.3) < 0.01
    assert first_come == pytest.approx(km(a, x) + km(b, y), abs=1e-3)
    assert {p["order_id"]: p["volunteer"] for p in found["pairs"]} == {a.pk: y, b.pk: x}
    assert f'data-testid="solver-km">{best:.2f}<' in html
    assert f'data-testid="greedy-km">{first_come:.2f}<' in html
    assert 'data-testid="solver-assigned">2<' in html and 'data-testid="greedy-assigned">2<' in html
    pct = found["improvement_pct"]
    assert pct == pytest.approx(100 * (first_come - best) / first_come, abs=0.01)
    assert f"比先到先派少走 {first_come - best:.2f} 公里（节省 {pct:.1f}%）" in html
    assert "理论下限：" in html and "已是最优方案" in html
    assert "2 单等待派单" in html
    for order, volunteer in [(a, y), (b, x)]:
        assert f'href="/orders/{order.pk}/dispatch/">#{order.pk} {order.text[:10]}' in html
        assert volunteer.user.real_name in html
    assert a.address in html
    assert f'name="pairs" value="{a.pk}:{y.pk},{b.pk}:{x.pk}"' in html
    assert "按此方案派单" in html


def test_it_says_when_it_dispatches_more_orders_than_greedy(world, client_for):
    # x serves both platforms, y health only: greedy gives a (first) x and strands b.
    waiting(world, 0), waiting(world, 0.3, platform="culture")
    helper(world, "x", 0.1, platforms=("health", "culture"))
    helper(world, "y", 1.0)

    html = page(client_for(world.center_staff).get(URL, {"org": world.center.pk}))

    assert "比先到先派多派出 1 单" in html


def test_it_says_when_greedy_does_as_well(world, client_for):
    waiting(world, 0), waiting(world, 4)
    helper(world, "x", 0.5), helper(world, "y", 4.5)

    html = page(client_for(world.center_staff).get(URL, {"org": world.center.pk}))

    assert "与先到先派的结果一样好" in html and "少走" not in html


def test_orders_nobody_may_take_are_listed_with_the_reason(world, client_for):
    skilled = waiting(world, 0, skill="手语")
    lonely = waiting(world, -9)
    helper(world, "plain", 0.1)

    html = page(client_for(world.center_staff).get(URL, {"org": world.center.pk}))

    assert f'data-testid="left-{skilled.pk}"' in html and "附近没有具备“手语”技能的志愿者" in html
    assert f'data-testid="left-{lonely.pk}"' in html and "7公里内没有可派的志愿者" in html
    assert "暂时没有可以派出的订单" in html and 'name="pairs"' not in html


def test_nothing_waiting_is_a_clear_empty_state(world, client_for):
    submit(world.res1, at=east(0))  # not reviewed yet: not waiting for a volunteer
    helper(world, "x", 0.1)

    response = client_for(world.sta1_staff).get(URL)

    assert 'data-testid="empty"' in page(response) and "没有等待派单的订单" in page(response)
    assert "按此方案派单" not in page(response)


def test_the_default_node_is_the_staff_members_own_and_the_picker_their_subtree(
        world, client_for):
    here = waiting(world, 0)
    helper(world, "x", 0.1)

    response = client_for(world.inst1_staff).get(URL)

    assert response.context["found"]["org_id"] == world.inst1.pk
    assert [p["order_id"] for p in response.context["found"]["pairs"]] == [here.pk]
    choices = dict(response.context["form"].fields["org"].widget.choices)
    assert set(choices) == {world.inst1.pk, world.sta1.pk, world.sta1b.pk}
    assert world.sta2.name not in page(response)


def test_the_staff_tabs_lead_to_it(world, client_for):
    html = page(client_for(world.sta1_staff).get("/orders/queue/"))
    assert f'href="{URL}"' in html and "批量派单" in html


def test_it_takes_the_same_number_of_queries_for_2_or_6_orders(
        world, client_for, django_assert_num_queries):
    client = client_for(world.center_staff)
    for i in range(2):
        waiting(world, i * 0.5)
        helper(world, f"v{i}", i * 0.5 + 0.1)
    page(client.get(URL))
    with CaptureQueriesContext(connection) as few:
        page(client.get(URL))
    for i in range(2, 6):
        waiting(world, i * 0.5)
        helper(world, f"v{i}", i * 0.5 + 0.1)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(URL)
    assert len(response.context["found"]["pairs"]) == 6


# ---- dispatching ------------------------------------------------------------------------

def test_the_button_dispatches_the_pairs_shown(world, client_for):
    a, b, x, y = crossed(world)
    client = client_for(world.center_staff)
    found = client.get(URL, {"org": world.center.pk}).context["found"]

    response = client.post(URL, {"pairs": found["encoded"], "capacity": 1,
                                 "org": world.center.pk})

    assert response.status_code == 302
    assert response.url == f"{URL}?org={world.center.pk}&capacity=1"
    assert states(a, b) == [("dispatched", y.pk), ("dispatched", x.pk)]
    assert OrderEvent.objects.filter(order__in=[a, b], to_state="dispatched",
                                     by=world.center_staff).count() == 2
    after = client.get(response.url)
    assert "已按方案派出 2 单" in flashed(after)
    assert 'data-testid="empty"' in page(after)


def test_the_capacity_chosen_is_the_one_dispatched_with(world, client_for):
    a, b, x, y = crossed(world)
    client = client_for(world.center_staff)
    found = client.get(URL, {"org": world.center.pk, "capacity": 2}).context["found"]
    assert 'name="capacity" value="2"' in page(client.get(URL, {"capacity": 2}))

    response = client.post(URL, {"pairs": found["encoded"], "capacity": 2,
                                 "org": world.center.pk})

    # With room for two orders each, x (between a and b) takes both.
    assert response.url == f"{URL}?org={world.center.pk}&capacity=2"
    assert states(a, b) == [("dispatched", x.pk), ("dispatched", x.pk)]


def test_a_stale_proposal_dispatches_nothing_and_says_so(world, client_for):
    a, b, x, y = crossed(world)
    client = client_for(world.center_staff)
    found = client.get(URL, {"org": world.center.pk}).context["found"]
    services.order_cancel(by=world.res1.user, order=b, reason="已自行解决")

    response = client.post(URL, {"pairs": found["encoded"], "capacity": 1,
                                 "org": world.center.pk}, follow=True)

    assert "方案已过期" in flashed(response) and str(b.pk) in flashed(response)
    assert states(a) == [("reviewed", None)]


def test_a_pair_that_breaks_a_constraint_is_refused_whole(world, client_for):
    near, other = waiting(world, 0, skill="急救"), waiting(world, 0.2)
    plain = helper(world, "plain", 0.1)

    response = client_for(world.center_staff).post(URL, {
        "pairs": f"{near.pk}:{plain.pk},{other.pk}:{plain.pk}", "capacity": 2}, follow=True)

    assert "不具备“急救”技能" in flashed(response)
    assert states(near, other) == [("reviewed", None), ("reviewed", None)]


# ---- who may not ------------------------------------------------------------------------

@pytest.mark.parametrize("who, node", [("sta2_staff", "sta1"), ("inst2_staff", "sta1"),
                                       ("sta1_staff", "inst1"), ("sta1_staff", "sta1b")])
def test_a_node_outside_the_callers_subtree_is_404(world, client_for, who, node):
    waiting(world, 0)
    response = client_for(getattr(world, who)).get(URL, {"org": getattr(world, node).pk})
    assert response.status_code == 404


def test_a_node_that_does_not_exist_is_404(world, client_for):
    assert client_for(world.sta1_staff).get(URL, {"org": 999999}).status_code == 404


def test_sibling_staff_cannot_dispatch_another_subtrees_orders(world, client_for):
    a, b, x, y = crossed(world)
    found = client_for(world.center_staff).get(URL).context["found"]

    response = client_for(world.sta2_staff).post(URL, {"pairs": found["encoded"],
                                                       "capacity": 1})

    assert response.status_code == 404
    assert states(a, b) == [("reviewed", None), ("reviewed", None)]


@pytest.mark.parametrize("who", ["vol1", "res1", "outsider"])
def test_residents_volunteers_and_outsiders_cannot_use_it(world, client_for, who):
    a, b, x, y = crossed(world)
    user = getattr(world, who)
    client = client_for(getattr(user, "user", user))

    assert client.get(URL, {"org": world.sta1.pk}).status_code == 403
    assert client.post(URL, {"pairs": f"{a.pk}:{y.pk}", "capacity": 1}).status_code == 403
    assert states(a) == [("reviewed", None)]


def test_visitors_are_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/login/" in response.url


# ---- bad input --------------------------------------------------------------------------

@pytest.mark.parametrize("query, message", [
    ({"org": "abc"}, "请从列表中选择阵地"),
    ({"org": "-3"}, "请从列表中选择阵地"),
    ({"capacity": "0"}, "每人最多手头订单数应为1到5之间的整数"),
    ({"capacity": "9"}, "每人最多手头订单数应为1到5之间的整数"),
    ({"capacity": "两个"}, "每人最多手头订单数应为1到5之间的整数"),
])
def test_bad_input_is_a_message_not_a_500(world, client_for, query, message):
    waiting(world, 0)
    response = client_for(world.sta1_staff).get(URL, query)
    assert message in page(response) and response.context["found"] is None


@pytest.mark.parametrize("data, message", [
    ({"pairs": "", "capacity": "1"}, "方案里没有可派的订单"),
    ({"pairs": "1:2:3", "capacity": "1"}, "方案数据有误"),
    ({"pairs": "a:b", "capacity": "1"}, "方案数据有误"),
    ({"pairs": "1:2", "capacity": "7"}, "每人最多手头订单数应为1到5之间的整数"),
    ({"pairs": "1:2"}, "每人最多手头订单数应为1到5之间的整数"),
])
def test_a_bad_post_is_a_message_not_a_500(world, client_for, data, message):
    a, b, x, y = crossed(world)
    response = client_for(world.sta1_staff).post(URL, data, follow=True)
    assert message in flashed(response) and page(response)
    assert states(a) == [("reviewed", None)]


def test_a_bad_org_in_the_post_only_changes_where_it_leads_back(world, client_for):
    a, b, x, y = crossed(world)
    response = client_for(world.sta1_staff).post(URL, {
        "pairs": f"{a.pk}:{y.pk}", "capacity": "1", "org": "x"})
    assert response.url == f"{URL}?capacity=1"
    assert states(a) == [("dispatched", y.pk)]


def test_it_speaks_english_when_asked(world, client_for):
    crossed(world)
    html = page(client_for(world.center_staff).get(URL, HTTP_ACCEPT_LANGUAGE="en"))
    assert "Batch dispatch" in html and "Dispatch as proposed" in html
    assert "km less travel than first-come dispatch" in html and "批量派单" not in html
