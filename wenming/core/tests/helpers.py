"""Assertions shared by the API tests: the contract's error shape and the message language."""

import json
import re

_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def assert_error(response, status: int, code: str | None = None) -> str:
    """The response is {"error": {"code", "message"}} with `status`; returns the message."""
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message"}
    assert re.fullmatch(r"[a-z][a-z0-9_]*", body["error"]["code"])
    assert body["error"]["message"].strip()
    if code is not None:
        assert body["error"]["code"] == code, body
    return body["error"]["message"]


def assert_chinese_error(response, status: int, code: str | None = None) -> str:
    message = assert_error(response, status, code)
    assert has_cjk(message), message
    return message


def assert_english_error(response, status: int, code: str | None = None) -> str:
    message = assert_error(response, status, code)
    assert not has_cjk(message), f"not translated to English: {message}"
    return message


def post_json(client, url: str, data, **extra):
    body = data if isinstance(data, str | bytes) else json.dumps(data)
    return client.post(url, body, content_type="application/json", **extra)


def patch_json(client, url: str, data, **extra):
    return client.patch(url, json.dumps(data), content_type="application/json", **extra)
