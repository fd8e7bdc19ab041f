"""Trainings from Excel: a sheet of rows (志愿者编号 or 身份证号, 培训名称, 培训内容, 时长, 组织单位,
日期), all or nothing. Each row is checked (a volunteer of the importer's subtree, the same
rules as a training entered by hand) before any is written; a problem in any row and nothing
is, with every row's problems reported. A training already recorded is skipped, so importing
the same sheet again changes nothing."""

import datetime
import io
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook

from wenming.activities.excel import FileRefused, cell_text, open_workbook
from wenming.core.errors import DomainError
from wenming.people.models import User
from wenming.people.permissions import volunteers_for_user

from . import services
from .models import Training

COLUMNS = [("志愿者编号", "volunteer_no"), ("身份证号", "id_number"), ("培训名称", "name"),
           ("培训内容", "content"), ("时长", "hours"), ("组织单位", "organiser"), ("日期", "date")]
MAX_ROWS = 5000


def template_xlsx() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "培训记录"
    ws.append([title if name != "hours" else "时长（小时）" for title, name in COLUMNS])
    ws.append(["V110108202600001", "", "应急救护培训", "心肺复苏、止血包扎", 4, "海淀区红十字会",
               "2026-05-09"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _fields(header: tuple) -> dict[str, int]:
    found = {}
    for index, cell in enumerate(header):
        text = re.sub(r"[\s*＊]", "", unicodedata.normalize("NFKC", str(cell or "")))
        for title, name in COLUMNS:
            if name not in found and text.startswith(title):
                found[name] = index
    return found


def read_rows(upload) -> list[tuple[int, dict]]:
    wb = open_workbook(upload)
    rows = wb.worksheets[0].iter_rows(values_only=True)
    fields = _fields(next(rows, ()) or ())
    if not {"name", "hours", "organiser", "date"} <= set(fields) or not (
            {"volunteer_no", "id_number"} & set(fields)):
        raise FileRefused(_("表头应包含：志愿者编号（或身份证号）、培训名称、时长、组织单位、日期"),
                          code="invalid_headers")
    out = []
    for n, raw in enumerate(rows, start=2):
        values = {name: cell_text(raw[i]) if i < len(raw) else "" for name, i in fields.items()}
        if any(values.values()):
            out.append((n, values))
        if len(out) > MAX_ROWS:
            raise FileRefused(_("一次最多导入%(n)d行") % {"n": MAX_ROWS}, code="too_many_rows")
    return out


def _check(values: dict, scope: dict) -> tuple[dict | None, list[str]]:
    problems = []
    key = (values.get("volunteer_no") or "").upper() or (values.get("id_number") or "").upper()
    volunteer = scope.get(key)
    if volunteer is None:
        problems.append(_("志愿者不存在或不在您的辖区"))
    try:
        hours = Decimal(values.get("hours") or "")
    except InvalidOperation:
        hours = None
        problems.append(_("时长不是数字"))
    try:
        day = datetime.date.fromisoformat((values.get("date") or "")[:10])
    except ValueError:
        day = None
        problems.append(_("日期应为 YYYY-MM-DD"))
    if problems:
        return None, problems
    return {"volunteer": volunteer, "name": values.get("name", ""), "hours": hours,
            "organiser": values.get("organiser", ""), "date": day,
            "content": values.get("content", "")}, []


@transaction.atomic
def trainings_import(*, by: User, upload) -> dict:
    """Import a sheet of trainings; returns counts and, if any row is bad, every row's
    problems (and nothing written)."""
    rows = read_rows(upload)
    keys = {(v.get("volunteer_no") or v.get("id_number") or "").upper() for _n, v in rows}
    mine = volunteers_for_user(by).select_related("station")
    scope = {}
    for v in mine.filter(volunteer_no__in=keys):
        scope[v.volunteer_no] = v
    for v in mine.filter(id_number__in=keys):
        scope[v.id_number] = v
    result = {"rows": len(rows), "imported": 0, "skipped": 0, "errors": []}
    for n, values in rows:
        data, problems = _check(values, scope)
        if data is None:
            result["errors"].append({"row": n, "errors": problems})
            continue
        if Training.objects.filter(volunteer=data["volunteer"], name=data["name"].strip(),
                                   date=data["date"],
                                   organiser=data["organiser"].strip()).exists():
            result["skipped"] += 1
            continue
        try:
            with transaction.atomic():
                services.training_record(by=by, source=Training.Source.IMPORT, **data)
            result["imported"] += 1
        except ValidationError as exc:
            result["errors"].append({"row": n, "errors": exc.messages})
        except DomainError as exc:  # the same training twice in the sheet
            result["errors"].append({"row": n, "errors": [str(exc.message)]})
    if result["errors"]:
        transaction.set_rollback(True)
        result["imported"] = 0
    return result

