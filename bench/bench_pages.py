"""Every page and API GET endpoint at district size (issue 10): the sweep.

For each demo role it logs in (the login page for pages, POST /api/auth/token for the API),
discovers the pages reachable from the role's home page (same-origin GET links, a few levels
deep, at most two URLs per route as Django's `resolve()` names it; logout, downloads and
pages that change state on GET are skipped) and the API's GET operations (from the OpenAPI
schema; a path id is filled from the first item of the list above it, so it is one the role
sees), then times each one through gunicorn (2 workers x 4 threads, as `wenming serve`):
warm-up, then the median and p95 of N sequential requests, the response size and the SQL
queries it ran (the `X-Queries` header of bench/settings.py's counter).

Baseline, in the same run: the bare JSON view of bench/urls.py.

Limits (issue 10): every page median < 150 ms and p95 < 300 ms; every API GET median
< 100 ms; no response over 500 KB; no 5xx. The process exits 1 past any of them.

    .venv/bin/python bench/bench_pages.py --var-dir DIR | --database-url URL | --db sqlite
        [--role center --role vol1 ...] [--runs 10] [--depth 3] [--limit-only] [--verbose]
"""

import http.client
import json
import os
import re
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Database, district_main, gunicorn, load  # noqa: E402

PAGE_MEDIAN_MS, PAGE_P95_MS, API_MEDIAN_MS, MAX_BYTES = 150.0, 300.0, 100.0, 500 * 1024
ROLES = ["admin", "center", "inst1", "sta1", "sta2", "vol1", "res1", "unit1"]
PASSWORD = "Demo@2026"
PER_ROUTE = 2
SLOW_S = 3.0  # a warm-up slower than this is timed once: fifteen of them would take minutes
TIMEOUT_S = 60.0
# Routes a GET must not visit: they end the session, switch a mode, or are files.
SKIP_NAMES = {"logout", "set_language", "elder_mode", "kiosk_open", "kiosk_leave",
              "service_worker", "inbox_mark_read", "my_ecard_revoke"}
FILE_NAME = re.compile(r"\.(pdf|xlsx|csv|json|png|jpe?g|webp|js|zip)$")
BINARY_NAMES = re.compile(r"photo|picture|image|evidence|export_xlsx|template")


TIMED_OUT = -1


@dataclass
class Timed:
    role: str
    kind: str  # "page" or "api"
    url: str
    route: str
    status: int = 0
    times: list[float] = field(default_factory=list)
    size: int = 0
    queries: int = 0

    @property
    def median(self) -> float:
        return statistics.median(self.times) if self.times else 0.0

    @property
    def p95(self) -> float:
        s = sorted(self.times)
        return s[max(0, int(len(s) * 0.95) - 1)] if s else 0.0

    def faults(self) -> list[str]:
        if self.status == TIMED_OUT:
            return [f"no answer in {TIMEOUT_S:.0f} s"]
        if self.status >= 500:
            return [f"status {self.status}"]
        if self.status != 200:
            return []
        out = []
        if self.kind == "page":
            if self.median >= PAGE_MEDIAN_MS:
                out.append(f"median >= {PAGE_MEDIAN_MS:.0f} ms")
            if self.p95 >= PAGE_P95_MS:
                out.append(f"p95 >= {PAGE_P95_MS:.0f} ms")
        elif self.median >= API_MEDIAN_MS:
            out.append(f"median >= {API_MEDIAN_MS:.0f} ms")
        if self.size > MAX_BYTES:
            out.append(f"size > {MAX_BYTES // 1024} KB")
        return out


class Client:
    """One keep-alive connection with a cookie jar (enough for Django's two cookies)."""

    def __init__(self, base: str, token: str | None = None):
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT_S)
        self.cookies: dict[str, str] = {}
        self.token = token

    def request(self, method: str, path: str, body: bytes | None = None,
                content_type: str | None = None) -> tuple[int, dict, bytes]:
        headers = {"Host": f"{self.host}:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if content_type:
            headers["Content-Type"] = content_type
        if method == "POST" and "csrftoken" in self.cookies:
            headers["X-CSRFToken"] = self.cookies["csrftoken"]
            headers["Referer"] = f"http://{self.host}:{self.port}/"
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        except (http.client.HTTPException, OSError):
            self.conn.close()  # the server closed a kept-alive connection: once more
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT_S)
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        data = response.read()
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, dict(response.headers), data

    def get(self, path: str) -> tuple[int, dict, bytes]:
        return self.request("GET", path)


def page_login(base: str, username: str) -> Client:
    client = Client(base)
    client.get("/login/")
    status, headers, _ = client.request(
        "POST", "/login/", urlencode({"username": username, "password": PASSWORD,
                                      "csrfmiddlewaretoken": client.cookies["csrftoken"]}
                                     ).encode(), "application/x-www-form-urlencoded")
    if status != 302 or "sessionid" not in client.cookies:
        raise RuntimeError(f"{username}: page login failed ({status})")
    return client


def api_login(base: str, username: str) -> Client:
    status, _h, body = Client(base).request(
        "POST", "/api/auth/token", json.dumps({"username": username, "password": PASSWORD}
                                              ).encode(), "application/json")
    if status != 200:
        raise RuntimeError(f"{username}: API login failed ({status})")
    return Client(base, json.loads(body)["token"])


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href and not href.startswith(("#", "mailto:", "tel:", "javascript:")) \
                    and "download" not in dict(attrs):
                self.hrefs.append(href)


def route_of(path: str) -> str | None:
    """The route's name (or pattern) for a same-origin path; None to skip it."""
    from django.urls import Resolver404, resolve

    if FILE_NAME.search(path) or path.startswith(("/static/", "/media/", "/admin/", "/api/")):
        return None
    try:
        match = resolve(path)
    except Resolver404:
        return None
    name = match.url_name or match.route
    if name in SKIP_NAMES or BINARY_NAMES.search(name):
        return None
    return name


def discover_pages(client: Client, depth: int) -> dict[str, str]:
    """URL -> route, breadth first from the home page, at most PER_ROUTE URLs per route."""
    found, per_route = {"/": "home"}, defaultdict(int, {"home": 1})
    frontier = ["/"]
    for _level in range(depth):
        following = []
        for url in frontier:
            try:
                status, headers, body = client.get(url)
            except TimeoutError:
                client.conn.close()
                continue  # timed (and reported) below
            if status != 200 or "text/html" not in headers.get("Content-Type", ""):
                continue
            parser = Links()
            parser.feed(body.decode("utf-8", "replace"))
            for href in parser.hrefs:
                absolute = urlsplit(urljoin(f"http://x{url}", href))
                if absolute.netloc not in ("x", ""):
                    continue
                target = absolute.path + (f"?{absolute.query}" if absolute.query else "")
                route = route_of(absolute.path)
                if route is None or target in found or per_route[route] >= PER_ROUTE:
                    continue
                found[target] = route
                per_route[route] += 1
                following.append(target)
        frontier = following
    return found


def items_of(body: bytes) -> list:
    try:
        data = json.loads(body)
    except ValueError:
        return []
    if isinstance(data, dict):
        data = data.get("items", [])
    return data if isinstance(data, list) else []


def discover_api(client: Client) -> dict[str, str]:
    """URL -> operation path, for every GET operation whose ids can be filled."""
    status, _h, body = client.get("/api/openapi.json")
    assert status == 200, body[:200]
    paths = sorted(p for p, ops in json.loads(body)["paths"].items() if "get" in ops)
    found: dict[str, str] = {}
    filled: dict[str, str] = {}  # template -> concrete URL
    for template in paths:
        if template in ("/api/openapi.json", "/api/docs") or FILE_NAME.search(template):
            continue  # the schema itself; downloads (an export of the district is no list)
        concrete = fill(client, template, filled)
        if concrete is not None:
            found[concrete] = template
            filled[template] = concrete
    return found


def fill(client: Client, template: str, filled: dict[str, str]) -> str | None:
    """`/api/a/{x}/b/{y}` -> `/api/a/7/b/9`, each id from the first item of the list above."""
    concrete = ""
    for part in re.split(r"(\{[^}]+\})", template):
        if not part.startswith("{"):
            concrete += part
            continue
        listing = concrete.rstrip("/")
        try:
            status, _h, body = client.get(listing)
        except TimeoutError:
            client.conn.close()
            return None
        rows = items_of(body) if status == 200 else []
        ids = [r.get("id") for r in rows if isinstance(r, dict) and r.get("id") is not None]
        if not ids:
            return None
        concrete += str(ids[0])
    return concrete


def fetch(client: Client, entry: Timed) -> float | None:
    """One request: its milliseconds (None on a timeout), the entry's status, size, queries."""
    started = time.perf_counter()
    try:
        status, headers, body = client.get(entry.url)
    except TimeoutError:
        entry.status = TIMED_OUT
        client.conn.close()
        return None
    entry.status, entry.size = status, len(body)
    entry.queries = int(headers.get("X-Queries", 0))
    return (time.perf_counter() - started) * 1000


def time_one(client: Client, entry: Timed, runs: int, warmup: int) -> None:
    """Warm-up, then `runs` timed requests; only 200s are timed (a refusal or a redirect is
    the role's answer, not a page). A warm-up past SLOW_S is the one figure kept."""
    for _ in range(warmup):
        ms = fetch(client, entry)
        if ms is None or entry.status != 200:
            return
        if ms > SLOW_S * 1000:
            entry.times.append(ms)
            return
    for _ in range(runs):
        ms = fetch(client, entry)
        if ms is None or entry.status != 200:
            return
        entry.times.append(ms)


def progress(entry: Timed, verbose: bool) -> Timed:
    """With --verbose, each figure as it is measured (a long sweep's partial result)."""
    if verbose:
        faults = ", ".join(entry.faults())
        print(f"    {entry.role:<7} {entry.median:8.1f} {entry.p95:8.1f} {entry.size / 1024:6.1f} "
              f"{entry.queries:4d} {entry.status:4d}  {entry.kind} {entry.url}"
              f"{'  <-- ' + faults if faults else ''}", flush=True)
    return entry


def time_urls(base: str, role: str, args) -> list[Timed]:
    """Only the URLs named with --url (no discovery): to re-time what a change touched."""
    page, api = page_login(base, role), api_login(base, role)
    out = []
    for url in args.url:
        kind, client = ("api", api) if url.startswith("/api/") else ("page", page)
        entry = Timed(role, kind, url, route_of(url.split("?")[0]) or url)
        time_one(client, entry, args.runs, args.warmup)
        out.append(progress(entry, args.verbose))
    return out


def sweep_role(base: str, role: str, args) -> list[Timed]:
    if getattr(args, "url", None):
        return time_urls(base, role, args)
    out = []
    client = page_login(base, role)
    for url, route in discover_pages(client, args.depth).items():
        entry = Timed(role, "page", url, route)
        time_one(client, entry, args.runs, args.warmup)
        out.append(progress(entry, args.verbose))
    api = api_login(base, role)
    for url, template in discover_api(api).items():
        entry = Timed(role, "api", url, template)
        time_one(api, entry, args.runs, args.warmup)
        out.append(progress(entry, args.verbose))
    print(f"  {role:<7} {sum(e.kind == 'page' for e in out):4d} pages, "
          f"{sum(e.kind == 'api' for e in out):3d} API GETs; {load()}", flush=True)
    return out


def setup_django(db: Database) -> None:
    """resolve() in this process: the URLconf only, no database is opened here."""
    import django

    for key in ("WENMING_VAR_DIR", "DATABASE_URL"):
        if key in db.env:
            os.environ.setdefault(key, db.env[key])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()


def report(entries: list[Timed], bare: Timed, limit_only: bool) -> None:
    timed = [e for e in entries if e.times]
    offenders = [e for e in entries if e.faults()]
    rows = offenders if limit_only else sorted(timed, key=lambda e: -e.median)
    print(f"  {'who':<7} {'median':>8} {'p95':>8} {'KB':>6} {'SQL':>4}  what")
    for e in sorted(rows, key=lambda e: -e.median):
        mark = "  <-- " + ", ".join(e.faults()) if e.faults() else ""
        print(f"  {e.role:<7} {e.median:8.1f} {e.p95:8.1f} {e.size / 1024:6.1f} {e.queries:4d}"
              f"  {e.kind} {e.url}{mark}")
    refused = [e for e in entries if not e.times and 0 < e.status < 500]
    print(f"  bare JSON view (baseline): median {bare.median:.1f} ms, p95 {bare.p95:.1f} ms")
    print(f"  {len(timed)} timed ({sum(e.kind == 'page' for e in timed)} pages, "
          f"{sum(e.kind == 'api' for e in timed)} API GETs), {len(refused)} answered "
          f"non-200 (not timed), {len(offenders)} past the limits")


def run(db: Database, args=None) -> dict:
    import argparse

    args = args or argparse.Namespace(role=None, runs=10, warmup=1, depth=3, limit_only=True,
                                      verbose=False, url=None)
    setup_django(db)
    roles = args.role or ROLES
    print(f"[pages] {db.describe()}; gunicorn 2 workers x 4 threads; {args.runs} timed "
          f"requests each after {args.warmup} warm-up; roles {', '.join(roles)}; {load()}",
          flush=True)
    with gunicorn(db) as base:
        bare = Timed("-", "api", "/bench/bare", "bare")
        time_one(Client(base), bare, 50, 5)
        entries = [e for role in roles for e in sweep_role(base, role, args)]
        time_one(Client(base), bare, 50, 0)  # once more: the machine may have got busier
    report(entries, bare, args.limit_only)
    offenders = [e for e in entries if e.faults()]
    timed = [e for e in entries if e.times]
    worst_page = max((e for e in timed if e.kind == "page"), key=lambda e: e.median, default=None)
    worst_api = max((e for e in timed if e.kind == "api"), key=lambda e: e.median, default=None)
    figure = (f"{len(timed)} pages and API GETs of {len(roles)} roles, {len(offenders)} past "
              f"the limits; slowest page {worst_page.median if worst_page else 0:.0f} ms "
              f"({worst_page.url if worst_page else '-'}), slowest API "
              f"{worst_api.median if worst_api else 0:.0f} ms "
              f"({worst_api.url if worst_api else '-'}); bare view {bare.median:.1f} ms")
    print(f"  {'PASS' if not offenders else 'FAIL'}: {figure}", flush=True)
    return {"bench": "pages", "database": db.describe(), "figure": figure,
            "pass": not offenders, "bare_ms": bare.median,
            "offenders": [(e.role, e.url, e.median, e.p95, e.size, e.queries, e.faults())
                          for e in offenders]}


def main() -> None:
    district_main(__doc__, run, options=[
        (["--role"], {"action": "append", "help": f"a demo account (default: {ROLES})"}),
        (["--runs"], {"type": int, "default": 10, "help": "timed requests per URL"}),
        (["--warmup"], {"type": int, "default": 1}),
        (["--depth"], {"type": int, "default": 3, "help": "link levels from the home page"}),
        (["--limit-only"], {"action": "store_true", "help": "print only the offenders"}),
        (["--verbose"], {"action": "store_true", "help": "print each figure as measured"}),
        (["--url"], {"action": "append", "help": "time only this page or /api/ path (repeat; "
                                                 "no discovery)"}),
    ])


if __name__ == "__main__":
    main()
