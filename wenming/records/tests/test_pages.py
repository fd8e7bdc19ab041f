"""The record's pages: what each persona sees, the forms through the services, scope
(a sibling subtree gets 404), bad input (4xx, nothing written), the evidence photo served
only through its scoped view."""

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from wenming.records.models import Complaint, Correction, Evaluation, SealApplication, Training

from .test_support import approved_line, png, yesterday

pytestmark = pytest.mark.django_db


def test_the_volunteer_sees_their_record_page(world, client_for):
    line = approved_line(world)
    page = client_for(world.vol1.user).get("/me/record/")
    html = page.content.decode()
    assert page.status_code == 200
    assert world.vol1.volunteer_no in html and line.title in html
    assert f'href="/corrections/new/{line.pk}/"' in html
    for heading in ("培训情况", "表彰奖励", "服务评价", "被投诉情况", "申请盖章证明"):
        assert heading in html
    assert 'data-move="record_training"' not in html


def test_staff_see_the_record_of_their_subtree_only(world, client_for):
    approved_line(world)
    url = f"/volunteers/{world.vol1.pk}/record/"
    html = client_for(world.sta1_staff).get(url).content.decode()
    assert 'data-move="record_training"' in html and 'data-move="evaluate"' in html
    assert 'data-move="correct"' not in html
    assert client_for(world.sta2_staff).get(url).status_code == 404
    assert client_for(world.vol1.user).get(url).status_code == 403  # staff pages
    assert client_for(world.res1.user).get("/me/record/").status_code == 403


def test_staff_record_training_and_evaluation_on_the_page(world, client_for):
    c = client_for(world.sta1_staff)
    r = c.post(f"/volunteers/{world.vol1.pk}/record/training/", {
        "name": "防汛知识培训", "hours": "2", "organiser": "海淀区应急局", "date": yesterday()})
    assert r.status_code == 302 and Training.objects.get().name == "防汛知识培训"
    c.post(f"/volunteers/{world.vol1.pk}/record/evaluation/", {
        "quality": "good", "stars": "4", "date": yesterday()})
    assert Evaluation.objects.get().stars == 4
    c.post(f"/volunteers/{world.vol1.pk}/record/training/", {
        "name": "x", "hours": "-2", "organiser": "", "date": "not a date"})
    assert Training.objects.count() == 1
    assert client_for(world.sta2_staff).post(f"/volunteers/{world.vol1.pk}/record/training/", {
        "name": "防汛知识培训二", "hours": "2", "organiser": "海淀区应急局",
        "date": yesterday()}).status_code == 404


def test_a_correction_with_a_photo_and_its_scoped_evidence(world, client_for):
    line = approved_line(world)
    vol = client_for(world.vol1.user)
    assert vol.get(f"/corrections/new/{line.pk}/").status_code == 200
    r = vol.post(f"/corrections/new/{line.pk}/", {"hours": "3", "reason": "签退时忘记扫码，实际服务3小时",
                                                  "evidence": png()})
    assert r.status_code == 302, r.content.decode()[:2000]
    c = Correction.objects.get()
    name = c.evidence.name.rsplit("/", 1)[-1]
    assert name.endswith(".png")
    detail = vol.get(f"/corrections/{c.pk}/").content.decode()
    assert f"/corrections/{c.pk}/evidence/{name}" in detail
    assert vol.get(f"/corrections/{c.pk}/evidence/{name}").status_code == 200
    assert client_for(world.sta1_staff).get(f"/corrections/{c.pk}/evidence/{name}").status_code == 200
    assert client_for(world.sta2_staff).get(f"/corrections/{c.pk}/evidence/{name}").status_code == 404
    assert vol.get(f"/corrections/{c.pk}/evidence/other.png").status_code == 404
    assert client_for(world.vol2.user).get(f"/corrections/{c.pk}/").status_code == 404


def test_a_correction_with_bad_input_writes_nothing(world, client_for):
    line = approved_line(world)
    vol = client_for(world.vol1.user)
    for data in ({"hours": "30", "reason": "时长记错了一些"}, {"hours": "3", "reason": ""},
                 {"hours": "abc", "reason": "时长记错了一些"},
                 {"hours": "3", "reason": "时长记错了一些",
                  "evidence": SimpleUploadedFile("x.png", b"<html>not an image</html>")}):
        assert vol.post(f"/corrections/new/{line.pk}/", data).status_code == 400
    assert not Correction.objects.exists()
    other = approved_line(world, world.vol2)
    assert vol.get(f"/corrections/new/{other.pk}/").status_code == 404


def test_staff_decide_a_correction_on_the_page(world, client_for):
    line = approved_line(world)
    client_for(world.vol1.user).post(f"/corrections/new/{line.pk}/", {
        "hours": "3", "reason": "签退时忘记扫码，实际服务3小时"})
    c = Correction.objects.get()
    staff = client_for(world.sta1_staff)
    queue = staff.get("/corrections/").content.decode()
    assert f"/corrections/{c.pk}/" in queue
    assert client_for(world.sta2_staff).get("/corrections/").content.decode().count(
        f"/corrections/{c.pk}/") == 0
    staff.post(f"/corrections/{c.pk}/accept/", {"note": "核实无误"})
    c.refresh_from_db()
    assert c.state == "accepted" and c.reversal_id
    assert staff.post(f"/corrections/{c.pk}/explode/", {}).status_code == 404


def test_complaint_pages(world, client_for):
    line = approved_line(world)
    staff = client_for(world.sta1_staff)
    assert staff.get(f"/complaints/new/?record={line.pk}").status_code == 200
    r = staff.post(f"/complaints/new/?record={line.pk}", {"text": "服务时迟到一小时"})
    assert r.status_code == 302
    c = Complaint.objects.get()
    vol = client_for(world.vol1.user)
    html = vol.get(f"/complaints/{c.pk}/").content.decode()
    assert 'data-move="respond"' in html and "投诉人" not in html
    vol.post(f"/complaints/{c.pk}/respond/", {"text": "公交晚点，已致歉"})
    staff.post(f"/complaints/{c.pk}/close/", {"outcome": "partly", "outcome_text": "批评教育"})
    c.refresh_from_db()
    assert c.state == "closed" and c.response == "公交晚点，已致歉"
    assert client_for(world.sta2_staff).get(f"/complaints/{c.pk}/").status_code == 404
    assert client_for(world.sta2_staff).get(
        f"/complaints/new/?record={line.pk}").status_code == 404
    assert staff.post(f"/complaints/new/?record={line.pk}", {"text": ""}).status_code == 400
    assert Complaint.objects.count() == 1


def test_sealed_certificate_pages(world, client_for):
    approved_line(world)
    vol, staff = client_for(world.vol1.user), client_for(world.sta1_staff)
    vol.post("/seals/apply/", {"org": world.sta1.pk, "parts": ["services", "trainings"]})
    a = SealApplication.objects.get()
    assert a.parts == ["services", "trainings"]
    queue = staff.get("/seals/").content.decode()
    assert 'data-move="accept"' in queue
    assert 'data-move="accept"' not in client_for(world.sta2_staff).get("/seals/").content.decode()
    staff.post(f"/seals/{a.pk}/accept/")
    staff.post("/seals/upload/", {"org": world.sta1.pk, "image": png("seal.png")})
    staff.post(f"/seals/{a.pk}/issue/", {"handler_name": "王经办"})
    a.refresh_from_db()
    assert a.state == "issued" and a.handler_name == "王经办"
    assert vol.get(f"/seals/{a.pk}/certificate.pdf")["Content-Type"] == "application/pdf"
    assert client_for(world.vol2.user).get(f"/seals/{a.pk}/certificate.pdf").status_code == 404


def test_the_national_page_exports_and_imports(world, client_for):
    approved_line(world)
    staff = client_for(world.sta1_staff)
    assert staff.get("/export/national/").status_code == 200
    r = staff.get("/export/national/", {"org": world.sta1.pk, "format": "json"})
    data = json.loads(b"".join(r.streaming_content))
    assert data["volunteers"][0]["volunteer_no"] == world.vol1.volunteer_no
    assert staff.get("/export/national/", {"org": world.sta2.pk,
                                           "format": "json"}).status_code == 200  # form error
    assert client_for(world.vol1.user).get("/export/national/").status_code == 403
    bad = staff.post("/export/national/", {"station": world.sta1.pk, "file": png()})
    assert bad.status_code == 422 and re.search("不是本标准", bad.content.decode())
