"""Publishing, editing and listing activities; bad input on every write endpoint is a 4xx in
the contract's shape and writes nothing; list endpoints run a fixed number of queries."""

import datetime
import json

import pytest
from django.db.models import Model

from wenming.activities import services
from wenming.activities.models import (
    Activity,
    Attendance,
    Enrollment,
    Project,
    ServiceRecord,
)
from wenming.activities.tests.test_support import (
    Clock,
    activity_body,
    patch,
    pending_record,
    platform_of,
    post,
    publish,
    tomorrow,
)
from wenming.core.tests.helpers import assert_chinese_error, assert_error
from wenming.inbox.models import Notification
from wenming.orgs.services import org_create
from wenming.people.tests.factories import volunteer_at
from wenming.teams import services as team_services

pytestmark = pytest.mark.django_db


def create(client, org, **fields):
    return post(client, "/api/activities", activity_body(org, **fields))


# ---- publish -----------------------------------------------------------------------------

def test_staff_publish_an_activity_with_the_contract_fields(world, client_for):
    response = create(client_for(world.sta1_staff), world.sta1, required_tags=["veteran"],
                      required_skills=["急救"], min_age=18, content="向居民讲解垃圾分类")
    assert response.status_code == 201, response.content
    body = response.json()
    activity = Activity.objects.get(pk=body["id"])
    assert (body["title"], body["platform"], body["org_id"], body["quota"], body["radius_m"]) \
        == ("垃圾分类宣传", "culture", world.sta1.id, 10, 300)
    assert body["start"] == tomorrow(9).isoformat()  # Asia/Shanghai offset
    assert (body["required_tags"], body["required_skills"], body["min_age"]) == (
        ["veteran"], ["急救"], 18)
    assert activity.leader == world.sta1_staff and activity.created_by == world.sta1_staff
    assert body["status"] == "published"


def test_an_activity_at_a_point_is_organised_by_its_station(world, client_for):
    point = org_create(kind="point", name="稻香园文化广场", parent=world.sta1, lat=39.98,
                       lng=116.30)
    response = create(client_for(world.sta1_staff), point)
    assert response.status_code == 201
    assert response.json()["org_id"] == world.sta1.id


def test_a_team_leader_publishes_for_their_team_at_its_node_only(world, client_for):
    leader = volunteer_at(world.sta1, "leader")
    team = team_services.team_create(by=world.sta1_staff, name="稻香园助老队", org=world.sta1,
                                     leader=leader)
    client = client_for(leader.user)
    response = create(client, world.sta1, team_id=team.id)
    assert response.status_code == 201, response.content
    assert response.json()["team_id"] == team.id
    assert_chinese_error(create(client, world.sta1), 403, "forbidden")  # not for the station
    assert_chinese_error(create(client, world.inst1, team_id=team.id), 403, "forbidden")
    assert Activity.objects.count() == 1


def test_volunteers_residents_and_sibling_staff_cannot_publish(world, client_for):
    assert_chinese_error(create(client_for(world.vol1.user), world.sta1), 403, "forbidden")
    assert_chinese_error(create(client_for(world.res1.user), world.sta1), 403, "forbidden")
    assert_chinese_error(create(client_for(world.sta2_staff), world.sta1), 404, "not_found")
    assert_chinese_error(create(client_for(world.inst2_staff), world.sta1b), 404, "not_found")
    assert_chinese_error(create(client_for(world.outsider), world.sta1), 404, "not_found")
    assert not Activity.objects.exists()


def test_a_project_of_another_node_is_refused(world, client_for):
    project = Project.objects.create(title="石油大院助老", platform=platform_of("health"),
                                     org=world.sta2)
    response = create(client_for(world.sta1_staff), world.sta1, project_id=project.id)
    assert_chinese_error(response, 422, "invalid_project")
    own = services.project_create(by=world.center_staff, title="海淀助老品牌",
                                  platform=platform_of("health"), org=world.center,
                                  is_brand=True)
    response = create(client_for(world.sta1_staff), world.sta1, project_id=own.id)
    assert_chinese_error(response, 409, "project_not_open")  # still a proposal
    Project.objects.filter(pk=own.pk).update(state="recruiting")
    response = create(client_for(world.sta1_staff), world.sta1, project_id=own.id)
    assert response.status_code == 201  # a district project runs at its stations
    assert response.json()["project_id"] == own.id


# ---- bad input writes nothing ----------------------------------------------------------

TOMORROW = tomorrow(9)


def iso(dt: datetime.datetime) -> str:
    return dt.isoformat()


BAD_PUBLISH = [
    ("missing title", {"title": None}, 422, "invalid_input"),
    ("missing start", {"start": None}, 422, "invalid_input"),
    ("missing quota", {"quota": None}, 422, "invalid_input"),
    ("missing org", {"org_id": None}, 422, "invalid_input"),
    ("unknown field", {"colour": "red"}, 422, "invalid_input"),
    ("status smuggled in", {"status": "cancelled"}, 422, "invalid_input"),
    ("huge title", {"title": "长" * 101}, 422, "invalid_input"),
    ("huge content", {"content": "长" * 5001}, 422, "invalid_input"),
    ("huge address", {"address": "长" * 201}, 422, "invalid_input"),
    ("blank title", {"title": "   "}, 422, "invalid_title"),
    ("blank address", {"address": " "}, 422, "invalid_address"),
    ("ended already", {"start": iso(TOMORROW - datetime.timedelta(days=3)),
                       "end": iso(TOMORROW - datetime.timedelta(days=2, hours=22))}, 422,
     "invalid_time"),
    ("end before start", {"end": iso(TOMORROW - datetime.timedelta(hours=1))}, 422,
     "invalid_time"),
    ("end equals start", {"end": iso(TOMORROW)}, 422, "invalid_time"),
    ("longer than a week", {"end": iso(TOMORROW + datetime.timedelta(days=8))}, 422,
     "invalid_time"),
    ("naive datetimes", {"start": "2030-05-01T09:00:00", "end": "2030-05-01T11:00:00"}, 422,
     "invalid_time"),
    ("not a datetime", {"start": "明天上午"}, 422, "invalid_input"),
    ("quota 0", {"quota": 0}, 422, "invalid_quota"),
    ("negative quota", {"quota": -3}, 422, "invalid_input"),
    ("quota too big", {"quota": 10001}, 422, "invalid_quota"),
    ("quota not a number", {"quota": "十"}, 422, "invalid_input"),
    ("radius too small", {"radius_m": 19}, 422, "invalid_radius"),
    ("radius too big", {"radius_m": 5001}, 422, "invalid_radius"),
    ("radius negative", {"radius_m": -1}, 422, "invalid_input"),
    ("unknown platform", {"platform": "sports"}, 404, "unknown_platform"),
    ("outside China", {"lat": 48.85, "lng": 2.35}, 422, "invalid_location"),
    ("null island", {"lat": 0, "lng": 0}, 422, "invalid_location"),
    ("latitude off the globe", {"lat": 91}, 422, "invalid_input"),
    ("unknown tag", {"required_tags": ["astronaut"]}, 422, "invalid_tag"),
    ("too many skills", {"required_skills": [f"技能{i}" for i in range(21)]}, 422,
     "invalid_input"),
    ("a skill too long", {"required_skills": ["长" * 31]}, 422, "invalid_requirements"),
    ("min age too high", {"min_age": 120}, 422, "invalid_min_age"),
    ("unknown org", {"org_id": 999999}, 404, "not_found"),
    ("unknown project", {"project_id": 999999}, 404, "unknown_project"),
    ("unknown team", {"team_id": 999999}, 404, "not_found"),
]


def counts() -> tuple:
    models: list[type[Model]] = [Activity, Enrollment, Attendance, ServiceRecord, Notification]
    return tuple(m.objects.count() for m in models)


@pytest.mark.parametrize("case,fields,status,code", BAD_PUBLISH, ids=[c[0] for c in BAD_PUBLISH])
def test_bad_input_to_publish_is_refused(world, client_for, case, fields, status, code):
    body = {k: v for k, v in activity_body(world.sta1, **fields).items() if v is not None}
    response = post(client_for(world.sta1_staff), "/api/activities", body)
    assert_chinese_error(response, status, code)
    assert not Activity.objects.exists()


@pytest.mark.parametrize("raw,status", [("not json", 400), ("[1, 2]", 422), ('"text"', 422),
                                        ("{}", 422), ("null", 422)])
def test_a_body_that_is_not_an_object_is_refused(world, client_for, raw, status):
    response = post(client_for(world.sta1_staff), "/api/activities", raw)
    assert_error(response, status)
    assert not Activity.objects.exists()


def test_an_oversized_body_is_refused(world, client_for):
    response = create(client_for(world.sta1_staff), world.sta1, content="长" * 2_000_000)
    assert_error(response, 413, "request_too_large")
    assert not Activity.objects.exists()


BAD_PATCH = [
    ("null title", {"title": None}, "invalid_input"),
    ("null latitude", {"lat": None}, "invalid_input"),
    ("null start", {"start": None}, "invalid_input"),
    ("null quota", {"quota": None}, "invalid_input"),
    ("null radius", {"radius_m": None}, "invalid_input"),
    ("unknown field", {"org_id": 1}, "invalid_input"),
    ("status smuggled in", {"status": "cancelled"}, "invalid_input"),
    ("huge title", {"title": "长" * 101}, "invalid_input"),
    ("end before start", {"end": iso(TOMORROW - datetime.timedelta(minutes=1))}, "invalid_time"),
    ("naive start", {"start": "2030-05-01T09:00:00"}, "invalid_time"),
    ("quota 0", {"quota": 0}, "invalid_quota"),
    ("radius out of range", {"radius_m": 10}, "invalid_radius"),
    ("outside China", {"lat": 1.29, "lng": 103.85}, "invalid_location"),
    ("negative people served", {"people_served": -5}, "invalid_input"),
    ("unknown tag", {"required_tags": ["astronaut"]}, "invalid_tag"),
]


@pytest.mark.parametrize("case,fields,code", BAD_PATCH, ids=[c[0] for c in BAD_PATCH])
def test_bad_input_to_edit_is_refused_and_changes_nothing(world, client_for, case, fields, code):
    activity = publish(world.sta1_staff, world.sta1, start=TOMORROW)
    before = Activity.objects.filter(pk=activity.pk).values().get()
    response = patch(client_for(world.sta1_staff), f"/api/activities/{activity.id}", fields)
    assert_chinese_error(response, 422, code)
    assert Activity.objects.filter(pk=activity.pk).values().get() == before


def test_an_organiser_edits_an_activity(world, client_for):
    activity = publish(world.sta1_staff, world.sta1, start=TOMORROW)
    new_start = TOMORROW + datetime.timedelta(hours=1)
    response = patch(client_for(world.sta1_staff), f"/api/activities/{activity.id}",
                     {"title": "义诊（改期）", "start": iso(new_start), "min_age": None,
                      "people_served": 40})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["title"], body["start"], body["people_served"]) == (
        "义诊（改期）", iso(new_start), 40)


@pytest.mark.parametrize("persona,status", [("vol1", 403), ("res1", 403), ("sta2_staff", 404),
                                            ("inst2_staff", 404), ("outsider", 404)])
def test_others_cannot_edit(world, client_for, persona, status):
    activity = publish(world.sta1_staff, world.sta1, start=TOMORROW)
    user = getattr(world, persona)
    response = patch(client_for(getattr(user, "user", user)), f"/api/activities/{activity.id}",
                     {"title": "被改掉的名字"})
    assert_chinese_error(response, status)
    activity.refresh_from_db()
    assert activity.title == "社区义诊活动"


@pytest.fixture
def live(world, monkeypatch):
    """An activity under way with vol1 checked in, and one of vol1's lines pending."""
    clock = Clock(monkeypatch)
    activity = publish(world.sta1_staff, world.sta1, start=tomorrow(9))
    services.enrollment_create(volunteer=world.vol1, activity=activity)
    clock.set(activity.start)
    return activity, pending_record(world.vol1, world.sta1, 2)


def bad_writes(activity, record, vol):
    a, r = f"/api/activities/{activity.id}", f"/api/records/{record.id}"
    return [
        ("post", f"{a}/checkin", {"qr_token": "x" * 301}),
        ("post", f"{a}/checkin", {"lat": "北纬", "lng": 116.3}),
        ("post", f"{a}/checkin", {"lat": 39.98, "lng": 116.3, "accuracy": 5}),
        ("post", f"{a}/checkout", {"lat": 95, "lng": 116.3}),
        ("post", f"{a}/checkout", [39.98, 116.3]),
        ("post", f"{a}/cancel", {}),
        ("post", f"{a}/cancel", {"reason": "长" * 1001}),
        ("post", f"{a}/backfill", {"volunteer_id": vol.id, "hours": "2"}),
        ("post", f"{a}/backfill", {"volunteer_id": vol.id, "hours": "两小时", "reason": "补"}),
        ("post", f"{a}/backfill", {"volunteer_id": vol.id, "hours": "1.234", "reason": "补"}),
        ("post", f"{a}/backfill", {"volunteer_id": vol.id, "hours": "NaN", "reason": "补"}),
        ("post", f"{a}/backfill", {"volunteer_id": "张三", "hours": "1", "reason": "补"}),
        ("post", f"{r}/reject", {}),
        ("post", f"{r}/reject", {"reason": "长" * 1001}),
        ("post", f"{r}/reject", {"reason": "不认", "hours": 0}),
        ("post", f"{r}/reverse", {"reasons": "冲正"}),
    ]


def test_bad_input_to_attendance_and_ledger_writes_is_refused(world, live, client_for):
    activity, record = live
    staff, vol = client_for(world.sta1_staff), client_for(world.vol1.user)
    before = counts()
    for method, url, body in bad_writes(activity, record, world.vol1):
        client = vol if url.endswith(("checkin", "checkout")) else staff
        response = getattr(client, method)(url, json.dumps(body), content_type="application/json")
        assert_chinese_error(response, 422)
    assert counts() == before
    assert ServiceRecord.objects.get(pk=record.pk).status == "pending"
    assert Activity.objects.get(pk=activity.pk).status == "published"


# ---- the list ----------------------------------------------------------------------------

def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] >= len(body["items"])
    return [item["id"] for item in body["items"]]


def test_the_list_filters_by_node_platform_period_and_text(world, client_for):
    a = publish(world.sta1_staff, world.sta1, start=tomorrow(9), title="社区义诊活动")
    b = publish(world.inst1_staff, world.sta1b, start=tomorrow(9, days=3), platform="culture",
                title="书法展览")
    c = publish(world.sta2_staff, world.sta2, start=tomorrow(9, days=5), title="社区理论宣讲",
                platform="theory")
    client = client_for(world.center_staff)
    assert ids(client.get("/api/activities")) == [a.id, b.id, c.id]
    assert ids(client.get(f"/api/activities?org={world.inst1.id}")) == [a.id, b.id]
    assert ids(client.get("/api/activities?platform=culture")) == [b.id]
    frm, to = tomorrow(0, days=2).isoformat(), tomorrow(0, days=4).isoformat()
    assert ids(client.get("/api/activities", {"from": frm, "to": to})) == [b.id]
    assert ids(client.get("/api/activities", {"q": "社区"})) == [a.id, c.id]
    page = client.get("/api/activities?page=2&page_size=2").json()
    assert (page["count"], [i["id"] for i in page["items"]]) == (3, [c.id])


def test_near_me_sorts_by_distance_within_the_radius(world, client_for):
    near = publish(world.sta1_staff, world.sta1, start=tomorrow(9), lat=39.982, lng=116.306)
    nearer = publish(world.sta1_staff, world.sta1, start=tomorrow(10), lat=39.981, lng=116.305)
    publish(world.sta1_staff, world.sta1, start=tomorrow(11), lat=40.2, lng=116.3)  # 24 km
    response = client_for(world.vol1.user).get(
        "/api/activities", {"lat": 39.981, "lng": 116.305, "radius_km": 3})
    assert ids(response) == [nearer.id, near.id]
    distances = [item["distance_km"] for item in response.json()["items"]]
    assert distances[0] == 0 and 0.1 < distances[1] < 0.2


def test_upcoming_leaves_out_past_and_cancelled_activities(world, client_for, monkeypatch):
    clock = Clock(monkeypatch)
    past = publish(world.sta1_staff, world.sta1, start=tomorrow(9))
    cancelled = publish(world.sta1_staff, world.sta1, start=tomorrow(15))
    services.activity_cancel(by=world.sta1_staff, activity=cancelled, reason="天气")
    later = publish(world.sta1_staff, world.sta1, start=tomorrow(16))
    clock.set(tomorrow(13))
    client = client_for(world.sta1_staff)
    assert ids(client.get("/api/activities?upcoming=true")) == [later.id]
    assert set(ids(client.get("/api/activities"))) == {past.id, cancelled.id, later.id}


@pytest.mark.parametrize("query", ["page=0", "page_size=201", "radius_km=0", "radius_km=101",
                                   "lat=91&lng=116", "from=someday", "org=abc",
                                   f"q={'长' * 51}"])
def test_bad_list_queries_are_refused(world, client_for, query):
    assert_chinese_error(client_for(world.sta1_staff).get(f"/api/activities?{query}"), 422)


# ---- query counts ------------------------------------------------------------------------

def grow(world, n: int) -> None:
    leader = volunteer_at(world.sta1)
    team = team_services.team_create(by=world.sta1_staff, name=f"队伍{n}", org=world.sta1,
                                     leader=leader)
    for i in range(n):
        activity = publish(world.sta1_staff, world.sta1, start=tomorrow(8 + i % 12), team=team,
                           leader=leader.user)
        record = pending_record(world.vol1, world.sta1, 1, activity=activity)
        if i % 2:
            services.record_reverse(
                by=world.sta1_staff, reason="冲正",
                record=services.record_approve(by=world.sta1_staff, record=record))


# session, user, roles, led teams, the page, the count (a distance sort needs no count)
@pytest.mark.parametrize("persona,url,queries", [
    ("sta1_staff", "/api/activities", 6),
    ("sta1_staff", "/api/activities?lat=39.98&lng=116.3&radius_km=5", 5),
    ("vol1", "/api/activities", 6),
    # Ledger lists: the page, whether its lines were reversed (a second query, not a
    # self-join: issue 10), a count that stops at 10,000.
    # The ledger's lists read the caller's scope in parts, each on its own index (subtree,
    # own lines, led activities: a page and the ids for the count each) — issue 10.
    ("sta1_staff", "/api/records", 12),
    ("vol1", "/api/records", 10),
    ("sta1_staff", "/api/records?status=reversed", 12),
    ("vol1", "/api/volunteers/{vol1}/records", 7),
])
def test_list_queries_do_not_grow_with_the_rows(world, client_for, django_assert_num_queries,
                                                persona, url, queries):
    user = getattr(world, persona)
    client = client_for(getattr(user, "user", user))
    for rows in (2, 5):  # two rows: a reversed one shows even at the first size
        grow(world, rows)
        with django_assert_num_queries(queries):
            response = client.get(url.format(vol1=world.vol1.id))
        assert response.status_code == 200
        assert len(response.json()["items"]) >= (rows // 2 if "reversed" in url else rows)


def test_the_organiser_marks_an_activity_as_training(world, client_for):
    client = client_for(world.sta1_staff)
    body = create(client, world.sta1, is_training=True).json()
    assert body["is_training"] is True
    response = patch(client, f"/api/activities/{body['id']}", {"is_training": False})
    assert response.status_code == 200, response.content
    assert Activity.objects.get(pk=body["id"]).is_training is False
    assert create(client, world.sta1).json()["is_training"] is False


@pytest.mark.parametrize("persona,url", [
    ("sta1_staff", "/api/records"), ("vol1", "/api/records"), ("inst1_staff", "/api/records"),
    ("sta1_staff", "/api/records?status=pending"), ("vol1", "/api/volunteers/{vol1}/records"),
    ("vol1", "/my/hours/"), ("inst1_staff", "/records/pending/")])
def test_ledger_reads_do_not_join_the_ledger_to_itself_or_to_people(world, client_for,
                                                                      persona, url):
    """Issue 10: on SQLite at district size a self-join (`select_related("reversed_by")`)
    or an OR across joined tables (`volunteer__user`, `org__path`) made the planner scan
    the million-line ledger. Each ledger query names the table once; its scope filters
    the ledger's own indexed columns."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    grow(world, 3)
    user = getattr(world, persona)
    with CaptureQueriesContext(connection) as got:
        r = client_for(getattr(user, "user", user)).get(url.format(vol1=world.vol1.id))
    assert r.status_code == 200
    ledger = [q["sql"] for q in got.captured_queries if "activities_servicerecord" in q["sql"]]
    assert ledger
    for sql in ledger:
        assert 'JOIN "activities_servicerecord"' not in sql, sql  # no self-join
        # The scope: no OR over a joined table's column (the old `org__path`,
        # `activity__leader`, `volunteer__user` terms); subqueries select ids instead.
        for joined in ('"orgs_orgnode"."path" LIKE', '"activities_activity"."leader_id" =',
                       'OR "people_volunteer"."user_id"', '("people_volunteer"."user_id" = '
                       f'{getattr(user, "user", user).pk} OR'):
            assert joined not in sql, (joined, sql)


def test_a_long_ledger_counts_to_ten_thousand_at_most(world, client_for, monkeypatch):
    from wenming.activities import api

    monkeypatch.setattr(api, "COUNT_CAP", 3)
    grow(world, 5)
    body = client_for(world.sta1_staff).get("/api/records").json()
    assert (body["count"], body["count_capped"]) == (3, True)
    monkeypatch.setattr(api, "COUNT_CAP", 10_000)
    body = client_for(world.sta1_staff).get("/api/records").json()
    assert body["count_capped"] is False and body["count"] >= 5
