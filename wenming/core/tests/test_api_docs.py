"""docs/api.md's route table is generated from the OpenAPI document, never typed.

When `test_the_route_table_is_current` fails, run `.venv/bin/python scripts/api_routes.py`
and commit docs/api.md.
"""

import importlib.util
from pathlib import Path

import pytest

from wenming.api import api

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "api_routes.py"


@pytest.fixture(scope="module")
def routes():
    spec = importlib.util.spec_from_file_location("api_routes", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_route_table_is_current(routes, capsys):
    assert routes.main(["--check"]) == 0, capsys.readouterr().err


def test_the_check_fails_on_a_stale_file_and_regeneration_fixes_it(routes, tmp_path):
    doc = tmp_path / "api.md"
    doc.write_text(f"# prose before\n\n{routes.BEGIN}\n| GET | `/api/gone` |\n{routes.END}\n"
                   "\nprose after\n", encoding="utf-8")
    assert routes.main(["--check", "--file", str(doc)]) == 1
    assert routes.main(["--file", str(doc)]) == 0
    assert routes.main(["--check", "--file", str(doc)]) == 0
    text = doc.read_text(encoding="utf-8")
    assert text.startswith("# prose before\n") and text.endswith("\nprose after\n")
    assert "/api/gone" not in text


def test_every_operation_has_its_row(routes):
    table = routes.routes_table(routes.openapi_schema())
    for path, operations in api.get_openapi_schema()["paths"].items():
        for method, operation in operations.items():
            line = next(row for row in table.splitlines()
                        if row.startswith(f"| {method.upper()} | `{path}` |"))
            statuses = ", ".join(str(s) for s in sorted(operation["responses"], key=str))
            assert f"| {statuses} |" in line


def test_auth_says_who_may_call(routes):
    rows = routes.routes_table(routes.openapi_schema()).splitlines()

    def auth(method: str, path: str) -> str:
        row = next(r for r in rows if r.startswith(f"| {method} | `{path}` |"))
        return row.split(" | ")[3]

    assert auth("POST", "/api/auth/token") == "public"
    assert auth("POST", "/api/volunteers") == "token, session or none"
    assert auth("GET", "/api/volunteers") == "token or session"
