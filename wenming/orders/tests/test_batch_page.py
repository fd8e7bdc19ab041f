"""The batch dispatch pages (/orders/batch/, 批量派单): a GET shows only the form; its POST
solves a node's waiting orders once and keeps the proposal (`BatchProposal`), whose own page
(/orders/batch/<id>/) shows it paged beside greedy first-come dispatch, and one button that
dispatches its pairs, all or none, once. The solver itself is tested in test_batch.py; here,
what staff see and may do, who may not, and that bad input is a message, never a 500.

Places as in test_batch.py: `east(km)` of sta1, so the figures can be worked out by hand."""

import pytest
from django.db import connection

from wenming.orders import services
from wenming.orders.models import BatchProposal, OrderEvent, ServiceOrder
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


def propose(client, **data):
    """POST the form; it leads to the kept proposal's page. Returns that page's response."""
    response = client.post(URL, data)
    assert response.status_code == 302, response.content.decode()[:500]
    assert response.url.startswith(URL) and response.url != URL
    return client.get(response.url)


def kept() -> BatchProposal:
    return BatchProposal.objects.get()


# ---- what staff see ---------------------------------------------------------------------

def test_it_shows_the_proposal_beside_greedy_first_come_dispatch(world, client_for):
    a, b, x, y = crossed(world)

    response = propose(client_for(world.center_staff), org=world.center.pk)

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
    assert f'action="/orders/batch/{kept().pk}/dispatch/"' in html and "按此方案派单" in html


def test_a_get_only_shows_the_form_and_solves_nothing(world, client_for,
                                                     django_assert_max_num_queries):
    crossed(world)
    client = client_for(world.center_staff)
    with django_assert_max_num_queries(12):
        response = client.get(URL, {"org": world.center.pk})
    html = page(response)
    assert 'data-testid="propose"' in html and "生成方案" in html
    assert 'data-testid="comparison"' not in html and not BatchProposal.objects.exists()


def test_the_proposal_page_reads_the_kept_proposal_without_solving_again(world, client_for):
    a, b, x, y = crossed(world)
    client = client_for(world.center_staff)
    first = propose(client, org=world.center.pk)
    later = waiting(world, 1.2)  # arrives after: not in the kept proposal
    again = client.get(f"{URL}{kept().pk}/")
    assert [p["order_id"] for p in again.context["found"]["pairs"]] == \
        [p["order_id"] for p in first.context["found"]["pairs"]]
    assert f'data-testid="pair-{later.pk}"' not in page(again)
    assert f'href="/orders/batch/{kept().pk}/"' in page(client.get(URL))  # my recent ones


def test_a_long_proposal_is_paged(world, client_for, monkeypatch):
    from wenming.orders import views

    monkeypatch.setattr(views, "PAIRS_PER_PAGE", 2)
    orders = [waiting(world, i * 0.4) for i in range(5)]
    for i in range(5):
        helper(world, f"v{i}", i * 0.4 + 0.05)
    client = client_for(world.center_staff)
    first = page(propose(client, org=world.center.pk))
    assert first.count('data-testid="pair-') == 2 and "1 / 3" in first
    shown = set()
    for n in (1, 2, 3):
        html = page(client.get(f"{URL}{kept().pk}/", {"page": n}))
        shown |= {o.pk for o in orders if f'data-testid="pair-{o.pk}"' in html}
    assert shown == {o.pk for o in orders}


def test_it_says_when_it_dispatches_more_orders_than_greedy(world, client_for):
    # x serves both platforms, y health only: greedy gives a (first) x and strands b.
    waiting(world, 0), waiting(world, 0.3, platform="culture")
    helper(world, "x", 0.1, platforms=("health", "culture"))
    helper(world, "y", 1.0)

    html = page(propose(client_for(world.center_staff), org=world.center.pk))

    assert "比先到先派多派出 1 单" in html


def test_it_says_when_greedy_does_as_well(world, client_for):
    waiting(world, 0), waiting(world, 4)
    helper(world, "x", 0.5), helper(world, "y", 4.5)

    html = page(propose(client_for(world.center_staff), org=world.center.pk))

    assert "与先到先派的结果一样好" in html and "少走" not in html


def test_orders_nobody_may_take_are_listed_with_the_reason(world, client_for):
    skilled = waiting(world, 0, skill="手语")
    lonely = waiting(world, -9)
    helper(world, "plain", 0.1)

    html = page(propose(client_for(world.center_staff), org=world.center.pk))

    assert f'data-testid="left-{skilled.pk}"' in html and "附近没有具备“手语”技能的志愿者" in html
    assert f'data-testid="left-{lonely.pk}"' in html and "7公里内没有可派的志愿者" in html
    assert "暂时没有可以派出的订单" in html and "按此方案派单" not in html


def test_nothing_waiting_is_a_clear_empty_state(world, client_for):
    submit(world.res1, at=east(0))  # not reviewed yet: not waiting for a volunteer
    helper(world, "x", 0.1)

    response = propose(client_for(world.sta1_staff))

    assert 'data-testid="empty"' in page(response) and "没有等待派单的订单" in page(response)
    assert "按此方案派单" not in page(response)


def test_the_default_node_is_the_staff_members_own_and_the_picker_their_subtree(
        world, client_for):
    here = waiting(world, 0)
    helper(world, "x", 0.1)
    client = client_for(world.inst1_staff)

    choices = dict(page_form(client.get(URL)).fields["org"].widget.choices)
    response = propose(client)

    assert response.context["found"]["org_id"] == world.inst1.pk
    assert [p["order_id"] for p in response.context["found"]["pairs"]] == [here.pk]
    assert set(choices) == {world.inst1.pk, world.sta1.pk, world.sta1b.pk}
    assert world.sta2.name not in page(client.get(URL))


def page_form(response):
    assert response.status_code == 200
    return response.context["form"]


def test_the_staff_tabs_lead_to_it(world, client_for):
    html = page(client_for(world.sta1_staff).get("/orders/queue/"))
    assert f'href="{URL}"' in html and "批量派单" in html


def test_the_proposal_page_takes_the_same_number_of_queries_for_2_or_6_orders(
        world, client_for, django_assert_num_queries):
    client = client_for(world.center_staff)
    for i in range(2):
        waiting(world, i * 0.5)
        helper(world, f"v{i}", i * 0.5 + 0.1)
    propose(client, org=world.center.pk)
    few_url = f"{URL}{kept().pk}/"
    page(client.get(few_url))
    few = []
    with connection.execute_wrapper(lambda execute, sql, *args: few.append(sql) or execute(
            sql, *args)):
        page(client.get(few_url))
    for i in range(2, 6):
        waiting(world, i * 0.5)
        helper(world, f"v{i}", i * 0.5 + 0.1)
    response = propose(client, org=world.center.pk)
    many_url = f"{URL}{BatchProposal.objects.latest('pk').pk}/"
    with django_assert_num_queries(len(few)):
        response = client.get(many_url)
    assert len(response.context["found"]["pairs"]) == 6


# ---- dispatching ------------------------------------------------------------------------

def dispatch_url() -> str:
    return f"{URL}{kept().pk}/dispatch/"


def test_the_button_dispatches_the_pairs_shown_once(world, client_for):
    a, b, x, y = crossed(world)
    client = client_for(world.center_staff)
    propose(client, org=world.center.pk)

    response = client.post(dispatch_url())

    assert response.status_code == 302 and response.url == f"{URL}{kept().pk}/"
    assert states(a, b) == [("dispatched", y.pk), ("dispatched", x.pk)]
    assert OrderEvent.objects.filter(order__in=[a, b], to_state="dispatched",
                                     by=world.center_staff).count() == 2
    after = client.get(response.url)
    assert "已按方案派出 2 单" in flashed(after)
    assert 'data-testid="dispatched"' in page(after) and "按此方案派单" not in page(after)
    again = client.post(dispatch_url(), follow=True)
    assert "不能执行此操作" in flashed(again)
    assert OrderEvent.objects.filter(to_state="dispatched").count() == 2


def test_the_capacity_chosen_is_the_one_dispatched_with(world, client_for):
    a, b, x, y = crossed(world)
    client = client_for(world.center_staff)
    propose(client, org=world.center.pk, capacity=2)
    assert kept().capacity == 2

    client.post(dispatch_url())

    # With room for two orders each, x (between a and b) takes both.
    assert states(a, b) == [("dispatched", x.pk), ("dispatched", x.pk)]


def test_a_stale_proposal_dispatches_nothing_and_says_so(world, client_for):
    a, b, x, y = crossed(world)
    client = client_for(world.center_staff)
    propose(client, org=world.center.pk)
    services.order_cancel(by=world.res1.user, order=b, reason="已自行解决")

    response = client.post(dispatch_url(), follow=True)

    assert "方案已过期" in flashed(response) and str(b.pk) in flashed(response)
    assert states(a) == [("reviewed", None)] and kept().state == "proposed"


def test_a_volunteer_who_no_longer_fits_fails_the_whole_batch(world, client_for):
    near, other = waiting(world, 0, skill="急救"), waiting(world, 0.2)
    medic = helper(world, "medic", 0.1, skills=("急救",))
    helper(world, "plain", 0.3)
    client = client_for(world.center_staff)
    propose(client, org=world.center.pk)
    medic.skills.clear()

    response = client.post(dispatch_url(), follow=True)

    assert "不具备“急救”技能" in flashed(response)
    assert states(near, other) == [("reviewed", None), ("reviewed", None)]


# ---- who may not ------------------------------------------------------------------------

@pytest.mark.parametrize("who, node", [("sta2_staff", "sta1"), ("inst2_staff", "sta1"),
                                       ("sta1_staff", "inst1"), ("sta1_staff", "sta1b")])
def test_a_node_outside_the_callers_subtree_is_404(world, client_for, who, node):
    waiting(world, 0)
    response = client_for(getattr(world, who)).post(URL, {"org": getattr(world, node).pk})
    assert response.status_code == 404
    assert not BatchProposal.objects.exists()


def test_a_node_that_does_not_exist_is_404(world, client_for):
    assert client_for(world.sta1_staff).post(URL, {"org": 999999}).status_code == 404


def test_sibling_staff_neither_see_nor_dispatch_another_subtrees_proposal(world, client_for):
    a, b, x, y = crossed(world)
    propose(client_for(world.center_staff), org=world.sta1.pk)
    sibling = client_for(world.sta2_staff)

    assert sibling.get(f"{URL}{kept().pk}/").status_code == 404
    assert sibling.post(dispatch_url()).status_code == 404
    assert states(a, b) == [("reviewed", None), ("reviewed", None)]


@pytest.mark.parametrize("who", ["vol1", "res1", "outsider"])
def test_residents_volunteers_and_outsiders_cannot_use_it(world, client_for, who):
    a, b, x, y = crossed(world)
    propose(client_for(world.center_staff), org=world.sta1.pk)
    user = getattr(world, who)
    client = client_for(getattr(user, "user", user))

    assert client.get(URL, {"org": world.sta1.pk}).status_code == 403
    assert client.post(URL, {"org": world.sta1.pk}).status_code == 403
    assert client.get(f"{URL}{kept().pk}/").status_code == 403
    assert client.post(dispatch_url()).status_code == 403
    assert states(a) == [("reviewed", None)] and BatchProposal.objects.count() == 1


def test_visitors_are_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/login/" in response.url


def test_a_get_to_the_dispatch_url_is_refused(world, client_for):
    crossed(world)
    client = client_for(world.center_staff)
    propose(client, org=world.center.pk)
    assert client.get(dispatch_url()).status_code == 405
    assert kept().state == "proposed"


# ---- bad input --------------------------------------------------------------------------

@pytest.mark.parametrize("data, message", [
    ({"org": "abc"}, "请从列表中选择阵地"),
    ({"org": "-3"}, "请从列表中选择阵地"),
    ({"capacity": "0"}, "每人最多手头订单数应为1到5之间的整数"),
    ({"capacity": "9"}, "每人最多手头订单数应为1到5之间的整数"),
    ({"capacity": "两个"}, "每人最多手头订单数应为1到5之间的整数"),
])
def test_bad_input_is_a_message_not_a_500(world, client_for, data, message):
    waiting(world, 0)
    response = client_for(world.sta1_staff).post(URL, data)
    assert response.status_code == 400 and message in response.content.decode()
    assert not BatchProposal.objects.exists()


def test_it_speaks_english_when_asked(world, client_for):
    crossed(world)
    client = client_for(world.center_staff)
    propose(client, org=world.center.pk)
    html = page(client.get(f"{URL}{kept().pk}/", HTTP_ACCEPT_LANGUAGE="en"))
    assert "Batch dispatch" in html and "Dispatch as proposed" in html
    assert "km less travel than first-come dispatch" in html
