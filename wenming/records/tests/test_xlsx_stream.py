"""The streaming .xlsx writer, read back by an independent reader (openpyxl): text with
markup characters, control characters and edge spaces, numbers, booleans, empty cells that
keep the columns in place, several sheets in order."""

import io
import warnings

from openpyxl import load_workbook

from wenming.records.xlsx_stream import MAX_CELL, StreamingWorkbook


def _written(sheets: dict[str, list[list]]):
    out = io.BytesIO()
    book = StreamingWorkbook(out)
    for title, rows in sheets.items():
        book.add_sheet(title, iter(rows))
    book.close()
    out.seek(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a malformed part makes openpyxl warn
        return load_workbook(out, read_only=True)


def test_values_come_back_as_written():
    rows = [["编号", "名称", "时长", "在册"],
            ["R1", "<b>助老</b> & 陪诊", 2.5, True],
            ["R2", "", 0, False],
            ["R3", None, 12, None],
            ["  留白 ", "换行\n第二行", -1.25, "x"]]
    wb = _written({"志愿服务记录": rows})
    got = [list(r) for r in wb["志愿服务记录"].iter_rows(values_only=True)]
    assert got[0] == rows[0]
    assert got[1] == ["R1", "<b>助老</b> & 陪诊", 2.5, True]
    assert got[2] == ["R2", None, 0, False]
    assert got[3] == ["R3", None, 12, None]
    assert got[4] == ["  留白 ", "换行\n第二行", -1.25, "x"]


def test_control_characters_are_dropped_and_long_text_is_cut():
    wb = _written({"a": [["坏\x00字\x1b符", "长" * (MAX_CELL + 10)]]})
    (row,) = wb["a"].iter_rows(values_only=True)
    assert row[0] == "坏字符"
    assert len(row[1]) == MAX_CELL


def test_sheets_keep_their_order_and_titles():
    wb = _written({"说明": [["standard", "MZ/T 061"]], "志愿者": [["姓名"]], "队伍": []})
    assert wb.sheetnames == ["说明", "志愿者", "队伍"]
    assert list(wb["队伍"].iter_rows(values_only=True)) == []
