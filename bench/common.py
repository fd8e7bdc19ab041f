"""What the benchmarks share: a fresh database, the `wenming` command, a gunicorn server."""

import contextlib
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEMO_SIZE_LIMIT_S = 300.0


@dataclass
class Database:
    """Where a benchmark's data lives: `env` selects it for child processes."""

    engine: str  # "sqlite" or "postgresql"
    env: dict[str, str]

    def describe(self) -> str:
        if self.engine == "sqlite":
            return f"SQLite {sqlite_version()} (WAL) in {self.env['WENMING_VAR_DIR']}"
        return f"PostgreSQL at {urlsplit(self.env['DATABASE_URL']).hostname}"


def sqlite_version() -> str:
    import sqlite3

    return sqlite3.sqlite_version


def machine() -> str:
    return f"{os.cpu_count()} cores, {platform.processor() or platform.machine()}, " \
           f"Python {platform.python_version()}, {platform.platform(terse=True)}"


def cleanup_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit, so a stopped benchmark still stops its server and
    removes its database."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def load() -> str:
    """Other work on the machine skews every figure; each report says how busy it was."""
    return "load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.setdefault("DJANGO_SETTINGS_MODULE", "wenming.settings")
    return env


@contextlib.contextmanager
def fresh_database(engine: str = "sqlite") -> Iterator[Database]:
    """An empty database, migrated, removed afterwards.

    SQLite: a file in a new temporary WENMING_VAR_DIR. PostgreSQL: a new database on the
    server that the DATABASE_URL of the caller's environment names (scripts/with-postgres.sh).
    """
    env = base_env()
    var_dir = tempfile.mkdtemp(prefix="wenming-bench-")
    env["WENMING_VAR_DIR"] = var_dir  # the SQLite file, static files
    if engine == "sqlite":
        try:
            db = Database("sqlite", env)
            manage(db, "migrate", "--noinput", "-v0")
            yield db
        finally:
            shutil.rmtree(var_dir, ignore_errors=True)
        return
    import psycopg

    url = os.environ.get("DATABASE_URL")
    if not url or not url.startswith("postgres"):
        raise SystemExit("PostgreSQL needs DATABASE_URL (run under scripts/with-postgres.sh)")
    name = f"wenming_bench_{uuid.uuid4().hex[:8]}"
    parts = urlsplit(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    env["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))
    try:
        db = Database("postgresql", env)
        manage(db, "migrate", "--noinput", "-v0")
        yield db
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(db: Database, *args: str, quiet: bool = True) -> float:
    """Run `wenming <args>` against `db`; returns the wall-clock seconds it took."""
    started = time.perf_counter()
    subprocess.run([str(BIN / "wenming"), *args], env=db.env, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL if quiet else None)
    return time.perf_counter() - started


def python(db: Database, code: str) -> str:
    """Run Python code with Django set up against `db`; returns its stdout."""
    prelude = "import django; django.setup()\n"
    done = subprocess.run([sys.executable, "-c", prelude + code], env=db.env, cwd=ROOT,
                          check=True, capture_output=True, text=True)
    return done.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def gunicorn(db: Database, workers: int = 2, threads: int = 4) -> Iterator[str]:
    """The app served as `wenming serve` serves it (gunicorn, gthread), with bench URLs."""
    manage(db, "collectstatic", "--noinput", "-v0")  # as `make run` does before serving
    port = free_port()
    env = {**db.env, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    proc = subprocess.Popen(
        [str(BIN / "gunicorn"), "wenming.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--threads", str(threads), "--log-level", "warning"],
        env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/bench/bare", timeout=2).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def district_main(doc: str, run, *, default_db: str = "sqlite", options=()) -> None:
    """The benchmarks' shared command line: `--db` (a fresh database, the district loaded
    into it first), `--var-dir DIR` (the SQLite district already loaded there) or
    `--database-url URL` (a PostgreSQL database holding it), plus each
    `options` entry as `add_argument(*args, **kwargs)`. Calls `run(db, args)` and exits 1 if
    a requirement is missed."""
    import argparse

    cleanup_on_sigterm()
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default=default_db)
    parser.add_argument("--var-dir", help="use the SQLite district already loaded there")
    parser.add_argument("--database-url",
                        help="use the PostgreSQL database already holding the district")
    for args, kwargs in options:
        parser.add_argument(*args, **kwargs)
    args = parser.parse_args()
    if args.var_dir or args.database_url:
        env = {**base_env(), "WENMING_VAR_DIR": args.var_dir or tempfile.mkdtemp(
            prefix="wenming-bench-")}
        if args.database_url:
            env["DATABASE_URL"] = args.database_url
        db = Database("postgresql" if args.database_url else "sqlite", env)
        manage(db, "migrate", "--noinput", "-v0")  # a district loaded by older code
        sys.exit(0 if run(db, args)["pass"] else 1)
    with contextlib.ExitStack() as stack:
        db = stack.enter_context(fresh_database(args.db))
        print(f"loading the district demo: "
              f"{manage(db, 'demo', '--size', 'district', '--no-progress'):.0f} s", flush=True)
        sys.exit(0 if run(db, args)["pass"] else 1)
