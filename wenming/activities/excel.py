"""Excel in and out (openpyxl): the service-record export of a node and the volunteer roster
import with its template and error report.

The export streams rows from the database into a write-only workbook on a temporary file,
so a large period costs disk, not memory. The import reads a read-only workbook and never
trusts it: size, format, headers and row count are checked before any row is.
"""

import datetime
import io
import re
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from wenming.core.errors import DomainError
from wenming.core.masking import mask_id_number
from wenming.orgs.models import OrgNode
from wenming.orgs.permissions import can_manage, is_platform_admin, managed_nodes, require_manage
from wenming.people.models import AuditLog, User, Volunteer
from wenming.people.services import (
    VolunteerInput,
    audit_record,
    people_bulk_register,
    volunteer_rows_check,
)

from .models import ServiceRecord

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEAD_FONT = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="F5ECE9")


class FileRefused(DomainError):
    """An upload refused as a whole (too big, not xlsx, empty, wrong headers, too many rows)."""

    status = 422
    code = "invalid_file"

    def __init__(self, message, *, code: str, status: int = 422):
        super().__init__(message, code=code)
        self.status = status


def _text(value) -> str:
    """A string openpyxl accepts: control characters (illegal in XML) dropped."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)


# ---- export of service records ---------------------------------------------------------

EXPORT_HEADERS = ["志愿者姓名", "身份证号", "活动名称", "服务日期", "服务地点", "服务内容",
                  "服务时长（小时）", "组织单位", "活动负责人", "记录类型", "状态"]
EXPORT_WIDTHS = [12, 21, 30, 12, 28, 36, 14, 24, 12, 10, 8]
EXPORT_MAX_ROWS = 1_000_000  # an Excel sheet holds 1,048,576 rows


def export_records(org: OrgNode, date_from: datetime.date, date_to: datetime.date) -> QuerySet:
    """Every record of the subtree in the period, with what a row needs, in date order."""
    reversed_ = ServiceRecord.objects.filter(reverses=OuterRef("pk"))
    return ServiceRecord.objects.filter(
        org__path__startswith=org.path, service_date__gte=date_from, service_date__lte=date_to,
    ).annotate(is_reversed=Exists(reversed_)).order_by("service_date", "id").values_list(
        "volunteer__user__real_name", "volunteer__id_number", "volunteer__station__path",
        "title", "service_date", "place", "content", "hours", "org__name", "leader_name",
        "kind", "status", "is_reversed")


def _id_reader(by: User):
    """Full ID numbers of volunteers the exporter manages (their own subtree); masked
    otherwise, e.g. a volunteer from another district who served here."""
    if is_platform_admin(by):
        return lambda number, _path: number
    paths = tuple(n.path for n in managed_nodes(by))
    return lambda number, path: number if path.startswith(paths) else mask_id_number(number)


def records_export(*, by: User, org: OrgNode, date_from: datetime.date,
                   date_to: datetime.date, ip: str | None = None):
    """Write the national-record columns of a subtree's records to an .xlsx temporary file
    (opened, at position 0; the caller streams and closes it) and audit the export.

    Staff of `org` (or above) only. Returns (file, row count)."""
    require_manage(by, org)
    if date_from > date_to:
        raise ValidationError(_("起始日期不能晚于截止日期"), code="invalid_period")
    rows = export_records(org, date_from, date_to)
    count = rows.count()
    if count > EXPORT_MAX_ROWS:
        raise ValidationError(_("共%(n)d条记录，超过Excel单表上限，请缩短时间段分批导出") % {
            "n": count}, code="export_too_large")
    kinds, states = dict(ServiceRecord.Kind.choices), dict(ServiceRecord.Status.choices)
    id_for = _id_reader(by)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("服务记录"))
    for letter, width in zip("ABCDEFGHIJK", EXPORT_WIDTHS, strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    ws.append([_head(ws, h) for h in EXPORT_HEADERS])
    full = 0
    for (name, number, path, title, day, place, content, hours, org_name, leader, kind, status,
         is_reversed) in rows.iterator(chunk_size=2000):
        shown = id_for(number, path)
        full += shown == number
        state = _("已冲正") if is_reversed else str(states.get(status, status))
        ws.append([_cell(ws, name), shown, _cell(ws, title), day, _cell(ws, place),
                   _cell(ws, content), hours, _cell(ws, org_name), _cell(ws, leader),
                   str(kinds.get(kind, kind)), state])
    _export_notes(wb, by, org, date_from, date_to, count)
    out = tempfile.TemporaryFile()
    wb.save(out)
    out.seek(0)
    audit_record(actor=by, action=AuditLog.Action.EXPORT, obj=org, ip=ip, detail={
        "what": "service_records", "from": date_from.isoformat(), "to": date_to.isoformat(),
        "rows": count, "full_id_numbers": full})
    return out, count


def _head(ws, text: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=text)
    cell.font, cell.fill = HEAD_FONT, HEAD_FILL
    return cell


def _cell(ws, value: str):
    """Text as text: a title starting with "=" must not become a formula in Excel."""
    value = _text(value or "")
    if value[:1] in ("=", "+", "-", "@"):
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"
        return cell
    return value


def _export_notes(wb, by: User, org: OrgNode, date_from, date_to, count: int) -> None:
    ws = wb.create_sheet(_("说明"))
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 14, 70
    for row in [
        (_("导出范围"), org.name), (_("时间段"), f"{date_from} — {date_to}"),
        (_("记录条数"), count), (_("导出人"), by.real_name or by.username),
        (_("导出时间"), timezone.localtime().strftime("%Y-%m-%d %H:%M")),
        (_("说明"), _("列依照《志愿服务记录与证明出具办法（试行）》的记录内容。身份证号："
                      "导出人所辖范围内的志愿者显示完整号码，其他志愿者脱敏显示。冲正记录的时长"
                      "为负数；状态“已冲正”的记录已被其后的冲正记录抵消。本次导出已记入审计日志。")),
    ]:
        ws.append(row)


# ---- the roster import: template, reading, checking, importing -----------------------

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024  # a 5 MB zip that inflates past this is a bomb
MAX_ROWS = 5000
# (header, field); a header matches when the cell starts with the word before "（".
ROSTER_COLUMNS = [
    ("姓名", "real_name"), ("身份证号", "id_number"), ("手机号", "mobile"),
    ("实践站编号", "station"), ("技能（、分隔）", "skills"), ("政治面貌", "political_status"),
    ("身份标签（、分隔）", "tags"), ("居住区域", "residence_area"),
]
REQUIRED = {"real_name", "id_number", "mobile"}
EXAMPLE = ["张三", "110108197503090217", "13812345678", "", "理发、急救", "群众", "五老",
           "稻香园小区3号楼"]
SPLIT = re.compile(r"[、,，;；/\s]+")
ALIASES = {"党员": "party_member", "预备党员": "probationary", "团员": "league_member"}


def _zh_labels(choices) -> dict[str, str]:
    with translation.override("zh-hans"):
        return {str(label): value for value, label in choices}


def template_xlsx(stations: list[OrgNode]) -> bytes:
    """The roster template: the columns, an example row, text cells for numbers that Excel
    would otherwise round, a list of allowed political statuses, an instructions sheet and
    the stations the downloader may import into."""
    wb = Workbook()
    ws = wb.active
    ws.title = "志愿者名单"
    ws.append([h for h, _f in ROSTER_COLUMNS])
    ws.append(EXAMPLE)
    for col, (header, name) in enumerate(ROSTER_COLUMNS, start=1):
        cell = ws.cell(row=1, column=col)
        cell.font, cell.fill = HEAD_FONT, HEAD_FILL
        letter = cell.column_letter
        ws.column_dimensions[letter].width = max(12, len(header) * 2 + 4)
        if name in ("id_number", "mobile"):
            ws.column_dimensions[letter].number_format = "@"
            ws.cell(row=2, column=col).number_format = "@"
    ws.column_dimensions["B"].width = 22
    ws.freeze_panes = "A2"
    political = DataValidation(type="list", allow_blank=True, formula1='"{}"'.format(
        ",".join(_zh_labels(Volunteer.Political.choices))))
    political.error = "请从列表中选择政治面貌"
    ws.add_data_validation(political)
    political.add(f"F2:F{MAX_ROWS + 1}")
    _instructions(wb.create_sheet("填写说明"))
    st = wb.create_sheet("实践站编号")
    st.append(["实践站编号", "实践站名称"])
    st.column_dimensions["B"].width = 40
    for station in stations:
        st.append([station.pk, station.name])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _instructions(ws) -> None:
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 20, 80
    wrap = Alignment(wrap_text=True, vertical="top")
    rows = [
        ("列", "说明"),
        ("姓名", "必填，2到30个字。"),
        ("身份证号", "必填，18位居民身份证号，最后一位可为X。请保持本列为文本格式，否则Excel会把"
                 "号码改成科学计数法并丢失末几位。"),
        ("手机号", "必填，11位手机号，将作为登录账号。"),
        ("实践站编号", "可不填：不填则导入到上传页面所选的实践站；填写则须为“实践站编号”表中"
                  "您管辖范围内的编号。"),
        ("技能（、分隔）", "可不填，多项用顿号“、”分隔，例如：理发、急救。"),
        ("政治面貌", "可不填（默认群众）。可选：" + "、".join(_zh_labels(
            Volunteer.Political.choices)) + "。"),
        ("身份标签（、分隔）", "可不填。可选：" + "、".join(_zh_labels(Volunteer.Tag.choices))
         + "。"),
        ("居住区域", "可不填，最多100个字。"),
        ("", ""),
        ("导入方式", "上传时可选择：①全部或全不（默认）：任一行有错则全部不导入；"
                 "②仅导入无误的行：有错的行跳过，其余照常导入。"),
        ("错误报告", "有错的行会列在页面上，并可下载带“错误”列的表格；改正后可直接上传该表格"
                 "（“错误”列会被忽略）。"),
        ("限制", f"每次最多{MAX_ROWS}行，文件不超过5MB，仅支持 .xlsx 格式；第一行必须是表头。"
               "同一文件中身份证号或手机号重复的行、已注册的身份证号或手机号都不会导入。"),
        ("示例", "“志愿者名单”表第2行是示例，导入前请删除或改成真实数据。"),
    ]
    for row in rows:
        ws.append(row)
    for cells in ws.iter_rows(min_row=1, max_row=len(rows)):
        for cell in cells:
            cell.alignment = wrap
    ws["A1"].font = ws["B1"].font = HEAD_FONT


@dataclass
class RosterRow:
    row_no: int  # the Excel row number, as the user sees it
    raw: list  # the row's cells as read, for the error report
    data: VolunteerInput
    errors: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    mode: str
    headers: list[str]
    rows: list[RosterRow]
    imported: int = 0

    @property
    def bad(self) -> list[RosterRow]:
        return [r for r in self.rows if r.errors]


def open_workbook(upload):
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, 2)
        size = upload.tell()
    if size > MAX_UPLOAD_BYTES:
        raise FileRefused(_("文件超过5MB，请拆分后分批导入"), code="file_too_large", status=413)
    if size == 0:
        raise FileRefused(_("文件是空的"), code="empty_file")
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRefused(_("不支持旧版 .xls 文件，请在Excel中另存为 .xlsx 后上传"),
                          code="unsupported_file", status=415)
    try:
        with zipfile.ZipFile(upload) as archive:
            if sum(i.file_size for i in archive.infolist()) > MAX_UNZIPPED_BYTES:
                raise FileRefused(_("文件内容过大，请拆分后分批导入"), code="file_too_large",
                                  status=413)
        upload.seek(0)
        return load_workbook(upload, read_only=True, data_only=True)
    except FileRefused:
        raise
    except Exception:  # zipfile, XML and openpyxl errors all mean the same to the user
        raise FileRefused(_("无法读取文件：请上传平台模板格式的 Excel（.xlsx）文件"),
                          code="unsupported_file", status=415) from None


def _header_fields(header: tuple) -> dict[str, int]:
    """Map each known column to its index; a header matches by its leading word."""
    found = {}
    for index, cell in enumerate(header):
        text = re.sub(r"[\s*＊]", "", unicodedata.normalize("NFKC", str(cell or "")))
        for title, name in ROSTER_COLUMNS:
            if name not in found and text and text.startswith(title.split("（")[0]):
                found[name] = index
    missing = [t for t, n in ROSTER_COLUMNS if n in REQUIRED and n not in found]
    if missing:
        raise FileRefused(_("表头不正确：缺少“%(cols)s”列。请下载并使用平台提供的模板，"
                            "第一行为表头") % {"cols": "”“".join(missing)},
                          code="invalid_headers")
    return found


def cell_text(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    if isinstance(cell, datetime.datetime | datetime.date):
        return cell.isoformat()
    return str(cell).strip()


def read_roster(upload) -> tuple[list[str], list[tuple[int, list, dict, list[str]]]]:
    """Headers and the non-empty data rows: (row_no, raw cells, values by field, errors the
    file itself causes). Refuses the whole file when it cannot be a roster."""
    wb = open_workbook(upload)
    try:
        ws = wb.worksheets[0]
        rows = ws.iter_rows(values_only=True, max_col=len(ROSTER_COLUMNS) + 5)
        header = next(rows, None)
        if header is None or not any(c not in (None, "") for c in header):
            raise FileRefused(_("文件是空的：第一行应为表头，第二行起为数据"), code="empty_file")
        fields = _header_fields(header)
        width = max(fields.values()) + 1
        headers = [cell_text(c) for c in header[:width]]
        out = []
        for row_no, cells in enumerate(rows, start=2):
            cells = list(cells[:width]) + [None] * (width - len(cells[:width]))
            if all(cell_text(c) == "" for c in cells):
                continue
            if len(out) == MAX_ROWS:
                raise FileRefused(_("每次最多导入%(n)d行，请拆分后分批导入") % {"n": MAX_ROWS},
                                  code="too_many_rows")
            values = {name: cell_text(cells[i]) for name, i in fields.items()}
            errors = []
            if isinstance(cells[fields["id_number"]], float):
                errors.append(_("身份证号被Excel存成了数字，末几位已丢失；请把该列设为文本后重新填写"))
            out.append((row_no, [cell_text(c) for c in cells], values, errors))
    finally:
        wb.close()
    if not out:
        raise FileRefused(_("文件中没有数据行：请从第二行起填写志愿者"), code="empty_file")
    return headers, out


def _to_inputs(rows, station: OrgNode, stations: dict[int, OrgNode]) -> list[RosterRow]:
    political = {**_zh_labels(Volunteer.Political.choices), **ALIASES}
    tags = _zh_labels(Volunteer.Tag.choices)
    result = []
    for row_no, raw, v, errors in rows:
        target = station
        if v.get("station"):
            number = v["station"]
            target = stations.get(int(number)) if number.isdigit() else None
            if target is None:
                errors.append(_("实践站编号“%(n)s”不存在或不在您的管辖范围内") % {"n": number})
                target = station
        status = v.get("political_status", "")
        data = VolunteerInput(
            real_name=v["real_name"], id_number=v["id_number"], mobile=v["mobile"],
            password=None, station=target,
            skills=[s for s in SPLIT.split(v.get("skills", "")) if s],
            political_status=political.get(status, status) if status else
            Volunteer.Political.MASSES,
            tags=[tags.get(t, t) for t in SPLIT.split(v.get("tags", "")) if t],
            residence_area=v.get("residence_area", ""))
        result.append(RosterRow(row_no, raw, data, errors))
    return result


def roster_import(*, by: User, station: OrgNode, upload, mode: str = "all",
                  password_hash: str | None = None) -> ImportResult:
    """Check every row of an uploaded roster, then import through `people_bulk_register`.

    mode "all": nothing is imported when any row is bad. mode "good": the good rows are
    imported and the bad ones reported. Volunteers registered by staff start active.
    """
    if mode not in ("all", "good"):
        raise ValidationError(_("导入方式应为 all（全部或全不）或 good（仅导入无误的行）"),
                              code="invalid_mode")
    if station.kind != OrgNode.Kind.STATION:
        raise ValidationError(_("请选择一个实践站"), code="invalid_station")
    require_manage(by, station)
    headers, rows = read_roster(upload)
    numbers = {int(v["station"]) for _n, _r, v, _e in rows if v.get("station", "").isdigit()}
    stations = {s.pk: s for s in OrgNode.objects.filter(pk__in=numbers, kind=OrgNode.Kind.STATION)
                if can_manage(by, s)}
    roster = _to_inputs(rows, station, stations)
    by_no = {r.row_no: r for r in roster}
    for row_no, errors in volunteer_rows_check([(r.row_no, r.data) for r in roster]):
        by_no[row_no].errors.extend(errors)
    result = ImportResult(mode=mode, headers=headers, rows=roster)
    good = [r.data for r in roster if not r.errors]
    if good and (mode == "good" or not result.bad):
        # One unusable password for all rather than a random one per row: the same effect
        # (no login until a password is set), without 1,000 calls to the random generator.
        created, _residents = people_bulk_register(
            volunteers=good, by=by, password_hash=password_hash or make_password(None))
        result.imported = len(created)
    return result


def error_report_xlsx(result: ImportResult) -> bytes:
    """The bad rows as uploaded, with an added 错误 column; fixed, it can be uploaded again."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("错误报告")
    ws.column_dimensions["B"].width = 22
    ws.column_dimensions[chr(ord("A") + len(result.headers))].width = 60
    ws.append([_head(ws, h) for h in [*result.headers, "错误"]])
    for row in result.bad:
        ws.append([_cell(ws, str(v)) for v in row.raw] + [
            _("原第%(n)d行：") % {"n": row.row_no} + "；".join(row.errors)])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
