"""重复活动: the rule's dates (weekly and monthly, skipped dates, until or count, bounded),
the occurrences published as ordinary activities in one transaction, and changing or
cancelling the remaining ones; scope, bad input, parity of the series' moves."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from wenming.activities import recurrence, services
from wenming.activities.models import Activity, ActivitySeries, Attendance
from wenming.activities.recurrence import Rule, occurrence_dates
from wenming.core.errors import Conflict, Forbidden

from .test_support import activity_body, platform_of, post, tomorrow

pytestmark = pytest.mark.django_db
D = datetime.date
MON, WED, SAT = 0, 2, 5


# ---- the rule ---------------------------------------------------------------------------

def test_weekly_dates_with_a_skipped_one():
    dates = occurrence_dates(D(2027, 3, 1), Rule(freq="weekly", weekdays=(MON, WED),
                                                 until=D(2027, 3, 17),
                                                 skipped=(D(2027, 3, 8),)))
    assert dates == [D(2027, 3, 1), D(2027, 3, 3), D(2027, 3, 10), D(2027, 3, 15),
                     D(2027, 3, 17)]


def test_a_count_counts_the_occurrences_that_take_place():
    dates = occurrence_dates(D(2027, 3, 2), Rule(freq="weekly", weekdays=(SAT,), count=3,
                                                 skipped=(D(2027, 3, 6),)))
    assert dates == [D(2027, 3, 13), D(2027, 3, 20), D(2027, 3, 27)]


def test_monthly_passes_over_a_month_without_the_day():
    dates = occurrence_dates(D(2027, 1, 31), Rule(freq="monthly", month_day=31, count=3))
    assert dates == [D(2027, 1, 31), D(2027, 3, 31), D(2027, 5, 31)]


@pytest.mark.parametrize("rule", [
    Rule(freq="daily", count=3),
    Rule(freq="weekly", weekdays=(), count=3),
    Rule(freq="weekly", weekdays=(7,), count=3),
    Rule(freq="monthly", month_day=0, count=3),
    Rule(freq="monthly", month_day=32, count=3),
    Rule(freq="weekly", weekdays=(MON,)),  # neither until nor count
    Rule(freq="weekly", weekdays=(MON,), count=3, until=D(2027, 4, 1)),  # both
    Rule(freq="weekly", weekdays=(MON,), count=101),
    Rule(freq="weekly", weekdays=(MON,), count=0),
    Rule(freq="weekly", weekdays=(MON,), until=D(2028, 3, 10)),  # over a year
    Rule(freq="weekly", weekdays=(MON,), until=D(2027, 2, 1)),  # before the first
    Rule(freq="weekly", weekdays=tuple(range(7)), until=D(2027, 9, 1)),  # > 100
])
def test_a_bad_or_unbounded_rule_is_refused(rule):
    with pytest.raises(ValidationError):
        occurrence_dates(D(2027, 3, 2), rule)


def test_the_first_date_need_not_match_the_rule():
    # 2027-03-02 is a Tuesday: a Monday series starting then begins the next Monday.
    assert occurrence_dates(D(2027, 3, 2), Rule(freq="weekly", weekdays=(MON,), count=1)) == [
        D(2027, 3, 8)]


def test_a_rule_with_every_date_skipped_is_refused():
    with pytest.raises(ValidationError, match="没有任何"):
        occurrence_dates(D(2027, 3, 1), Rule(freq="weekly", weekdays=(MON,),
                                             until=D(2027, 3, 7), skipped=(D(2027, 3, 1),)))


# ---- publishing ---------------------------------------------------------------------------

def weekly(world, *, by=None, count=4, **fields):
    start = tomorrow(9)
    return recurrence.series_publish(
        by=by or world.sta1_staff, rule=Rule(freq="weekly", weekdays=(start.weekday(),),
                                             count=count),
        org=world.sta1, platform=platform_of("health"), title="每周义诊", address="稻香园社区",
        lat=39.981, lng=116.305, quota=10, start=start, end=start + datetime.timedelta(hours=2),
        **fields)


def test_each_occurrence_is_an_ordinary_activity_at_the_same_wall_clock_time(world):
    series = weekly(world, signup_deadline=tomorrow(9) - datetime.timedelta(hours=12))
    occurrences = list(series.occurrences.order_by("start"))
    assert len(occurrences) == 4
    for n, a in enumerate(occurrences):
        local = timezone.localtime(a.start)
        assert (local.hour, local.minute) == (9, 0)
        assert local.date() == tomorrow(9).date() + datetime.timedelta(weeks=n)
        assert a.end - a.start == datetime.timedelta(hours=2)
        assert a.start - a.signup_deadline == datetime.timedelta(hours=12)
        assert (a.title, a.org, a.leader) == ("每周义诊", world.sta1, world.sta1_staff)


def test_publishing_is_all_or_nothing(world):
    with pytest.raises(Forbidden):
        weekly(world, by=world.sta2_staff)
    with pytest.raises(ValidationError):
        weekly(world, required_tags=["no-such-tag"])
    assert not Activity.objects.exists() and not ActivitySeries.objects.exists()


def test_the_remaining_occurrences_change_together(world):
    series = weekly(world)
    first, second, *_rest = series.occurrences.order_by("start")
    changed = recurrence.series_update_from(
        by=world.sta1_staff, series=series, from_activity=second,
        changes={"title": "每周义诊（新址）", "address": "稻香园社区卫生站", "quota": 20,
                 "start_time": datetime.time(14, 0), "end_time": datetime.time(16, 30)})
    assert len(changed) == 3
    first.refresh_from_db()
    assert first.title == "每周义诊" and timezone.localtime(first.start).hour == 9
    for a in series.occurrences.exclude(pk=first.pk):
        local_start, local_end = timezone.localtime(a.start), timezone.localtime(a.end)
        assert (a.title, a.quota, local_start.hour, local_end.hour, local_end.minute) == (
            "每周义诊（新址）", 20, 14, 16, 30)
        assert local_start.date() == timezone.localtime(a.start).date()


def test_one_bad_occurrence_refuses_the_whole_change(world):
    series = weekly(world)
    last = series.occurrences.order_by("start").last()
    from wenming.people.tests.factories import volunteer_at

    for _n in range(3):
        services.enrollment_create(volunteer=volunteer_at(world.sta1), activity=last)
    first = series.occurrences.order_by("start").first()
    with pytest.raises(Conflict):
        recurrence.series_update_from(by=world.sta1_staff, series=series, from_activity=first,
                                      changes={"quota": 2})
    assert set(series.occurrences.values_list("quota", flat=True)) == {10}
    with pytest.raises(ValidationError):
        recurrence.series_update_from(by=world.sta1_staff, series=series, from_activity=first,
                                      changes={"start_time": datetime.time(17),
                                               "end_time": datetime.time(16)})


def test_cancel_one_occurrence_or_the_rest(world, monkeypatch):
    series = weekly(world)
    first, second, third, fourth = series.occurrences.order_by("start")
    services.activity_cancel(by=world.sta1_staff, activity=first, reason="场地维修")
    done = recurrence.series_cancel_from(by=world.sta1_staff, series=series,
                                         from_activity=third, reason="项目调整")
    assert [a.pk for a in done] == [third.pk, fourth.pk]
    assert dict(series.occurrences.values_list("pk", "status")) == {
        first.pk: "cancelled", second.pk: "published", third.pk: "cancelled",
        fourth.pk: "cancelled"}
    with pytest.raises(Conflict):
        recurrence.series_cancel_from(by=world.sta1_staff, series=series, from_activity=third,
                                      reason="再取消")


def test_an_occurrence_someone_checked_in_to_refuses_the_cancellation(world):
    series = weekly(world)
    first = series.occurrences.order_by("start").first()
    from wenming.people.tests.factories import volunteer_at

    Attendance.objects.create(activity=series.occurrences.order_by("start")[1],
                              volunteer=volunteer_at(world.sta1), checkin_at=timezone.now(),
                              checkin_method="qr")
    with pytest.raises(Conflict, match="不能取消"):
        recurrence.series_cancel_from(by=world.sta1_staff, series=series, from_activity=first,
                                      reason="项目调整")
    assert set(series.occurrences.values_list("status", flat=True)) == {"published"}


def test_only_organisers_change_or_cancel_the_rest(world):
    series = weekly(world)
    first = series.occurrences.order_by("start").first()
    for user in (world.sta2_staff, world.vol1.user, world.inst2_staff):
        with pytest.raises(Forbidden):
            recurrence.series_cancel_from(by=user, series=series, from_activity=first,
                                          reason="x")
        with pytest.raises(Forbidden):
            recurrence.series_update_from(by=user, series=series, from_activity=first,
                                          changes={"quota": 5})


# ---- API ----------------------------------------------------------------------------------

def _series_body(world, **repeat):
    start = tomorrow(9)
    return activity_body(world.sta1, title="每周读书会") | {"repeat": {
        "freq": "weekly", "weekdays": [start.weekday()], "count": 3} | repeat}


def test_the_api_publishes_reads_updates_and_cancels_a_series(world, client_for):
    staff = client_for(world.sta1_staff)
    r = post(staff, "/api/activity-series", _series_body(world))
    assert r.status_code == 201, r.content
    body = r.json()
    assert len(body["occurrences"]) == 3 and body["allowed_moves"] == ["update", "cancel"]
    sid, (a1, a2, a3) = body["id"], [o["id"] for o in body["occurrences"]]
    assert client_for(world.vol1.user).get(f"/api/activity-series/{sid}").json()[
        "allowed_moves"] == []
    r = post(staff, f"/api/activity-series/{sid}/update",
             {"from_activity_id": a2, "changes": {"quota": 30, "start_time": "10:00"}})
    assert r.status_code == 200, r.content
    assert Activity.objects.get(pk=a3).quota == 30 and Activity.objects.get(pk=a1).quota == 10
    r = post(staff, f"/api/activity-series/{sid}/cancel",
             {"from_activity_id": a3, "reason": "天气原因"})
    assert [o["status"] for o in r.json()["occurrences"]] == ["published", "published",
                                                               "cancelled"]
    assert client_for(world.vol1.user).get(f"/api/activities/{a1}").json()["series_id"] == sid


def test_a_sibling_station_gets_404_on_the_series(world, client_for):
    sid = post(client_for(world.sta1_staff), "/api/activity-series",
               _series_body(world)).json()["id"]
    a1 = Activity.objects.filter(series_id=sid).order_by("start").first().pk
    other = client_for(world.sta2_staff)
    assert other.get(f"/api/activity-series/{sid}").status_code == 404
    assert post(other, f"/api/activity-series/{sid}/cancel",
                {"from_activity_id": a1, "reason": "x"}).status_code == 404
    assert other.get(f"/activities/series/{sid}/").status_code == 404
    assert client_for(world.outsider).get(f"/api/activity-series/{sid}").status_code == 404
    assert post(other, "/api/activity-series", _series_body(world)).status_code in (403, 404)
    assert set(Activity.objects.values_list("status", flat=True)) == {"published"}


def test_an_occurrence_of_another_series_is_404(world, client_for):
    staff = client_for(world.sta1_staff)
    one = post(staff, "/api/activity-series", _series_body(world)).json()
    two = post(staff, "/api/activity-series", _series_body(world)).json()
    r = post(staff, f"/api/activity-series/{one['id']}/cancel",
             {"from_activity_id": two["occurrences"][0]["id"], "reason": "x"})
    assert r.status_code == 404


@pytest.mark.parametrize("repeat", [
    {"freq": "yearly"}, {"weekdays": []}, {"weekdays": [9]}, {"count": 0}, {"count": 101},
    {"count": None}, {"until": "2999-01-01", "count": None}, {"until": "2020-01-01",
                                                              "count": None},
    {"skipped": ["not-a-date"]}, {"weekdays": ["x"]}, {"count": "many"},
    {"freq": "monthly", "month_day": 40}, {"extra": 1}])
def test_a_bad_rule_is_4xx_and_writes_nothing(world, client_for, repeat):
    r = post(client_for(world.sta1_staff), "/api/activity-series", _series_body(world, **repeat))
    assert 400 <= r.status_code < 500, (repeat, r.status_code)
    assert not Activity.objects.exists() and not ActivitySeries.objects.exists()


@pytest.mark.parametrize("changes", [{"quota": 0}, {"start_time": "25:00"}, {"start": "x"},
                                     {"title": ""}, {"lat": 91}])
def test_a_bad_change_is_4xx_and_changes_nothing(world, client_for, changes):
    staff = client_for(world.sta1_staff)
    body = post(staff, "/api/activity-series", _series_body(world)).json()
    r = post(staff, f"/api/activity-series/{body['id']}/update",
             {"from_activity_id": body["occurrences"][0]["id"], "changes": changes})
    assert 400 <= r.status_code < 500, (changes, r.status_code)
    assert set(Activity.objects.values_list("quota", "title")) == {(10, "每周读书会")}


# ---- pages --------------------------------------------------------------------------------

def test_the_activity_form_publishes_a_weekly_series(world, client_for):
    staff = client_for(world.sta1_staff)
    start = tomorrow(9)
    page = staff.get("/activities/new/").content.decode()
    assert 'name="repeat"' in page
    r = staff.post("/activities/new/", {
        "title": "每周读书会", "platform": platform_of("culture").pk, "org": world.sta1.pk,
        "start": start.strftime("%Y-%m-%dT%H:%M"),
        "end": (start + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "address": "稻香园社区图书室", "lat": "39.981", "lng": "116.305", "radius_m": "300",
        "quota": "15", "repeat": "weekly", "repeat_weekdays": [str(start.weekday())],
        "repeat_count": "5", "repeat_skipped": (start + datetime.timedelta(weeks=1)).strftime(
            "%Y-%m-%d")})
    assert r.status_code == 302, r.content.decode()[-3000:]
    series = ActivitySeries.objects.get()
    assert r["Location"] == f"/activities/series/{series.pk}/"
    assert series.occurrences.count() == 5
    page = staff.get(r["Location"]).content.decode()
    assert set(re.findall(r'data-move="(\w+)"', page)) == {"update", "cancel"}
    vol_page = client_for(world.vol1.user).get(r["Location"]).content.decode()
    assert "data-move" not in vol_page


def test_the_series_page_cancels_the_rest(world, client_for):
    series = weekly(world)
    _first, second, *_rest = series.occurrences.order_by("start")
    staff = client_for(world.sta1_staff)
    r = staff.post(f"/activities/series/{series.pk}/cancel/",
                   {"from_activity": second.pk, "reason": "项目调整"})
    assert r.status_code == 302
    assert list(series.occurrences.order_by("start").values_list("status", flat=True)) == [
        "published", "cancelled", "cancelled", "cancelled"]


def test_the_series_page_changes_the_rest(world, client_for):
    series = weekly(world)
    first = series.occurrences.order_by("start").first()
    staff = client_for(world.sta1_staff)
    r = staff.post(f"/activities/series/{series.pk}/update/",
                   {"from_activity": first.pk, "quota": "25", "start_time": "08:30",
                    "end_time": "11:00"})
    assert r.status_code == 302
    assert set(series.occurrences.values_list("quota", flat=True)) == {25}
    bad = staff.post(f"/activities/series/{series.pk}/update/",
                     {"from_activity": first.pk, "start_time": "12:00", "end_time": "11:00"})
    assert bad.status_code == 302
    assert set(series.occurrences.values_list("quota", flat=True)) == {25}
    assert client_for(world.sta2_staff).post(f"/activities/series/{series.pk}/update/", {
        "from_activity": first.pk, "quota": "3"}).status_code == 404


PERSONAS = ["admin", "center_staff", "inst1_staff", "inst2_staff", "sta1_staff", "sta2_staff",
            "vol1", "vol1b", "vol2", "res1", "outsider"]


def test_the_series_page_and_the_api_offer_the_same_moves(world, client_for):
    """Parity: per persona, the page's buttons are the API's allowed_moves, and a persona
    offered nothing is refused by the services (404 for one who cannot see it)."""
    series = weekly(world)
    first = series.occurrences.order_by("start").first()
    for persona in PERSONAS:
        person = getattr(world, persona)
        user = getattr(person, "user", person)
        c = client_for(user)
        page = c.get(f"/activities/series/{series.pk}/")
        api = c.get(f"/api/activity-series/{series.pk}")
        assert page.status_code == api.status_code, persona
        if page.status_code == 404:
            continue
        buttons = set(re.findall(r'data-move="(\w+)"', page.content.decode()))
        listed = set(api.json()["allowed_moves"])
        assert buttons == listed, (persona, buttons, listed)
        if not listed:
            with pytest.raises(Forbidden):
                recurrence.series_update_from(by=user, series=series, from_activity=first,
                                              changes={"quota": 12})
