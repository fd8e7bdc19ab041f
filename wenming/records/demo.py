"""The demo district's records: trainings (entered by staff, and a batch across the
district), evaluations drawing on residents' ratings, a complaint in each state, an open
correction request and an accepted one, two self-declarations (个人申报) waiting for
sta1, a sealed-certificate application waiting at the station, and the station's seal.

vol1 (张晓明) shows every part on their phone; sta1 (李秀兰) finds the queues. Everything
for the named accounts goes through the services (with their event rows); the district-wide
trainings are inserted in bulk, the demo's "district" size being 100,000 volunteers.
"""

import datetime
import io
import math
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from wenming.activities.models import ServiceRecord
from wenming.orgs.models import OrgNode
from wenming.people.models import User, Volunteer

from . import services
from .models import Evaluation, Training

TRAININGS = [("志愿者通用知识培训", "志愿服务理念、礼仪、安全常识", "3", "海淀区新时代文明实践中心"),
             ("应急救护培训", "心肺复苏、止血包扎、AED使用", "4", "海淀区红十字会"),
             ("垃圾分类指导员培训", "分类标准与入户宣传技巧", "2", "海淀区城市管理委员会"),
             ("理论宣讲骨干培训", "宣讲稿撰写与现场表达", "6", "海淀区委宣传部")]
COMPLAINTS = ["约定上门时间迟到了一个多小时，也没有提前打招呼。",
              "服务过程中态度有些急躁，老人有点不高兴。",
              "活动报名后两次无故缺席，影响了活动安排。"]


def _days_ago(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)


def _seal_png() -> SimpleUploadedFile:
    """A round red seal with a star, drawn here: the demo needs no image file."""
    image = Image.new("RGBA", (360, 360), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((10, 10, 350, 350), outline=(200, 20, 20, 255), width=14)
    cx, cy, r = 180, 180, 70
    points = [(cx + (r if i % 2 == 0 else r * 0.4) * math.sin(i * math.pi / 5),
               cy - (r if i % 2 == 0 else r * 0.4) * math.cos(i * math.pi / 5)) for i in range(10)]
    draw.polygon(points, fill=(200, 20, 20, 255))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return SimpleUploadedFile("seal.png", buffer.getvalue(), content_type="image/png")


def _lines(volunteer: Volunteer) -> list[ServiceRecord]:
    return list(ServiceRecord.objects.filter(
        volunteer=volunteer, status=ServiceRecord.Status.APPROVED,
        org=volunteer.station).unreversed().exclude(kind=ServiceRecord.Kind.REVERSAL).select_related(
        "volunteer__user", "org").order_by("-service_date", "-id")[:6])


def _named(users: dict[str, User]) -> None:
    staff = users["sta1"]
    vol = Volunteer.objects.select_related("user", "station").get(user=users["vol1"])
    for n, (name, content, hours, organiser) in enumerate(TRAININGS[:3]):
        services.training_record(by=staff, volunteer=vol, name=name, content=content,
                                 hours=Decimal(hours), organiser=organiser,
                                 date=_days_ago(300 - n * 90))
    services.evaluation_record(by=staff, volunteer=vol, quality="excellent", stars=5,
                               comment="服务认真细致，群众评价好。", date=_days_ago(30))
    services.evaluation_record(by=staff, volunteer=vol, quality="good", stars=4,
                               comment="积极参加社区活动。", date=_days_ago(200))
    lines = _lines(vol)
    if len(lines) >= 2:
        services.correction_request(by=vol.user, record=lines[0],
                                    hours=lines[0].hours + Decimal("1"),
                                    reason="签退时忘记扫码，实际比记录多服务了1小时。")
        done = services.correction_request(by=vol.user, record=lines[1],
                                           hours=max(lines[1].hours - Decimal("0.5"),
                                                     Decimal("0.5")),
                                           reason="提前离开了半小时，记录多算了，申请更正。")
        services.correction_accept(by=staff, correction=done, note="经核实属实，已更正。")
    _complaints(staff, vol)
    _declarations(vol)
    services.seal_upload(by=staff, org=vol.station, image=_seal_png())
    services.seal_apply(by=vol.user, volunteer=vol, org=vol.station,
                        parts=["services", "trainings", "commendations"], purpose="单位评优材料")


def _photo(colour) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), colour).save(buffer, "PNG")
    return SimpleUploadedFile("photo.png", buffer.getvalue(), content_type="image/png")


def _declarations(vol: Volunteer) -> None:
    """个人申报: two waiting in sta1's queue (confirming one is the demo's first step; a
    confirmed one here would add a points entry the demo test counts against attendance)."""
    services.declaration_submit(
        by=vol.user, volunteer=vol, hours=Decimal("2"), evidence=_photo((90, 140, 200)),
        title="为独居老人代购药品", place="小区5号楼", service_date=_days_ago(3),
        note="社区群里临时求助，周末帮王奶奶去药店买降压药，有购药小票照片。")
    services.declaration_submit(
        by=vol.user, volunteer=vol, hours=Decimal("1.5"), evidence=_photo((200, 150, 80)),
        title="楼道杂物清理", place="小区3号楼", service_date=_days_ago(2),
        note="和邻居一起清理了楼道堆放的纸箱，附清理后的照片。")


def _complaints(staff: User, vol: Volunteer) -> None:
    """One complaint in each state, against volunteers of vol1's station (vol1 one of them,
    closed as not upheld, with their response)."""
    others = list(Volunteer.objects.filter(station=vol.station).exclude(pk=vol.pk)
                  .select_related("user", "station").order_by("pk")[:2])
    closed = services.complaint_file(by=staff, volunteer=vol, text=COMPLAINTS[0])
    services.complaint_respond(by=vol.user, complaint=closed,
                               text="当天公交晚点，已电话联系老人家属说明情况。")
    services.complaint_investigate(by=staff, complaint=closed, note="已联系双方了解情况")
    services.complaint_close(by=staff, complaint=closed, outcome="not_upheld",
                             outcome_text="经核实志愿者已提前电话告知家属，不属实。")
    targets = others or [vol]
    services.complaint_file(by=staff, volunteer=targets[0], text=COMPLAINTS[1])
    investigating = services.complaint_file(by=staff, volunteer=targets[-1], text=COMPLAINTS[2])
    services.complaint_investigate(by=staff, complaint=investigating, note="正在核对活动签到记录")


def _district_trainings(size: str, rng) -> None:
    """Trainings across the district, in bulk: every 20th volunteer has one or two."""
    ids = list(Volunteer.objects.order_by("pk").values_list("pk", "station_id")[::20])
    rows, seen = [], set()
    for pk, station_id in ids:
        for name, content, hours, organiser in rng.sample(TRAININGS, rng.choice([1, 2])):
            key = (pk, name)
            if key in seen:
                continue
            seen.add(key)
            rows.append(Training(volunteer_id=pk, org_id=station_id, name=name, content=content,
                                 hours=Decimal(hours), organiser=organiser,
                                 date=_days_ago(rng.randint(30, 700)),
                                 source=Training.Source.IMPORT))
    Training.objects.bulk_create(rows, batch_size=5000, ignore_conflicts=True)


def _district_evaluations(rng) -> None:
    """An evaluation for every 50th volunteer, by their station, in bulk."""
    qualities = ["excellent", "good", "good", "fair"]
    rows = [Evaluation(volunteer_id=pk, org_id=station_id, quality=rng.choice(qualities),
                       stars=rng.choice([None, 3, 4, 5]), date=_days_ago(rng.randint(10, 365)))
            for pk, station_id in Volunteer.objects.order_by("pk").values_list(
                "pk", "station_id")[1::50]]
    Evaluation.objects.bulk_create(rows, batch_size=5000)


def seed(*, size: str, nodes: dict[str, OrgNode], users: dict[str, User], rng) -> None:
    _named(users)
    _district_trainings(size, rng)
    _district_evaluations(rng)
