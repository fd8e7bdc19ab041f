"""The activity and hours-ledger pages, driven through Django's test client as a browser
would: find, sign up, check in and out, organise, approve, my hours."""

import datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.utils import timezone

from wenming.activities import qr, services
from wenming.activities.models import (
    Activity,
    Attendance,
    Enrollment,
    ServiceRecord,
    ServiceRules,
)
from wenming.inbox.models import Notification
from wenming.orgs.models import Platform
from wenming.people.tests.factories import volunteer_at
from wenming.teams.services import team_create

pytestmark = pytest.mark.django_db

NOW = timezone.now


def make_activity(org, *, start_in=datetime.timedelta(days=1), hours=2.0, quota=10,
                  platform="culture", **fields) -> Activity:
    """An activity straight in the table, so a test may also place one in the past."""
    start = NOW() + start_in
    fields.setdefault("title", "垃圾分类宣传")
    fields.setdefault("address", "稻香园社区广场")
    return Activity.objects.create(
        org=org, platform=Platform.objects.get(code=platform), lat=39.981, lng=116.305,
        start=start, end=start + datetime.timedelta(hours=hours), quota=quota, **fields)


def running(org, **fields) -> Activity:
    """Started ten minutes ago, ends in two hours: open for check-in."""
    return make_activity(org, start_in=-datetime.timedelta(minutes=10), **fields)


def finished(org, **fields) -> Activity:
    """Ended an hour ago."""
    return make_activity(org, start_in=-datetime.timedelta(hours=3), **fields)


def enrol(volunteer, activity, status=Enrollment.Status.ENROLLED) -> Enrollment:
    """A sign-up placed directly (past the quota and the deadline), the counter kept."""
    enrollment = Enrollment.objects.create(activity=activity, volunteer=volunteer, status=status)
    services.enrolled_counts_refresh([activity.pk])
    activity.refresh_from_db(fields=["enrolled_count"])
    return enrollment


def pending_line(volunteer, activity, hours="2", **fields) -> ServiceRecord:
    fields.setdefault("kind", ServiceRecord.Kind.ATTENDANCE)
    return ServiceRecord.objects.create(
        volunteer=volunteer, activity=activity, org=activity.org, title=activity.title,
        service_date=timezone.localdate(activity.start), hours=Decimal(hours), **fields)


def page(response) -> str:
    return response.content.decode()


# ---- the list --------------------------------------------------------------------------

def test_the_list_shows_upcoming_activities_with_places_taken(world, client_for):
    coming = make_activity(world.sta1, title="重阳节敬老", quota=5)
    enrol(world.vol1, coming)
    finished(world.sta1, title="上周的义诊")
    html = page(client_for(world.vol1b.user).get("/activities/"))
    assert "重阳节敬老" in html and "上周的义诊" not in html
    assert "<strong>1</strong> / 5" in html


def test_the_list_filters_by_keyword_platform_and_dates(world, client_for):
    make_activity(world.sta1, title="重阳节敬老", platform="culture")
    make_activity(world.sta1, title="健康讲座", platform="health",
                  start_in=datetime.timedelta(days=10))
    client = client_for(world.vol1.user)
    assert "健康讲座" not in page(client.get("/activities/", {"q": "敬老", "f": "1"}))
    html = page(client.get("/activities/", {"platform": "health", "f": "1"}))
    assert "健康讲座" in html and "重阳节敬老" not in html
    in_three_days = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    html = page(client.get("/activities/", {"date_to": in_three_days, "f": "1"}))
    assert "重阳节敬老" in html and "健康讲座" not in html


def test_a_reversed_date_range_is_explained_in_chinese(world, client_for):
    html = page(client_for(world.vol1.user).get(
        "/activities/", {"date_from": "2026-05-02", "date_to": "2026-05-01", "f": "1"}))
    assert "结束日期不能早于开始日期" in html


def test_near_me_sorts_by_distance_and_shows_it(world, client_for):
    far = make_activity(world.sta1, title="远处的活动")
    far.lat, far.lng = 39.999, 116.330  # about 3 km away
    far.save()
    make_activity(world.sta1, title="楼下的活动")  # at 39.981, 116.305
    html = page(client_for(world.vol1.user).get(
        "/activities/", {"lat": "39.9812", "lng": "116.3052", "radius_km": "10", "f": "1"}))
    assert html.index("楼下的活动") < html.index("远处的活动")
    assert "距您约 " in html and "米" in html and "公里" in html
    assert "按距离由近到远" in html


def test_the_list_answers_htmx_with_rows_only(world, client_for):
    make_activity(world.sta1, title="重阳节敬老")
    response = client_for(world.vol1.user).get("/activities/", {"q": "敬老", "f": "1"},
                                                headers={"HX-Request": "true"})
    assert "<html" not in page(response) and "重阳节敬老" in page(response)


def test_a_sibling_district_station_staff_do_not_see_the_activity(world, client_for):
    make_activity(world.sta1, title="重阳节敬老")
    assert "重阳节敬老" not in page(client_for(world.sta2_staff).get("/activities/"))


# ---- detail and sign-up ------------------------------------------------------------------

def test_a_volunteer_signs_up_and_withdraws(world, client_for):
    activity = make_activity(world.sta1)
    client = client_for(world.vol1.user)
    response = client.post(f"/activities/{activity.id}/enroll/", follow=True)
    assert "报名成功" in page(response) and "已报名" in page(response)
    assert Enrollment.objects.get(activity=activity).status == Enrollment.Status.ENROLLED
    response = client.post(f"/activities/{activity.id}/withdraw/", follow=True)
    assert "已取消报名" in page(response)
    assert Enrollment.objects.get(activity=activity).status == Enrollment.Status.CANCELLED


def test_a_full_activity_puts_the_volunteer_on_the_waitlist_with_a_position(world, client_for):
    activity = make_activity(world.sta1, quota=1)
    enrol(world.vol1b, activity)
    enrol(volunteer_at(world.sta1), activity, Enrollment.Status.WAITLISTED)
    client = client_for(world.vol1.user)
    assert "名额已满，报名候补" in page(client.get(f"/activities/{activity.id}/"))
    html = page(client.post(f"/activities/{activity.id}/enroll/", follow=True))
    assert "您已进入候补" in html and "候补第 2 位" in html


def test_unmet_requirements_are_listed_and_sign_up_is_refused(world, client_for):
    activity = make_activity(world.sta1, required_skills=["急救"], min_age=90)
    client = client_for(world.vol1.user)
    html = page(client.get(f"/activities/{activity.id}/"))
    assert "您暂不符合报名条件" in html and "需要技能：急救" in html and "需年满90周岁" in html
    assert "报名参加" not in html
    html = page(client.post(f"/activities/{activity.id}/enroll/", follow=True))
    assert "不符合报名条件" in html
    assert not Enrollment.objects.exists()


def test_cancelling_after_the_cut_off_is_refused_plainly(world, client_for):
    activity = make_activity(world.sta1, start_in=datetime.timedelta(minutes=30))
    enrol(world.vol1, activity)
    html = page(client_for(world.vol1.user).post(f"/activities/{activity.id}/withdraw/",
                                                 follow=True))
    assert "分钟起不能取消报名" in html
    assert Enrollment.objects.get().status == Enrollment.Status.ENROLLED


def test_a_resident_reads_the_activity_but_has_no_sign_up(world, client_for):
    activity = make_activity(world.sta1, title="重阳节敬老")
    client = client_for(world.res1.user)
    html = page(client.get(f"/activities/{activity.id}/"))
    assert "重阳节敬老" in html and "报名参加" not in html
    assert client.post(f"/activities/{activity.id}/enroll/").status_code == 403


def test_an_outsider_cannot_open_an_activity(world, client_for):
    activity = make_activity(world.sta1)
    assert client_for(world.outsider).get(f"/activities/{activity.id}/").status_code == 404


def test_pages_ask_for_a_login(world, client):
    activity = make_activity(world.sta1)
    for url in ("/activities/", f"/activities/{activity.id}/", "/my/hours/",
                "/records/pending/", f"/activities/{activity.id}/manage/", "/teams/"):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


# ---- check-in and check-out ---------------------------------------------------------------

def test_geofence_check_in_inside_the_fence(world, client_for):
    activity = running(world.sta1)
    enrol(world.vol1, activity)
    client = client_for(world.vol1.user)
    html = page(client.post(f"/activities/{activity.id}/checkin/",
                            {"lat": "39.9811", "lng": "116.3051"}, follow=True))
    assert "签到成功" in html and "定位签退" in html
    assert Attendance.objects.get().checkin_method == Attendance.Method.GEO


def test_geofence_check_in_outside_the_fence_is_refused_with_the_distance(world, client_for):
    activity = running(world.sta1)
    enrol(world.vol1, activity)
    html = page(client_for(world.vol1.user).post(
        f"/activities/{activity.id}/checkin/", {"lat": "39.99", "lng": "116.305"}, follow=True))
    assert "超出300米的签到范围" in html
    assert not Attendance.objects.exists()


def test_a_bad_position_is_refused_and_writes_nothing(world, client_for):
    activity = running(world.sta1)
    enrol(world.vol1, activity)
    response = client_for(world.vol1.user).post(f"/activities/{activity.id}/checkin/",
                                                {"lat": "200", "lng": "abc"})
    assert response.status_code == 200
    assert "小于或等于" in page(response) or "输入一个数字" in page(response)
    assert not Attendance.objects.exists()


def test_the_qr_code_opens_a_confirm_page_and_checks_in(world, client_for):
    activity = running(world.sta1)
    enrol(world.vol1, activity)
    token = qr.qr_token(activity, 60)
    client = client_for(world.vol1.user)
    html = page(client.get(f"/activities/{activity.id}/checkin/", {"t": token}))
    assert "确认签到" in html and token in html
    html = page(client.post(f"/activities/{activity.id}/checkin/", {"t": token}, follow=True))
    assert "签到成功" in html
    assert Attendance.objects.get().checkin_method == Attendance.Method.QR
    # The same code opened again offers the check-out.
    assert "确认签退" in page(client.get(f"/activities/{activity.id}/checkin/", {"t": token}))


def test_a_forged_qr_code_is_refused(world, client_for):
    activity = running(world.sta1)
    enrol(world.vol1, activity)
    other = running(world.sta1)
    html = page(client_for(world.vol1.user).post(
        f"/activities/{activity.id}/checkin/", {"t": qr.qr_token(other, 60)}, follow=True))
    assert "签到码无效" in html or "签到码不属于本活动" in html
    assert not Attendance.objects.exists()


def test_a_waitlisted_volunteer_opening_the_code_is_told_why_not(world, client_for):
    activity = running(world.sta1)
    enrol(world.vol1, activity, Enrollment.Status.WAITLISTED)
    html = page(client_for(world.vol1.user).get(f"/activities/{activity.id}/checkin/",
                                                {"t": qr.qr_token(activity, 60)}))
    assert "仍在候补" in html and "确认签到" not in html


def test_check_out_writes_a_pending_record(world, client_for):
    activity = running(world.sta1, hours=0.25)  # 15 minutes, 10 already served
    enrol(world.vol1, activity)
    Attendance.objects.create(activity=activity, volunteer=world.vol1, checkin_at=activity.start,
                              checkin_method=Attendance.Method.GEO)
    html = page(client_for(world.vol1.user).post(
        f"/activities/{activity.id}/checkout/", {"lat": "39.981", "lng": "116.305"},
        follow=True))
    assert "签退成功" in html and "待负责人认定" in html
    record = ServiceRecord.objects.get()
    assert record.status == ServiceRecord.Status.PENDING and record.hours > 0


# ---- publishing and organising ------------------------------------------------------------

def activity_form(world, **overrides) -> dict:
    start = timezone.localtime() + datetime.timedelta(days=2)
    return {"title": "社区义诊", "platform": "health", "org": world.sta1.id,
            "start": start.strftime("%Y-%m-%dT09:00"), "end": start.strftime("%Y-%m-%dT11:30"),
            "address": "稻香园社区卫生站", "lat": "39.981", "lng": "116.305", "radius_m": "300",
            "quota": "20", "required_skills": "急救、测血压", **overrides}


def test_staff_publish_an_activity(world, client_for):
    form = activity_form(world)
    form["platform"] = Platform.objects.get(code="health").id
    response = client_for(world.sta1_staff).post("/activities/new/", form)
    activity = Activity.objects.get()
    assert response.status_code == 302 and response["Location"] == \
        f"/activities/{activity.id}/manage/"
    assert activity.required_skills == ["急救", "测血压"]
    assert timezone.localtime(activity.start).hour == 9 and activity.leader == world.sta1_staff


@pytest.mark.parametrize("overrides,message", [
    ({"end": "2020-01-01T08:00"}, "结束时间必须晚于开始时间"),
    ({"quota": "0"}, "确保该值大于或等于1"),
    ({"lat": "10.0", "lng": "10.0"}, "位置不在中国境内"),
    ({"title": ""}, "这个字段是必填项"),
])
def test_bad_activity_input_is_explained_and_writes_nothing(world, client_for, overrides,
                                                            message):
    form = activity_form(world, **overrides)
    form["platform"] = Platform.objects.get(code="health").id
    response = client_for(world.sta1_staff).post("/activities/new/", form)
    assert response.status_code == 200 and message in page(response)
    assert not Activity.objects.exists()


def test_staff_cannot_publish_at_a_sibling_station(world, client_for):
    form = activity_form(world, org=world.sta1.id)
    form["platform"] = Platform.objects.get(code="health").id
    response = client_for(world.sta2_staff).post("/activities/new/", form)
    assert response.status_code == 200 and "不在您的管辖范围内" in page(response)  # the picker's message
    assert not Activity.objects.exists()


def test_a_team_leader_publishes_for_their_team(world, client_for):
    team = team_create(by=world.sta1_staff, name="稻香园助老队", org=world.sta1, leader=world.vol1)
    form = activity_form(world, team=team.id)
    form["platform"] = Platform.objects.get(code="health").id
    client = client_for(world.vol1.user)
    assert client.post("/activities/new/", form).status_code == 302
    assert Activity.objects.get().team == team


@pytest.mark.parametrize("persona", ["vol1", "res1", "outsider"])
def test_publishing_is_for_staff_and_leaders(world, client_for, persona):
    user = getattr(world, persona)
    assert client_for(getattr(user, "user", user)).get("/activities/new/").status_code == 403


def test_the_organiser_edits_an_activity_but_not_below_those_enrolled(world, client_for):
    activity = make_activity(world.sta1, leader=world.sta1_staff, quota=5)
    enrol(world.vol1, activity)
    enrol(world.vol1b, activity)
    client = client_for(world.sta1_staff)
    form = client.get(f"/activities/{activity.id}/edit/").context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data |= {"start": form["start"].value().strftime("%Y-%m-%dT%H:%M"),
             "end": form["end"].value().strftime("%Y-%m-%dT%H:%M"), "title": "垃圾分类宣传（改）"}
    assert client.post(f"/activities/{activity.id}/edit/", data).status_code == 302
    activity.refresh_from_db()
    assert activity.title == "垃圾分类宣传（改）"
    response = client.post(f"/activities/{activity.id}/edit/", data | {"quota": "1"})
    assert "招募人数不能少于已报名人数" in page(response)
    activity.refresh_from_db()
    assert activity.quota == 5


def test_cancelling_needs_a_reason_and_notifies_the_enrolled(world, client_for):
    activity = make_activity(world.sta1, leader=world.sta1_staff)
    enrol(world.vol1, activity)
    client = client_for(world.sta1_staff)
    html = page(client.post(f"/activities/{activity.id}/cancel/", {"reason": ""}, follow=True))
    assert "请填写原因" in html
    assert Activity.objects.get().status == Activity.Status.PUBLISHED
    client.post(f"/activities/{activity.id}/cancel/", {"reason": "暴雨预警"})
    assert Activity.objects.get().status == Activity.Status.CANCELLED
    note = Notification.objects.get(user=world.vol1.user)
    assert note.body == "暴雨预警"


def test_the_organiser_page_shows_the_code_and_a_masked_roster(world, client_for):
    activity = running(world.sta1, leader=world.sta1_staff)
    enrol(world.vol1, activity)
    enrol(world.vol1b, activity, Enrollment.Status.WAITLISTED)
    Attendance.objects.create(activity=activity, volunteer=world.vol1, checkin_at=NOW(),
                              checkin_method=Attendance.Method.QR)
    html = page(client_for(world.sta1_staff).get(f"/activities/{activity.id}/manage/"))
    assert "<svg" in html and 'hx-trigger="every 20s"' in html
    mobile = world.vol1.user.mobile
    assert mobile not in html and mobile[:3] + "****" + mobile[-4:] in html
    assert world.vol1b.user.real_name in html  # waitlist
    assert timezone.localtime().strftime("%H:") in html  # the check-in time


def test_the_code_changes_with_the_window(world, client_for):
    ServiceRules.objects.create(center=world.center, qr_window_seconds=6)
    activity = running(world.sta1, leader=world.sta1_staff)
    client = client_for(world.sta1_staff)
    with mock.patch.object(qr.time, "time", return_value=1_800_000_000.0):
        first = page(client.get(f"/activities/{activity.id}/qr/"))
        again = page(client.get(f"/activities/{activity.id}/qr/"))
    with mock.patch.object(qr.time, "time", return_value=1_800_000_006.0):
        later = page(client.get(f"/activities/{activity.id}/qr/"))
    assert "<html" not in first and "<svg" in first and 'hx-trigger="every 2s"' in first
    svg = lambda html: html[html.index("<svg"):html.index("</svg>")]  # noqa: E731
    assert svg(first) == svg(again) and svg(first) != svg(later)


def test_organiser_pages_are_refused_to_volunteers_and_hidden_from_siblings(world, client_for):
    activity = make_activity(world.sta1, leader=world.sta1_staff)
    volunteer = client_for(world.vol1.user)
    sibling = client_for(world.sta2_staff)
    for url in ("manage/", "qr/", "edit/"):
        assert volunteer.get(f"/activities/{activity.id}/{url}").status_code == 403
        assert sibling.get(f"/activities/{activity.id}/{url}").status_code == 404
    for url, data in (("cancel/", {"reason": "x"}), ("served/", {"people_served": "3"}),
                      ("backfill/", {"volunteer": world.vol1.id, "hours": "1", "reason": "x"})):
        assert volunteer.post(f"/activities/{activity.id}/{url}", data).status_code == 403
        assert sibling.post(f"/activities/{activity.id}/{url}", data).status_code == 404
    activity.refresh_from_db()
    assert activity.status == Activity.Status.PUBLISHED and activity.people_served is None
    assert not ServiceRecord.objects.exists()


def test_backfill_after_the_activity(world, client_for):
    activity = finished(world.sta1, leader=world.sta1_staff)
    enrol(world.vol1, activity)
    client = client_for(world.sta1_staff)
    html = page(client.post(f"/activities/{activity.id}/backfill/",
                            {"volunteer": world.vol1.id, "hours": "9", "reason": "手机没电"},
                            follow=True))
    assert "补录时长应大于0且不超过活动时长" in html
    assert not ServiceRecord.objects.exists()
    html = page(client.post(f"/activities/{activity.id}/backfill/",
                            {"volunteer": world.vol1.id, "hours": "1.5", "reason": ""},
                            follow=True))
    assert "这个字段是必填项" in html and not ServiceRecord.objects.exists()
    client.post(f"/activities/{activity.id}/backfill/",
                {"volunteer": world.vol1.id, "hours": "1.5", "reason": "手机没电"})
    record = ServiceRecord.objects.get()
    assert (record.kind, record.hours, record.status) == ("backfill", Decimal("1.5"), "pending")


def test_backfill_only_for_the_activitys_volunteers(world, client_for):
    activity = finished(world.sta1, leader=world.sta1_staff)
    html = page(client_for(world.sta1_staff).post(
        f"/activities/{activity.id}/backfill/",
        {"volunteer": world.vol2.id, "hours": "1", "reason": "补录"}, follow=True))
    assert "选择一个有效的选项" in html and not ServiceRecord.objects.exists()


def test_people_served_are_recorded_after_the_activity(world, client_for):
    activity = finished(world.sta1, leader=world.sta1_staff)
    client = client_for(world.sta1_staff)
    assert "服务对象人次（受众）" in page(client.get(f"/activities/{activity.id}/manage/"))
    html = page(client.post(f"/activities/{activity.id}/served/", {"people_served": "-3"},
                            follow=True))
    assert "确保该值大于或等于0" in html
    client.post(f"/activities/{activity.id}/served/", {"people_served": "120"})
    activity.refresh_from_db()
    assert activity.people_served == 120


def test_the_organiser_approves_a_line_from_their_page(world, client_for):
    activity = finished(world.sta1, leader=world.sta1_staff)
    record = pending_line(world.vol1, activity)
    client = client_for(world.sta1_staff)
    manage = f"/activities/{activity.id}/manage/"
    assert f'data-testid="record-{record.id}"' in page(client.get(manage))
    response = client.post(f"/records/{record.id}/approve/", {"next": manage})
    assert response["Location"] == manage
    record.refresh_from_db()
    assert record.status == ServiceRecord.Status.APPROVED


# ---- my hours -------------------------------------------------------------------------------

def test_my_hours_shows_total_stars_and_statuses(world, client_for):
    ServiceRules.objects.create(center=world.center, star_thresholds=[10, 20, 30, 40, 50])
    activity = finished(world.sta1)
    kept = pending_line(world.vol1, activity, "12")
    services.record_approve(by=world.sta1_staff, record=kept)
    wrong = pending_line(world.vol1, finished(world.sta1), "3", kind="backfill")
    services.record_approve(by=world.sta1_staff, record=wrong)
    services.record_reverse(by=world.sta1_staff, record=wrong, reason="重复录入")
    pending_line(world.vol1, finished(world.sta1), "2", kind="backfill")
    html = page(client_for(world.vol1.user).get("/my/hours/"))
    assert 'data-testid="total-hours">12<' in html
    assert "再服务 8 小时可成为 2 星志愿者" in html
    assert "已冲正" in html and "冲正" in html and "待审核" in html and "已认定" in html
    assert 'href="/my/certificate.pdf"' in html and 'action="/my/certificate.pdf"' in html
    assert 'name="from"' in html and 'name="to"' in html


def test_my_hours_is_for_volunteers(world, client_for):
    assert client_for(world.sta1_staff).get("/my/hours/").status_code == 403
    assert client_for(world.res1.user).get("/my/hours/").status_code == 403


# ---- the approval queue ---------------------------------------------------------------------

def test_staff_see_their_queue_with_marks_and_siblings_see_none_of_it(world, client_for):
    activity = finished(world.sta1)
    plain = pending_line(world.vol1, activity)
    late = pending_line(world.vol1b, finished(world.sta1b), kind="backfill")
    over = pending_line(volunteer_at(world.sta1), activity, needs_parent_approval=True)
    html = page(client_for(world.inst1_staff).get("/records/pending/"))
    for record in (plain, late, over):
        assert f'data-testid="record-{record.id}"' in html
    assert "补录" in html and "超出每日上限，需上级审核" in html
    sibling = page(client_for(world.sta2_staff).get("/records/pending/"))
    assert "共 0 条待审核" in sibling and world.vol1.user.real_name not in sibling
    # Station staff see their own station only; the over-cap line waits for the institute.
    station = page(client_for(world.sta1_staff).get("/records/pending/"))
    assert f'data-testid="record-{late.id}"' not in station
    assert "须由上级阵地的管理员审核" in station


def test_the_queue_filters_by_org_and_activity(world, client_for):
    one, two = finished(world.sta1), finished(world.sta1b)
    first, second = pending_line(world.vol1, one), pending_line(world.vol1b, two)
    client = client_for(world.inst1_staff)
    html = page(client.get("/records/pending/", {"org": world.sta1b.id}))
    assert f"record-{second.id}" in html and f"record-{first.id}" not in html
    html = page(client.get("/records/pending/", {"activity": one.id}))
    assert f"record-{first.id}" in html and f"record-{second.id}" not in html


def test_rejecting_needs_a_reason(world, client_for):
    record = pending_line(world.vol1, finished(world.sta1))
    client = client_for(world.sta1_staff)
    html = page(client.post(f"/records/{record.id}/reject/", {"reason": " "}, follow=True))
    assert "请填写不予认定的原因" in html
    record.refresh_from_db()
    assert record.status == ServiceRecord.Status.PENDING
    client.post(f"/records/{record.id}/reject/", {"reason": "未到岗"})
    record.refresh_from_db()
    assert record.status == ServiceRecord.Status.REJECTED and "未到岗" in record.reason


def test_approve_selected_in_bulk(world, client_for):
    activity = finished(world.sta1)
    mine = [pending_line(world.vol1, activity), pending_line(world.vol1b, finished(world.sta1b))]
    elsewhere = pending_line(world.vol2, finished(world.sta2))
    client = client_for(world.sta1_staff)
    html = page(client.post("/records/approve/",
                            {"ids": [mine[0].id, mine[1].id, elsewhere.id]}, follow=True))
    assert "已认定 1 条" in html and "2 条未认定" in html
    statuses = dict(ServiceRecord.objects.values_list("id", "status"))
    assert statuses == {mine[0].id: "approved", mine[1].id: "pending", elsewhere.id: "pending"}


def test_approve_selected_with_nothing_selected_is_explained(world, client_for):
    html = page(client_for(world.sta1_staff).post("/records/approve/", {}, follow=True))
    assert "请先勾选要认定的记录" in html
    html = page(client_for(world.sta1_staff).post("/records/approve/", {"ids": ["x"]},
                                                  follow=True))
    assert "所选记录有误" in html


def test_an_approved_record_cannot_be_changed_through_the_pages(world, client_for):
    record = pending_line(world.vol1, finished(world.sta1))
    client = client_for(world.sta1_staff)
    client.post(f"/records/{record.id}/approve/")
    html = page(client.post(f"/records/{record.id}/reject/", {"reason": "改主意"}, follow=True))
    assert "该记录已审核，不能再更改" in html
    html = page(client.post(f"/records/{record.id}/approve/", follow=True))
    assert "该记录已审核，不能再更改" in html
    record.refresh_from_db()
    assert record.status == ServiceRecord.Status.APPROVED and "改主意" not in record.reason


def test_scope_on_every_decision(world, client_for):
    record = pending_line(world.vol1, finished(world.sta1))
    sibling = client_for(world.sta2_staff)
    assert sibling.post(f"/records/{record.id}/approve/").status_code == 404
    assert sibling.post(f"/records/{record.id}/reject/", {"reason": "x"}).status_code == 404
    record.refresh_from_db()
    assert record.status == ServiceRecord.Status.PENDING


def test_a_leader_of_another_team_cannot_approve(world, client_for):
    ours = team_create(by=world.sta1_staff, name="稻香园助老队", org=world.sta1, leader=world.vol1)
    team_create(by=world.sta1_staff, name="芙蓉里文艺队", org=world.sta1, leader=world.vol1b)
    record = pending_line(volunteer_at(world.sta1), finished(world.sta1, team=ours))
    other_leader = client_for(world.vol1b.user)
    assert other_leader.post(f"/records/{record.id}/approve/").status_code == 404
    assert f"record-{record.id}" not in page(other_leader.get("/records/pending/"))
    leader = client_for(world.vol1.user)
    assert f"record-{record.id}" in page(leader.get("/records/pending/"))
    leader.post(f"/records/{record.id}/approve/")
    record.refresh_from_db()
    assert record.status == ServiceRecord.Status.APPROVED


@pytest.mark.parametrize("persona", ["vol1", "res1", "outsider"])
def test_the_queue_is_for_staff_and_leaders(world, client_for, persona):
    user = getattr(world, persona)
    client = client_for(getattr(user, "user", user))
    assert client.get("/records/pending/").status_code == 403
    assert client.get("/records/pending/card/").status_code == 403


# ---- navigation and home cards ------------------------------------------------------------

def test_the_navigation_follows_the_role_and_counts_unread_messages(world, client_for):
    Notification.objects.create(user=world.vol1.user, title="候补成功")
    Notification.objects.create(user=world.vol1.user, title="已读", read_at=NOW())
    html = page(client_for(world.vol1.user).get("/"))
    assert "我的时长" in html and "时长审核" not in html
    assert '<span class="count"' in html and ">1</span>" in html
    html = page(client_for(world.sta1_staff).get("/"))
    assert "时长审核" in html and "我的时长" not in html and '<span class="count"' not in html


def test_the_home_cards(world, client_for):
    mine = make_activity(world.sta1, title="重阳节敬老")
    make_activity(world.sta1, title="垃圾分类宣传")
    enrol(world.vol1, mine)
    html = page(client_for(world.vol1.user).get("/activities/cards/upcoming/"))
    assert html.index("重阳节敬老") < html.index("还可以报名") < html.index("垃圾分类宣传")
    pending_line(world.vol1, finished(world.sta1))
    html = page(client_for(world.sta1_staff).get("/records/pending/card/"))
    assert "1 条记录等待认定" in html
    assert 'hx-get="/records/pending/card/"' in page(client_for(world.sta1_staff).get("/"))


# ---- lists cost the same number of queries however long they are --------------------------

def queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_list_pages_do_not_add_queries_per_row(world, client_for):
    def add_rows():
        activity = finished(world.sta1, leader=world.sta1_staff)
        enrol(world.vol1, activity)
        make_activity(world.sta1)
        pending_line(world.vol1, activity, needs_parent_approval=True)
        services.record_approve(by=world.inst1_staff, record=pending_line(
            world.vol1, finished(world.sta1)))
        pending_line(world.vol1b, finished(world.sta1b), kind="backfill")
        team_create(by=world.sta1_staff, name="稻香园助老队", org=world.sta1,
                    leader=volunteer_at(world.sta1))

    add_rows()
    staff, volunteer = client_for(world.inst1_staff), client_for(world.vol1.user)
    urls = [(staff, "/activities/"), (staff, "/records/pending/"), (volunteer, "/my/hours/"),
            (staff, "/teams/"), (staff, "/records/pending/card/"),
            (volunteer, "/activities/cards/upcoming/")]
    before = [queries(client, url) for client, url in urls]
    add_rows()
    assert [queries(client, url) for client, url in urls] == before


def test_staff_pick_the_node_and_team_by_search_not_from_a_select_of_every_one(
        world, client_for, django_assert_max_num_queries):
    """Issue 10: a district's 1,672 nodes and 678 teams were two <select>s (334 KB). The
    picker renders the search box; what is accepted is still the staff member's scope."""
    client = client_for(world.center_staff)
    for url in ("/activities/new/", "/projects/new/"):
        with django_assert_max_num_queries(12):
            html = page(client.get(url))
        assert 'name="org"' in html and "data-picker" in html
        assert f'<option value="{world.sta2.id}"' not in html
    outside = client_for(world.sta1_staff).post("/projects/new/", {
        "title": "邻站的项目", "org": world.sta2.id,
        "platform": Platform.objects.filter(is_active=True).first().id})
    assert outside.status_code == 200  # the form again, with the error
    assert "不在您的管辖范围内" in page(outside)
