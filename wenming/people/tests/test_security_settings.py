"""Deployment settings: CSP on every page, HSTS and Secure cookies behind TLS, no start in
production with a weak secret key; and the templates carry no inline script without a nonce."""

import importlib.util
import re
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.template import engines
from django.test import Client

from wenming import settings as base

GOOD_KEY = "k3y-" + "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOP"


def load_settings(monkeypatch, **env):
    """The settings module as a deployment with this environment would read it."""
    for name in ("WENMING_TLS", "WENMING_PRODUCTION", "DJANGO_SECRET_KEY", "DJANGO_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("settings_probe", base.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_production_refuses_the_default_secret_key(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY"):
        load_settings(monkeypatch, WENMING_PRODUCTION="1")


@pytest.mark.parametrize("key", ["short", "django-insecure-" + "x" * 60, "ab" * 30,
                                 "wenming-dev-only-insecure-key-change-me"])
def test_production_refuses_a_weak_secret_key(monkeypatch, key):
    with pytest.raises(ImproperlyConfigured):
        load_settings(monkeypatch, WENMING_PRODUCTION="1", DJANGO_SECRET_KEY=key)


def test_tls_implies_production(monkeypatch):
    with pytest.raises(ImproperlyConfigured):
        load_settings(monkeypatch, WENMING_TLS="1")


def test_production_refuses_debug(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="DEBUG"):
        load_settings(monkeypatch, WENMING_PRODUCTION="1", DJANGO_SECRET_KEY=GOOD_KEY,
                      DJANGO_DEBUG="1")


def test_production_starts_with_a_real_key_and_no_tls_settings_without_tls(monkeypatch):
    module = load_settings(monkeypatch, WENMING_PRODUCTION="1", DJANGO_SECRET_KEY=GOOD_KEY)
    assert module.SECRET_KEY == GOOD_KEY
    assert not hasattr(module, "SECURE_HSTS_SECONDS")


def test_the_embedded_default_still_starts(monkeypatch):
    assert load_settings(monkeypatch).SECRET_KEY == base.DEV_SECRET_KEY


def test_behind_tls_hsts_and_secure_cookies(monkeypatch):
    module = load_settings(monkeypatch, WENMING_TLS="1", DJANGO_SECRET_KEY=GOOD_KEY)
    assert module.SECURE_HSTS_SECONDS >= 180 * 24 * 3600
    assert module.SESSION_COOKIE_SECURE and module.CSRF_COOKIE_SECURE
    assert module.SECURE_PROXY_SSL_HEADER == ("HTTP_X_FORWARDED_PROTO", "https")
    assert module.SECURE_SSL_REDIRECT
    assert module.CONTENT_SECURITY_POLICY["DIRECTIVES"]["upgrade-insecure-requests"]


@pytest.mark.django_db
def test_behind_tls_the_answer_carries_hsts_and_secure_cookies(world, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    client = Client()
    assert client.get("/login/")["Location"].startswith("https://")  # plain HTTP: redirected
    response = client.post("/login/", {"username": "vol1", "password": "Demo@2026"},
                           HTTP_X_FORWARDED_PROTO="https")
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert response.cookies["sessionid"]["secure"]


@pytest.mark.django_db
def test_every_page_and_api_answer_carries_the_policy(world, client_for):
    for url in ["/login/", "/", "/api/me", "/register/"]:
        policy = client_for(world.vol1.user).get(url)["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
        assert directives["default-src"] == "'self'"
        assert directives["object-src"] == "'none'"
        assert directives["frame-ancestors"] == "'none'"
        assert "unsafe-eval" not in policy
        assert "http:" not in directives["script-src"] and "*" not in directives["script-src"]


def test_a_page_that_uses_the_nonce_gets_it_in_the_header(rf):
    from csp.middleware import CSPMiddleware

    template = engines["django"].from_string(
        '<script nonce="{{ request.csp_nonce }}">1</script>')
    request = rf.get("/")
    middleware = CSPMiddleware(lambda r: HttpResponse(template.render({}, r)))
    response = middleware(request)
    nonce = re.search(r'nonce="([^"]+)"', response.content.decode()).group(1)
    assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]


TEMPLATES = Path(base.BASE_DIR) / "wenming" / "templates"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*\bnonce=)(?![^>]*application/json)"
                           r"[^>]*>")
HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


def test_no_other_template_has_an_inline_script_without_a_nonce():
    offenders = {str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.html")
                 if INLINE_SCRIPT.search(p.read_text()) or HANDLER.search(p.read_text())}
    assert not offenders, offenders
