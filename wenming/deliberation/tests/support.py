"""Topics in every stage, built through the services (as staff and residents would)."""

import datetime

from django.utils import timezone

from wenming.deliberation import services
from wenming.deliberation.models import Topic, TopicRule
from wenming.orgs.models import RoleAssignment
from wenming.people.models import Resident, User
from wenming.people.tests.factories import next_mobile, resident_at


def collecting(world, **fields) -> Topic:
    values = {"title": "小区东门加装路灯", "text": "东门晚上太暗，老人出门不安全，建议加装两盏路灯。",
              "category": "facilities", "place": "稻香园东门", **fields}
    return services.topic_raise(by=world.res1.user, **values)


def endorsing(world, threshold: int = 3, **fields) -> Topic:
    TopicRule.objects.update_or_create(org=world.sta1, defaults={"threshold": threshold})
    return services.topic_moderate(by=world.sta1_staff, topic=collecting(world, **fields),
                                   approve=True)


def neighbours(world, n: int) -> list:
    return [resident_at(world.sta1) for _ in range(n)]


def many_neighbours(station, n: int) -> list[User]:
    """`n` residents of `station` in three statements (the races need hundreds)."""
    users = User.objects.bulk_create([
        User(username=f"nb{station.pk}-{i}", real_name=f"邻居{i}", mobile=next_mobile(),
             password="!") for i in range(n)])
    Resident.objects.bulk_create([Resident(user=u, station=station) for u in users])
    RoleAssignment.objects.bulk_create([RoleAssignment(user=u, org=station,
                                                       role=RoleAssignment.Role.RESIDENT)
                                        for u in users])
    return users


def scheduled(world) -> Topic:
    topic = endorsing(world)
    return services.topic_schedule(by=world.sta1_staff, topic=topic, place="社区会客议事厅",
                                   at=timezone.now() + datetime.timedelta(days=3),
                                   reason="居民反映集中")


def decided(world) -> Topic:
    topic = scheduled(world)
    services.topic_vote(by=world.res1.user, topic=topic, option_id=topic.options.first().pk)
    return services.topic_decide(by=world.sta1_staff, topic=topic, decision="加装两盏路灯",
                                 minutes="居民代表12人参加", votes_for=10, votes_against=1,
                                 offline_count=11, reasons="多数赞成")


def executing(world) -> Topic:
    topic = decided(world)
    services.task_add(by=world.sta1_staff, topic=topic, title="联系物业安装",
                      due=timezone.localdate() + datetime.timedelta(days=7),
                      owner=world.sta1_staff)
    return Topic.objects.get(pk=topic.pk)


def evaluating(world) -> Topic:
    topic = executing(world)
    services.task_report(by=world.sta1_staff, task=topic.tasks.get(), note="已安装完毕",
                         complete=True)
    return Topic.objects.get(pk=topic.pk)


def closed(world) -> Topic:
    topic = evaluating(world)
    services.topic_rate(by=world.res1.user, topic=topic, score=5, comment="很好")
    return services.topic_close(by=world.sta1_staff, topic=topic)


def rejected(world) -> Topic:
    return services.topic_moderate(by=world.sta1_staff, topic=collecting(world), approve=False,
                                   reason="不属于本站事务")
