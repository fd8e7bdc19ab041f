"""A node's figures for a month, quarter or year with its children, as Excel and as PDF."""

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from wenming.activities.certificates import cjk_font
from wenming.orders.models import State
from wenming.orgs.models import OrgNode

from .selectors import Period, figures


def columns() -> list[tuple[str, str]]:
    """(key, heading) of the table's figure columns, in order."""
    return [("volunteers", _("注册志愿者")), ("active_volunteers", _("活跃志愿者")),
            ("teams", _("志愿服务队")), ("activities", _("活动")), ("hours", _("服务时长（小时）")),
            ("people_served", _("服务人次")), ("orders_total", _("订单")),
            ("dispatch_rate", _("派单率")), ("on_time_rate", _("按时办结率")),
            ("satisfaction", _("满意率")), ("avg_rating", _("平均评分")),
            ("wishes_posted", _("微心愿")), ("wishes_fulfilled", _("已实现心愿")),
            ("points_earned", _("积分发放")), ("points_spent", _("积分兑换"))]


RATES = {"dispatch_rate", "on_time_rate", "satisfaction"}


def shown(key: str, value) -> str | float | int:
    if value is None:
        return "—"
    if key in RATES:
        return f"{value * 100:.1f}%"
    return value


def report_data(node: OrgNode, period: Period) -> dict:
    data = figures(node, period)
    rows = [{"name": c["name"], **c} for c in data["children"]]
    return {"node": node, "period": period, "total": {"name": _("合计"), **data}, "rows": rows}


def title_of(node: OrgNode, period: Period) -> str:
    return _("%(name)s 数据报表（%(a)s 至 %(b)s）") % {
        "name": node.name, "a": period.first.isoformat(), "b": period.last.isoformat()}


def report_xlsx(node: OrgNode, period: Period) -> bytes:
    """Sheet 1 the figures by child node and the total; sheet 2 orders by state."""
    data = report_data(node, period)
    book = Workbook()
    sheet = book.active
    sheet.title = _("汇总")
    sheet.append([title_of(node, period)])
    sheet["A1"].font = Font(bold=True, size=14)
    cols = columns()
    sheet.append([_("阵地"), *[h for _k, h in cols]])
    for row in [*data["rows"], data["total"]]:
        sheet.append([row["name"], *[shown(k, row[k]) for k, _h in cols]])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True)
    sheet.column_dimensions["A"].width = 24
    states = book.create_sheet(_("订单状态"))
    states.append([_("阵地"), *[str(s.label) for s in State]])
    for row in [*data["rows"], data["total"]]:
        states.append([row["name"], *[row["orders"][s.value] for s in State]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def report_pdf(node: OrgNode, period: Period) -> bytes:
    """One landscape A4 table; Chinese in the certificate's embedded CJK font."""
    data = report_data(node, period)
    font = cjk_font()
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=landscape(A4), leftMargin=10 * mm,
                            rightMargin=10 * mm, topMargin=12 * mm, bottomMargin=12 * mm,
                            title=title_of(node, period))
    head = ParagraphStyle("h", fontName=font, fontSize=16, leading=22)
    cell = ParagraphStyle("c", fontName=font, fontSize=7.5, leading=9.5)
    cols = columns()
    table = [[Paragraph(t, cell) for t in [_("阵地"), *[h for _k, h in cols]]]]
    for row in [*data["rows"], data["total"]]:
        table.append([Paragraph(str(row["name"]), cell),
                      *[str(shown(k, row[k])) for k, _h in cols]])
    width = doc.width - 34 * mm
    grid = Table(table, colWidths=[34 * mm] + [width / len(cols)] * len(cols), repeatRows=1)
    grid.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), font, 7.5),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f3e3e1")),
        ("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#f5f5f5")),
        ("ALIGN", (1, 1), (-1, -1), "RIGHT"), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    total = data["total"]
    summary = _("服务时长 %(h)s 小时，活动 %(a)s 场，订单 %(o)s 件，满意率 %(s)s。") % {
        "h": total["hours"], "a": total["activities"], "o": total["orders_total"],
        "s": shown("satisfaction", total["satisfaction"])}
    doc.build([Paragraph(title_of(node, period), head), Spacer(1, 3 * mm),
               Paragraph(summary, ParagraphStyle("s", fontName=font, fontSize=10, leading=14)),
               Spacer(1, 4 * mm), grid])
    return out.getvalue()
