"""The `wenming` command: Django's management commands, plus `serve`.

`wenming serve [--host H] [--port P] [--workers N]` runs gunicorn the way production does;
everything else (`wenming migrate`, `wenming demo --size small`, ...) goes to Django.
"""

import argparse
import os
import sys


def serve(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="wenming serve")
    parser.add_argument("--host", default=os.environ.get("WENMING_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("WENMING_PORT", "8000")))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args(argv)
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    os.execv(gunicorn, [
        gunicorn, "wenming.wsgi:application",
        "--bind", f"{args.host}:{args.port}",
        "--workers", str(args.workers), "--threads", str(args.threads),
        "--access-logfile", "-",
        # Let header lines up to 16 KB through to Django, whose middleware answers an
        # oversized one with the API's JSON 431 instead of gunicorn's plain-text 400.
        "--limit-request-field_size", "16384",
    ])


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wenming.settings")
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        serve(sys.argv[2:])
        return
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
