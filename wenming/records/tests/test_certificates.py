"""Certificates of the record read back with poppler: 谁记录谁证明 (each recording unit with
its hours), the volunteer number, the chosen parts; a sealed one with the unit's seal and the
handler. A page is rendered to PNG in test-artifacts/ for a person to look at."""

import datetime
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from wenming.honors.models import Award
from wenming.records import services
from wenming.records.models import CertificateParts

from .test_support import approved_line, png

pytestmark = pytest.mark.django_db
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"


def pdf_text(content: bytes, tmp_path: Path, png_name: str | None = None) -> str:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(content)
    if png_name:
        ARTIFACTS.mkdir(exist_ok=True)
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile",
                        str(path), str(ARTIFACTS / png_name)], check=True)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return "".join(text.split())


@pytest.fixture
def record(world):
    approved_line(world, hours="2", days_ago=5, title="关爱空巢老人")
    approved_line(world, hours="3", days_ago=4, org=world.sta1b, title="芙蓉里环境整治")
    services.training_record(by=world.sta1_staff, volunteer=world.vol1, name="急救知识培训",
                             hours=3, organiser="海淀区红十字会",
                             date=datetime.date(2026, 5, 9))
    Award.objects.create(volunteer=world.vol1, name="优秀志愿者", level="district",
                         date=datetime.date(2026, 3, 5), granting_unit="海淀区文明办")
    services.evaluation_record(by=world.sta1_staff, volunteer=world.vol1, quality="excellent",
                               stars=5, date=datetime.date(2026, 6, 1))
    return world.vol1


def test_the_free_certificate_lists_each_unit_and_the_chosen_parts(world, record, client_for,
                                                                   tmp_path):
    r = client_for(world.vol1.user).get(
        "/my/certificate.pdf?parts=services&parts=trainings&parts=commendations"
        "&parts=evaluations&parts=complaints")
    assert r.status_code == 200
    text = pdf_text(r.content, tmp_path, "records-certificate-free")
    assert world.vol1.volunteer_no in text
    for unit in (world.sta1.name, world.sta1b.name):
        assert unit in text
    assert "各记录单位认定的服务时长" in text
    for expected in ("培训情况", "急救知识培训", "表彰奖励情况", "海淀区文明办", "服务评价情况",
                     "优秀", "被投诉情况：无"):
        assert expected in text, expected
    parts = CertificateParts.objects.get()
    assert {u["name"]: u["hours"] for u in parts.units} == {world.sta1.name: "2.00",
                                                           world.sta1b.name: "3.00"}


def test_only_the_hours_by_default_and_an_unknown_part_is_400(world, record, client_for,
                                                              tmp_path):
    c = client_for(world.vol1.user)
    text = pdf_text(c.get("/my/certificate.pdf").content, tmp_path)
    assert "培训情况" not in text and "关爱空巢老人" in text
    assert c.get("/my/certificate.pdf?parts=secrets").status_code == 400
    api = c.get(f"/api/volunteers/{world.vol1.pk}/certificate?parts=trainings")
    assert api.status_code == 200
    assert "急救知识培训" in pdf_text(api.content, tmp_path)


def test_the_sealed_certificate_is_its_units_own(world, record, client_for, tmp_path):
    application = services.seal_apply(by=world.vol1.user, volunteer=world.vol1,
                                      org=world.sta1b, parts=["services", "commendations"])
    services.seal_accept(by=world.inst1_staff, application=application)
    services.seal_upload(by=world.inst1_staff, org=world.sta1b, image=png("seal.png"))
    services.seal_issue(by=world.inst1_staff, application=application, handler_name="王经办")
    r = client_for(world.vol1.user).get(f"/api/seal-applications/{application.pk}/certificate")
    text = pdf_text(r.content, tmp_path, "records-certificate-sealed")
    assert "芙蓉里环境整治" in text and "关爱空巢老人" not in text  # only sta1b's lines
    assert "经办人：王经办" in text and f"出具单位（盖章）：{world.sta1b.name}" in text
    assert "优秀志愿者" in text


def test_an_arrived_line_is_certified_in_its_original_units_name(world, client_for, tmp_path):
    """谁记录谁证明 across districts: a line imported with a volunteer (转移接续) names the
    unit that first recorded it, in the frozen lines, the per-unit totals and the PDF."""
    from wenming.activities.selectors import certified_lines
    from wenming.people.models import Volunteer

    from .test_national import _elsewhere, _moved, _upload

    data = _moved(world, client_for)
    station, staff = _elsewhere()
    assert _upload(client_for(staff), station, data).status_code == 200
    arrived = Volunteer.objects.get(id_number=data["volunteers"][0]["id_number"])
    lines = certified_lines(arrived)
    assert {(x["org"], x["origin"]) for x in lines} == {(station.name, world.sta1.name)}
    r = client_for(arrived.user).get("/my/certificate.pdf")
    assert r.status_code == 200
    text = pdf_text(r.content, tmp_path, "records-certificate-arrived")
    assert f"{world.sta1.name}（转入）" in text
    parts = CertificateParts.objects.get(certificate__volunteer=arrived)
    assert [u["name"] for u in parts.units] == [world.sta1.name]
    verified = client_for(world.outsider).get(
        f"/api/verify/{parts.certificate.code}").json()
    assert {x["org"] for x in verified["records"]} == {world.sta1.name}
