"""The national data standard: export a node's subtree in the field set of
《志愿服务信息系统基本规范》 (MZ/T 061) and the record rules (《志愿服务记录与证明出具办法》),
as Excel or JSON, streamed; and import the same JSON (转移接续).

`SHEETS` is the one declaration of the field set: the export's columns, the JSON's keys and
the data dictionary in docs/national-data.md all come from it. Rows are read with
`values_list(...).iterator()`, never as model instances, and written as they come: the
district's export (100,000 volunteers, 1,000,000 lines) never holds more than a chunk.

Scope: volunteers registered at a station of the subtree, the teams, projects and
activities anchored in it, and every ledger line of those volunteers (the record follows the
person: a line recorded by a unit elsewhere comes with its recording unit named).
"""

import datetime
import itertools
import json
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.sql.constants import MULTI
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from wenming.activities.models import Activity, Project, ServiceRecord
from wenming.activities.services import record_approve, record_write
from wenming.core.errors import Forbidden
from wenming.orgs.models import OrgNode, Platform
from wenming.orgs.permissions import can_manage
from wenming.people.models import AuditLog, User, Volunteer
from wenming.people.services import VolunteerInput, audit_record, people_bulk_register
from wenming.people.validators import normalize_mobile, parse_id_number
from wenming.teams.models import Team

from .models import LineOrigin
from .xlsx_stream import StreamingWorkbook

STANDARD = "MZ/T 061-2015 志愿服务信息系统基本规范"
VERSION = 1
CHUNK = 5000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    key: str  # the JSON key
    label: str  # the Excel header and the dictionary's name (the standard's wording)
    source: str  # the ORM path read (values_list)
    kind: str  # the dictionary's type: 字符 / 日期 / 数值 / 代码
    note: str = ""
    convert: Callable | None = None


def _day(v):
    return v.isoformat() if v else ""


# Asia/Shanghai has kept UTC+8 without daylight saving since 1991: a fixed offset gives the
# same text as `timezone.localtime` for every moment the platform holds, at a fraction of the
# cost (localtime looks the zone up per call; a million lines have two moments each).
BEIJING = datetime.timezone(datetime.timedelta(hours=8))


def _moment(v):
    """A moment as read (aware from PostgreSQL, naive UTC from SQLite: see `_read`)."""
    if not v:
        return ""
    if v.tzinfo is None:
        v = v.replace(tzinfo=datetime.UTC)
    return v.astimezone(BEIJING).isoformat(timespec="seconds")


def _num(v):
    return float(v) if v is not None else None


def _code(prefix: str):
    return lambda v: f"{prefix}{v}" if v is not None else ""


def _json_list(v):
    return "、".join(v) if isinstance(v, list) else (v or "")


SHEETS: dict[str, tuple[str, list[Column]]] = {
    "volunteers": ("志愿者", [
        Column("volunteer_no", "志愿者编号", "volunteer_no", "字符", "平台统一编号，注册时分配"),
        Column("name", "姓名", "real_name", "字符"),
        Column("sex", "性别", "sex", "代码", "M 男 / F 女（与证件号码第17位一致；导入时由证件号码推得）"),
        Column("id_type", "证件类型", "pk", "代码", "恒为 1（居民身份证）", lambda v: "1"),
        Column("id_number", "证件号码", "id_number", "字符", "18位居民身份证号（含校验码）"),
        Column("birth_date", "出生日期", "birth_date", "日期", "YYYY-MM-DD", _day),
        Column("mobile", "联系电话", "user__mobile", "字符"),
        Column("political_status", "政治面貌", "political_status", "代码",
               "party_member 中共党员、probationary 预备党员、league_member 共青团员、"
               "other_party 民主党派、masses 群众"),
        Column("residence_area", "居住区域", "residence_area", "字符"),
        Column("registered_at", "注册时间", "registered_at", "日期时间", "ISO 8601，北京时间",
               _moment),
        Column("status", "注册状态", "status", "代码", "active 正常、pending 待审核、suspended 停用"),
        Column("org_code", "所属组织编号", "station_id", "字符", "实践站的平台编号 O+id",
               _code("O")),
        Column("org_name", "所属组织名称", "station__name", "字符"),
    ]),
    "teams": ("志愿服务组织（队伍）", [
        Column("team_code", "组织编号", "pk", "字符", "T+id", _code("T")),
        Column("name", "组织名称", "name", "字符"),
        Column("level", "层级", "level", "代码"),
        Column("org_code", "所属阵地编号", "org_id", "字符", "O+id", _code("O")),
        Column("org_name", "所属阵地名称", "org__name", "字符"),
        Column("service_area", "服务领域", "platform__name", "字符"),
        Column("founded_at", "成立时间", "created_at", "日期时间", "", _moment),
        Column("active", "是否在册", "is_active", "代码", "true / false"),
    ]),
    "projects": ("志愿服务项目", [
        Column("project_code", "项目编号", "pk", "字符", "P+id", _code("P")),
        Column("name", "项目名称", "title", "字符"),
        Column("service_area", "服务领域", "platform__name", "字符"),
        Column("org_code", "发布组织编号", "org_id", "字符", "O+id", _code("O")),
        Column("org_name", "发布组织名称", "org__name", "字符"),
        Column("team_code", "实施队伍编号", "team_id", "字符", "T+id", _code("T")),
        Column("is_brand", "品牌项目", "is_brand", "代码", "true / false"),
        Column("created_at", "创建时间", "created_at", "日期时间", "", _moment),
    ]),
    "activities": ("志愿服务活动", [
        Column("activity_code", "活动编号", "pk", "字符", "A+id", _code("A")),
        Column("name", "活动名称", "title", "字符"),
        Column("project_code", "所属项目编号", "project_id", "字符", "P+id", _code("P")),
        Column("service_area", "服务领域", "platform__name", "字符"),
        Column("org_code", "组织单位编号", "org_id", "字符", "O+id", _code("O")),
        Column("org_name", "组织单位名称", "org__name", "字符"),
        Column("place", "服务地点", "address", "字符"),
        Column("start", "开始时间", "start", "日期时间", "", _moment),
        Column("end", "结束时间", "end", "日期时间", "", _moment),
        Column("quota", "招募人数", "quota", "数值"),
        Column("people_served", "服务对象人次", "people_served", "数值"),
        Column("is_training", "培训活动", "is_training", "代码", "true / false"),
        Column("status", "状态", "status", "代码", "published 已发布、cancelled 已取消"),
    ]),
    "service_records": ("志愿服务记录", [
        Column("record_no", "记录编号", "pk", "字符", "R+id；导入时与来源一起构成去重键", _code("R")),
        Column("volunteer_no", "志愿者编号", "volunteer__volunteer_no", "字符"),
        Column("id_number", "证件号码", "volunteer__id_number", "字符", "对应志愿者表"),
        Column("activity_code", "活动编号", "activity_id", "字符", "A+id（点单服务为空）",
               _code("A")),
        Column("title", "服务项目/活动名称", "title", "字符"),
        Column("content", "服务内容", "content", "字符"),
        Column("place", "服务地点", "place", "字符"),
        Column("service_date", "服务日期", "service_date", "日期", "YYYY-MM-DD", _day),
        Column("hours", "服务时长", "hours", "数值", "小时，两位小数；冲正行为负数", _num),
        Column("kind", "记录方式", "kind", "代码",
               "attendance 签到计时、backfill 补录、order 点单服务、reversal 冲正 等"),
        Column("status", "认定状态", "status", "代码", "pending 待审核、approved 已认定、rejected 未认定"),
        Column("reverses", "冲正的记录编号", "reverses_id", "字符", "R+id", _code("R")),
        Column("unit_code", "记录单位编号", "org_id", "字符", "O+id", _code("O")),
        Column("unit_name", "记录单位名称", "org__name", "字符", "谁记录谁证明：出具证明的单位"),
        Column("origin_unit", "原记录单位", "origin__unit_name", "字符",
               "转入的记录：最初记录它的单位；本平台记录的为空"),
        Column("leader", "活动负责人", "leader_name", "字符"),
        Column("recorded_at", "记录时间", "created_at", "日期时间", "", _moment),
        Column("decided_at", "认定时间", "decided_at", "日期时间", "", _moment),
    ]),
}


def querysets(org: OrgNode) -> dict:
    """Each sheet's rows for `org`'s subtree, in a stable order. The ledger is filtered by
    its own volunteer column against the subtree's volunteers (a semi-join), not through a
    join per line."""
    volunteers = Volunteer.objects.filter(station__path__startswith=org.path)
    return {
        "volunteers": volunteers.order_by("pk"),
        "teams": Team.objects.filter(org__path__startswith=org.path).order_by("pk"),
        "projects": Project.objects.filter(org__path__startswith=org.path).order_by("pk"),
        "activities": Activity.objects.filter(org__path__startswith=org.path).order_by("pk"),
        "service_records": ServiceRecord.objects.filter(
            volunteer_id__in=volunteers.values("pk")).order_by("pk"),
    }


# A column read through one of these relations is looked up in a table read once per
# export (relation -> the row's own key column, and how to read the table), instead of being
# joined to each of a million lines: the ledger's rows then come from its table alone.
LOOKUPS: dict[str, tuple[str, Callable]] = {
    "volunteer": ("volunteer_id", lambda org: Volunteer.objects.filter(
        station__path__startswith=org.path)),
    "org": ("org_id", lambda org: OrgNode.objects.all()),
    "station": ("station_id", lambda org: OrgNode.objects.all()),
    "platform": ("platform_id", lambda org: Platform.objects.all()),
    "origin": ("pk", lambda org: LineOrigin.objects.filter(
        record__volunteer__station__path__startswith=org.path)),
}
TABLE_KEY = {"origin": "record_id"}


def _plan(org: OrgNode, columns: list[Column]) -> tuple[list[str], list[tuple]]:
    """What to read from the sheet's own table, and per column how to turn the read
    values into the cell: (position read, lookup table or None, field in it, convert)."""
    wanted: dict[str, list[str]] = {}
    for c in columns:
        relation, _sep, field = c.source.partition("__")
        if field and relation in LOOKUPS:
            wanted.setdefault(relation, [])
            if field not in wanted[relation]:
                wanted[relation].append(field)
    tables = {relation: {row[0]: row[1:] for row in LOOKUPS[relation][1](org).values_list(
        TABLE_KEY.get(relation, "pk"), *fields).iterator(chunk_size=CHUNK)}
        for relation, fields in wanted.items()}
    read: list[str] = []
    plan = []
    for c in columns:
        relation, _sep, field = c.source.partition("__")
        looked_up = field and relation in LOOKUPS
        source = LOOKUPS[relation][0] if looked_up else c.source
        if source not in read:
            read.append(source)
        plan.append((read.index(source), tables[relation] if looked_up else None,
                     wanted[relation].index(field) if looked_up else 0, c.convert))
    return read, plan


def _cell(values: tuple, position: int, table: dict | None, field: int, convert):
    value = values[position]
    if table is not None:
        found = table.get(value)
        value = found[field] if found is not None else None
    if convert is not None:
        return convert(value)
    return value if value is not None else ""


def rows(name: str, qs, org: OrgNode | None = None) -> Iterator[list]:
    """One sheet's rows as lists of plain values, a chunk at a time."""
    columns = SHEETS[name][1]
    read, plan = _plan(org, columns) if org is not None else (
        [c.source for c in columns], [(i, None, 0, c.convert) for i, c in enumerate(columns)])
    for values in _read(qs.values_list(*read)):
        yield [_cell(values, *how) for how in plan]


def _read(qs) -> Iterator[tuple]:
    """The query's rows as the database driver gives them, fetched in chunks (a server-side
    cursor on PostgreSQL, as `iterator()` uses), without Django's per-value converters: they
    cost as much as the rest of the export together, and the columns' `convert` functions
    take the driver's values (a naive UTC datetime from SQLite, a float for a decimal)."""
    compiler = qs.query.get_compiler(using=qs.db)
    for batch in compiler.execute_sql(MULTI, chunked_fetch=True, chunk_size=CHUNK):
        yield from batch


def _audit(by: User, org: OrgNode, fmt: str, ip: str | None) -> None:
    audit_record(actor=by, action=AuditLog.Action.EXPORT, obj=org,
                 detail={"kind": "national", "format": fmt, "org": org.pk}, ip=ip)


def _require_export(by: User, org: OrgNode) -> None:
    if not can_manage(by, org):
        raise Forbidden(_("只有该阵地的管理员可以导出"))


def _header(org: OrgNode) -> dict:
    return {"standard": STANDARD, "version": VERSION, "source": source_of(org),
            "org": {"code": f"O{org.pk}", "name": org.name, "region_code": org.code},
            "exported_at": _moment(timezone.now())}


def source_of(org: OrgNode) -> str:
    """Who exported (the district), so imported record numbers are unique with it."""
    from wenming.people.numbering import district_code

    return f"WM{district_code(org)}"


def json_chunks(org: OrgNode) -> Iterator[str]:
    """The export as JSON text, piece by piece: an object with the header's keys and one
    array per sheet, each row an object keyed by `Column.key` (a thousand rows are encoded
    by one call of the C encoder)."""
    head = json.dumps(_header(org), ensure_ascii=False)
    yield head[:-1]
    for name, qs in querysets(org).items():
        keys = [c.key for c in SHEETS[name][1]]
        yield f', "{name}": ['
        sep, batch = "", []
        for row in rows(name, qs, org):
            batch.append(dict(zip(keys, row, strict=True)))
            if len(batch) >= 1000:
                yield sep + json.dumps(batch, ensure_ascii=False)[1:-1]
                sep, batch = ",", []
        if batch:
            yield sep + json.dumps(batch, ensure_ascii=False)[1:-1]
        yield "]"
    yield "}\n"


def xlsx_file(org: OrgNode):
    """The export as an .xlsx in a temporary file (rows streamed into it as they come, see
    `xlsx_stream`), opened for reading; one sheet per part, a header row of the standard's
    names, a first sheet saying what the file is."""
    out = tempfile.TemporaryFile()
    book = StreamingWorkbook(out)
    book.add_sheet("说明", ([key, json.dumps(value, ensure_ascii=False)
                              if isinstance(value, dict) else value]
                             for key, value in _header(org).items()))
    for name, qs in querysets(org).items():
        title, columns = SHEETS[name]
        book.add_sheet(title, itertools.chain([[c.label for c in columns]],
                                              rows(name, qs, org)))
    book.close()
    out.seek(0)
    return out


def export_response(request, *, org: OrgNode, fmt: str):
    """Check, audit, and answer with the streamed export."""
    _require_export(request.user, org)
    _audit(request.user, org, fmt, request.META.get("REMOTE_ADDR"))
    stamp = timezone.localdate().isoformat()
    if fmt == "xlsx":
        response = FileResponse(xlsx_file(org), content_type=XLSX)
        name = f"全国志愿服务信息系统数据-{org.name}-{stamp}.xlsx"
    else:
        response = StreamingHttpResponse(
            (chunk.encode() for chunk in json_chunks(org)),
            content_type="application/json; charset=utf-8")
        name = f"全国志愿服务信息系统数据-{org.name}-{stamp}.json"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


# ---- import (转移接续) ------------------------------------------------------------------------

MAX_IMPORT_BYTES = 20 * 1024 * 1024


def import_upload(*, by: User, station: OrgNode, upload) -> dict:
    """Read an uploaded JSON export and import it (`national_import`)."""
    if upload.size > MAX_IMPORT_BYTES:
        return {"errors": [{"part": "file", "row": 0, "errors": [_("文件不能超过20MB")]}],
                "volunteers_created": 0, "volunteers_matched": 0, "lines_imported": 0,
                "lines_skipped": 0}
    try:
        data = json.loads(upload.read().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        data = None
    if not isinstance(data, dict):
        return {"errors": [{"part": "file", "row": 0,
                            "errors": [_("不是本标准导出的 JSON 文件")]}],
                "volunteers_created": 0, "volunteers_matched": 0, "lines_imported": 0,
                "lines_skipped": 0}
    return national_import(by=by, station=station, data=data)


def _text(row: dict, key: str) -> str:
    value = row.get(key)
    return str(value).strip() if value is not None else ""


def _check_volunteer(row: dict, problems: list[str]) -> str | None:
    try:
        number = parse_id_number(_text(row, "id_number")).number
    except ValidationError as exc:
        problems.append(_("证件号码：%(e)s") % {"e": "；".join(exc.messages)})
        return None
    if not 2 <= len(_text(row, "name")) <= 30:
        problems.append(_("姓名应为2到30个字"))
    try:
        normalize_mobile(_text(row, "mobile"))
    except ValidationError as exc:
        problems.append(_("联系电话：%(e)s") % {"e": "；".join(exc.messages)})
    return number


def _check_line(row: dict, known: set[str], problems: list[str]) -> None:
    if not _text(row, "record_no"):
        problems.append(_("缺少记录编号"))
    if _text(row, "id_number").upper() not in known:
        problems.append(_("证件号码不在志愿者表中"))
    try:
        hours = Decimal(str(row.get("hours")))
        if not Decimal("0") < hours <= 24:
            problems.append(_("服务时长应在0到24小时之间"))
    except (ArithmeticError, ValueError):
        problems.append(_("服务时长不是数字"))
    try:
        day = datetime.date.fromisoformat(_text(row, "service_date"))
        if day > timezone.localdate():
            problems.append(_("服务日期晚于今天"))
    except ValueError:
        problems.append(_("服务日期应为 YYYY-MM-DD"))
    if not _text(row, "unit_name") and not _text(row, "origin_unit"):
        problems.append(_("缺少记录单位"))
    if _text(row, "status") != ServiceRecord.Status.APPROVED:
        problems.append(_("只转入已认定的记录"))


def _check_new_mobile(mobile: str, seen: set[str], problems: list[str]) -> None:
    """A volunteer created here logs in with their mobile: it must be free."""
    if mobile in seen or User.objects.filter(mobile=mobile).exists():
        problems.append(_("联系电话已被本平台其他账号使用"))
    seen.add(mobile)


def _problems(data: dict, station: OrgNode, by: User) -> tuple[list[dict], dict[str, dict]]:
    """Every row's problems (all rows are checked, none written), and the volunteers by ID."""
    errors, people, mobiles = [], {}, set()
    for n, row in enumerate(data.get("volunteers") or [], start=1):
        problems: list[str] = []
        row = row if isinstance(row, dict) else {}
        number = _check_volunteer(row, problems)
        if number in people:
            problems.append(_("证件号码在文件中重复"))
        elif number:
            existing = Volunteer.objects.filter(id_number=number).select_related("station").first()
            if existing is not None and not can_manage(by, existing.station):
                problems.append(_("该志愿者已在本平台其他阵地注册，请由其所在阵地办理转移"))
            if existing is None and not problems:
                _check_new_mobile(normalize_mobile(_text(row, "mobile")), mobiles, problems)
            people[number] = {"row": row, "existing": existing}
        if problems:
            errors.append({"part": "volunteers", "row": n, "errors": problems})
    known = set(people)
    lines = [r for r in data.get("service_records") or [] if isinstance(r, dict)]
    for n, row in enumerate(data.get("service_records") or [], start=1):
        problems = []
        _check_line(row if isinstance(row, dict) else {}, known, problems)
        if problems:
            errors.append({"part": "service_records", "row": n, "errors": problems})
    data["service_records"] = lines
    return errors, people


@transaction.atomic
def national_import(*, by: User, station: OrgNode, data: dict) -> dict:
    """转移接续: volunteers from another district arrive at `station` with their approved
    history. A volunteer already registered here (same ID number, in the importer's subtree)
    is matched, not created; each line is written once (its source and record number are
    kept in `LineOrigin`), so importing the same file again changes nothing. Any bad row
    (a wrong ID checksum, a line without a volunteer, ...) and nothing is written: the
    answer lists every row's problems."""
    if not can_manage(by, station) or station.kind != OrgNode.Kind.STATION:
        raise Forbidden(_("只能导入到本人管理的实践站"))
    errors, people = _problems(data, station, by)
    result = {"errors": errors, "volunteers_created": 0, "volunteers_matched": 0,
              "lines_imported": 0, "lines_skipped": 0}
    if errors:
        return result
    volunteers = _volunteers_arrive(by, station, people, result)
    source = _text(data, "source") or "unknown"
    for row in data["service_records"]:
        key = f"{source}:{_text(row, 'record_no')}"[:120]
        if LineOrigin.objects.filter(source_key=key).exists():
            result["lines_skipped"] += 1
            continue
        _line_arrives(by, volunteers[_text(row, "id_number").upper()], row, key)
        result["lines_imported"] += 1
    return result


def _volunteers_arrive(by: User, station: OrgNode, people: dict, result: dict) -> dict:
    new = [VolunteerInput(real_name=_text(p["row"], "name"), id_number=number,
                          mobile=_text(p["row"], "mobile"), password=None, station=station)
           for number, p in people.items() if p["existing"] is None]
    if new:
        people_bulk_register(volunteers=new, by=by)
    result["volunteers_created"] = len(new)
    result["volunteers_matched"] = len(people) - len(new)
    return {v.id_number: v for v in Volunteer.objects.filter(
        id_number__in=list(people)).select_related("user", "station")}


def _line_arrives(by: User, volunteer: Volunteer, row: dict, key: str) -> None:
    """One line through the ledger's write path, kept by the volunteer's station now, with
    its original recording unit; approved at once when the district's rules let the
    importer approve it (else it waits for the node above, like any late line)."""
    unit = _text(row, "origin_unit") or _text(row, "unit_name")
    line = record_write(
        volunteer=volunteer, kind=ServiceRecord.Kind.BACKFILL, org=volunteer.station,
        title=_text(row, "title")[:100] or _("转入的服务记录"),
        service_date=datetime.date.fromisoformat(_text(row, "service_date")),
        hours=Decimal(str(row["hours"])).quantize(Decimal("0.01")), by=by,
        place=_text(row, "place"), content=_text(row, "content"),
        leader_name=_text(row, "leader"),
        reason=_("转移接续：原记录单位 %(u)s，原记录编号 %(n)s") % {
            "u": unit, "n": _text(row, "record_no")})
    LineOrigin.objects.create(record=line, source_key=key, unit_name=unit[:100],
                              unit_code=_text(row, "unit_code")[:40], imported_by=by)
    try:
        record_approve(by=by, record=line)
    except Forbidden:
        pass
