"""The compact dispatch page: the best five candidates with a one-line reason, the six bars only
behind "评分明细", the others behind "更多人选", and a search among the ranked candidates by
name or skill. Every candidate on the page can still be dispatched to (the form's choices are
the whole ranking)."""

import re

import pytest

from wenming.orders import services
from wenming.orders.tests.test_candidates import HERE, helper
from wenming.orders.tests.test_support import submit
from wenming.orders.views import TOP_CANDIDATES
from wenming.testing import logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def ranked(world):
    """An order at sta1 and twelve volunteers around it, the first ones nearest."""
    order = services.order_review(by=world.sta1_staff, order=submit(world.res1, skill="水电维修"))
    people = [helper(world, f"disp{i}", skills=["水电维修", "电脑维修" if i == 7 else "陪伴聊天"],
                     platforms=["health"], at=(HERE[0] + i * 0.002, HERE[1]))
              for i in range(12)]
    return order, people


def page(client, order, query: str = "") -> str:
    r = client.get(f"/orders/{order.pk}/dispatch/" + (f"?q={query}" if query else ""))
    assert r.status_code == 200
    return r.content.decode()


def top_part(html: str) -> str:
    return html.split('data-testid="more"')[0]


def test_five_candidates_up_front_each_with_a_one_line_reason(world, ranked):
    order, people = ranked
    html = page(logged_in(world.sta1_staff), order)
    shown = top_part(html)
    assert shown.count('data-testid="candidate"') == TOP_CANDIDATES
    assert shown.count('class="cand-summary"') == TOP_CANDIDATES
    summary = re.search(r'class="cand-summary">([^<]+)<', shown).group(1)
    assert "距离约" in summary and "技能" in summary and "未完成订单" in summary
    # the bars are there, but folded
    assert shown.count('<details class="cand-why">') == TOP_CANDIDATES
    assert "/25" in shown
    more = html.split('data-testid="more"')[1]
    assert "更多人选" in more and more.count('data-testid="candidate"') >= 12 - TOP_CANDIDATES
    assert people[0].user.real_name in shown and people[11].user.real_name in more


def test_the_page_is_far_shorter_than_one_block_per_candidate(world, ranked):
    order, _ = ranked
    html = page(logged_in(world.sta1_staff), order)
    # one open block of bars per candidate was the 9,600 px page; now none is open
    assert "<details class=\"cand-why\" open" not in html
    assert "<details class=\"cand-more\" data-testid=\"more\" open" not in html


def test_search_by_name_finds_a_candidate_below_the_top(world, ranked):
    order, people = ranked
    name = people[10].user.real_name
    html = page(logged_in(world.sta1_staff), order, name)
    assert 'data-testid="more"' not in html
    assert html.count('data-testid="candidate"') == 1 and name in html
    assert f'value="v{people[10].pk}"' in html


def test_search_by_skill(world, ranked):
    order, people = ranked
    html = page(logged_in(world.sta1_staff), order, "电脑")
    assert html.count('data-testid="candidate"') == 1
    assert people[7].user.real_name in html and "电脑维修" in html


def test_a_search_matching_nobody_says_so(world, ranked):
    order, _ = ranked
    html = page(logged_in(world.sta1_staff), order, "无此人")
    assert 'data-testid="candidate"' not in html and "推荐名单中没有符合的人选" in html


def test_a_found_candidate_can_be_dispatched_to(world, ranked):
    order, people = ranked
    client = logged_in(world.sta1_staff)
    r = client.post(f"/orders/{order.pk}/dispatch/", {"to": f"v{people[10].pk}"})
    assert r.status_code == 302
    order.refresh_from_db()
    assert (order.state, order.volunteer) == ("dispatched", people[10])


@pytest.mark.parametrize("query", ["x" * 31, "%00", "<script>"])
def test_odd_searches_are_harmless(world, ranked, query):
    order, _ = ranked
    r = logged_in(world.sta1_staff).get(f"/orders/{order.pk}/dispatch/", {"q": query})
    assert r.status_code in (200, 400)
    assert "<script>" not in r.content.decode().split("</header>")[-1].replace(
        "&lt;script&gt;", "")


def test_a_sibling_station_gets_404_with_a_search(world, ranked):
    order, _ = ranked
    r = logged_in(world.sta2_staff).get(f"/orders/{order.pk}/dispatch/", {"q": "disp"})
    assert r.status_code == 404
