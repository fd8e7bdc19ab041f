"""为你推荐: what fits a person's habits and place ranks first, with its reasons; nothing
outside their scope, nothing past, nothing they already joined."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from wenming.activities.models import Activity, Enrollment, ServiceRecord
from wenming.notices.services import notice_publish
from wenming.orgs.models import OrgNode, Platform
from wenming.orgs.services import org_create
from wenming.recommend.scoring import Candidate, Habits, Person, score
from wenming.recommend.selectors import recommendations_for
from wenming.testing import logged_in

pytestmark = pytest.mark.django_db


def next_weekday(weekday: int, hour: int = 9) -> datetime.datetime:
    today = timezone.localdate()
    day = today + datetime.timedelta(days=(weekday - today.weekday()) % 7 or 7)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def activity(org: OrgNode, *, title: str, code: str = "culture", start=None, lat=None,
             lng=None, **fields) -> Activity:
    start = start or next_weekday(2)
    return Activity.objects.create(
        title=title, platform=Platform.objects.get(code=code), org=org, address=org.name,
        lat=lat or org.lat, lng=lng or org.lng, start=start,
        end=start + datetime.timedelta(hours=2), quota=20, **fields)


def history(volunteer, org, *, code: str, weekday: int, n: int):
    """n approved lines of past activities of one kind, on one weekday, at one node."""
    for i in range(n):
        day = timezone.localdate() - datetime.timedelta(days=7 * (i + 1))
        day -= datetime.timedelta(days=(day.weekday() - weekday) % 7)
        start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))
        a = activity(org, title=f"过去的活动{i}", code=code, start=start)
        ServiceRecord.objects.create(
            volunteer=volunteer, activity=a, org=org, kind=ServiceRecord.Kind.ATTENDANCE,
            title=a.title, service_date=day, hours=Decimal("2"),
            status=ServiceRecord.Status.APPROVED)


def titles(items) -> list[str]:
    return [i["title"] for i in items]


def test_what_a_volunteer_usually_does_ranks_first_and_says_why(world):
    history(world.vol1, world.sta1, code="health", weekday=5, n=6)
    activity(world.sta1, title="周三的文艺演出", code="culture", start=next_weekday(2))
    activity(world.sta1, title="周六的义诊", code="health", start=next_weekday(5))
    items = recommendations_for(world.vol1.user)
    assert titles(items)[:2] == ["周六的义诊", "周三的文艺演出"]
    reasons = " ".join(items[0]["reasons"])
    assert "您常参加这类服务" in reasons and "周六" in reasons and "服务过6次" in reasons


def test_nearer_ranks_first_when_all_else_is_equal(world):
    world.vol1.home_lat, world.vol1.home_lng = 39.981, 116.305
    world.vol1.save()
    activity(world.sta1, title="远处的活动", lat=40.03, lng=116.305)  # ~5.5 km north
    activity(world.sta1, title="楼下的活动", lat=39.982, lng=116.305)
    items = recommendations_for(world.vol1.user)
    assert titles(items)[:2] == ["楼下的活动", "远处的活动"]
    assert items[0]["distance_km"] < 0.5 and "距您约0.1公里" in items[0]["reasons"]


def test_the_place_given_counts_instead_of_home(world):
    activity(world.sta1, title="稻香园的活动")
    activity(world.sta2, title="石油大院的活动")
    here = recommendations_for(world.vol1.user, lat=world.sta2.lat, lng=world.sta2.lng)
    assert titles(here)[0] == "石油大院的活动"


def test_nothing_past_joined_cancelled_or_of_another_district(world):
    other = org_create(kind="center", name="朝阳区新时代文明实践中心", lat=39.95, lng=116.45)
    activity(other, title="外区的活动", lat=world.sta1.lat, lng=world.sta1.lng)
    activity(world.sta1, title="已结束的活动", start=timezone.now() - datetime.timedelta(days=1))
    activity(world.sta1, title="已取消的活动", status=Activity.Status.CANCELLED)
    joined = activity(world.sta1, title="已报名的活动")
    Enrollment.objects.create(activity=joined, volunteer=world.vol1,
                              status=Enrollment.Status.ENROLLED)
    activity(world.sta1, title="可以参加的活动")
    assert titles(recommendations_for(world.vol1.user)) == ["可以参加的活动"]


def test_a_resident_gets_activities_near_their_station_and_its_news(world):
    activity(world.sta1, title="社区电影放映")
    notice_publish(by=world.sta1_staff, org=world.sta1, title="社区新闻一则", body="内容内容",
                   public=True)
    items = recommendations_for(world.res1.user)
    assert [i["kind"] for i in items] == ["news", "activity"]
    assert titles(items) == ["社区新闻一则", "社区电影放映"]


def test_staff_and_strangers_get_nothing(world):
    activity(world.sta1, title="社区电影放映")
    assert recommendations_for(world.sta1_staff) == []
    assert recommendations_for(world.outsider) == []


def test_the_api_gives_items_with_reasons_and_refuses_bad_places(world):
    activity(world.sta1, title="社区电影放映")
    client = logged_in(world.vol1.user)
    body = client.get("/api/recommendations").json()
    assert body["items"][0]["kind"] == "activity"
    assert set(body["items"][0]) >= {"kind", "id", "title", "score", "reasons"}
    for bad in ("lat=91&lng=116", "lat=abc&lng=1", "lat=nan&lng=1"):
        response = client.get(f"/api/recommendations?{bad}")
        assert response.status_code == 422 and "message" in response.json()["error"]
    assert Client().get("/api/recommendations").status_code == 401


def test_the_page_and_the_home_screen_show_them(world):
    activity(world.sta1, title="社区电影放映")
    client = logged_in(world.vol1.user)
    assert "社区电影放映" in client.get("/recommend/").content.decode()
    home = client.get("/").content.decode()
    assert "为你推荐" in home and "社区电影放映" in home
    assert client.get("/recommend/?lat=999&lng=1").status_code == 200  # ignored, not a 500


def test_a_newcomer_scores_on_what_they_listed():
    person = Person(lat=None, lng=None, listed_platforms=frozenset({3}), skills=frozenset(),
                    slots=(), habits=Habits())
    listed = Candidate("activity", 1, "a", None, None, 3, None, None)
    other = Candidate("activity", 2, "b", None, None, 4, None, None)
    assert score(person, listed)[0] > score(person, other)[0]
    assert "您选择的服务类别" in score(person, listed)[1]

