"""The app's settings with the benchmark URLs (a bare JSON view beside the real ones) and a
header that counts each response's SQL queries (read by bench_pages, bench_signup)."""

from wenming.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
# First, so that the count includes what the session and auth middleware ask too.
MIDDLEWARE = ["bench.urls.QueryCountMiddleware", *MIDDLEWARE]  # noqa: F405
