"""`wenming serve` runs the real server (gunicorn) with static files from whitenoise."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

WENMING = str(Path(sys.executable).with_name("wenming"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(tmp_path):
    env = {**os.environ, "WENMING_VAR_DIR": str(tmp_path),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
           "DJANGO_SETTINGS_MODULE": "wenming.settings"}
    subprocess.run([WENMING, "migrate", "-v0"], env=env, check=True)
    subprocess.run([WENMING, "collectstatic", "--noinput", "-v0"], env=env, check=True)
    port = free_port()
    server = subprocess.Popen([WENMING, "serve", "--port", str(port), "--workers", "1"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/login/", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_serve_answers_pages_and_hashed_static_files(served):
    with urllib.request.urlopen(served + "/login/") as response:
        page = response.read().decode()
        assert response.headers["Server"].startswith("gunicorn")
    assert "登录" in page
    css = page.split('href="/static/wenming/app.')[1].split('"')[0]
    with urllib.request.urlopen(f"{served}/static/wenming/app.{css}") as response:
        assert response.status == 200
        assert "max-age" in response.headers["Cache-Control"]  # whitenoise, hashed name
