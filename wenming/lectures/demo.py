"""The demo district's 宣讲: the six 讲堂 with a season's programme, a roster of 名嘴 at the
center and 民嘴 teams at the institutes, a lecture menu, and bookings in every state (asked,
confirmed into activities, given with attendance and ratings, declined, cancelled).

Everything goes through the services; bookings of the past are made ahead (as the service
demands) and then moved back to when they happened."""

import datetime
import random

from django.utils import timezone

from wenming.activities.models import Activity
from wenming.orgs.models import OrgNode, Platform
from wenming.people.models import User, Volunteer
from wenming.teams.services import team_create

from . import services
from .models import Booking, Rating, Series

PROGRAMME = {
    "theory": "每月第一周：新思想进万家；第二周：百姓名嘴讲变化；第三周：青年理论学习小组分享",
    "policy": "医保新政、养老服务补贴、稳就业政策解读，每月一期",
    "law": "民法典进社区、防范电信诈骗、反家暴法宣讲，每月第二个周六",
    "morality": "身边好人讲故事、好家风分享会、移风易俗，每月一期",
    "health": "慢病管理、心肺复苏、老年人防跌倒，每月第三个周三",
    "practice": "垃圾分类实操、应急疏散演练、非遗手工，每月最后一个周末",
}
FAMOUS = [("周明德", "区委党校教授", ["党的创新理论", "党史"]),
          ("吴晓岚", "区司法局律师", ["民法典", "反诈"]),
          ("郑国华", "区医院主任医师", ["慢病管理", "急救"]),
          ("冯丽萍", "区人社局干部", ["就业政策", "养老保险"])]
FOLK = [("老李", "退休老党员", ["身边的变化"], ["北京话"]),
        ("王阿姨", "社区楼门长", ["好家风"], ["北京话"]),
        ("小赵", "返乡大学生", ["乡村振兴"], []),
        ("陈师傅", "劳动模范", ["工匠精神"], ["河北话"]),
        ("刘奶奶", "社区志愿者", ["邻里互助"], ["北京话", "山东话"])]
LECTURES = [  # (title, topic, series, minutes, audience, lecturer index or None for team)
    ("新思想进万家", "理论", "theory", 90, "社区居民", 0),
    ("党史中的海淀故事", "党史", "theory", 60, "党员", 0),
    ("民法典与百姓生活", "民法典", "law", 90, "社区居民", 1),
    ("守住钱袋子：防范电信诈骗", "反诈", "law", 60, "老年人", 1),
    ("慢病管理小课堂", "健康", "health", 60, "老年人", 2),
    ("人人学急救", "急救", "health", 120, "企业职工", 2),
    ("稳就业政策面对面", "政策", "policy", 60, "求职青年", 3),
    ("身边的变化", "成就", "morality", 60, "社区居民", None),
    ("好家风代代传", "家风", "morality", 45, "家庭", None),
    ("垃圾分类我先行", "实践", "practice", 60, "中小学生", None),
]


def _at(days: int, hour: int) -> datetime.datetime:
    day = timezone.localtime() + datetime.timedelta(days=days)
    return day.replace(hour=hour, minute=0, second=0, microsecond=0)


def seed(*, size: str, nodes: dict[str, OrgNode], users: dict[str, User], rng) -> None:
    staff = users["center"]
    center = next(n for n in nodes.values() if n.kind == OrgNode.Kind.CENTER)
    center = OrgNode.objects.get(pk=center.pk)  # its path as stored
    institutes = list(OrgNode.objects.filter(kind=OrgNode.Kind.INSTITUTE,
                                             path__startswith=center.path).order_by("pk"))
    stations = list(OrgNode.objects.filter(kind=OrgNode.Kind.STATION,
                                           path__startswith=center.path).order_by("pk")[:12])
    platforms = {p.code: p for p in Platform.objects.all()}
    series = {code: Series.objects.create(org=center, code=code, programme=text)
              for code, text in PROGRAMME.items()}
    famous = [services.lecturer_create(by=staff, org=center, kind="famous", name=n, title=t,
                                       topics=topics, profile=f"{t}，长期参与基层理论宣讲。")
              for n, t, topics in FAMOUS]
    street = institutes[0].name.replace("新时代文明实践所", "")
    leader = Volunteer.objects.filter(station__path__startswith=institutes[0].path,
                                      status=Volunteer.Status.ACTIVE).exclude(
        user__username__in=list(users)).order_by("-pk").first()  # not a named demo account
    team = team_create(by=staff, name=f"{street}百姓宣讲团", org=institutes[0], leader=leader,
                       platform=platforms["theory"], description="民嘴宣讲队：讲身边事、说百姓话")
    folk = [services.lecturer_create(by=staff, org=institutes[0], kind="folk", name=n, title=t,
                                     topics=topics, dialects=dialects, team=team)
            for n, t, topics, dialects in FOLK]
    lectures = [services.lecture_create(
        by=staff, org=center if who is not None else institutes[0], title=title, topic=topic,
        platform=platforms["health" if code == "health" else "theory"], series=series[code],
        duration_minutes=minutes, audience=audience,
        lecturer=famous[who] if who is not None else None, team=None if who is not None else team,
        description=f"{title}：结合群众身边事例，互动问答。")
        for title, topic, code, minutes, audience, who in LECTURES]
    _bookings(staff, lectures, folk, stations, rng)
    _vol1_lectures(staff, users, institutes[0], team, lectures, stations)


def _book(staff, lecture, folk, station, days, hour, rng) -> Booking:
    return services.booking_create(
        by=staff, lecture=lecture, booker_kind="community", org=station, start=_at(days, hour),
        place=f"{station.name}多功能厅", lecturer=rng.choice(folk) if lecture.team_id else None,
        expected_audience=rng.choice([30, 50, 80, 120]), contact_name="站长",
        contact_phone="13910010005")


def _given(staff, booking: Booking, days_ago: int, rng) -> None:
    """Confirmed ahead, moved back `days_ago`, then reported and rated."""
    booking = services.booking_confirm(by=staff, booking=booking)
    shift = booking.start - _at(-days_ago, booking.start.astimezone().hour)
    Booking.objects.filter(pk=booking.pk).update(start=booking.start - shift,
                                                 end=booking.end - shift)
    Activity.objects.filter(pk=booking.activity_id).update(start=booking.start - shift,
                                                           end=booking.end - shift)
    booking.refresh_from_db()
    came = int(booking.expected_audience * rng.uniform(0.7, 1.2))
    services.booking_report(by=staff, booking=booking, attendance=came,
                            people_reached=came * rng.randint(2, 6), summary="现场互动热烈。")
    Activity.objects.filter(pk=booking.activity_id).update(people_served=came)


def _bookings(staff, lectures, folk, stations, rng) -> None:
    raters = list(User.objects.filter(resident__station__in=stations)[:40])
    for n in range(24):
        lecture, station = lectures[n % len(lectures)], stations[n % len(stations)]
        booking = _book(staff, lecture, folk, station, 3 + n, 9 + (n % 3) * 4, rng)
        fate = n % 6
        if fate in (0, 1, 2):
            _given(staff, booking, 5 + n * 3, rng)
            Rating.objects.bulk_create([
                Rating(booking=booking, user=u, score=rng.choice([4, 5, 5, 5, 3]))
                for u in rng.sample(raters, min(len(raters), rng.randint(3, 8)))])
        elif fate == 3:
            services.booking_confirm(by=staff, booking=booking)
        elif fate == 4:
            services.booking_decline(by=staff, booking=booking, reason="宣讲员当天另有安排")
        # fate 5: waiting for confirmation


def _vol1_lectures(staff, users, institute, team, lectures, stations) -> None:
    """vol1 speaks in the 百姓宣讲团 too, so their 宣讲日程 (/lectures/calendar/) shows sessions
    this month and next: one given, two confirmed, two waiting. Its own random stream, so the
    district's other demo data stay as they were."""
    volunteer = Volunteer.objects.filter(user=users["vol1"]).first()
    if volunteer is None or not stations:
        return
    me = services.lecturer_create(by=staff, org=institute, kind="folk", team=team,
                                  name=users["vol1"].real_name or "张晓明", title="青年志愿者",
                                  topics=["乡村振兴", "志愿服务"], volunteer=volunteer)
    own_rng = random.Random(15)
    team_lectures = [lec for lec in lectures if lec.team_id]
    for n, days in enumerate((1, 4, 9, 16, 30)):
        booking = services.booking_create(
            by=staff, lecture=team_lectures[n % len(team_lectures)], lecturer=me,
            booker_kind="community", org=stations[n % len(stations)], start=_at(days, 15),
            place=f"{stations[n % len(stations)].name}多功能厅", expected_audience=40,
            contact_name="站长", contact_phone="13910010005")
        if n == 0:
            _given(staff, booking, 6, own_rng)
        elif n in (1, 2):
            services.booking_confirm(by=staff, booking=booking)
