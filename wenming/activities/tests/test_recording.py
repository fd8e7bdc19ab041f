"""Time codes, group entry and insurance: each way into the ledger goes through the one write
path; used, expired and foreign codes, bad rows and uncovered periods are 4xx with nothing
written; every page and endpoint answers 404/403 outside its scope."""

import datetime
import io
import json
from decimal import Decimal

import pytest
from openpyxl import Workbook

from wenming.activities import insurance, recording, services
from wenming.activities.models import (
    InsuranceClaim,
    InsurancePolicy,
    ServiceRecord,
    ServiceRules,
    TimeCode,
)
from wenming.activities.tests.test_support import (
    Clock,
    other_district,
    post,
    publish,
    tomorrow,
)
from wenming.core.tests.helpers import assert_chinese_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def activity(world, clock):
    """Tomorrow 09:00-12:00 at sta1; the clock at 08:00."""
    return publish(world.sta1_staff, world.sta1, start=tomorrow(9))


def put(client, url, data):
    return client.put(url, json.dumps(data), content_type="application/json")


# ---- time codes ------------------------------------------------------------------------

def issue(client, activity, count=3):
    return post(client, f"/api/activities/{activity.id}/time-codes", {"count": count})


def test_the_organiser_issues_codes_and_a_volunteer_claims_one(world, client_for, clock,
                                                                activity):
    response = issue(client_for(world.sta1_staff), activity)
    assert response.status_code == 201, response.content
    codes = [c["code"] for c in response.json()["items"]]
    assert len(set(codes)) == 3 and all(len(c) == 10 for c in codes)
    assert all(c["hours"] == 3.0 for c in response.json()["items"])

    clock.set(tomorrow(12, 30))
    claim = post(client_for(world.vol1.user), "/api/time-codes/claim",
                 {"code": codes[0].lower()})  # typed in lower case: still the code
    assert claim.status_code == 201, claim.content
    body = claim.json()
    assert (body["kind"], body["hours"], body["status"]) == ("time_code", 3.0, "pending")
    assert TimeCode.objects.get(code=codes[0]).claimed_by == world.vol1


def test_a_used_or_expired_code_is_refused_and_nothing_written(world, client_for, clock,
                                                                activity):
    codes = [c.code for c in recording.time_codes_issue(by=world.sta1_staff, activity=activity,
                                                        count=2)]
    clock.set(tomorrow(12, 30))
    assert post(client_for(world.vol1.user), "/api/time-codes/claim",
                {"code": codes[0]}).status_code == 201
    assert_chinese_error(post(client_for(world.vol1b.user), "/api/time-codes/claim",
                              {"code": codes[0]}), 409, "time_code_used")
    assert_chinese_error(post(client_for(world.vol1.user), "/api/time-codes/claim",
                              {"code": codes[1]}), 409, "record_exists")
    clock.set(activity.end + datetime.timedelta(days=8))
    assert_chinese_error(post(client_for(world.vol1b.user), "/api/time-codes/claim",
                              {"code": codes[1]}), 409, "time_code_expired")
    assert_chinese_error(post(client_for(world.vol1b.user), "/api/time-codes/claim",
                              {"code": "ZZZZZZZZZZ"}), 404, "unknown_time_code")
    assert ServiceRecord.objects.count() == 1


def test_a_code_is_not_claimed_before_the_activity_starts(world, client_for, activity):
    code = recording.time_codes_issue(by=world.sta1_staff, activity=activity, count=1)[0]
    assert_chinese_error(post(client_for(world.vol1.user), "/api/time-codes/claim",
                              {"code": code.code}), 409, "time_code_early")
    assert not ServiceRecord.objects.exists()


def test_claimed_hours_follow_the_daily_rule(world, client_for, clock):
    """A code goes through record_write: past the daily maximum nothing more counts."""
    ServiceRules.objects.create(center=world.center, daily_hours_max=Decimal("4"),
                                daily_hours_cap=Decimal("2"))
    first = publish(world.sta1_staff, world.sta1, start=tomorrow(9), hours=3)
    second = publish(world.sta1_staff, world.sta1, start=tomorrow(13), hours=3)
    codes = [recording.time_codes_issue(by=world.sta1_staff, activity=a, count=1)[0].code
             for a in (first, second)]
    clock.set(tomorrow(17))
    hours = [post(client_for(world.vol1.user), "/api/time-codes/claim", {"code": c}).json()
             for c in codes]
    assert [(h["hours"], h["needs_parent_approval"]) for h in hours] == [(3.0, True),
                                                                         (1.0, True)]


def test_issuing_codes_is_the_organisers_and_in_scope(world, client_for, activity):
    assert_chinese_error(issue(client_for(world.vol1.user), activity), 403)
    assert_chinese_error(issue(client_for(world.sta2_staff), activity), 404)
    assert_chinese_error(issue(client_for(world.sta1_staff), activity, count=0), 422)
    assert_chinese_error(issue(client_for(world.sta1_staff), activity, count=501), 422)
    for user in (world.sta2_staff, world.vol1.user):
        assert client_for(user).get(f"/activities/{activity.id}/time-codes/").status_code in (
            403, 404)
    assert not TimeCode.objects.exists()


def test_the_code_pages_issue_print_and_claim(world, client_for, clock, activity):
    staff = client_for(world.sta1_staff)
    staff.post(f"/activities/{activity.id}/time-codes/", {"count": "2"})
    page = staff.get(f"/activities/{activity.id}/time-codes/")
    codes = list(TimeCode.objects.values_list("code", flat=True))
    assert len(codes) == 2 and all(c.encode() in page.content for c in codes)
    assert b'data-move="time_codes"' in page.content and b"<svg" in page.content
    clock.set(tomorrow(10))
    volunteer = client_for(world.vol1.user)
    assert codes[0].encode() in volunteer.get(f"/my/time-code/?code={codes[0]}").content
    response = volunteer.post("/my/time-code/", {"code": codes[0]})
    assert response.status_code == 302 and response.url == "/my/hours/"
    again = client_for(world.vol1b.user).post("/my/time-code/", {"code": codes[0]})
    assert again.status_code == 200 and "已被使用".encode() in again.content


# ---- group entry -----------------------------------------------------------------------

def test_a_leader_enters_hours_for_a_list_at_once(world, client_for, clock, activity):
    clock.set(tomorrow(13))
    rows = [{"who": world.vol1.user.mobile, "hours": "3", "name": world.vol1.user.real_name},
            {"who": world.vol1b.user.mobile, "hours": "2.5"}]
    response = post(client_for(world.sta1_staff), f"/api/activities/{activity.id}/group-entry",
                    {"rows": rows, "reason": "社区志愿服务队集体服务"})
    assert response.status_code == 201, response.content
    lines = ServiceRecord.objects.filter(activity=activity).order_by("volunteer_id")
    assert [(r.kind, r.hours, r.status) for r in lines] == [
        ("group", Decimal("3.00"), "pending"), ("group", Decimal("2.50"), "pending")]


def test_one_bad_row_refuses_the_whole_entry_with_each_reason(world, client_for, clock,
                                                              activity):
    clock.set(tomorrow(13))
    _staff, foreign = other_district()
    rows = [{"who": world.vol1.user.mobile, "hours": "3"},
            {"who": foreign.user.mobile, "hours": "1"},
            {"who": world.vol1b.user.mobile, "hours": "9"},
            {"who": world.vol1.user.mobile, "hours": "1"},
            {"who": world.vol2.user.mobile, "hours": "1", "name": "不是本人"}]
    response = post(client_for(world.sta1_staff), f"/api/activities/{activity.id}/group-entry",
                    {"rows": rows})
    assert response.status_code == 422
    assert [r["row"] for r in response.json()["error"]["rows"]] == [2, 3, 4, 5]
    assert not ServiceRecord.objects.exists()


def test_group_entry_waits_for_the_end_and_the_organiser(world, client_for, activity):
    body = {"rows": [{"who": world.vol1.user.mobile, "hours": "1"}]}
    url = f"/api/activities/{activity.id}/group-entry"
    assert_chinese_error(post(client_for(world.sta1_staff), url, body), 403)
    assert_chinese_error(post(client_for(world.sta2_staff), url, body), 404)
    assert_chinese_error(post(client_for(world.sta1_staff), url, {"rows": []}), 422)
    assert not ServiceRecord.objects.exists()


def sheet(*rows) -> io.BytesIO:
    book = Workbook()
    book.active.append(["志愿者编号或手机号", "时长", "姓名"])
    for row in rows:
        book.active.append(list(row))
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    data.name = "名单.xlsx"
    return data


def test_the_group_entry_page_reads_an_excel_sheet_with_a_row_report(world, client_for,
                                                                     clock, activity):
    clock.set(tomorrow(13))
    staff = client_for(world.sta1_staff)
    url = f"/activities/{activity.id}/group-entry/"
    bad = staff.post(url, {"sheet": sheet((world.vol1.user.mobile, 3), ("13000000000", 2))})
    assert bad.status_code == 200 and "第 3 行".encode() in bad.content
    assert not ServiceRecord.objects.exists()
    junk = io.BytesIO(b"not a workbook")
    junk.name = "x.xlsx"
    assert "不是有效的Excel".encode() in staff.post(url, {"sheet": junk}).content
    good = staff.post(url, {"sheet": sheet((world.vol1.user.mobile, 3),
                                           (world.vol1b.user.mobile, "2.5"))})
    assert good.status_code == 302
    assert ServiceRecord.objects.filter(kind="group").count() == 2
    typed = staff.post(url, {"text": f"{world.vol2.user.mobile}，1"})  # sta2: same district
    assert typed.status_code == 302
    assert ServiceRecord.objects.filter(kind="group").count() == 3


# ---- insurance ------------------------------------------------------------------------

def policy_body(activity, **changes):
    return {"insurer": "中国人民财产保险", "policy_no": "PZAC2026110001",
            "start": (activity.start - datetime.timedelta(hours=1)).isoformat(),
            "end": (activity.end + datetime.timedelta(hours=1)).isoformat(), **changes}


def test_an_insured_activity_opens_check_in_only_with_a_covering_policy(world, client_for,
                                                                         clock):
    activity = publish(world.sta1_staff, world.sta1, start=tomorrow(9), needs_insurance=True)
    services.enrollment_create(volunteer=world.vol1, activity=activity)
    clock.set(tomorrow(9, 5))
    volunteer = client_for(world.vol1.user)
    here = {"lat": activity.lat, "lng": activity.lng}
    assert_chinese_error(post(volunteer, f"/api/activities/{activity.id}/checkin", here), 409,
                         "insurance_required")
    assert "checkin" not in volunteer.get(f"/api/activities/{activity.id}").json()[
        "allowed_moves"]

    staff = client_for(world.sta1_staff)
    url = f"/api/activities/{activity.id}/insurance"
    short = policy_body(activity, end=(activity.end - datetime.timedelta(hours=1)).isoformat())
    assert_chinese_error(put(staff, url, short), 422, "policy_does_not_cover")
    assert_chinese_error(put(staff, url, policy_body(activity, policy_no=" ")), 422)
    assert not InsurancePolicy.objects.exists()
    response = put(staff, url, policy_body(activity))
    assert response.status_code == 200, response.content
    assert response.json()["ready"] and response.json()["covered_count"] == 1

    assert volunteer.get(url).json()["me_covered"] is True
    assert post(volunteer, f"/api/activities/{activity.id}/checkin", here).status_code == 201
    page = volunteer.get("/my/insurance/")
    assert b"PZAC2026110001" in page.content
    assert "您在保障范围内".encode() in volunteer.get(f"/activities/{activity.id}/").content


def test_the_platform_rule_asks_for_cover(world, client_for, clock):
    ServiceRules.objects.create(center=world.center, insured_platforms=["health"])
    activity = publish(world.sta1_staff, world.sta1, start=tomorrow(9))
    assert client_for(world.sta1_staff).get(
        f"/api/activities/{activity.id}/insurance").json()["needs_insurance"] is True


def test_cover_follows_sign_ups(world, client_for):
    activity = publish(world.sta1_staff, world.sta1, start=tomorrow(9, days=2))
    insurance.policy_record(by=world.sta1_staff, activity=activity, insurer="平安",
                            policy_no="P1", start=activity.start, end=activity.end)
    services.enrollment_create(volunteer=world.vol1, activity=activity)
    services.enrollment_create(volunteer=world.vol1b, activity=activity)
    services.enrollment_cancel(volunteer=world.vol1b, activity=activity)
    assert list(insurance.covered(activity)) == [world.vol1]


def test_claims_are_recorded_with_their_outcome(world, client_for, activity):
    insurance.policy_record(by=world.sta1_staff, activity=activity, insurer="平安",
                            policy_no="P1", start=activity.start, end=activity.end)
    services.enrollment_create(volunteer=world.vol1, activity=activity)
    staff = client_for(world.sta1_staff)
    base = f"/api/activities/{activity.id}/insurance/claims"
    assert_chinese_error(post(staff, base, {"volunteer_id": world.vol1b.id,
                                            "incident": "扭伤"}), 409, "not_covered")
    claim = post(staff, base, {"volunteer_id": world.vol1.id, "incident": "搬运物资时扭伤脚踝"})
    assert claim.status_code == 201
    decide = f"/api/insurance-claims/{claim.json()['id']}/decide"
    assert_chinese_error(post(staff, decide, {"outcome": "paid"}), 422, "invalid_amount")
    assert_chinese_error(post(client_for(world.sta2_staff), decide, {"outcome": "denied"}), 404)
    assert post(staff, decide, {"outcome": "paid", "amount": "800"}).json()["outcome"] == "paid"
    assert_chinese_error(post(staff, decide, {"outcome": "denied"}), 409, "invalid_transition")
    assert InsuranceClaim.objects.get().amount == Decimal("800.00")


def test_the_insurance_page_records_a_policy_and_stays_in_scope(world, client_for, activity):
    staff = client_for(world.sta1_staff)
    url = f"/activities/{activity.id}/insurance/"
    assert b'data-move="insure"' in staff.get(url).content
    fmt = "%Y-%m-%dT%H:%M"
    response = staff.post(url, {"insurer": "平安", "policy_no": "P9",
                                "start": activity.start.strftime(fmt),
                                "end": activity.end.strftime(fmt)})
    assert response.status_code == 302, response.content.decode()[:300]
    assert InsurancePolicy.objects.get().policy_no == "P9"
    assert client_for(world.sta2_staff).get(url).status_code == 404
    assert client_for(world.vol1.user).get(url).status_code == 403
    assert_chinese_error(put(client_for(world.sta2_staff),
                             f"/api/activities/{activity.id}/insurance",
                             policy_body(activity)), 404)


def test_scope_of_the_volunteer_pages(world, client_for):
    for url in ("/my/ecard/", "/my/insurance/", "/my/time-code/"):
        assert client_for(world.res1.user).get(url).status_code == 403, url
    assert client_for(world.vol1.user).get("/my/insurance/").status_code == 200

