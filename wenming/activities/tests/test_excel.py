"""Excel out (the record export) and in (the roster import), with real .xlsx files."""

import base64
import datetime
import io
import re
import time
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import Workbook, load_workbook

from wenming.activities import excel, services
from wenming.activities.models import ServiceRecord
from wenming.core.masking import mask_id_number
from wenming.people.models import AuditLog, User, Volunteer
from wenming.people.validators import compose_id_number

pytestmark = pytest.mark.django_db


def person(world, name: str):
    obj = getattr(world, name)
    return getattr(obj, "user", obj)


def approved(world, volunteer, day, hours, title="关爱空巢老人上门理发服务", org=None):
    record = ServiceRecord.objects.create(
        volunteer=volunteer, org=org or world.sta1, kind=ServiceRecord.Kind.BACKFILL,
        title=title, place="稻香园小区3号楼", content="理发", leader_name="李四",
        service_date=day, hours=Decimal(hours), created_by=world.sta1_staff, reason="补录")
    return services.record_approve(by=world.center_staff, record=record)


# ---- export --------------------------------------------------------------------------

def export(client, org, start="2025-01-01", end="2025-12-31", url="/api/records/export.xlsx"):
    return client.get(url, {"org": org.id, "from": start, "to": end})


def sheet_rows(response) -> list[tuple]:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    wb = load_workbook(io.BytesIO(content))
    return list(wb.worksheets[0].iter_rows(values_only=True))


@pytest.fixture
def ledger(world):
    first = approved(world, world.vol1, datetime.date(2025, 3, 1), "2.5")
    approved(world, world.vol2, datetime.date(2025, 4, 2), "3", title="垃圾分类宣传")
    approved(world, world.vol1, datetime.date(2024, 12, 31), "9", title="去年的活动")
    approved(world, world.vol2, datetime.date(2025, 5, 3), "1", title="别处的活动",
             org=world.sta2)
    ServiceRecord.objects.create(
        volunteer=world.vol1b, org=world.sta1b, kind=ServiceRecord.Kind.BACKFILL,
        title="=HYPERLINK(\"http://x\")", service_date=datetime.date(2025, 6, 1),
        hours=Decimal("2"), created_by=world.sta1_staff)
    return first


def test_it_exports_the_national_record_columns_and_audits(world, ledger, client_for):
    response = export(client_for(world.sta1_staff), world.sta1)
    assert response.status_code == 200
    assert response["Content-Type"] == excel.XLSX
    assert ".xlsx" in response["Content-Disposition"]
    rows = sheet_rows(response)
    assert list(rows[0]) == excel.EXPORT_HEADERS == [
        "志愿者姓名", "身份证号", "活动名称", "服务日期", "服务地点", "服务内容", "服务时长（小时）",
        "组织单位", "活动负责人", "记录类型", "状态"]
    assert [r[2] for r in rows[1:]] == ["关爱空巢老人上门理发服务", "垃圾分类宣传"]
    first = rows[1]
    assert first[0] == world.vol1.user.real_name
    assert first[1] == world.vol1.id_number  # a volunteer of the exporter's own station
    assert first[3].date() == datetime.date(2025, 3, 1)
    assert first[6] == 2.5 and first[7] == world.sta1.name and first[8] == "李四"
    assert (first[9], first[10]) == ("补录", "已认定")
    log = AuditLog.objects.get(action=AuditLog.Action.EXPORT)
    assert log.actor == world.sta1_staff
    assert log.object_id == str(world.sta1.id)
    assert log.detail["rows"] == 2 and log.detail["from"] == "2025-01-01"


def test_it_masks_id_numbers_of_volunteers_outside_the_exporters_subtree(world, ledger,
                                                                          client_for):
    rows = sheet_rows(export(client_for(world.sta1_staff), world.sta1))
    assert rows[2][0] == world.vol2.user.real_name
    assert rows[2][1] == mask_id_number(world.vol2.id_number)  # vol2 is of sta2
    assert AuditLog.objects.get().detail["full_id_numbers"] == 1
    rows = sheet_rows(export(client_for(world.center_staff), world.sta1))
    assert rows[2][1] == world.vol2.id_number


def test_it_shows_reversals_and_pending_lines(world, ledger, client_for):
    services.record_reverse(by=world.sta1_staff, record=ledger, reason="登记错误")
    rows = sheet_rows(export(client_for(world.inst1_staff), world.inst1))
    by_state = {(r[2], r[9], r[10], r[6]) for r in rows[1:]}
    assert ("关爱空巢老人上门理发服务", "补录", "已冲正", 2.5) in by_state
    assert ("关爱空巢老人上门理发服务", "冲正", "已认定", -2.5) in by_state
    assert ("=HYPERLINK(\"http://x\")", "补录", "待审核", 2) in by_state


def test_a_title_that_looks_like_a_formula_stays_text(world, ledger, client_for):
    response = export(client_for(world.inst1_staff), world.inst1)
    content = b"".join(response.streaming_content)
    ws = load_workbook(io.BytesIO(content)).worksheets[0]
    cell = next(c for row in ws.iter_rows() for c in row if str(c.value).startswith("=HYP"))
    assert cell.data_type == "s"


@pytest.mark.parametrize("persona,status", [
    ("sta2_staff", 404), ("inst2_staff", 404), ("vol1", 403), ("res1", 403), ("outsider", 403),
])
def test_export_validates_scope(world, ledger, client_for, persona, status):
    response = export(client_for(person(world, persona)), world.sta1)
    assert response.status_code == status
    assert not AuditLog.objects.exists()


def test_export_needs_a_login(world):
    assert export(Client(), world.sta1).status_code == 401


def test_export_refuses_a_reversed_period(world, client_for):
    response = export(client_for(world.sta1_staff), world.sta1, "2025-12-31", "2025-01-01")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_period"


def test_export_page_offers_the_form_and_downloads(world, ledger, client_for):
    client = client_for(world.sta1_staff)
    page = client.get("/records/export/")
    assert page.status_code == 200 and "导出 Excel" in page.content.decode()
    response = export(client, world.sta1, url="/records/export.xlsx")
    assert response.status_code == 200
    assert len(sheet_rows(response)) == 3
    assert AuditLog.objects.filter(action="export").count() == 1
    assert export(client_for(world.sta2_staff), world.sta1,
                  url="/records/export.xlsx").status_code == 404
    assert client_for(world.vol1.user).get("/records/export/").status_code == 403


# ---- import --------------------------------------------------------------------------

HEADERS = ["姓名", "身份证号", "手机号", "实践站编号", "技能（、分隔）", "政治面貌",
           "身份标签（、分隔）", "居住区域"]


def id_number(n: int) -> str:
    birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=n * 7 % 20000)
    return compose_id_number("110108", birth, n % 1000)


SHORT = dict(zip(["name", "idn", "mobile", "station", "skills", "political", "tags", "area"],
                 HEADERS, strict=True))


def row(n: int, **over) -> list:
    """A roster row; override columns by short name (idn=, mobile=, political=, ...)."""
    values = {"name": f"导入{n}号", "idn": id_number(n), "mobile": f"137{n:08d}",
              "station": "", "skills": "理发、急救", "political": "中共党员", "tags": "",
              "area": "稻香园小区"}
    values.update(over)
    return [values[k] for k in SHORT]


def bad_check_digit(n: int) -> str:
    good = id_number(n)
    return good[:-1] + ("1" if good[-1] != "1" else "2")


def xlsx(rows, headers=HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(client, content: bytes, station, mode="all", name="名单.xlsx", **extra):
    return client.post("/api/volunteers/import", {
        "file": SimpleUploadedFile(name, content), "station_id": station.id, "mode": mode,
        **extra})


def test_template_round_trip(world, client_for):
    client = client_for(world.sta1_staff)
    response = client.get("/volunteers/import/template.xlsx")
    assert response.status_code == 200 and response["Content-Type"] == excel.XLSX
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["志愿者名单", "填写说明", "实践站编号"]
    ws = wb["志愿者名单"]
    assert [c.value for c in ws[1]] == HEADERS
    assert ws["B2"].number_format == "@"  # the ID number stays text
    assert [r for r in wb["实践站编号"].iter_rows(min_row=2, values_only=True)] == [
        (world.sta1.id, world.sta1.name)]
    ws.delete_rows(2)
    ws.append(row(1))
    ws.append(row(2, political="共青团员", tags="五老"))
    ws.append(row(3, station=world.sta1.id, political=""))
    out = io.BytesIO()
    wb.save(out)
    result = upload(client, out.getvalue(), world.sta1)
    assert result.status_code == 200, result.content
    assert result.json() == {"mode": "all", "rows": 3, "imported": 3, "rejected": 0,
                             "errors": []}
    imported = Volunteer.objects.filter(id_number__in=[id_number(n) for n in (1, 2, 3)])
    assert imported.count() == 3
    one = imported.get(id_number=id_number(1))
    assert one.station == world.sta1 and one.status == Volunteer.Status.ACTIVE
    assert one.approved_by == world.sta1_staff and one.political_status == "party_member"
    assert sorted(s.name for s in one.skills.all()) == ["急救", "理发"]
    assert imported.get(id_number=id_number(2)).political_status == "league_member"
    assert imported.get(id_number=id_number(3)).political_status == "masses"


def test_all_or_nothing_writes_nothing_when_one_row_is_bad(world, client_for):
    before = (User.objects.count(), Volunteer.objects.count())
    content = xlsx([row(1), row(2), row(3, idn=bad_check_digit(3))])
    response = upload(client_for(world.sta1_staff), content, world.sta1)
    assert response.status_code == 422
    body = response.json()
    assert body["error"]["code"] == "rows_invalid"
    assert body["imported"] == 0 and body["rejected"] == 1
    assert body["errors"][0]["row"] == 4
    assert "校验位" in body["errors"][0]["errors"][0]
    assert (User.objects.count(), Volunteer.objects.count()) == before


def test_good_rows_mode_imports_exactly_the_good_ones(world, client_for):
    content = xlsx([row(1), row(2, mobile="12345"), row(3), row(4, name="")])
    response = upload(client_for(world.sta1_staff), content, world.sta1, mode="good")
    assert response.status_code == 200
    body = response.json()
    assert (body["rows"], body["imported"], body["rejected"]) == (4, 2, 2)
    assert [e["row"] for e in body["errors"]] == [3, 5]
    assert set(Volunteer.objects.filter(user__real_name__startswith="导入")
               .values_list("user__real_name", flat=True)) == {"导入1号", "导入3号"}


def test_it_reports_every_problem_of_a_row(world, client_for):
    content = xlsx([row(1, name="王", mobile="12", political="路人", tags="超人")])
    errors = upload(client_for(world.sta1_staff), content, world.sta1).json()["errors"][0]
    text = "；".join(errors["errors"])
    for part in ["姓名", "手机号", "政治面貌", "身份标签"]:
        assert part in text


def test_duplicates_in_the_file_and_in_the_database(world, client_for):
    content = xlsx([row(1), row(2, idn=id_number(1)), row(3, idn=world.vol1.id_number),
                    row(4, mobile=world.vol2.user.mobile), row(5)])
    body = upload(client_for(world.sta1_staff), content, world.sta1, mode="good").json()
    errors = {e["row"]: "；".join(e["errors"]) for e in body["errors"]}
    assert "与第3行重复" in errors[2] and "与第2行重复" in errors[3]
    assert "已注册为志愿者" in errors[4]
    assert "手机号已注册" in errors[5]
    assert body["imported"] == 1  # only row 5 (row 6 in Excel)
    assert sorted(errors) == [2, 3, 4, 5]


def test_a_station_number_outside_the_subtree_is_a_row_error(world, client_for):
    content = xlsx([row(1, station=world.sta2.id), row(2, station=world.sta1b.id)])
    body = upload(client_for(world.inst1_staff), content, world.sta1, mode="good").json()
    assert [e["row"] for e in body["errors"]] == [2]
    assert "不在您的管辖范围内" in body["errors"][0]["errors"][0]
    assert Volunteer.objects.get(id_number=id_number(2)).station == world.sta1b


def test_an_id_number_excel_turned_into_a_number_is_explained(world, client_for):
    content = xlsx([row(1, idn=float(id_number(1)[:17] + "1"))])
    body = upload(client_for(world.sta1_staff), content, world.sta1).json()
    assert "存成了数字" in body["errors"][0]["errors"][0]


@pytest.mark.parametrize("content,status,code", [
    (b"name,id\n1,2\n", 415, "unsupported_file"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, 415, "unsupported_file"),
    (b"", 422, "empty_file"),
    (b"PK\x03\x04" + b"\0" * 100, 415, "unsupported_file"),
])
def test_it_refuses_files_that_are_not_rosters(world, client_for, content, status, code):
    response = upload(client_for(world.sta1_staff), content, world.sta1)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert re.search(r"[\u4e00-\u9fff]", response.json()["error"]["message"])


def test_it_refuses_wrong_headers_and_empty_sheets(world, client_for):
    client = client_for(world.sta1_staff)
    response = upload(client, xlsx([row(1)], headers=["名字", "证件", "电话"]), world.sta1)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_headers"
    assert "身份证号" in response.json()["error"]["message"]
    response = upload(client, xlsx([]), world.sta1)
    assert response.json()["error"]["code"] == "empty_file"
    response = upload(client, xlsx([[None] * 8, ["", "", ""]]), world.sta1)
    assert response.json()["error"]["code"] == "empty_file"


def test_it_refuses_too_many_rows_and_too_big_files(world, client_for):
    client = client_for(world.sta1_staff)
    response = upload(client, xlsx([row(n) for n in range(excel.MAX_ROWS + 1)]), world.sta1)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "too_many_rows"
    response = upload(client, b"PK" + b"x" * excel.MAX_UPLOAD_BYTES, world.sta1)
    assert response.status_code == 413
    assert "5MB" in response.json()["error"]["message"]
    assert not Volunteer.objects.filter(user__real_name__startswith="导入").exists()


@pytest.mark.parametrize("persona,status", [
    ("sta2_staff", 404), ("vol1", 403), ("res1", 403), ("outsider", 403),
])
def test_import_validates_scope(world, client_for, persona, status):
    response = upload(client_for(person(world, persona)), xlsx([row(1)]), world.sta1)
    assert response.status_code == status
    assert not Volunteer.objects.filter(id_number=id_number(1)).exists()


def test_import_refuses_an_unknown_mode(world, client_for):
    response = upload(client_for(world.sta1_staff), xlsx([row(1)]), world.sta1, mode="some")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_mode"


def test_import_page_says_the_modes_before_it_runs(world, client_for):
    html = client_for(world.sta1_staff).get("/volunteers/import/").content.decode()
    assert "任一行有错则全部不导入" in html and "仅导入无误的行" in html
    assert "/volunteers/import/template.xlsx" in html
    assert client_for(world.vol1.user).get("/volunteers/import/").status_code == 403


def test_import_page_shows_errors_and_offers_the_report(world, client_for):
    client = client_for(world.sta1_staff)
    response = client.post("/volunteers/import/", {
        "station": world.sta1.id, "mode": "all",
        "file": SimpleUploadedFile("r.xlsx", xlsx([row(1), row(2, mobile="1")]))})
    html = response.content.decode()
    assert response.status_code == 200
    assert "未导入任何志愿者" in html and "手机号应为以1开头的11位数字" in html
    assert not Volunteer.objects.filter(id_number=id_number(1)).exists()
    report = re.search(r'href="data:[^;]+;base64,([^"]+)"', html).group(1)
    ws = load_workbook(io.BytesIO(base64.b64decode(report))).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == [*HEADERS, "错误"]
    assert len(rows) == 2 and rows[1][0] == "导入2号" and "原第3行" in rows[1][-1]

    fixed = xlsx([r[:-1] for r in rows[1:]], headers=list(rows[0]))  # the report, re-uploaded
    response = upload(client, fixed, world.sta1)
    assert response.status_code == 422  # still the bad mobile: the 错误 column is ignored
    assert response.json()["errors"][0]["row"] == 2


def test_import_page_imports_good_rows_with_an_initial_password(world, client_for):
    response = client_for(world.sta1_staff).post("/volunteers/import/", {
        "station": world.sta1.id, "mode": "good", "password": "Wenming@2026",
        "file": SimpleUploadedFile("r.xlsx", xlsx([row(1), row(2, mobile="1")]))})
    assert "已导入 1 位志愿者" in response.content.decode()
    login = Client().post("/login/", {"username": row(1)[2], "password": "Wenming@2026"})
    assert login.status_code == 302


def test_import_page_explains_a_bad_file(world, client_for):
    response = client_for(world.sta1_staff).post("/volunteers/import/", {
        "station": world.sta1.id, "mode": "all",
        "file": SimpleUploadedFile("r.xls", b"not a workbook")})
    assert response.status_code == 400
    assert "请上传平台模板格式的 Excel" in response.content.decode()


def test_a_thousand_rows_import_well_under_ten_seconds(world, client_for):
    content = xlsx([row(n) for n in range(1, 1001)])
    client = client_for(world.sta1_staff)
    started = time.perf_counter()
    response = upload(client, content, world.sta1)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200 and response.json()["imported"] == 1000
    print(f"1,000-row roster import: {elapsed:.2f} s")
    assert elapsed < 10
