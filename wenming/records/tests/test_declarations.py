"""个人申报: a volunteer declares hours with a photo and a note; the activity's leader or its
unit confirms (a `declaration` line through the ledger's write path, with the daily rules)
or rejects with a reason; the volunteer is told. Scope, bad input and the one-open rule."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from wenming.activities.models import Activity, Enrollment, ServiceRecord
from wenming.activities.services import record_write
from wenming.activities.tests.test_support import platform_of
from wenming.core.errors import Conflict, Forbidden
from wenming.inbox.models import Notification
from wenming.people.tests.factories import UserFactory
from wenming.records import services
from wenming.records.models import Declaration, DeclarationEvent

from .test_support import approved_line, png, yesterday

pytestmark = pytest.mark.django_db


def past_activity(world, *, org=None, leader=None, hours=3, days_ago=1, **fields) -> Activity:
    """An activity that took place `days_ago` days ago, vol1 signed up (test data)."""
    start = timezone.now() - datetime.timedelta(days=days_ago)
    activity = Activity.objects.create(
        title=fields.pop("title", "社区义诊活动"), platform=platform_of("health"),
        org=org or world.sta1, leader=leader, address="稻香园社区活动室", lat=39.981,
        lng=116.305, start=start, end=start + datetime.timedelta(hours=hours), quota=10,
        **fields)
    Enrollment.objects.create(activity=activity, volunteer=world.vol1, status="enrolled")
    return activity


def declare(world, activity=None, *, hours="2", **fields) -> Declaration:
    if activity is None:
        fields.setdefault("title", "为独居老人代购药品")
        fields.setdefault("place", "稻香园小区5号楼")
        fields.setdefault("service_date", timezone.localdate() - datetime.timedelta(days=2))
    return services.declaration_submit(by=world.vol1.user, volunteer=world.vol1,
                                       activity=activity, hours=Decimal(hours),
                                       note="现场手机没电，未能扫码签到", evidence=png(), **fields)


# ---- services ---------------------------------------------------------------------------

def test_the_station_confirms_and_an_approved_declaration_line_is_written(world):
    d = declare(world)
    assert (d.state, d.org) == ("submitted", world.sta1)
    d = services.declaration_confirm(by=world.sta1_staff, declaration=d, note="属实")
    line = ServiceRecord.objects.get(pk=d.record_id)
    assert (line.kind, line.status, line.hours, line.org) == (
        "declaration", "approved", Decimal("2"), world.sta1)
    assert [e.to_state for e in d.events.all()] == ["submitted", "confirmed"]
    told = Notification.objects.filter(user=world.vol1.user).latest("id")
    assert "已确认" in told.title and told.url == f"/declarations/{d.pk}/"


def test_the_activity_leader_confirms_for_their_activity(world):
    leader = world.vol1b.user
    activity = past_activity(world, leader=leader)
    d = declare(world, activity, hours="2.5")
    assert (d.title, d.org, d.service_date) == (activity.title, world.sta1,
                                               timezone.localdate(activity.start))
    assert Notification.objects.filter(user=leader, url=f"/declarations/{d.pk}/").exists()
    d = services.declaration_confirm(by=leader, declaration=d)
    assert d.record.activity_id == activity.pk and d.record.status == "approved"


def test_the_daily_maximum_holds_for_a_confirmed_declaration(world):
    day = timezone.localdate() - datetime.timedelta(days=2)
    record_write(volunteer=world.vol1, kind="backfill", org=world.sta1, title="助老",
                 service_date=day, hours=Decimal("11"), by=world.sta1_staff)  # pending counts
    d = declare(world, hours="3", service_date=day)
    d = services.declaration_confirm(by=world.sta1_staff, declaration=d)
    line = d.record
    assert line.hours == Decimal("1") and "上限" in line.reason
    assert line.needs_parent_approval and line.status == "pending"  # over the 8 h cap


def test_a_rejection_needs_a_reason_and_tells_the_volunteer(world):
    d = declare(world)
    with pytest.raises(Exception, match="理由"):
        services.declaration_reject(by=world.sta1_staff, declaration=d, note="")
    d = services.declaration_reject(by=world.sta1_staff, declaration=d, note="照片与地点不符")
    assert (d.state, d.record_id) == ("rejected", None)
    assert Notification.objects.filter(user=world.vol1.user, title__contains="未被确认").exists()
    assert not ServiceRecord.objects.filter(kind="declaration").exists()


@pytest.mark.parametrize("persona", ["sta2_staff", "inst2_staff", "vol1b", "res1"])
def test_only_the_unit_or_the_leader_decides(world, persona):
    d = declare(world)
    user = getattr(world, persona)
    with pytest.raises(Forbidden):
        services.declaration_confirm(by=getattr(user, "user", user), declaration=d)


def test_a_volunteer_cannot_confirm_their_own_even_as_staff(world):
    d = declare(world)
    with pytest.raises(Forbidden):
        services.declaration_confirm(by=world.vol1.user, declaration=d)


def test_one_open_declaration_per_activity_and_none_once_recorded(world):
    activity = past_activity(world)
    declare(world, activity)
    with pytest.raises(Conflict, match="等待确认"):
        declare(world, activity)
    other = past_activity(world, title="敬老院慰问")
    approved_line(world)  # unrelated line: does not block
    services.declaration_confirm(by=world.sta1_staff, declaration=declare(world, other))
    with pytest.raises(Conflict, match="已有本活动"):
        declare(world, other)


def test_a_declaration_for_a_future_or_cancelled_activity_is_refused(world):
    ahead = past_activity(world, days_ago=-2)
    with pytest.raises(Conflict):
        declare(world, ahead)
    gone = past_activity(world, status="cancelled")
    with pytest.raises(Conflict):
        declare(world, gone)
    assert not Declaration.objects.exists()


def test_a_second_confirmation_is_a_conflict_and_writes_no_second_line(world):
    d = declare(world)
    services.declaration_confirm(by=world.sta1_staff, declaration=d)
    with pytest.raises(Conflict):
        services.declaration_confirm(by=world.inst1_staff, declaration=d)
    assert ServiceRecord.objects.filter(kind="declaration").count() == 1


def test_the_volunteer_withdraws_an_open_one(world):
    d = services.declaration_withdraw(by=world.vol1.user, declaration=declare(world))
    assert d.state == "withdrawn"
    with pytest.raises(Conflict):
        services.declaration_withdraw(by=world.vol1.user, declaration=d)


# ---- API ----------------------------------------------------------------------------------

def _form(**fields):
    body = {"title": "为独居老人代购药品", "place": "稻香园小区5号楼", "service_date": yesterday(),
            "hours": "2", "note": "现场手机没电，未能扫码签到", "evidence": png()}
    body.update(fields)
    return {k: v for k, v in body.items() if v is not None}


def test_the_api_declares_with_a_photo_and_the_station_confirms(world, client_for):
    r = client_for(world.vol1.user).post("/api/declarations", _form())
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["state"] == "submitted" and body["allowed_moves"] == ["withdraw"]
    staff = client_for(world.sta1_staff)
    assert staff.get(f"/api/declarations/{body['id']}").json()["allowed_moves"] == [
        "confirm", "reject"]
    assert staff.get(body["evidence"]).status_code == 200
    done = staff.post(f"/api/declarations/{body['id']}/confirm", {"note": "属实"},
                      content_type="application/json")
    assert done.status_code == 200 and done.json()["record_state"] == "approved"
    assert staff.get("/api/declarations?state=confirmed").json()["count"] == 1


def test_the_api_declares_for_an_activity(world, client_for):
    activity = past_activity(world)
    r = client_for(world.vol1.user).post("/api/declarations", _form(
        activity_id=activity.pk, title=None, place=None, service_date=None))
    assert r.status_code == 201, r.content
    assert r.json()["activity_id"] == activity.pk


def test_a_sibling_station_gets_404_on_the_declaration_its_photo_and_moves(world, client_for):
    d = declare(world)
    name = d.evidence.name.rsplit("/", 1)[-1]
    for user in (world.sta2_staff, world.inst2_staff, world.vol2.user, world.res1.user,
                 world.outsider):
        c = client_for(user)
        assert c.get(f"/api/declarations/{d.pk}").status_code == 404
        assert c.get(f"/declarations/{d.pk}/").status_code == 404
        assert c.get(f"/declarations/{d.pk}/evidence/{name}").status_code == 404
        assert c.post(f"/api/declarations/{d.pk}/confirm", {},
                      content_type="application/json").status_code == 404
        assert c.post(f"/declarations/{d.pk}/confirm/").status_code == 404
        assert c.get("/api/declarations?state=submitted").json()["count"] == 0
    assert Declaration.objects.get().state == "submitted"
    assert client_for(world.vol1.user).get(f"/declarations/{d.pk}/evidence/x.png").status_code \
        == 404


def test_someone_elses_activity_is_404_for_a_declaration(world, client_for):
    from wenming.activities.tests.test_support import other_district

    _staff, volunteer = other_district()
    elsewhere = Activity.objects.create(
        title="望京活动", platform=platform_of("health"), org=volunteer.station,
        address="望京", lat=39.99, lng=116.47, start=timezone.now() - datetime.timedelta(days=1),
        end=timezone.now() - datetime.timedelta(hours=20), quota=5)
    r = client_for(world.vol1.user).post("/api/declarations", _form(activity_id=elsewhere.pk))
    assert r.status_code == 404
    assert not Declaration.objects.exists()


@pytest.mark.parametrize("field, value", [
    ("hours", "0"), ("hours", "-2"), ("hours", "25"), ("hours", "1.234"), ("hours", "abc"),
    ("note", "短"), ("note", ""), ("service_date", "2999-01-01"), ("service_date", "2020-01-01"),
    ("service_date", "not-a-date"), ("title", "x"), ("place", ""), ("activity_id", "0"),
    ("activity_id", "99999999999999999999"), ("evidence", None), ("evidence", "text")])
def test_bad_input_is_4xx_and_writes_nothing(world, client_for, field, value):
    from django.core.files.uploadedfile import SimpleUploadedFile

    if value == "text":
        value = SimpleUploadedFile("a.png", b"<html>not an image</html>", "image/png")
    r = client_for(world.vol1.user).post("/api/declarations", _form(**{field: value}))
    assert 400 <= r.status_code < 500, (field, value, r.status_code)
    assert not Declaration.objects.exists()
    assert not DeclarationEvent.objects.exists()


def test_a_staff_member_without_a_volunteer_profile_cannot_declare(world, client_for):
    r = client_for(world.sta1_staff).post("/api/declarations", _form())
    assert r.status_code == 403
    assert client_for(UserFactory()).post("/api/declarations", _form()).status_code == 403


# ---- pages --------------------------------------------------------------------------------

def test_the_volunteer_declares_on_the_page_and_staff_confirm_there(world, client_for):
    activity = past_activity(world)
    vol = client_for(world.vol1.user)
    page = vol.get("/declarations/new/")
    assert page.status_code == 200 and activity.title in page.content.decode()
    r = vol.post("/declarations/new/", {"activity": activity.pk, "hours": "2",
                                        "note": "现场手机没电，未能扫码签到", "evidence": png()})
    assert r.status_code == 302, r.content.decode()[:2000]
    d = Declaration.objects.get()
    staff = client_for(world.sta1_staff)
    queue = staff.get("/declarations/").content.decode()
    assert f"/declarations/{d.pk}/" in queue
    staff.post(f"/declarations/{d.pk}/confirm/", {"note": ""})
    d.refresh_from_db()
    assert d.state == "confirmed" and d.record.status == "approved"
    assert "已确认" in vol.get(f"/declarations/{d.pk}/").content.decode()


def test_a_bad_page_form_shows_errors_and_writes_nothing(world, client_for):
    vol = client_for(world.vol1.user)
    r = vol.post("/declarations/new/", {"hours": "2", "note": "现场手机没电", "title": "代购药品",
                                        "place": "5号楼", "service_date": yesterday()})
    assert r.status_code == 400  # no photo
    r = vol.post("/declarations/new/", {"hours": "2", "note": "现场手机没电，未能扫码",
                                        "evidence": png()})  # no activity and no title/date
    assert r.status_code == 400 and "服务" in r.content.decode()
    assert not Declaration.objects.exists()


def test_a_reject_without_a_reason_on_the_page_changes_nothing(world, client_for):
    d = declare(world)
    client_for(world.sta1_staff).post(f"/declarations/{d.pk}/reject/", {"note": ""})
    d.refresh_from_db()
    assert d.state == "submitted"
