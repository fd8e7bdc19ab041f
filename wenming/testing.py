"""Helpers the test suites share (not collected: no tests here)."""

import shutil
import threading
from contextlib import contextmanager

from django.db import connections
from django.test import Client

BACKEND = "wenming.people.backends.UsernameOrMobileBackend"


def logged_in(user) -> Client:
    """A Django test client logged in as `user` (session auth, like a browser)."""
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


def race(calls, *, close_main: bool = False) -> list:
    """Run every call at once, each in its own thread on its own database connection;
    returns what each returned. `close_main` closes the calling thread's connection first,
    so the threads alone fill the database's connection slots."""
    if close_main:
        connections.close_all()
    barrier = threading.Barrier(len(calls))
    results, errors = [], []

    def run(call):
        try:
            barrier.wait(timeout=30)
            results.append(call())
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors[:3]
    assert len(results) == len(calls)
    return results


def tab(page, name: str) -> None:
    """Tap a tab of the phone's bottom tab bar (Playwright page)."""
    page.get_by_role("navigation", name="底部导航").get_by_role(
        "link", name=name, exact=True).click()


def tile(page, name: str) -> None:
    """Go to the home screen (the brand in the top bar) and tap a tile of its icon grid."""
    page.locator(".topbar .brand").click()
    page.get_by_role("navigation", name="常用功能").get_by_role(
        "link", name=name, exact=True).click()


@contextmanager
def chromium():
    """Debian's chromium driven by Playwright (it never downloads a browser of its own)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=shutil.which("chromium") or "/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        try:
            yield browser
        finally:
            browser.close()
