"""The demo district's call-ups: last summer's flood call-up (closed, its shifts filled) and
a current one for this weekend's 社区疫苗接种 support, pushed to drivers and first-aiders near
inst1 (through the task's batches, run here at once) with a few sign-ups already in."""

import datetime

from django.utils import timezone

from wenming.orgs.models import OrgNode
from wenming.people.models import User, Volunteer

from . import services
from .models import Callup, CallupEvent, Shift, Signup, State


def _node_of(user: User) -> OrgNode:
    return user.role_assignments.select_related("org").first().org


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour % 24)))


def seed(*, size: str, nodes: dict[str, OrgNode], users: dict[str, User], rng) -> None:
    center, inst1 = _node_of(users["center"]), _node_of(users["inst1"])
    _past(center, users["center"], rng)
    _current(inst1, users["inst1"], users["vol1"], rng)


def _past(center: OrgNode, staff: User, rng) -> None:
    """A closed call-up of last summer: written as it happened (the service refuses shifts in
    the past), with its events and the sign-ups that filled it."""
    day = timezone.localdate().replace(month=7, day=20) - datetime.timedelta(days=365)
    callup = Callup.objects.create(
        org=center, title="防汛抢险志愿者招募令", text="持续强降雨，急需志愿者协助转运沙袋、疏导群众、值守低洼路段。",
        place="各街道实践所", skills=[], created_by=staff, state=State.CLOSED, reached=0)
    shifts = Shift.objects.bulk_create([
        Shift(callup=callup, start=_at(day + datetime.timedelta(days=i), h),
              end=_at(day + datetime.timedelta(days=i), h + 6), quota=40)
        for i in range(3) for h in (6, 12)])
    volunteers = list(Volunteer.objects.filter(status=Volunteer.Status.ACTIVE,
                                               station__path__startswith=center.path)
                      .order_by("pk").values_list("pk", flat=True)[:600])
    rng.shuffle(volunteers)
    Signup.objects.bulk_create([Signup(shift=s, volunteer_id=v) for i, s in enumerate(shifts)
                                for v in volunteers[i * 40:(i + 1) * 40]])
    Callup.objects.filter(pk=callup.pk).update(
        reached=len(volunteers), created_at=_at(day - datetime.timedelta(days=1), 20),
        fanout_done_at=_at(day - datetime.timedelta(days=1), 21))
    CallupEvent.objects.bulk_create([
        CallupEvent(callup=callup, from_state="", to_state=State.PUBLISHED, by=staff),
        CallupEvent(callup=callup, from_state=State.PUBLISHED, to_state=State.CLOSED, by=staff,
                    reason="汛情解除，感谢大家")])


def _current(inst1: OrgNode, staff: User, vol1: User, rng) -> None:
    today = timezone.localdate()
    saturday = today + datetime.timedelta(days=(5 - today.weekday()) % 7 or 7)
    callup = services.callup_publish(
        by=staff, org=inst1, title="社区疫苗接种现场服务招募令",
        text="本周末社区集中接种，需要志愿者引导排队、协助老人登记、接送行动不便的老人。",
        place=f"{inst1.name}社区卫生服务中心", skills=["驾驶", "急救", "医疗护理"], radius_km=8,
        shifts=[{"start": _at(saturday, 8), "end": _at(saturday, 12), "quota": 12},
                {"start": _at(saturday, 13), "end": _at(saturday, 17), "quota": 12},
                {"start": _at(saturday + datetime.timedelta(days=1), 8),
                 "end": _at(saturday + datetime.timedelta(days=1), 12), "quota": 8}])
    while services.fanout_batch(callup_id=callup.pk):
        pass
    shifts = list(callup.shifts.all())
    pushed = list(Volunteer.objects.filter(station__path__startswith=inst1.path,
                                           status=Volunteer.Status.ACTIVE)
                  .exclude(user=vol1).order_by("pk").values_list("user_id", flat=True)[:30])
    for i, user_id in enumerate(pushed[:14]):
        user = User.objects.get(pk=user_id)
        services.signup_create(by=user, callup=callup, shift_id=shifts[i % 2].pk)
