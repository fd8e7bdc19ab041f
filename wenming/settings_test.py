"""Test overrides: fast hashing (argon2 is tested on its own), plain static storage."""

from .settings import *  # noqa: F403
from .settings import STORAGES

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
STORAGES = {**STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
DEBUG = False
# Serve static files from the finders, so the suite needs no collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file rather than shared-cache memory, so threads in the concurrency tests meet
    # SQLite's real locking (WAL, BEGIN IMMEDIATE, busy_timeout) as production does; in
    # shared-cache memory they fail at once with "database table is locked".
    import os
    import tempfile

    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.gettempdir(), f"wenming-test-{os.getpid()}.sqlite3")}
