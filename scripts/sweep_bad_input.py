"""Put the platform's input types (wenming.core.schemas, wenming.core.forms) into every app.

    .venv/bin/python scripts/sweep_bad_input.py           # rewrite, print what changed
    .venv/bin/python scripts/sweep_bad_input.py --check   # exit 1 if anything is left to do

Idempotent: a second run changes nothing. Mechanical and textual, so read its diff:

- API modules (`wenming/<app>/api*.py`):
  - ninja's `Schema` comes from `wenming.core.schemas` (request input checked by type:
    text, 64-bit integers, the platform's dates, finite floats; responses never);
  - view parameters: `<name>_id: int` (path, query, Form[int]) -> `Id`, `: str` -> `Text`,
    `datetime.datetime` -> `PlatformDateTime`, `datetime.date` -> `PlatformDate`;
  - schema fields: `<name>_id: int` and the filters' row ids (`org: int`, `activity: int`,
    ...) -> `Id`, `list[int]` of ids -> `list[Id]`; `*lat: float` -> `Lat`, `*lng: float` ->
    `Lng`.
- URL modules (`wenming/<app>/urls*.py`): `<int:` -> `<id:` (a 64-bit row id, else 404).
- Form modules (`wenming/<app>/forms.py`): `forms.Form` -> `CleanForm` (control characters,
  blank text, 64-bit numbers and row choices, the platform's dates, for every field).

Then `ruff check --fix --select I` sorts the imports of the files it changed.
"""

import argparse
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ROOT / "wenming"
SKIP_DIRS = {"core", "tests", "migrations", "demo"}

# Query-filter fields that hold a row id without the _id suffix.
ROW_FIELDS = ("org", "activity", "volunteer", "team", "store", "goods", "station", "project",
              "unit", "owner", "record", "wish", "order", "resident", "user", "node", "parent")


def _signatures(text: str):
    """(start, end) of each `def name(...)` parameter list."""
    for match in re.finditer(r"^(?:async )?def \w+\(", text, flags=re.M):
        depth, i = 1, match.end()
        while depth and i < len(text):
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            i += 1
        yield match.end(), i - 1


def _in_signatures(text: str, used: set[str]) -> str:
    """SIGNATURE_RULES inside the parameter lists of views (functions taking `request`)."""
    out, last = [], 0
    for start, end in _signatures(text):
        params = text[start:end]
        if not re.match(r"\s*request\b", params):
            continue
        for pattern, replacement, name in SIGNATURE_RULES:
            params, n = re.subn(pattern, replacement, params)
            if n:
                used.add(name)
        out.append(text[last:start] + params)
        last = end
    return "".join(out) + text[last:]


# (pattern, replacement, the type it brings in)
SIGNATURE_RULES = [
    (r"\b(\w+_id): int\b", r"\1: Id", "Id"),
    (r"\b(\w+_id): (Form|Query|Path)\[int\]", r"\1: \2[Id]", "Id"),
    (r"\b(?!request\b)(\w+): str\b", r"\1: Text", "Text"),
    (r"\b(\w+): datetime\.datetime\b", r"\1: PlatformDateTime", "PlatformDateTime"),
    (r"\b(\w+): datetime\.date\b", r"\1: PlatformDate", "PlatformDate"),
]
ROWS = "|".join(ROW_FIELDS)
FIELD_RULES = [
    (rf"^(    (?:\w+_id|{ROWS})): int\b", r"\1: Id", "Id"),
    (rf"^(    (?:\w+_ids|{ROWS}s)): list\[int\]", r"\1: list[Id]", "Id"),
    (r"^(    \w*lat): float\b", r"\1: Lat", "Lat"),
    (r"^(    \w*lng): float\b", r"\1: Lng", "Lng"),
]


def sweep_api(text: str) -> str:
    used: set[str] = set()
    text = _ninja_schema(text, used)
    text = _in_signatures(text, used)
    for pattern, replacement, name in FIELD_RULES:
        text, n = re.subn(pattern, replacement, text, flags=re.M)
        if n:
            used.add(name)
    return _import_core_schemas(text, used)


def _ninja_schema(text: str, used: set[str]) -> str:
    match = re.search(r"^from ninja import (.+)$", text, flags=re.M)
    if not match or "Schema" not in [n.strip() for n in match.group(1).split(",")]:
        return text
    names = [n.strip() for n in match.group(1).split(",") if n.strip() != "Schema"]
    line = f"from ninja import {', '.join(names)}" if names else ""
    used.add("Schema")
    return text[:match.start()] + line + text[match.end():]


def _import_core_schemas(text: str, used: set[str]) -> str:
    if not used:
        return text
    match = re.search(r"^from wenming\.core\.schemas import (.+)$", text, flags=re.M)
    if match:
        names = sorted({n.strip() for n in match.group(1).split(",")} | used)
        return text[:match.start()] + \
            f"from wenming.core.schemas import {', '.join(names)}" + text[match.end():]
    anchor = re.search(r"^from wenming\.", text, flags=re.M) or \
        re.search(r"^(?:from|import) ", text, flags=re.M)
    line = f"from wenming.core.schemas import {', '.join(sorted(used))}\n"
    return text[:anchor.start()] + line + text[anchor.start():]


def sweep_urls(text: str) -> str:
    return text.replace("<int:", "<id:")


def sweep_forms(text: str) -> str:
    new, n = re.subn(r"\(forms\.Form\)", "(CleanForm)", text)
    if not n and "CleanForm" not in text:
        return text
    match = re.search(r"^from wenming\.core\.forms import (.+)$", new, flags=re.M)
    if match:
        names = sorted({x.strip() for x in match.group(1).split(",")} | {"CleanForm"})
        return new[:match.start()] + f"from wenming.core.forms import {', '.join(names)}" + \
            new[match.end():]
    anchor = re.search(r"^from wenming\.", new, flags=re.M) or \
        re.search(r"^(?:from|import) ", new, flags=re.M)
    return new[:anchor.start()] + "from wenming.core.forms import CleanForm\n" + \
        new[anchor.start():]


def targets(root: Path):
    for app in sorted(p for p in root.iterdir() if p.is_dir() and p.name not in SKIP_DIRS):
        for path in sorted(app.glob("api*.py")):
            yield path, sweep_api
        for path in sorted(app.glob("urls*.py")):
            yield path, sweep_urls
        for path in sorted(app.glob("forms.py")):
            yield path, sweep_forms


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--root", type=Path, default=APPS)
    args = parser.parse_args(argv)
    changed = []
    for path, sweep in targets(args.root):
        before = path.read_text(encoding="utf-8")
        after = sweep(before)
        if after != before:
            changed.append(path)
            print(f"{'would change' if args.check else 'changed'}: {path}")
            if not args.check:
                path.write_text(after, encoding="utf-8")
    if changed and not args.check:
        ruff = Path(sys.executable).parent / "ruff"
        subprocess.run([str(ruff if ruff.exists() else "ruff"), "check", "--fix", "--quiet",
                        "--select", "I,F401", *map(str, changed)], check=False)
    print(f"{len(changed)} file(s) {'to change' if args.check else 'changed'}")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
