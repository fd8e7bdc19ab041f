"""A small 宣讲 roster on the shared tree: a 名嘴 at the center giving one lecture, a 民嘴
team of inst1 with two speakers giving another, a unit of sta1 with its own account."""

import datetime
from types import SimpleNamespace

from django.utils import timezone

from wenming.orgs.models import Platform
from wenming.partners.models import Unit, UnitStaff
from wenming.people.tests.factories import UserFactory
from wenming.teams.models import Team

from ..models import Lecture, Lecturer, Series


def at(days: float = 3, hour: int = 9) -> datetime.datetime:
    day = timezone.localtime() + datetime.timedelta(days=days)
    return day.replace(hour=hour, minute=0, second=0, microsecond=0)


def roster(world) -> SimpleNamespace:
    theory = Platform.objects.get(code="theory")
    series = Series.objects.create(org=world.center, code=Series.Code.THEORY,
                                   programme="三月：新思想进社区")
    famous = Lecturer.objects.create(org=world.center, kind="famous", name="周教授",
                                     title="区委党校教授", topics=["党的创新理论"])
    team = Team.objects.create(name="海淀百姓宣讲团", org=world.inst1, platform=theory)
    folk1 = Lecturer.objects.create(org=world.inst1, kind="folk", name="老李", team=team,
                                    dialects=["北京话"])
    folk2 = Lecturer.objects.create(org=world.inst1, kind="folk", name="王阿姨", team=team)
    lecture = Lecture.objects.create(org=world.center, series=series, title="新思想进万家",
                                     topic="理论", platform=theory, lecturer=famous,
                                     duration_minutes=90, audience="社区居民")
    team_lecture = Lecture.objects.create(org=world.inst1, title="身边的变化", topic="成就",
                                          platform=theory, team=team, duration_minutes=60)
    unit = Unit.objects.create(name="区税务局", kind=Unit.Kind.DUAL_REPORT, org=world.sta1)
    unit_user = UserFactory(username="taxunit")
    UnitStaff.objects.create(unit=unit, user=unit_user)
    other_unit = Unit.objects.create(name="区医院", kind=Unit.Kind.CO_BUILD, org=world.sta2)
    return SimpleNamespace(series=series, famous=famous, team=team, folk1=folk1, folk2=folk2,
                           lecture=lecture, team_lecture=team_lecture, unit=unit,
                           unit_user=unit_user, other_unit=other_unit)
