"""The demo district's notices and news: the district's and institutes' news over the last
months, stations' own news, and notices from the center to its staff, some already read."""

import datetime

from django.utils import timezone

from wenming.orgs.models import OrgNode
from wenming.people.models import User

from .models import Notice, NoticeRead
from .permissions import recipients

NEWS = [
    ("区新时代文明实践中心召开志愿服务工作推进会", "会议总结了上半年志愿服务工作，部署下一阶段“点单-派单-接单-评单”服务机制的推广，"
     "要求各实践所、实践站把群众需求摸清、把服务做实。"),
    ("“邻里守望”志愿服务队走进老旧小区", "志愿者为独居老人测量血压、检修电器、清理楼道，共服务群众120余人次。"),
    ("理论宣讲进社区：百姓名嘴讲身边故事", "宣讲团成员用群众听得懂的语言讲政策、讲变化，现场居民踊跃提问。"),
    ("暖冬行动：为困难家庭送去御寒衣物", "实践站联合共建单位募集棉衣棉被300余件，逐户送到困难群众手中。"),
    ("文明实践站开展垃圾分类宣传活动", "志愿者在小区入口设立咨询台，手把手教居民分类投放。"),
    ("健康讲座：冬季老年人常见病预防", "社区卫生服务中心医生讲解心脑血管疾病预防知识，并提供免费义诊。"),
]
NOTICES = [
    ("关于报送本季度志愿服务数据的通知", "请各实践所、实践站于本月25日前核对本季度志愿服务时长，确认无误后在平台完成审核。"),
    ("关于做好冬季安全生产和志愿服务保障工作的通知", "冬季开展户外志愿服务活动，须落实保险和安全预案，活动前向上级阵地报备。"),
]


def seed(*, size: str, nodes: dict[str, OrgNode], users: dict[str, User], rng) -> None:
    now = timezone.now()
    center = OrgNode.objects.get(parent=None)
    institutes = list(OrgNode.objects.filter(kind=OrgNode.Kind.INSTITUTE).order_by("path")[:3])
    stations = list(OrgNode.objects.filter(kind=OrgNode.Kind.STATION).order_by("path")[:6])
    publishers = [center, *institutes, *stations]
    rows = []
    for i, (title, body) in enumerate(NEWS * 2):
        org = publishers[i % len(publishers)]
        rows.append(Notice(org=org, public=True, title=title, body=f"<p>{body}</p>",
                           pinned=i == 0, published_by=users["center"],
                           published_at=now - datetime.timedelta(days=3 * i + rng.randint(0, 2))))
    for i, (title, body) in enumerate(NOTICES):
        rows.append(Notice(org=center, public=False, title=title, body=f"<p>{body}</p>",
                           published_by=users["center"],
                           published_at=now - datetime.timedelta(days=2 + 7 * i)))
    created = Notice.objects.bulk_create(rows)
    reads = []
    for notice in (n for n in created if not n.public):
        people = list(recipients(notice).exclude(pk=notice.published_by_id))
        reads += [NoticeRead(notice=notice, user=u, read_at=notice.published_at
                             + datetime.timedelta(hours=rng.randint(1, 48)))
                  for u in rng.sample(people, k=len(people) // 2)]
    NoticeRead.objects.bulk_create(reads)
