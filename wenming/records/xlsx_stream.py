"""A minimal streaming .xlsx writer for the national export's million rows.

openpyxl's write-only mode without lxml (not installed here) writes each cell through
et_xmlfile in pure Python: about 30 µs a cell, so the district's 18 million cells took
close to ten minutes (bench_export, docs/performance.md). This writes the same
SpreadsheetML by joining strings: inline strings (no shared-strings table to hold in
memory), numbers as numbers, one ZIP entry per sheet streamed as rows come, deflated at
level 1 (the XML is very repetitive; higher levels cost time for little). openpyxl reads
the result back in the tests, so the format is checked by an independent reader.
"""

from collections.abc import Iterable
from zipfile import ZIP_DEFLATED, ZipFile

_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
MAX_CELL = 32767  # Excel's limit for a cell's text
# XML 1.0 forbids these control characters; a stray one would make the file unreadable.
_CONTROL = {c: None for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20))}
FLUSH_ROWS = 2000


def _text(value: str) -> str:
    value = value[:MAX_CELL].replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if not value.isprintable():  # rare: a newline, a tab, a control character
        value = value.translate(_CONTROL)
    space = ' xml:space="preserve"' if value[:1].isspace() or value[-1:].isspace() else ""
    return f'<c t="inlineStr"><is><t{space}>{value}</t></is></c>'


def _cell(value) -> str:
    if value is None or value == "":
        return "<c/>"
    if value is True or value is False:
        return f'<c t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f"<c><v>{value!r}</v></c>"
    return _text(str(value))


def row_xml(number: int, values: Iterable) -> str:
    return f'<row r="{number}">{"".join(map(_cell, values))}</row>'


class StreamingWorkbook:
    """Sheets written one after another, each from an iterable of rows, into `out` (a
    binary file opened for writing; it must be seekable for the ZIP's directory)."""

    def __init__(self, out):
        self.zip = ZipFile(out, "w", ZIP_DEFLATED, compresslevel=1)
        self.titles: list[str] = []

    def add_sheet(self, title: str, rows: Iterable[Iterable]) -> None:
        self.titles.append(title)
        name = f"xl/worksheets/sheet{len(self.titles)}.xml"
        with self.zip.open(name, "w", force_zip64=True) as sheet:
            sheet.write(f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                        f'<worksheet xmlns="{_NS}"><sheetData>'.encode())
            buffer = []
            for number, values in enumerate(rows, start=1):
                buffer.append(row_xml(number, values))
                if len(buffer) >= FLUSH_ROWS:
                    sheet.write("".join(buffer).encode())
                    buffer = []
            sheet.write(("".join(buffer) + "</sheetData></worksheet>").encode())

    def close(self) -> None:
        n = len(self.titles)
        sheets = "".join(f'<sheet name="{_text_attr(t)}" sheetId="{i}" r:id="rId{i}"/>'
                         for i, t in enumerate(self.titles, start=1))
        self.zip.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/>'
            + "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
                      f'ContentType="{_CT}.worksheet+xml"/>' for i in range(1, n + 1))
            + "</Types>"))
        self.zip.writestr("_rels/.rels", (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{_PKG}"><Relationship Id="rId1" '
            f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'))
        self.zip.writestr("xl/workbook.xml", (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<workbook xmlns="{_NS}" xmlns:r="{_REL}"><sheets>{sheets}</sheets></workbook>'))
        self.zip.writestr("xl/_rels/workbook.xml.rels", (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{_PKG}">'
            + "".join(f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" '
                      f'Target="worksheets/sheet{i}.xml"/>' for i in range(1, n + 1))
            + f'<Relationship Id="rId{n + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
            "</Relationships>"))
        self.zip.writestr("xl/styles.xml", (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<styleSheet xmlns="{_NS}"><fonts count="1"><font><sz val="11"/></font></fonts>'
            '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
            '<borders count="1"><border/></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
            '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
            "</cellStyles></styleSheet>"))
        self.zip.close()


def _text_attr(value: str) -> str:
    return (value[:31].replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))
