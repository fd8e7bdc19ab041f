"""Demo data of partner units: units of every kind across the district (Haidian counts 111
member units, 44 civilised units and 100 bases; the demo scales them to its size), in-service
party members reporting to them, the `unit1` account of 海淀医院 at sta1, hand-overs in every
state, a volunteer grid manager and a mediation case."""

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from wenming.demo.data import PASSWORD
from wenming.orders.models import ServiceOrder
from wenming.orders.services import order_submit
from wenming.orgs.models import Grid, OrgNode, Platform, RoleAssignment
from wenming.people.models import Resident, Volunteer

from . import services
from .models import Handover, Unit, UnitMember, UnitStaff

# Units per station / institute / the center, by the demo's size.
PER_STATION = {"small": 2, "district": 4}
PER_INSTITUTE = {"small": 2, "district": 6}
MEMBERS_PER_UNIT = {"small": 6, "district": 25}

STATION_UNITS = [("{place}社区卫生服务站", Unit.Kind.CO_BUILD, "每月义诊、健康讲座"),
                 ("{place}小学", Unit.Kind.DUAL_REPORT, "在职党员双报到，假期托管"),
                 ("{place}供电所", Unit.Kind.DEPARTMENT, "电力抢修、用电安全检查"),
                 ("{place}物业公司", Unit.Kind.CO_BUILD, "环境整治、设施维修")]
INSTITUTE_UNITS = [("工商银行{place}支行", Unit.Kind.CIVILISED, "反诈宣传、金融知识进社区"),
                   ("{place}科普教育基地", Unit.Kind.BASE, "青少年科普研学"),
                   ("{place}派出所", Unit.Kind.DEPARTMENT, "治安巡逻、矛盾调解"),
                   ("{place}律师事务所", Unit.Kind.DUAL_REPORT, "法律咨询、公益法律服务"),
                   ("{place}爱国主义教育基地", Unit.Kind.BASE, "红色教育、讲解服务"),
                   ("{place}医院", Unit.Kind.CIVILISED, "义诊、急救培训")]
CENTER_UNITS = [("区城市管理委员会", Unit.Kind.DEPARTMENT, "占道经营、环境卫生"),
                ("区市场监督管理局", Unit.Kind.DEPARTMENT, "食品安全、消费维权"),
                ("区住房和城乡建设委员会", Unit.Kind.DEPARTMENT, "老旧小区改造、房屋安全")]


def _place(node: OrgNode) -> str:
    """北蜂窝社区新时代文明实践站 -> 北蜂窝, 万寿路街道新时代文明实践所 -> 万寿路."""
    name = node.name
    for suffix in ("新时代文明实践站", "新时代文明实践所", "实践站", "实践所", "社区", "街道", "镇"):
        name = name.removesuffix(suffix)
    return name or node.name[:4]


def _staff_node(user) -> OrgNode:
    return user.role_assignments.get(role=RoleAssignment.Role.STAFF).org


def _units(size: str, center: OrgNode) -> list[Unit]:
    nodes = OrgNode.objects.filter(path__startswith=center.path).exclude(
        kind=OrgNode.Kind.POINT).order_by("path")
    rows = []
    for node in nodes:
        specs = {OrgNode.Kind.CENTER: CENTER_UNITS,
                 OrgNode.Kind.INSTITUTE: INSTITUTE_UNITS[:PER_INSTITUTE[size]],
                 OrgNode.Kind.STATION: STATION_UNITS[:PER_STATION[size]]}[node.kind]
        for i, (name, kind, promise) in enumerate(specs):
            rows.append(Unit(org=node, kind=kind, name=name.format(place=_place(node)),
                             services=promise, contact_name=f"联络员{node.pk % 100:02d}{i}",
                             contact_phone=f"139{node.pk % 10**7:07d}{i}"[:11]))
    return Unit.objects.bulk_create(rows, batch_size=2000)


def _members(size: str, units: list[Unit], rng) -> None:
    """Party-member volunteers report to the dual-report and co-build units of their station."""
    today = timezone.localdate()
    per_unit = MEMBERS_PER_UNIT[size]
    station_units = [u for u in units if u.kind in {Unit.Kind.DUAL_REPORT, Unit.Kind.CO_BUILD}
                     and u.org.kind == OrgNode.Kind.STATION]
    by_station: dict[int, list[int]] = {}
    for vid, station_id in Volunteer.objects.filter(
            political_status__in=["party_member", "probationary"]).values_list("id", "station_id"):
        by_station.setdefault(station_id, []).append(vid)
    rows, taken = [], set()
    for unit in station_units:
        pool = [v for v in by_station.get(unit.org_id, []) if v not in taken][: per_unit * 3]
        for vid in rng.sample(pool, min(per_unit, len(pool))):
            taken.add(vid)
            rows.append(UnitMember(unit=unit, volunteer_id=vid,
                                   since=today - datetime.timedelta(days=rng.randint(10, 700))))
    UnitMember.objects.bulk_create(rows, batch_size=5000)


def _unit_account(unit: Unit):
    User = get_user_model()
    user = User.objects.create_user(username="unit1", password=PASSWORD,
                                    real_name="何志华", mobile="13910010009")
    UnitStaff.objects.create(unit=unit, user=user)
    return user


def _appeal(res1: Resident, station: OrgNode, text: str, platform: Platform) -> ServiceOrder:
    return order_submit(
        by=res1.user, resident=res1, kind=ServiceOrder.Kind.APPEAL, platform=platform,
        text=text, lat=station.lat, lng=station.lng, address=f"{station.name}附近",
        wished_at=timezone.now() + datetime.timedelta(days=2))


def _handovers(unit: Unit, unit_user, sta1_staff, res1: Resident, station: OrgNode) -> None:
    """One hand-over in each state, through the services (events, notices and all)."""
    platform = Platform.objects.filter(is_active=True).order_by("order").first()

    def send(text: str, reason: str) -> Handover:
        return services.handover_send(by=sta1_staff, order=_appeal(res1, station, text,
                                                                   platform),
                                      unit=unit, reason=reason)

    send("小区门口的井盖松动，晚上走路怕踩空", "请派人查看并更换井盖")
    services.handover_accept(by=unit_user, handover=send(
        "楼下便民菜站关门后垃圾无人清理", "请协助清运并联系物业"))
    done = services.handover_accept(by=unit_user, handover=send(
        "老人行动不便，希望有医生上门量血压", "请安排家庭医生上门"))
    services.handover_report(by=unit_user, handover=done,
                             note="已安排家庭医生每周二上门，血压平稳，已建健康档案")
    services.handover_decline(by=unit_user, handover=send(
        "小区停车位被长期占用", "请协调车位"), reason="停车管理属物业职责，建议转物业公司")
    services.handover_recall(by=sta1_staff, handover=send(
        "楼道声控灯坏了", "请维修"), reason="物业已修好")
    late = send("健身器材螺丝脱落，有安全隐患", "请尽快检修")
    past = timezone.now() - datetime.timedelta(minutes=1)
    Handover.objects.filter(pk=late.pk).update(due_at=past)
    services.handover_escalate_if_overdue(handover_id=late.pk, due_at=past)


def _mediation(station: OrgNode, staff, rng) -> None:
    grid = Grid.objects.filter(station=station).first()
    helper = Volunteer.objects.filter(station=station).exclude(user__username="vol1").order_by(
        "id").select_related("user").first()
    if grid is not None and helper is not None:
        grid.managers.add(helper.user)  # a volunteer grid manager (网格小管家) beside staff
    services.mediation_record(
        by=staff, station=station, grid=grid, parties="3号楼201住户 与 3号楼301住户",
        dispute="楼上卫生间漏水渗到楼下天花板，双方就维修费用发生争执",
        agreement="楼上住户负责请人修缮防水层并承担楼下天花板修补费用800元，一周内完成",
        follow_up_on=timezone.localdate() + datetime.timedelta(days=rng.randint(5, 10)))


@transaction.atomic
def seed(*, size: str, nodes: dict[str, OrgNode], users: dict, rng) -> None:
    center = next(n for n in nodes.values() if n.kind == OrgNode.Kind.CENTER)
    units = _units(size, center)
    _members(size, units, rng)
    sta1 = _staff_node(users["sta1"])
    hospital = Unit.objects.create(org=sta1, kind=Unit.Kind.CO_BUILD, name="海淀医院",
                                   contact_name="何志华", contact_phone="13910010009",
                                   services="每月一次义诊，家庭医生签约上门服务")
    unit_user = _unit_account(hospital)
    members = list(Volunteer.objects.filter(station=sta1).exclude(
        user__username="vol1").order_by("id")[:8])
    UnitMember.objects.bulk_create([
        UnitMember(unit=hospital, volunteer=v,
                   since=timezone.localdate() - datetime.timedelta(days=30 * (i + 1)))
        for i, v in enumerate(members)], ignore_conflicts=True)
    res1 = Resident.objects.select_related("user").get(user=users["res1"])
    _handovers(hospital, unit_user, users["sta1"], res1, sta1)
    _mediation(sta1, users["sta1"], rng)
