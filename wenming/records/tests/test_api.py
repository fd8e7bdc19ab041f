"""The record API: the five parts, training, evaluations, complaints and corrections,
sealed certificates; scope (sibling subtree 404), bad input (4xx, nothing written)."""

import pytest

from wenming.activities.models import ServiceRecord
from wenming.honors.models import Award
from wenming.records.models import Complaint, Correction, Evaluation, Training

from .test_support import approved_line, png, yesterday

pytestmark = pytest.mark.django_db


def test_a_volunteer_reads_their_five_parts(world, client_for):
    line = approved_line(world)
    Award.objects.create(volunteer=world.vol1, name="优秀志愿者", level="district",
                         date="2026-03-05", granting_unit="海淀区文明办")
    body = client_for(world.vol1.user).get(f"/api/volunteers/{world.vol1.pk}/record").json()
    assert set(body) >= {"profile", "services", "trainings", "commendations", "evaluations",
                         "complaints"}
    assert body["profile"]["volunteer_no"] == world.vol1.volunteer_no
    assert [x["id"] for x in body["services"]["lines"]] == [line.pk]
    assert body["commendations"][0]["granting_unit"] == "海淀区文明办"
    assert body["caps"]["can_request_correction"] is True


def test_staff_see_their_subtree_and_a_sibling_gets_404(world, client_for):
    url = f"/api/volunteers/{world.vol1.pk}/record"
    assert client_for(world.inst1_staff).get(url).status_code == 200
    assert client_for(world.sta2_staff).get(url).status_code == 404
    assert client_for(world.vol2.user).get(url).status_code == 404
    assert client_for(world.res1.user).get(url).status_code == 404
    body = client_for(world.sta1_staff).get(url).json()
    assert "*" in body["profile"]["id_number"]  # masked for staff, through volunteer_contact


def test_staff_record_a_training_and_it_shows(world, client_for):
    c = client_for(world.sta1_staff)
    r = c.post("/api/trainings", {"volunteer_id": world.vol1.pk, "name": "急救知识培训",
                                  "content": "心肺复苏", "hours": "3", "organiser": "海淀区红十字会",
                                  "date": yesterday()}, content_type="application/json")
    assert r.status_code == 201, r.content
    again = c.post("/api/trainings", {"volunteer_id": world.vol1.pk, "name": "急救知识培训",
                                      "hours": "3", "organiser": "海淀区红十字会",
                                      "date": yesterday()}, content_type="application/json")
    assert again.status_code == 409
    parts = client_for(world.vol1.user).get(f"/api/volunteers/{world.vol1.pk}/record").json()
    assert parts["trainings"][0]["name"] == "急救知识培训"
    listed = client_for(world.vol1.user).get("/api/trainings").json()
    assert listed["count"] == 1


@pytest.mark.parametrize("field, value", [("hours", "0"), ("hours", "-1"), ("name", ""),
                                          ("date", "2999-01-01"), ("organiser", "x")])
def test_a_bad_training_writes_nothing(world, client_for, field, value):
    payload = {"volunteer_id": world.vol1.pk, "name": "急救知识培训", "hours": "3",
               "organiser": "海淀区红十字会", "date": yesterday(), field: value}
    r = client_for(world.sta1_staff).post("/api/trainings", payload,
                                          content_type="application/json")
    assert 400 <= r.status_code < 500
    assert not Training.objects.exists()


def test_training_outside_the_subtree_is_404_and_volunteers_cannot_record(world, client_for):
    payload = {"volunteer_id": world.vol1.pk, "name": "急救知识培训", "hours": "3",
               "organiser": "红十字会", "date": yesterday()}
    assert client_for(world.sta2_staff).post(
        "/api/trainings", payload, content_type="application/json").status_code == 404
    assert client_for(world.vol1.user).post(
        "/api/trainings", payload, content_type="application/json").status_code == 403
    assert not Training.objects.exists()


def test_an_evaluation_keeps_the_residents_ratings(world, client_for):
    r = client_for(world.sta1_staff).post("/api/evaluations", {
        "volunteer_id": world.vol1.pk, "quality": "excellent", "stars": 5, "comment": "认真负责",
        "date": yesterday()}, content_type="application/json")
    assert r.status_code == 201, r.content
    assert r.json()["rating_count"] == 0
    bad = client_for(world.sta1_staff).post("/api/evaluations", {
        "volunteer_id": world.vol1.pk, "quality": "excellent", "stars": 9,
        "date": yesterday()}, content_type="application/json")
    assert bad.status_code == 422
    assert Evaluation.objects.count() == 1


def test_a_complaint_is_filed_investigated_answered_and_closed(world, client_for):
    line = approved_line(world)
    staff, vol = client_for(world.sta1_staff), client_for(world.vol1.user)
    r = staff.post("/api/complaints", {"record_id": line.pk, "text": "服务时迟到一小时，态度不好"},
                   content_type="application/json")
    assert r.status_code == 201, r.content
    cid = r.json()["id"]
    assert r.json()["allowed_moves"] == ["investigate", "close"]
    seen = vol.get(f"/api/complaints/{cid}").json()
    assert "filed_by" not in seen and seen["allowed_moves"] == ["respond"]
    assert vol.post(f"/api/complaints/{cid}/respond", {"text": "当天公交晚点，已向老人致歉"},
                    content_type="application/json").status_code == 200
    assert vol.post(f"/api/complaints/{cid}/close", {"outcome": "upheld", "outcome_text": "x"},
                    content_type="application/json").status_code == 403
    assert staff.post(f"/api/complaints/{cid}/investigate", {"note": "已联系双方"},
                      content_type="application/json").status_code == 200
    done = staff.post(f"/api/complaints/{cid}/close", {"outcome": "partly",
                                                       "outcome_text": "迟到属实，已批评教育"},
                      content_type="application/json")
    assert done.json()["state"] == "closed" and done.json()["allowed_moves"] == []
    assert staff.post(f"/api/complaints/{cid}/investigate", {},
                      content_type="application/json").status_code == 409
    assert vol.post(f"/api/complaints/{cid}/respond", {"text": "补充说明一下"},
                    content_type="application/json").status_code == 409
    c = Complaint.objects.get(pk=cid)
    assert [(e.from_state, e.to_state) for e in c.events.all()] == [
        ("", "filed"), ("filed", "filed"), ("filed", "investigating"),
        ("investigating", "closed")]
    record = vol.get(f"/api/volunteers/{world.vol1.pk}/record").json()
    assert record["complaints"][0]["outcome"] == "partly"


def test_complaint_scope(world, client_for):
    line = approved_line(world)
    r = client_for(world.sta2_staff).post("/api/complaints", {"record_id": line.pk,
                                                              "text": "服务态度不好投诉"},
                                          content_type="application/json")
    assert r.status_code == 404
    r = client_for(world.res1.user).post("/api/complaints", {"volunteer_id": world.vol1.pk,
                                                             "text": "服务态度不好投诉"},
                                         content_type="application/json")
    assert r.status_code == 404  # never served by them
    cid = client_for(world.sta1_staff).post(
        "/api/complaints", {"volunteer_id": world.vol1.pk, "text": "多次无故缺席活动"},
        content_type="application/json").json()["id"]
    assert client_for(world.sta2_staff).get(f"/api/complaints/{cid}").status_code == 404
    assert client_for(world.vol1b.user).get(f"/api/complaints/{cid}").status_code == 404
    assert client_for(world.sta2_staff).get("/api/complaints").json()["count"] == 0
    assert client_for(world.inst1_staff).get("/api/complaints").json()["count"] == 1
    assert client_for(world.sta1_staff).post("/api/complaints", {"text": "没有对象的投诉内容"},
                                             content_type="application/json").status_code == 422
    assert Complaint.objects.count() == 1


def test_a_correction_accepted_reverses_and_rewrites_the_line(world, client_for):
    line = approved_line(world, hours="2")
    vol, staff = client_for(world.vol1.user), client_for(world.sta1_staff)
    r = vol.post("/api/corrections", {"record_id": line.pk, "reason": "实际服务了3个小时，签退时忘记扫码",
                                      "hours": "3"}, content_type="application/json")
    assert r.status_code == 201, r.content
    cid = r.json()["id"]
    assert r.json()["allowed_moves"] == ["withdraw"]
    again = vol.post("/api/corrections", {"record_id": line.pk, "reason": "再申请一次更正",
                                          "hours": "4"}, content_type="application/json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "correction_open"
    assert staff.get(f"/api/corrections/{cid}").json()["allowed_moves"] == ["accept", "reject"]
    done = staff.post(f"/api/corrections/{cid}/accept", {"note": "经核实签到记录属实"},
                      content_type="application/json").json()
    assert done["state"] == "accepted"
    reversal = ServiceRecord.objects.get(pk=done["reversal_id"])
    corrected = ServiceRecord.objects.get(pk=done["corrected_id"])
    assert reversal.reverses_id == line.pk and reversal.hours == -line.hours
    assert corrected.hours == 3 and corrected.status == "approved"
    parts = vol.get(f"/api/volunteers/{world.vol1.pk}/record").json()
    assert float(parts["services"]["approved_hours"]) == 3.0
    states = {x["id"]: x["state"] for x in parts["services"]["lines"]}
    assert states[line.pk] == "reversed"
    assert [e.to_state for e in Correction.objects.get(pk=cid).events.all()] == [
        "requested", "accepted"]
    # the reversed line can no longer be corrected
    assert vol.post("/api/corrections", {"record_id": line.pk, "reason": "再申请一次更正",
                                         "hours": "4"},
                    content_type="application/json").status_code == 409


def test_a_correction_rejected_or_withdrawn_leaves_the_ledger(world, client_for):
    line = approved_line(world)
    vol, staff = client_for(world.vol1.user), client_for(world.sta1_staff)
    cid = vol.post("/api/corrections", {"record_id": line.pk, "reason": "时长记少了一小时",
                                        "hours": "3"}, content_type="application/json").json()["id"]
    assert staff.post(f"/api/corrections/{cid}/reject", {"note": ""},
                      content_type="application/json").status_code in (400, 422)
    r = staff.post(f"/api/corrections/{cid}/reject", {"note": "签到记录显示服务2小时"},
                   content_type="application/json")
    assert r.json()["state"] == "rejected"
    cid2 = vol.post("/api/corrections", {"record_id": line.pk, "reason": "补充了照片再次申请",
                                         "hours": "3"}, content_type="application/json").json()["id"]
    assert vol.post(f"/api/corrections/{cid2}/withdraw").json()["state"] == "withdrawn"
    assert ServiceRecord.objects.filter(volunteer=world.vol1).count() == 1


def test_correction_scope_and_bad_input(world, client_for):
    line = approved_line(world)
    other = approved_line(world, world.vol2)
    vol = client_for(world.vol1.user)
    assert vol.post("/api/corrections", {"record_id": other.pk, "reason": "不是我的记录哦",
                                         "hours": "3"},
                    content_type="application/json").status_code == 404
    for hours in ("-1", "25", "2"):  # out of range, or the same as recorded
        assert vol.post("/api/corrections", {"record_id": line.pk, "reason": "时长记错了",
                                             "hours": hours},
                        content_type="application/json").status_code == 422
    assert client_for(world.sta1_staff).post(
        "/api/corrections", {"record_id": line.pk, "reason": "代志愿者申请", "hours": "3"},
        content_type="application/json").status_code == 403
    assert not Correction.objects.exists()
    cid = vol.post("/api/corrections", {"record_id": line.pk, "reason": "时长记少了",
                                        "hours": "3"}, content_type="application/json").json()["id"]
    assert client_for(world.sta2_staff).post(f"/api/corrections/{cid}/accept", {},
                                             content_type="application/json").status_code == 404
    assert vol.post(f"/api/corrections/{cid}/accept", {},
                    content_type="application/json").status_code == 403
    assert client_for(world.sta2_staff).get("/api/corrections").json()["count"] == 0


def test_a_sealed_certificate_is_applied_for_accepted_and_issued(world, client_for):
    approved_line(world)
    approved_line(world, org=world.sta1b, title="芙蓉里环境整治")
    vol, staff = client_for(world.vol1.user), client_for(world.sta1_staff)
    r = vol.post("/api/seal-applications", {"org_id": world.sta1.pk,
                                            "parts": ["services", "trainings"],
                                            "purpose": "入学材料"},
                 content_type="application/json")
    assert r.status_code == 201, r.content
    aid = r.json()["id"]
    assert vol.post("/api/seal-applications", {"org_id": world.sta1.pk},
                    content_type="application/json").status_code == 409
    assert vol.post("/api/seal-applications", {"org_id": world.sta2.pk},
                    content_type="application/json").status_code == 422  # never recorded them
    assert staff.post(f"/api/seal-applications/{aid}/accept").status_code == 200
    missing = staff.post(f"/api/seal-applications/{aid}/issue", {"handler_name": "王经办"},
                         content_type="application/json")
    assert missing.status_code == 409 and missing.json()["error"]["code"] == "seal_missing"
    assert staff.post(f"/api/orgs/{world.sta1.pk}/seal",
                      {"image": png()}).status_code == 200
    assert client_for(world.sta2_staff).post(f"/api/orgs/{world.sta1.pk}/seal",
                                             {"image": png()}).status_code == 404
    issued = staff.post(f"/api/seal-applications/{aid}/issue", {"handler_name": "王经办"},
                        content_type="application/json").json()
    assert issued["state"] == "issued" and issued["certificate_code"]
    assert [e["to"] for e in issued["events"]] == ["applied", "accepted", "issued"]
    pdf = vol.get(f"/api/seal-applications/{aid}/certificate")
    assert pdf["Content-Type"] == "application/pdf"
    assert client_for(world.sta2_staff).get(
        f"/api/seal-applications/{aid}/certificate").status_code == 404
