"""Bad input, class by class: a clear 4xx in the error shape, never a 500, never a stored
row that breaks later reads (issue 9, section 4). Runs on SQLite and on PostgreSQL.

The types are proved on a test-only API (`bad_input_api`) and on the real endpoints whose
schemas already inherit wenming.core.schemas.Strict; the schemathesis test proves the rest
once the apps use the types everywhere (scripts/sweep_bad_input.py)."""

import datetime
import json

import pytest
from django.test import Client, RequestFactory, override_settings
from django.utils import translation

from wenming.activities.models import Activity
from wenming.activities.tests.test_support import activity_body, post
from wenming.core.error_views import csrf_failure
from wenming.core.tests.helpers import assert_chinese_error, assert_english_error, assert_error
from wenming.orgs.models import Platform

pytestmark = [pytest.mark.django_db, pytest.mark.urls("wenming.core.tests.bad_input_api")]

TOO_BIG = 2**63  # one past the largest 64-bit id
HUGE = 10**30
ITEM = {"name": "x", "owner_id": 1}


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def staff(world, client_for):
    return client_for(world.sta1_staff)


def post_item(client, **fields):
    return post(client, "/api/_test/items", {**ITEM, **fields})


# ---- ids beyond 64 bits ---------------------------------------------------------------------

@pytest.mark.parametrize("value", [TOO_BIG, HUGE, 0, -1])
def test_an_id_out_of_range_in_a_body_is_422(staff, value):
    assert_chinese_error(post_item(staff, owner_id=value), 422, "invalid_input")


def test_the_largest_64_bit_id_is_accepted(staff):
    response = post_item(staff, owner_id=TOO_BIG - 1)
    assert response.status_code == 201 and response.json()["owner_id"] == TOO_BIG - 1


@pytest.mark.parametrize("value", [TOO_BIG, HUGE])
def test_an_id_out_of_range_in_a_query_is_422(staff, value):
    assert_chinese_error(staff.get(f"/api/_test/items?owner={value}"), 422, "invalid_input")


@pytest.mark.parametrize("value", [str(TOO_BIG), str(HUGE), "0", "abc", "9" * 5000])
def test_an_id_out_of_range_in_a_path_is_404(staff, value):
    assert_chinese_error(staff.get(f"/api/_test/items/{value}"), 404, "not_found")


def test_any_integer_field_of_a_schema_stays_within_64_bits(staff):
    assert_chinese_error(post_item(staff, count=HUGE), 422, "invalid_input")


@pytest.mark.parametrize("url", [f"/api/activities/{HUGE}", f"/api/orders/{HUGE}",
                                 f"/api/volunteers/{HUGE}", f"/api/activities?org={HUGE}"])
def test_a_real_endpoint_answers_a_huge_id_in_the_error_shape(staff, url):
    # 404 once the endpoint types its ids as Id; the database safety net's 422 before.
    response = staff.get(url)
    assert response.status_code in (404, 422)
    assert_error(response, response.status_code)


def test_a_database_overflow_is_a_422_and_rolls_back(staff):
    response = post(staff, "/api/_test/write-then-overflow", {})
    assert_chinese_error(response, 422, "invalid_input")
    assert not Platform.objects.filter(code="rolled_back").exists()


def test_a_page_with_a_huge_id_in_its_path_is_a_404(world, client_for):
    # Through the <id:...> converter once the apps' urls use it; a 400 page before.
    response = client_for(world.sta1_staff).get(f"/activities/{HUGE}/")
    assert response.status_code in (400, 404)


# ---- dates at year 1 or 9999, with any offset -----------------------------------------------

@pytest.mark.parametrize("value", [
    "9999-12-31T23:59:59+14:00", "9999-12-31T23:59:59-12:00", "9999-12-31T23:59:59Z",
    "0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00-12:00", "0001-01-01T00:00:00",
    "1999-12-31T23:59:59+08:00", "2101-01-01T00:00:00+08:00",
])
def test_a_time_outside_the_platform_range_is_422(staff, value):
    message = assert_chinese_error(post_item(staff, at=value), 422, "invalid_input")
    assert "2000-01-01" in message and "2100-12-31" in message


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "1999-12-31", "2101-01-01"])
def test_a_date_outside_the_platform_range_is_422(staff, value):
    assert_chinese_error(post_item(staff, day=value), 422, "invalid_input")


def test_a_time_in_any_offset_is_normalised_to_the_platform_zone(staff):
    response = post_item(staff, at="2030-05-01T00:00:00-05:00")
    assert response.status_code == 201
    assert response.json()["at"] == "2030-05-01T13:00:00+08:00"


def test_the_edges_of_the_range_are_accepted(staff):
    assert post_item(staff, at="2000-01-01T00:00:00+08:00", day="2100-12-31").status_code == 201
    assert post_item(staff, at="1999-12-31T16:00:00Z").status_code == 201  # 2000-01-01 08:00+8


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"])
def test_a_time_out_of_range_in_a_query_is_422(staff, value):
    response = staff.get("/api/_test/items", {"since": value})
    assert_chinese_error(response, 422, "invalid_input")


def test_a_date_param_out_of_range_is_422(staff):
    assert_chinese_error(staff.get("/api/_test/items/1?on=9999-12-31"), 422, "invalid_input")


@pytest.mark.parametrize("field,value", [("start", "9999-12-31T20:00:00-10:00"),
                                         ("end", "9999-12-31T23:00:00-12:00"),
                                         ("start", "0001-01-01T00:00:00+14:00")])
def test_an_activity_in_year_9999_is_refused_and_the_list_still_reads(world, staff, field,
                                                                      value):
    """The reported poisoning: one request stored an activity in year 9999 behind a 500,
    and then the district's activity list answered 500 to everyone."""
    response = post(staff, "/api/activities", activity_body(world.sta1, **{field: value}))
    assert_chinese_error(response, 422, "invalid_input")
    assert not Activity.objects.exists()
    assert staff.get("/api/activities").status_code == 200


# ---- NaN and Infinity -----------------------------------------------------------------------

@pytest.mark.parametrize("raw", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_a_coordinate_that_is_not_finite_is_422(staff, raw):
    body = '{"name": "x", "owner_id": 1, "lat": ' + raw + '}'
    assert_chinese_error(post(staff, "/api/_test/items", body), 422, "invalid_input")


@pytest.mark.parametrize("field,raw", [("lat", "NaN"), ("lng", "Infinity"), ("lat", "91"),
                                       ("lng", "-181")])
def test_an_activity_with_a_non_finite_coordinate_is_refused(world, staff, field, raw):
    body = json.dumps({**activity_body(world.sta1), field: 0.0}).replace(
        f'"{field}": 0.0', f'"{field}": {raw}')
    assert_chinese_error(post(staff, "/api/activities", body), 422, "invalid_input")
    assert not Activity.objects.exists()


# ---- NUL bytes and other control characters -------------------------------------------------

@pytest.mark.parametrize("text", ["a\x00b", "\x00", "a\x07b", "a\x1bb", "a\x7fb", "a\x85b",
                                  "a\ud800b"])
def test_control_characters_in_text_are_422(staff, text):
    message = assert_chinese_error(post_item(staff, name=text), 422, "invalid_input")
    assert "name" in message


def test_control_characters_in_a_list_item_are_422(staff):
    assert_chinese_error(post_item(staff, tags=["ok", "a\x00"]), 422, "invalid_input")


def test_tabs_and_line_breaks_are_text(staff):
    response = post_item(staff, note="第一行\r\n\t第二行")
    assert response.status_code == 201 and response.json()["note"] == "第一行\r\n\t第二行"


def test_a_nul_byte_in_a_query_filter_is_422(staff):
    assert_chinese_error(staff.get("/api/activities", {"q": "a\x00b"}), 422, "invalid_input")
    assert_chinese_error(staff.get("/api/_test/items/1", {"word": "\x00"}), 422,
                         "invalid_input")


def test_an_activity_title_with_a_nul_byte_is_refused_on_every_database(world, staff):
    response = post(staff, "/api/activities", activity_body(world.sta1, title="义诊\x00"))
    assert_chinese_error(response, 422, "invalid_input")
    assert not Activity.objects.exists()


# ---- text of zero-width characters only -----------------------------------------------------

@pytest.mark.parametrize("text", ["\u200b", "\u200b\u200c\u200d\ufeff", " \u3000\u2060 "])
def test_blank_text_in_a_required_field_is_a_required_error(staff, text):
    message = assert_chinese_error(post_item(staff, name=text), 422, "invalid_input")
    assert "不能为空" in message


def test_blank_text_in_an_optional_field_becomes_empty(staff):
    response = post_item(staff, note="\u200b\u200b")
    assert response.status_code == 201 and response.json()["note"] == ""


def test_an_order_of_invisible_characters_is_refused_as_empty(world, client_for):
    response = post(client_for(world.res1.user), "/api/orders", {"kind": "service", "platform": "health",
                    "text": "\u200b" * 10, "lat": 39.98, "lng": 116.3, "address": "稻香园"})
    assert_chinese_error(response, 422)


# ---- oversized requests ---------------------------------------------------------------------

def test_a_header_too_large_is_431_in_the_shape(staff):
    response = staff.get("/api/me", HTTP_X_FILLER="x" * 9000)
    assert_chinese_error(response, 431, "headers_too_large")


def test_too_many_headers_in_all_is_431(staff):
    headers = {f"HTTP_X_FILLER_{i}": "x" * 4000 for i in range(9)}
    assert_chinese_error(staff.get("/api/me", **headers), 431, "headers_too_large")


def test_a_page_with_a_header_too_large_is_431(db):
    assert Client().get("/", HTTP_X_FILLER="x" * 9000).status_code == 431


def test_too_many_query_fields_is_413_in_the_shape(staff):
    query = "&".join(f"f{i}=1" for i in range(1200))
    assert_chinese_error(staff.get(f"/api/activities?{query}"), 413, "too_many_fields")


def test_a_body_over_the_limit_is_413_in_the_shape(staff):
    response = post(staff, "/api/_test/items", {**ITEM, "note": "x" * 3_000_000})
    assert_chinese_error(response, 413, "request_too_large")


def test_a_form_body_over_the_limit_under_api_is_413_in_the_shape(staff):
    # A form body is read by Django's CSRF middleware before any view: handler400 answers.
    response = staff.post("/api/no-such-endpoint", {"x": "y" * 3_000_000})
    assert response.status_code in (404, 413)
    assert_error(response, response.status_code)


# ---- CSRF failures --------------------------------------------------------------------------

def test_a_session_write_without_its_csrf_token_is_403_json(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.sta1_staff, backend="wenming.people.backends.UsernameOrMobileBackend")
    response = post(client, "/api/_test/items", ITEM)
    assert_chinese_error(response, 403, "csrf_failed")


def test_the_csrf_failure_view_answers_json_under_api():
    response = csrf_failure(RequestFactory().post("/api/anything"), reason="no token")
    assert response.status_code == 403 and response["Content-Type"] == "application/json"
    error = json.loads(response.content)["error"]
    assert error["code"] == "csrf_failed" and "CSRF" in error["message"]


def test_the_csrf_failure_view_answers_a_page_elsewhere(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.sta1_staff, backend="wenming.people.backends.UsernameOrMobileBackend")
    response = client.post("/activities/new/", {})
    assert response.status_code == 403 and "text/html" in response["Content-Type"]


# ---- server errors --------------------------------------------------------------------------

def test_a_server_error_under_api_is_json_in_the_shape(db):
    response = Client(raise_request_exception=False).post("/api/_test/boom")
    assert_chinese_error(response, 500, "server_error")


def test_a_write_followed_by_a_server_error_is_rolled_back(db):
    response = Client(raise_request_exception=False).post("/api/_test/write-then-boom")
    assert response.status_code == 500
    assert not Platform.objects.filter(code="rolled_back").exists()


@override_settings(DEBUG=False)
def test_a_page_server_error_is_the_500_page(db, monkeypatch):
    from wenming.core import error_views

    request = RequestFactory().get("/somewhere/")
    response = error_views.server_error(request)
    assert response.status_code == 500 and b"<html" in response.content.lower()


def test_unknown_api_paths_keep_their_json_404_in_english_when_asked(db):
    response = Client().get("/api/no-such-thing", HTTP_ACCEPT_LANGUAGE="en")
    assert_english_error(response, 404, "not_found")


def test_a_path_id_out_of_range_is_404_in_english_when_asked(staff):
    response = staff.get(f"/api/_test/items/{HUGE}", HTTP_ACCEPT_LANGUAGE="en")
    assert_english_error(response, 404, "not_found")


# ---- a stored value never breaks a later read -----------------------------------------------

def test_a_schema_checks_requests_not_responses():
    """Output goes through the same schemas: a row stored before these rules (a blank title,
    a time in 2200) must still be readable, so the checks apply to request input only."""
    from wenming.core.tests.bad_input_api import ItemIn

    stored = {**ITEM, "name": "\u200b", "at": datetime.datetime(2200, 1, 1)}
    assert ItemIn.model_validate(stored).name == "\u200b"
    assert ItemIn.model_validate(stored, context={"request": None,
                                                  "response_status": 200}).name == "\u200b"
    with pytest.raises(ValueError):
        ItemIn.model_validate(stored, context={"request": None})


@pytest.mark.parametrize("field,value", [("lat", 90.5), ("lat", -91), ("lng", 180.1)])
def test_a_coordinate_out_of_range_is_422(staff, field, value):
    message = assert_chinese_error(post_item(staff, **{field: value}), 422, "invalid_input")
    assert field in message


def test_coordinates_are_checked_on_input_only():
    from wenming.core.tests.bad_input_api import ItemIn

    assert ItemIn.model_validate({**ITEM, "lat": 95.0}, context={
        "request": None, "response_status": 200}).lat == 95.0
    schema = ItemIn.model_json_schema()["properties"]["lat"]["anyOf"][0]
    assert (schema["minimum"], schema["maximum"]) == (-90, 90)
