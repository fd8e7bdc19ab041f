"""The 志愿服务记录证明 as a PDF: reportlab with an embedded CJK TrueType font, a QR by segno.

Everything printed comes from the `Certificate` row (the snapshot frozen at issue time), never
from the live ledger, so a reprint says what was certified then.
"""

import datetime
import functools
import io
import os
import subprocess
from decimal import Decimal
from html import escape

import segno
from django.core.exceptions import ImproperlyConfigured, ObjectDoesNotExist
from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus import paragraph as rl_paragraph

from .models import Certificate

FONT = "WenmingCJK"
# reportlab embeds TrueType outlines only; Debian's Noto CJK (.ttc with CFF outlines) is
# refused, so these TrueType CJK fonts are tried first. `make system-deps` installs the first.
FONT_CANDIDATES = [
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),
]
# reportlab's line breaking keeps Japanese closing punctuation off a line's start but knows
# none of the full-width Chinese ones; without these a line could begin with "，".
rl_paragraph.ALL_CANNOT_START += "".join(
    c for c in "，。、；：？！）》」』】〉”’…—％" if c not in rl_paragraph.ALL_CANNOT_START)
RED = colors.HexColor("#b3261e")
LINE = colors.HexColor("#999999")


class CertificateFontMissing(ImproperlyConfigured):
    pass


def _fontconfig_candidates() -> list[tuple[str, int]]:
    """TrueType fonts fontconfig knows for Chinese, in case none of the usual paths exist."""
    try:
        out = subprocess.run(["fc-list", ":lang=zh:fontformat=TrueType", "file", "index"],
                             capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    found = []
    for line in out.splitlines():  # "/path/font.ttc: :index=0"
        path, _sep, rest = line.partition(":")
        index = rest.split("index=")[-1].strip() if "index=" in rest else "0"
        found.append((path.strip(), int(index) if index.isdigit() else 0))
    return sorted(found)


@functools.cache
def cjk_font() -> str:
    """Register the CJK font once and return its reportlab name.

    `WENMING_CJK_FONT=/path/to/font.ttc[:index]` picks one explicitly; otherwise the usual
    Debian paths, then fontconfig. Raises CertificateFontMissing with the fix when none loads.
    """
    override = os.environ.get("WENMING_CJK_FONT", "").strip()
    if override:
        path, _sep, index = override.partition(":")
        candidates = [(path, int(index or 0))]
    else:
        candidates = FONT_CANDIDATES + _fontconfig_candidates()
    tried = []
    for path, index in candidates:
        if not os.path.isfile(path):
            continue
        try:
            pdfmetrics.registerFont(TTFont(FONT, path, subfontIndex=index))
        except TTFError as exc:  # e.g. CFF outlines, which reportlab cannot embed
            tried.append(f"{path}: {exc}")
            continue
        return FONT
    raise CertificateFontMissing(
        "No CJK TrueType font for the certificate PDF. Install one with "
        "`apt-get install fonts-wqy-zenhei` (or `make system-deps`), or point "
        "WENMING_CJK_FONT at a TrueType .ttf/.ttc file (path[:subfont index])."
        + (" Tried: " + "; ".join(tried) if tried else ""))


class QrFlowable(Flowable):
    """A QR code drawn as vector squares: crisp at any print size, no image library."""

    def __init__(self, data: str, size: float):
        super().__init__()
        self.qr = segno.make(data, error="m")
        self.size = size
        self.width = self.height = size

    def draw(self):
        rows = list(self.qr.matrix_iter(scale=1, border=2))
        cell = self.size / len(rows)
        self.canv.setFillColor(colors.black)
        for y, row in enumerate(rows):
            for x, dark in enumerate(row):
                if dark:
                    self.canv.rect(x * cell, self.size - (y + 1) * cell, cell, cell,
                                   stroke=0, fill=1)


def _day(value) -> str:
    if isinstance(value, str):
        value = datetime.date.fromisoformat(value)
    return f"{value.year}年{value.month}月{value.day}日"


def _hours(value) -> str:
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def period_text(cert: Certificate) -> str:
    issued = timezone.localdate(cert.issued_at)
    first = cert.records[0]["date"] if cert.records else None
    start = cert.period_from or first
    end = cert.period_to or issued
    if start is None:
        return f"截至{_day(end)}"
    return f"{_day(start)}至{_day(end)}"


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=font, fontSize=11, leading=18, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=24, leading=32,
                                alignment=TA_CENTER, textColor=RED),
        "sub": ParagraphStyle("sub", parent=base, fontSize=9, leading=13, alignment=TA_CENTER,
                              textColor=colors.HexColor("#555555")),
        "body": ParagraphStyle("body", parent=base, fontSize=12.5, leading=24,
                               firstLineIndent=25),
        "cell": ParagraphStyle("cell", parent=base, fontSize=9, leading=12),
        "head": ParagraphStyle("head", parent=base, fontSize=9, leading=12,
                               alignment=TA_CENTER),
        "small": ParagraphStyle("small", parent=base, fontSize=9, leading=14,
                                textColor=colors.HexColor("#444444")),
        "sign": ParagraphStyle("sign", parent=base, fontSize=11.5, leading=22),
    }


def wrap_text(text: str, font: str, size: float, width: float) -> str:
    """`text` broken into lines no wider than `width` points, by character (Chinese has no
    spaces to break at), never starting a line with closing punctuation. A plain string a
    table cell draws line by line: a few microseconds, where a Paragraph per cell took
    milliseconds and made a certificate of 5,000 lines take a minute."""
    lines, line, used = [], "", 0.0
    for ch in text:
        w = _char_width(ch, font, size)
        if used + w > width and line and ch not in rl_paragraph.ALL_CANNOT_START:
            lines.append(line)
            line, used = "", 0.0
        line += ch
        used += w
    lines.append(line)
    return "\n".join(lines)


@functools.lru_cache(maxsize=20000)
def _char_width(ch: str, font: str, size: float) -> float:
    return pdfmetrics.stringWidth(ch, font, size)


# The lines table's columns: width (mm), and whether the cell wraps (else it is centred).
LINE_COLUMNS = [(11, False), (22, False), (48, True), (38, True), (17, False), (34, True)]
# Rows per table: a page holds about this many, and reportlab re-measures everything left of
# a table each time it splits one across pages, so long lists go as a run of short tables.
ROWS_PER_TABLE = 40


def _unit(line: dict) -> str:
    """谁记录谁证明: a line that arrived from another district names its original unit."""
    if line.get("origin"):
        return f"{line['origin']}（转入）"
    return line.get("org") or ""


def _records_table(cert: Certificate, s: dict) -> list[Table]:
    font = s["cell"].fontName
    head = [Paragraph(h, s["head"]) for h in
            ["序号", "服务日期", "活动名称", "服务地点", "时长<br/>（小时）", "记录单位"]]
    pad = 6  # the cell's left and right padding, points
    body = []
    for n, line in enumerate(cert.records, start=1):
        values = [str(n), line["date"], line["title"], line.get("place") or "—",
                  _hours(line["hours"]), _unit(line)]
        body.append([wrap_text(v, font, 9, w * mm - pad * 2) if wraps else v
                     for v, (w, wraps) in zip(values, LINE_COLUMNS, strict=True)])
    total = [Paragraph("合计", s["head"]), "", "", "",
             Paragraph(_hours(cert.total_hours), s["head"]), ""]
    chunks = [body[i:i + ROWS_PER_TABLE] for i in range(0, len(body), ROWS_PER_TABLE)] or [[]]
    tables = []
    for i, chunk in enumerate(chunks):
        rows = [head, *chunk] + ([total] if i == len(chunks) - 1 else [])
        tables.append(_lines_table(rows, has_total=i == len(chunks) - 1, font=font))
    return tables


def _lines_table(rows: list, *, has_total: bool, font: str) -> Table:
    table = Table(rows, colWidths=[w * mm for w, _wraps in LINE_COLUMNS], repeatRows=1)
    last = len(rows) - 1
    style = [
        ("GRID", (0, 0), (-1, -1), 0.5, LINE),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f5ece9")),
        ("FONT", (0, 1), (-1, -1), font, 9, 12),
        ("ALIGN", (0, 1), (1, -1), "CENTER"), ("ALIGN", (4, 1), (4, -1), "CENTER"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if has_total:
        style += [("BACKGROUND", (0, last), (-1, last), colors.HexColor("#faf6f4")),
                  ("SPAN", (0, last), (3, last))]
    table.setStyle(TableStyle(style))
    return table


def extras(cert: Certificate):
    """What the record app froze beside the certificate (`records.CertificateParts`: the
    volunteer number, the recording units, the chosen parts), or None for an older one."""
    try:
        return cert.parts
    except ObjectDoesNotExist:
        return None


def sealed_by(cert: Certificate):
    """The issued sealed-certificate application behind `cert`, or None."""
    try:
        application = cert.seal_application
    except ObjectDoesNotExist:
        return None
    return application if application.state == "issued" else None


def _seal_image(application, size: float):
    try:
        seal = application.org.seal
        with seal.image.open("rb") as f:
            data = io.BytesIO(f.read())
    except (ObjectDoesNotExist, OSError, ValueError):
        return None
    return Image(data, width=size, height=size, kind="proportional")


def _closing(cert: Certificate, verify_url: str, s: dict) -> Table:
    issued = timezone.localdate(cert.issued_at)
    sealed = sealed_by(cert)
    more = extras(cert)
    left = [Paragraph(f"出具单位（盖章）：{escape(cert.org.name)}", s["sign"])]
    if sealed is not None:
        left.append(Paragraph(f"经办人：{escape(sealed.handler_name)}", s["sign"]))
    elif more is not None and len(more.units) > 1:
        names = "、".join(escape(u["name"]) for u in more.units)
        left.append(Paragraph(f"记录单位：{names}（各单位所记时长见上表）", s["small"]))
    left += [
        Paragraph(f"出具日期：{_day(issued)}", s["sign"]),
        Paragraph(f"验证码：<font size=13>{cert.code}</font>", s["sign"]),
        Spacer(1, 3 * mm),
        Paragraph("本证明依据《志愿服务记录与证明出具办法（试行）》出具，所列时长均为经记录单位"
                  "认定的实际服务时间。任何人均可扫描右侧二维码，或访问以下网址输入验证码，"
                  f"在线核验本证明的真伪及所证明的内容：{escape(verify_url)}", s["small"]),
    ]
    qr = [QrFlowable(verify_url, 34 * mm), Paragraph("扫码验证", s["sub"])]
    if sealed is not None and (seal := _seal_image(sealed, 36 * mm)) is not None:
        qr.insert(0, seal)
    table = Table([[left, qr]], colWidths=[128 * mm, 42 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("ALIGN", (1, 0), (1, 0), "CENTER")]))
    return table


def _grid(head: list[str], rows: list[list[str]], widths: list[float], s: dict) -> Table:
    data = [[Paragraph(h, s["head"]) for h in head]]
    data += [[Paragraph(escape(str(c)), s["cell"]) for c in row] for row in rows]
    table = Table(data, colWidths=[w * mm for w in widths], repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, LINE),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f5ece9")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 3)]))
    return table


# The record's parts a certificate may print beyond the hours: heading, columns, widths (mm)
# and the row of each frozen entry.
PART_TABLES = {
    "trainings": ("培训情况", ["培训名称", "日期", "时长（小时）", "组织单位"], [62, 28, 24, 56],
                  lambda r: [r["name"], r["date"], _hours(r["hours"]), r["organiser"]]),
    "commendations": ("表彰奖励情况", ["荣誉名称", "级别", "日期", "授予单位"], [62, 24, 28, 56],
                      lambda r: [r["name"], r["level_label"], r["date"], r["granting_unit"]]),
    "evaluations": ("服务评价情况", ["评价日期", "服务质量", "星级", "评价单位"], [30, 30, 20, 90],
                    lambda r: [r["date"], r["quality_label"], r["stars"] or "—", r["org"]]),
    "complaints": ("被投诉情况", ["投诉日期", "状态", "调查结论", "受理单位"], [30, 30, 40, 70],
                   lambda r: [r["filed_on"], r["state_label"], r["outcome_label"] or "—",
                              r["org"]]),
}


def _parts_story(more, s: dict) -> list:
    story = []
    if len(more.units) > 1:
        story += [Spacer(1, 4 * mm),
                  Paragraph("各记录单位认定的服务时长（谁记录谁证明）：", s["body"]),
                  _grid(["记录单位", "服务记录（条）", "服务时长（小时）"],
                        [[u["name"], u["lines"], _hours(u["hours"])] for u in more.units],
                        [100, 35, 35], s)]
    for part, (title, head, widths, row) in PART_TABLES.items():
        if part not in more.parts.get("chosen", []):
            continue
        entries = more.parts.get(part) or []
        story += [Spacer(1, 4 * mm), Paragraph(f"{title}：" if entries else f"{title}：无。",
                                                s["body"])]
        if entries:
            story.append(_grid(head, [row(r) for r in entries], widths, s))
    return story


def _story(cert: Certificate, verify_url: str, font: str) -> list:
    s = _styles(font)
    count = len(cert.records)
    more = extras(cert)
    number = f"，志愿者编号：{escape(more.volunteer_no)}" if more and more.volunteer_no else ""
    with_lines = more is None or "services" in more.parts.get("chosen", ["services"])
    statement = (
        f"兹证明 <u>{escape(cert.real_name)}</u>（身份证号：{cert.id_number_masked}{number}）"
        f"于{period_text(cert)}期间参加志愿服务，经记录单位认定，累计志愿服务时长 "
        f"<u>{_hours(cert.total_hours)}</u> 小时，共 {count} 条服务记录。")
    story = [
        Paragraph("志愿服务记录证明", s["title"]),
        Paragraph(f"验证码 {cert.code}", s["sub"]),
        Spacer(1, 8 * mm),
        Paragraph(statement, s["body"]),
    ]
    if with_lines:
        story += [Paragraph("服务记录明细如下：" if count else "该期间暂无经认定的服务记录。",
                            s["body"]), Spacer(1, 3 * mm)]
        if count:
            story += _records_table(cert, s)
    if more is not None:
        story += _parts_story(more, s)
    story += [Spacer(1, 6 * mm), Paragraph("特此证明。", s["body"]), Spacer(1, 6 * mm),
              KeepTogether(_closing(cert, verify_url, s))]
    return story


def _numbered_canvas(cert: Certificate, font: str):
    """A canvas that knows the page count when it writes each footer ("第 1 页 / 共 3 页")."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            for state in self._pages:
                self.__dict__.update(state)
                self._footer(len(self._pages))
                super().showPage()
            super().save()

        def _footer(self, total: int):
            width, _height = A4
            self.setStrokeColor(RED)
            self.setLineWidth(1.2)
            self.line(20 * mm, 285 * mm, width - 20 * mm, 285 * mm)
            self.setFont(font, 8.5)
            self.setFillColor(colors.HexColor("#666666"))
            self.drawCentredString(
                width / 2, 12 * mm,
                f"{cert.real_name} 志愿服务记录证明 · 验证码 {cert.code} · "
                f"第 {self._pageNumber} 页 / 共 {total} 页")

    return NumberedCanvas


def render_certificate_pdf(cert: Certificate, verify_url: str) -> bytes:
    """The PDF of an issued certificate; `verify_url` is the absolute URL its QR encodes."""
    font = cjk_font()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm,
        bottomMargin=20 * mm, title=f"志愿服务记录证明 {cert.code}", author=cert.org.name,
        subject="志愿服务记录证明", creator="新时代文明实践服务平台")
    doc.build(_story(cert, verify_url, font), canvasmaker=_numbered_canvas(cert, font))
    return buffer.getvalue()
