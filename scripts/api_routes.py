"""Write the route table of docs/api.md from the API's OpenAPI document.

    .venv/bin/python scripts/api_routes.py           # rewrite the table in docs/api.md
    .venv/bin/python scripts/api_routes.py --check   # exit 1 if docs/api.md is stale

The table (method, path, summary, auth, statuses) sits between the markers below; the
hand-written prose around it is kept as it is.
"""

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "api.md"
BEGIN, END = "<!-- routes:begin -->", "<!-- routes:end -->"
AUTH = {"public": "public", "optional": "token, session or none", "login": "token or session"}


def openapi_schema() -> dict:
    """The OpenAPI document `wenming.api` serves at /api/openapi.json (`core.openapi`: an
    operation open to visitors lists the empty requirement `{}` among its security)."""
    from wenming.api import api

    return api.get_openapi_schema()


def auth_of(operation: dict) -> str:
    security = operation.get("security") or []
    if not security:
        return AUTH["public"]
    return AUTH["optional"] if {} in security else AUTH["login"]


def cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def routes_table(schema: dict) -> str:
    """Markdown: one table per tag, in the order the routers are mounted."""
    by_tag: dict[str, list[str]] = {}
    for path, operations in schema["paths"].items():
        for method, op in operations.items():
            statuses = ", ".join(str(s) for s in sorted(op.get("responses", {}), key=str))
            row = (f"| {method.upper()} | `{path}` | {cell(op.get('summary', ''))} "
                   f"| {auth_of(op)} | {statuses} |")
            by_tag.setdefault((op.get("tags") or ["other"])[0], []).append(row)
    parts = []
    for tag, rows in by_tag.items():
        parts += [f"### {tag}", "", "| method | path | summary | auth | statuses |",
                  "|---|---|---|---|---|", *rows, ""]
    return "\n".join(parts)


def with_table(text: str, table: str) -> str:
    """`text` with the part between the markers replaced by `table`."""
    if BEGIN not in text or END not in text:
        raise SystemExit(f"{DOC}: the markers {BEGIN} and {END} are missing")
    head, rest = text.split(BEGIN, 1)
    _old, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{table}\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    parser.add_argument("--file", type=Path, default=DOC, help="default: docs/api.md")
    args = parser.parse_args(argv)
    text = args.file.read_text(encoding="utf-8")
    fresh = with_table(text, routes_table(openapi_schema()))
    if args.check:
        if fresh != text:
            print(f"{args.file} is stale: run .venv/bin/python scripts/api_routes.py",
                  file=sys.stderr)
            return 1
        return 0
    if fresh != text:
        args.file.write_text(fresh, encoding="utf-8")
    return 0


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wenming.settings")
    import django

    django.setup()


if __name__ == "__main__":
    setup_django()
    sys.exit(main())
