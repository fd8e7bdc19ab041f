"""/api/stats/{org_id}: the contract's fields, the children, bad input (4xx, Chinese
message), and the reports: real files in both formats."""

import datetime
import io
import subprocess

import openpyxl
import pytest
from django.utils import timezone

from wenming.orders.models import State
from wenming.testing import logged_in

CONTRACT = ("volunteers", "active_volunteers", "teams", "activities", "hours", "people_served",
            "orders", "dispatch_rate", "on_time_rate", "satisfaction", "avg_rating",
            "wishes_posted", "wishes_fulfilled", "points_earned", "points_spent", "children")


def test_it_answers_every_contract_field_with_children(world):
    response = logged_in(world.center_staff).get(f"/api/stats/{world.center.pk}")
    assert response.status_code == 200
    body = response.json()
    assert set(CONTRACT) <= set(body)
    assert set(body["orders"]) == set(State.values)
    assert [c["org_id"] for c in body["children"]] == [world.inst1.pk, world.inst2.pk]
    for child in body["children"]:
        assert set(CONTRACT) - {"children"} <= set(child)
    assert body["volunteers"] == 3 and body["children"][0]["volunteers"] == 2
    today = timezone.localdate()
    assert body["from"] == today.replace(day=1).isoformat() and body["to"] == today.isoformat()
    assert len(body["trend"]) == 12 and body["star_levels"]["0"] == 3


def test_a_station_has_no_children_rows(world):
    body = logged_in(world.sta1_staff).get(f"/api/stats/{world.sta1.pk}").json()
    assert body["children"] == [] and body["volunteers"] == 1


@pytest.mark.parametrize("query", [
    "from=2026-13-01", "from=yesterday", "to=2026-02-30", "from=2026-05-01&to=2026-04-01",
    "from=2020-01-01&to=2026-01-01", "from=1800-01-01", "to=9999-12-31",
])
def test_bad_ranges_are_4xx_with_a_chinese_message(world, query):
    response = logged_in(world.center_staff).get(f"/api/stats/{world.center.pk}?{query}")
    assert response.status_code in (400, 422), query
    message = response.json()["error"]["message"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message), message


@pytest.mark.parametrize("query", ["period=week", "period=custom", "format=docx",
                                   "date=2026-02-30", "date=0001-01-01"])
def test_bad_report_requests_are_4xx(world, query):
    response = logged_in(world.center_staff).get(f"/api/stats/{world.center.pk}/report?{query}")
    assert response.status_code in (400, 422), query


def test_the_page_turns_bad_periods_into_a_message_not_an_error(world):
    client = logged_in(world.center_staff)
    for query in ["period=custom&from=2026-05-01&to=2026-04-01", "period=decade",
                  "date=2026-02-30", "period=custom&from=2019-01-01&to=2026-01-01"]:
        response = client.get(f"/stats/{world.center.pk}/?{query}")
        assert response.status_code == 200, query
        assert "统计区间" in response.content.decode()
    response = client.get(f"/stats/{world.center.pk}/report/?period=week&format=pdf")
    assert response.status_code == 302


def test_the_excel_report_opens_with_the_children_and_a_total(world):
    response = logged_in(world.center_staff).get(
        f"/api/stats/{world.center.pk}/report?period=quarter&date=2026-05-10&format=xlsx")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert "2026-04-01" in rows[0][0] and "2026-06-30" in rows[0][0]
    assert [r[0] for r in rows[2:]] == [world.inst1.name, world.inst2.name, "合计"]
    assert rows[-1][1] == 0  # the three volunteers registered today, after that quarter
    assert book.worksheets[1].title == "订单状态"
    today = timezone.localdate()
    now = logged_in(world.center_staff).get(
        f"/api/stats/{world.center.pk}/report?period=quarter&date={today}&format=xlsx")
    total = list(openpyxl.load_workbook(io.BytesIO(now.content)).worksheets[0].iter_rows(
        values_only=True))[-1]
    assert total[0] == "合计" and total[1] == 3


def test_the_pdf_report_holds_chinese_text(world, tmp_path):
    response = logged_in(world.inst1_staff).get(
        f"/api/stats/{world.inst1.pk}/report?period=year&date=2026-03-01&format=pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert world.sta1.name in text and "合计" in text and "服务时长" in text
    assert "2026-01-01" in text and "2026-12-31" in text


def test_the_page_shows_figures_children_links_and_downloads(world):
    client = logged_in(world.center_staff)
    html = client.get(f"/stats/{world.center.pk}/").content.decode()
    assert f'data-drill="{world.inst1.pk}"' in html and 'data-figure="hours"' in html
    assert 'data-report="quarter-pdf"' in html and "vendor/echarts/echarts.min.js" in html
    html = client.get(f"/stats/{world.inst1.pk}/").content.decode()
    assert 'data-testid="drill-up"' in html and f'data-drill="{world.sta1.pk}"' in html
    html = logged_in(world.inst1_staff).get(f"/stats/{world.inst1.pk}/").content.decode()
    assert 'data-testid="drill-up"' not in html  # the center is outside the institute's scope


def test_the_page_and_api_read_the_same_period(world):
    client = logged_in(world.center_staff)
    day = datetime.date(2026, 2, 14)
    api = client.get(f"/api/stats/{world.center.pk}?from=2026-01-01&to=2026-03-31").json()
    page = client.get(f"/stats/{world.center.pk}/?period=quarter&date={day}")
    assert api["from"] == "2026-01-01"
    assert "2026-01-01 至 2026-03-31" in page.content.decode()


def test_the_dashboard_costs_the_same_queries_whatever_the_children(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ..forms import default_period
    from ..selectors import dashboard

    counts = []
    for node in (world.center, world.inst1, world.sta1):
        with CaptureQueriesContext(connection) as queries:
            dashboard(node, default_period())
        counts.append(len(queries))
    # pinned: one per figure, none per child; the district's root asks once whether it is
    # the only root (then it filters nothing)
    assert counts[0] - 1 == counts[1] == counts[2] == 17, counts
