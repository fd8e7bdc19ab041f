"""The app's settings with the benchmark URLs (a bare JSON view beside the real ones)."""

from wenming.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
