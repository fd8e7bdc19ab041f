"""Awards from Excel: a template, and an import that checks every row before writing any (a
row-level error report; nothing partial is written)."""

import datetime
import io
import zipfile
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from wenming.core.errors import DomainError
from wenming.people.models import User
from wenming.people.permissions import volunteers_for_user
from wenming.people.validators import normalize_mobile
from wenming.teams.permissions import teams_for_user

from .models import Level
from .services import AwardInput, award_check

HEADERS = ["志愿者手机号", "队伍编号", "荣誉名称", "级别", "表彰日期", "授予单位", "表彰事由"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2000
LEVELS = {str(label): value for value, label in Level.choices}


class FileRefused(DomainError):
    status = 422
    code = "invalid_file"


@dataclass
class Parsed:
    rows: list[AwardInput] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (row number, message)


def template() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "表彰"
    ws.append(HEADERS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.append(["13800000000", "", "2026年度优秀志愿者", "区级", "2026-05-01",
               "海淀区新时代文明实践中心", "全年服务超过200小时"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _sheet_rows(data: bytes) -> list[tuple]:
    if len(data) > MAX_BYTES:
        raise FileRefused(_("文件不能超过2MB"))
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise FileRefused(_("请上传 .xlsx 格式的 Excel 文件")) from None
    rows = list(wb.active.iter_rows(values_only=True, max_row=MAX_ROWS + 2))
    if not rows or [str(c or "").strip() for c in rows[0][:len(HEADERS)]] != HEADERS:
        raise FileRefused(_("表头应为：%(h)s（请使用模板）") % {"h": "、".join(HEADERS)})
    body = [r for r in rows[1:] if any(c not in (None, "") for c in r)]
    if not body:
        raise FileRefused(_("文件里没有数据行"))
    if len(body) > MAX_ROWS:
        raise FileRefused(_("一次最多导入%(n)d行") % {"n": MAX_ROWS})
    return body


def _date(value) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value or "").strip())
    except ValueError:
        return None


def _text(value) -> str:
    return str(value if value is not None else "").strip()


def parse(by: User, data: bytes) -> Parsed:
    """Every row checked (who, scope, fields); the caller writes only when `errors` is empty."""
    parsed = Parsed()
    volunteers, teams = volunteers_for_user(by), teams_for_user(by)
    for number, raw in enumerate(_sheet_rows(data), start=2):
        cells = [*raw, *[None] * len(HEADERS)][:len(HEADERS)]
        mobile, team_id, name, level, day, unit, reason = cells
        problems, volunteer, team = [], None, None
        if _text(mobile):
            try:
                volunteer = volunteers.filter(user__mobile=normalize_mobile(_text(mobile))).first()
            except ValidationError:
                volunteer = None
            if volunteer is None:
                problems.append(_("您的辖区没有这个手机号的志愿者"))
        if _text(team_id):
            team = teams.filter(pk=int(team_id)).first() if _text(team_id).isdigit() \
                and len(_text(team_id)) < 18 else None
            if team is None:
                problems.append(_("您的辖区没有这个编号的队伍"))
        when = _date(day)
        if when is None:
            problems.append(_("表彰日期应为日期，如 2026-05-01"))
        if not problems:
            row = AwardInput(volunteer=volunteer, team=team, name=_text(name)[:101],
                             level=LEVELS.get(_text(level), _text(level)), date=when,
                             granting_unit=_text(unit)[:101], reason=_text(reason)[:1001])
            problems = award_check(by, row)
            if not problems:
                parsed.rows.append(row)
        parsed.errors.extend((number, p) for p in problems)
    return parsed
