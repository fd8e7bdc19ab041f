"""The API's error shape, whatever goes wrong: {"error": {"code", "message"}}."""

import pytest
from django.utils import translation

from wenming.api import describe_schema_error
from wenming.core.tests.helpers import (
    assert_chinese_error,
    assert_english_error,
    assert_error,
    post_json,
)


@pytest.fixture(autouse=True)
def chinese():
    # An earlier request with Accept-Language: en leaves English active in this thread.
    with translation.override("zh-hans"):
        yield


def test_it_names_a_missing_field():
    assert describe_schema_error({"type": "missing", "loc": ("body", "payload", "mobile")}) \
        == "缺少必填字段：mobile"


def test_it_names_the_limit_of_a_too_long_field():
    message = describe_schema_error({"type": "string_too_long", "loc": ("query", "q"),
                                     "ctx": {"max_length": 50}})
    assert message == "字段 q 过长（最多 50 个字符）"


def test_it_falls_back_to_a_generic_message_for_unknown_complaints():
    assert describe_schema_error({"type": "int_parsing", "loc": ("path", "org_id")}) \
        == "字段 org_id 的格式不正确"


@pytest.mark.django_db
def test_it_answers_401_in_the_contract_shape_when_not_logged_in(client):
    assert_chinese_error(client.get("/api/me"), 401, "not_authenticated")


@pytest.mark.django_db
def test_it_answers_401_for_an_unknown_bearer_token(client):
    response = client.get("/api/me", HTTP_AUTHORIZATION="Bearer not-a-real-token")
    assert_error(response, 401, "not_authenticated")


@pytest.mark.django_db
def test_it_answers_400_for_malformed_json(client):
    assert_chinese_error(post_json(client, "/api/volunteers", "{bad json"), 400,
                         "malformed_json")


@pytest.mark.django_db
def test_it_answers_422_for_a_json_list_instead_of_an_object(client):
    assert_chinese_error(post_json(client, "/api/volunteers", "[]"), 422, "invalid_input")


@pytest.mark.django_db
def test_it_answers_413_for_a_body_over_the_upload_limit(client):
    response = post_json(client, "/api/volunteers", {"real_name": "x" * 3_000_000})
    assert_chinese_error(response, 413, "request_too_large")


@pytest.mark.django_db
def test_it_answers_in_english_when_asked(client):
    response = client.get("/api/me", HTTP_ACCEPT_LANGUAGE="en")
    assert_english_error(response, 401, "not_authenticated")


@pytest.mark.django_db
def test_it_explains_malformed_json_in_english_when_asked(client):
    response = post_json(client, "/api/volunteers", "{bad", HTTP_ACCEPT_LANGUAGE="en")
    assert_english_error(response, 400, "malformed_json")
