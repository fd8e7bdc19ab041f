"""Trainings from Excel: all or nothing with row-level errors, scope, idempotent."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from wenming.records.models import Training

from .test_support import yesterday

pytestmark = pytest.mark.django_db
HEAD = ["志愿者编号", "身份证号", "培训名称", "培训内容", "时长（小时）", "组织单位", "日期"]


def sheet(*rows) -> SimpleUploadedFile:
    wb = Workbook()
    wb.active.append(HEAD)
    for row in rows:
        wb.active.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile("trainings.xlsx", out.getvalue())


def test_trainings_arrive_once(world, client_for):
    rows = [(world.vol1.volunteer_no, "", "应急救护培训", "心肺复苏", 4, "海淀区红十字会", yesterday()),
            ("", world.vol1b.id_number, "垃圾分类培训", "", 2, "海淀区城管委", yesterday())]
    c = client_for(world.inst1_staff)
    r = c.post("/api/trainings/import", {"file": sheet(*rows)})
    assert r.status_code == 200, r.content
    assert (r.json()["imported"], r.json()["skipped"]) == (2, 0)
    again = c.post("/api/trainings/import", {"file": sheet(*rows)}).json()
    assert (again["imported"], again["skipped"]) == (0, 2)
    assert Training.objects.filter(source="import").count() == 2


def test_a_bad_row_and_nothing_is_written(world, client_for):
    rows = [(world.vol1.volunteer_no, "", "应急救护培训", "", 4, "海淀区红十字会", yesterday()),
            (world.vol2.volunteer_no, "", "应急救护培训", "", 4, "海淀区红十字会", yesterday()),
            (world.vol1.volunteer_no, "", "消防培训", "", "四", "消防支队", "昨天")]
    r = client_for(world.sta1_staff).post("/api/trainings/import", {"file": sheet(*rows)})
    assert r.status_code == 422
    assert [e["row"] for e in r.json()["errors"]] == [3, 4]  # vol2 is not theirs; bad values
    assert not Training.objects.exists()


def test_the_import_page(world, client_for):
    c = client_for(world.sta1_staff)
    assert c.get("/trainings/import/").status_code == 200
    assert c.get("/trainings/import/template.xlsx").status_code == 200
    r = c.post("/trainings/import/", {"file": sheet(
        (world.vol1.volunteer_no, "", "应急救护培训", "", 4, "海淀区红十字会", yesterday()))})
    assert r.status_code == 200 and Training.objects.count() == 1
    bad = c.post("/trainings/import/", {"file": SimpleUploadedFile("x.xlsx", b"not a workbook")})
    assert bad.status_code == 422
    assert client_for(world.vol1.user).get("/trainings/import/").status_code == 403
