"""The national data standard: the export's field set, scope and audit; the import
(转移接续) round trip, idempotency, and a row-level report for a bad ID checksum."""

import io
import json

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from wenming.activities.models import ServiceRecord
from wenming.orgs.services import org_create
from wenming.people.models import AuditLog, Volunteer
from wenming.people.services import volunteer_update
from wenming.people.tests.factories import next_id_number, next_mobile, staff_at
from wenming.records.models import LineOrigin
from wenming.records.national import SHEETS

from .test_support import approved_line

pytestmark = pytest.mark.django_db


def _json(response) -> dict:
    return json.loads(b"".join(response.streaming_content))


def test_the_json_export_carries_the_standard_field_set(world, client_for):
    line = approved_line(world)
    approved_line(world, world.vol2)
    r = client_for(world.inst1_staff).get("/api/export/national",
                                          {"org": world.inst1.pk, "format": "json"})
    assert r.status_code == 200 and r["Content-Type"].startswith("application/json")
    data = _json(r)
    assert data["standard"].startswith("MZ/T 061")
    ids = {v["volunteer_no"] for v in data["volunteers"]}
    assert ids == {world.vol1.volunteer_no, world.vol1b.volunteer_no}  # not sta2's vol2
    assert set(data["volunteers"][0]) == {c.key for c in SHEETS["volunteers"][1]}
    (row,) = data["service_records"]
    assert row["record_no"] == f"R{line.pk}" and row["unit_name"] == world.sta1.name
    assert row["hours"] == 2.0 and row["id_number"] == world.vol1.id_number
    audit = AuditLog.objects.get(action=AuditLog.Action.EXPORT, actor=world.inst1_staff)
    assert audit.detail["kind"] == "national"


def test_the_xlsx_export_has_a_sheet_per_part(world, client_for):
    approved_line(world)
    r = client_for(world.sta1_staff).get("/api/export/national",
                                         {"org": world.sta1.pk, "format": "xlsx"})
    assert r.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(r.streaming_content)), read_only=True)
    assert wb.sheetnames == ["说明"] + [title for title, _c in SHEETS.values()]
    records = list(wb["志愿服务记录"].iter_rows(values_only=True))
    assert records[0][0] == "记录编号" and len(records) == 2


def test_export_scope(world, client_for):
    assert client_for(world.sta2_staff).get(
        "/api/export/national", {"org": world.sta1.pk}).status_code == 404
    assert client_for(world.vol1.user).get(
        "/api/export/national", {"org": world.sta1.pk}).status_code in (403, 404)
    assert client_for(world.sta1_staff).get(
        "/api/export/national", {"org": world.sta1.pk, "format": "csv"}).status_code == 422
    assert not AuditLog.objects.filter(action=AuditLog.Action.EXPORT).exists()


def _elsewhere():
    """A second district with one station and its staff: where the volunteer moves to."""
    center = org_create(kind="center", name="朝阳区新时代文明实践中心", lat=39.92, lng=116.44)
    inst = org_create(kind="institute", name="三里屯街道实践所", parent=center, lat=39.93,
                      lng=116.45)
    station = org_create(kind="station", name="幸福村社区实践站", parent=inst, lat=39.935,
                         lng=116.452)
    return station, staff_at(station, "chaoyang")


def _moved(world, client_for) -> dict:
    """vol1's export as another district would send it: the same person, unknown here."""
    approved_line(world, hours="2", days_ago=3)
    approved_line(world, hours="1.5", days_ago=2, title="文明交通引导")
    data = _json(client_for(world.sta1_staff).get("/api/export/national",
                                                  {"org": world.sta1.pk}))
    new_id, new_mobile = next_id_number(), next_mobile()
    data["source"] = "WM310101"
    data["volunteers"] = [v | {"id_number": new_id, "mobile": new_mobile}
                          for v in data["volunteers"] if v["id_number"] == world.vol1.id_number]
    data["service_records"] = [r | {"id_number": new_id} for r in data["service_records"]]
    return data


def _upload(client, station, data):
    file = SimpleUploadedFile("moved.json", json.dumps(data, ensure_ascii=False).encode(),
                              content_type="application/json")
    return client.post("/api/import/national", {"file": file, "station_id": station.pk})


def test_a_volunteer_arrives_with_their_history_once(world, client_for):
    data = _moved(world, client_for)
    station, staff = _elsewhere()
    client = client_for(staff)
    r = _upload(client, station, data)
    assert r.status_code == 200, r.content
    assert r.json() | {"errors": []} == {"errors": [], "volunteers_created": 1,
                                         "volunteers_matched": 0, "lines_imported": 2,
                                         "lines_skipped": 0}
    arrived = Volunteer.objects.get(id_number=data["volunteers"][0]["id_number"])
    assert arrived.station == station and arrived.volunteer_no != world.vol1.volunteer_no
    lines = ServiceRecord.objects.filter(volunteer=arrived)
    assert sorted(str(x.hours) for x in lines) == ["1.50", "2.00"]
    assert {o.unit_name for o in LineOrigin.objects.filter(record__in=lines)} == {world.sta1.name}
    again = _upload(client, station, data).json()
    assert again["lines_imported"] == 0 and again["lines_skipped"] == 2
    assert again["volunteers_matched"] == 1 and again["volunteers_created"] == 0
    assert ServiceRecord.objects.filter(volunteer=arrived).count() == 2
    record = client.get(f"/api/volunteers/{arrived.pk}/record").json()
    assert {x["origin_unit"] for x in record["services"]["lines"]} == {world.sta1.name}


def test_a_bad_id_checksum_is_reported_by_row_and_nothing_is_written(world, client_for):
    data = _moved(world, client_for)
    good = data["volunteers"][0]["id_number"]
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    data["volunteers"].append(data["volunteers"][0] | {"id_number": bad,
                                                       "mobile": next_mobile()})
    station, staff = _elsewhere()
    volunteers, lines = Volunteer.objects.count(), ServiceRecord.objects.count()
    r = _upload(client_for(staff), station, data)
    assert r.status_code == 422
    (error,) = r.json()["errors"]
    assert error["part"] == "volunteers" and error["row"] == 2
    assert Volunteer.objects.count() == volunteers and ServiceRecord.objects.count() == lines
    assert not LineOrigin.objects.exists()


def test_import_scope_and_a_person_registered_elsewhere(world, client_for):
    data = _moved(world, client_for)
    station, staff = _elsewhere()
    assert _upload(client_for(world.sta1_staff), station, data).status_code == 404
    data["volunteers"][0]["id_number"] = world.vol2.id_number  # registered at sta2 already
    r = _upload(client_for(staff), station, data)
    assert r.status_code == 422
    assert "其他阵地" in r.json()["errors"][0]["errors"][0]


def test_a_volunteer_who_moves_station_keeps_their_history(world, client_for):
    line = approved_line(world)
    volunteer_update(volunteer=world.vol1, by=world.center_staff, changes={"station": world.sta2})
    record = client_for(world.sta2_staff).get(f"/api/volunteers/{world.vol1.pk}/record")
    assert [x["id"] for x in record.json()["services"]["lines"]] == [line.pk]
    assert client_for(world.sta1_staff).get(
        f"/api/volunteers/{world.vol1.pk}/record").status_code == 404


def test_the_data_dictionary_names_every_column():
    from django.conf import settings

    text = (settings.BASE_DIR / "docs" / "national-data.md").read_text()
    for name, (title, columns) in SHEETS.items():
        assert f"`{name}` — {title}" in text
        for c in columns:
            assert f"| `{c.key}` | {c.label} |" in text, c.key


def test_an_arrived_line_exports_with_its_origin_and_looked_up_fields(world, client_for):
    """The looked-up columns (volunteer number, ID number, unit name, origin) agree with the
    rows they come from, in JSON and in Excel."""
    data = _moved(world, client_for)
    station, staff = _elsewhere()
    client = client_for(staff)
    assert _upload(client, station, data).status_code == 200
    arrived = Volunteer.objects.get(id_number=data["volunteers"][0]["id_number"])
    out = _json(client.get("/api/export/national", {"org": station.pk, "format": "json"}))
    assert {r["origin_unit"] for r in out["service_records"]} == {world.sta1.name}
    assert {(r["volunteer_no"], r["id_number"], r["unit_name"]) for r in
            out["service_records"]} == {(arrived.volunteer_no, arrived.id_number, station.name)}
    assert out["volunteers"][0]["org_name"] == station.name
    r = client.get("/api/export/national", {"org": station.pk, "format": "xlsx"})
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(r.streaming_content)), read_only=True)
    header, *lines = wb["志愿服务记录"].iter_rows(values_only=True)
    assert {line[header.index("原记录单位")] for line in lines} == {world.sta1.name}
    assert {line[header.index("志愿者编号")] for line in lines} == {arrived.volunteer_no}
