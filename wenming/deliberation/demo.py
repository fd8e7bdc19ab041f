"""Demo data of the 议事厅: at res1's station a topic in every stage (one waiting for the
moderator with a phone number in it, one on the agenda, a meeting with votes, tasks — one
overdue and escalated, one handed to a partner unit —, ratings, a reported comment); at a few
more stations (many at district size) topics endorsed by their residents. Everything goes
through the services, so every move has its event row and its notifications."""

import datetime

from django.utils import timezone

from wenming.orgs.models import OrgNode
from wenming.partners.models import Unit
from wenming.people.models import Resident, User

from . import services
from .models import Topic, TopicRule

STATIONS = {"small": 4, "district": 40}  # stations with topics besides res1's

IDEAS = [
    ("小区东门加装路灯", "东门一到晚上就很暗，老人出门散步不安全，建议加装两盏路灯。", "facilities", "东门"),
    ("楼道堆物清理", "3号楼楼道里堆了很多纸箱和旧家具，存在消防隐患，希望组织一次清理。", "safety", "3号楼"),
    ("电动车充电桩不够用", "小区只有6个充电口，晚上排队充电，有人从楼上拉线充电很危险。", "facilities", "南侧车棚"),
    ("广场舞音量扰民", "晚上八点以后广场舞音响声音太大，影响老人和孩子休息，希望商量个时间和音量。", "neighbours", "中心广场"),
    ("增设老年助餐点", "社区独居老人多，做饭不方便，希望在活动室附近办一个老年餐桌。", "care", "活动室"),
    ("垃圾分类站异味", "北门垃圾分类站夏天异味很重，建议加盖并每天冲洗。", "environment", "北门"),
    ("楼下乱停车堵消防通道", "5号楼下经常有车停在消防通道上，救护车进不来。", "traffic", "5号楼"),
    ("小花园改造成儿童乐园", "小花园长期闲置，建议改造成儿童游乐区，周末孩子有地方玩。", "care", "小花园"),
    ("文明养犬倡议", "遛狗不牵绳、不清理粪便的情况较多，建议社区发出文明养犬倡议。", "culture", "全小区"),
]


def seed(*, size: str, nodes: dict[str, OrgNode], users: dict[str, User], rng) -> None:
    res1 = users["res1"]
    station = Resident.objects.get(user=res1).station
    staff = users["sta1"]
    # A low threshold fits the demo's few residents per station; set at the center for all.
    center = OrgNode.objects.get(pk=station.ancestor_ids[0])
    TopicRule.objects.update_or_create(org=center, defaults={"threshold": 5, "endorse_days": 14,
                                                             "rate_days": 14,
                                                             "hide_after_reports": 3})
    _showcase(station, staff, res1, rng)
    others = list(OrgNode.objects.filter(kind=OrgNode.Kind.STATION, residents__isnull=False)
                  .exclude(pk=station.pk).distinct().order_by("path")[:STATIONS[size]])
    for other in others:
        _station_topics(other, rng)


def _neighbours(station: OrgNode, exclude: User | None = None) -> list[User]:
    qs = User.objects.filter(resident__station=station, mobile__isnull=False).order_by("pk")
    return list(qs.exclude(pk=getattr(exclude, "pk", None))[:40])


def _raise(resident_user: User, idea: tuple, **extra) -> Topic:
    title, text, category, place = idea
    return services.topic_raise(by=resident_user, title=title, text=extra.pop("text", text),
                                category=category, place=place, **extra)


def _approved(user: User, idea: tuple, staff: User) -> Topic:
    return services.topic_moderate(by=staff, topic=_raise(user, idea), approve=True)


def _endorse(topic: Topic, people: list[User], n: int) -> Topic:
    for person in people[:n]:
        if person.pk != topic.resident.user_id:
            topic = services.topic_endorse(by=person, topic=topic)
    return topic


def _scheduled(topic: Topic, staff: User, days: int) -> Topic:
    return services.topic_schedule(by=staff, topic=topic, place="社区会客议事厅", host="李秀兰",
                                   at=timezone.now() + datetime.timedelta(days=days),
                                   reason="" if topic.on_agenda_at else "居民反映集中，提前议事")


def _voted(topic: Topic, people: list[User], rng) -> Topic:
    options = list(topic.options.all())
    for person in people[:12]:
        weights = [70, 30] + [20] * (len(options) - 2)
        services.topic_vote(by=person, topic=topic,
                            option_id=rng.choices(options, weights=weights)[0].pk)
    return topic


def _decided(topic: Topic, staff: User, decision: str) -> Topic:
    return services.topic_decide(
        by=staff, topic=topic, decision=decision, votes_for=14, votes_against=3,
        offline_count=17, reasons="多数居民赞成，费用由社区公益金和物业共同承担",
        minutes="居民代表、物业、社区民警参加。大家对方案充分讨论，现场举手表决。")


def _showcase(station: OrgNode, staff: User, res1: User, rng) -> None:
    people = _neighbours(station, exclude=res1)
    everyone = [res1, *people]
    # 问民需: waiting for the moderator, one with a phone number the board will mask.
    _raise(res1, IDEAS[0], text=IDEAS[0][1] + "有事可以打我电话13910010008。")
    _raise(people[0] if people else res1, IDEAS[1])
    services.topic_moderate(by=staff, topic=_raise(res1, IDEAS[8]), approve=False,
                            reason="已有相同议题，请到“文明养犬倡议”附议")
    # 汇民意: one gathering endorsements, one on the agenda.
    gathering = _endorse(_approved(res1, IDEAS[2], staff), everyone, 2)
    services.comment_add(by=res1, topic=gathering, text="支持！晚上充电确实排长队。")
    advert = services.comment_add(by=people[1] if len(people) > 1 else res1, topic=gathering,
                                  text="加微信群卖充电桩，价格优惠")
    for reporter in people[2:5]:
        services.comment_report(by=reporter, comment=advert)
    _endorse(_approved(res1, IDEAS[3], staff), everyone, 6)
    # 议民题: a meeting with online votes; one decided.
    _voted(_scheduled(_endorse(_approved(res1, IDEAS[4], staff), everyone, 6), staff, 3),
           everyone, rng)
    decided = _scheduled(_endorse(_approved(res1, IDEAS[5], staff), everyone, 6), staff, 1)
    _decided(_voted(decided, everyone, rng), staff, "北门垃圾站加装顶盖，物业每日冲洗一次")
    # 执民事: one task overdue and escalated, one with a partner unit.
    executing = _scheduled(_endorse(_approved(res1, IDEAS[6], staff), everyone, 6), staff, 1)
    executing = _decided(_voted(executing, everyone, rng), staff, "施划消防通道标线，安装禁停标识")
    today = timezone.localdate()
    late = services.task_add(by=staff, topic=executing, title="施划消防通道黄色网格线",
                             due=today + datetime.timedelta(days=1), owner=staff)
    late.__class__.objects.filter(pk=late.pk).update(due=today - datetime.timedelta(days=3))
    services.task_escalate_if_overdue(task_id=late.pk, level=0)
    unit = Unit.objects.filter(org=station, staff__isnull=False).first() or Unit.objects.filter(
        org=station).first()
    handed = services.task_add(by=staff, topic=executing, title="安装禁停标识牌",
                               due=today + datetime.timedelta(days=7),
                               **({"unit": unit} if unit else {"owner": staff}))
    services.task_report(by=staff, task=handed, note="标识牌已订购，下周安装")
    # 促民评: one being rated, one closed with its ratings.
    for idea, close in ((IDEAS[7], False), (IDEAS[0], True)):
        topic = _scheduled(_endorse(_approved(res1, idea, staff), everyone, 6), staff, 1)
        topic = _decided(_voted(topic, everyone, rng), staff, "按居民意见实施")
        task = services.task_add(by=staff, topic=topic, title="组织施工", owner=staff,
                                 due=today + datetime.timedelta(days=2))
        services.task_report(by=staff, task=task, note="已完工并验收", complete=True)
        for person in everyone[:8]:
            services.topic_rate(by=person, topic=topic, score=rng.choice([4, 5, 5, 3]),
                                comment=rng.choice(["办得好", "效率很高", "希望长期坚持", ""]))
        if close:
            services.topic_close(by=staff, topic=topic)


def _station_topics(station: OrgNode, rng) -> None:
    """A few topics raised and endorsed by the station's own residents; staff of the station
    (or of the nodes above it) approve them."""
    people = _neighbours(station)
    staff = User.objects.filter(role_assignments__role="staff",
                                role_assignments__org_id__in=[*station.ancestor_ids, station.pk]
                                ).order_by("-role_assignments__org__depth").first()
    if not people or staff is None:
        return
    for idea in rng.sample(IDEAS, 3):
        topic = _raise(rng.choice(people), idea)
        if rng.random() < 0.8:
            topic = services.topic_moderate(by=staff, topic=topic, approve=True)
            _endorse(topic, people, rng.randrange(0, len(people) + 1))
