"""The demo district's honours: a configured formula, past selections announced with their
awards (monthly and quarterly 时尚达人, last year's 先进集体, an institute's 五星服务队), last
month's 时尚达人 in publicity with objections, last month's 先进集体 just nominated (waiting
for review), awards entered by staff for volunteers and teams, and a few volunteers'
publicity choices.

Everything goes through the services (each step with its event row); the times are then
moved back to when the step would have happened."""

import datetime
from decimal import Decimal

from django.db.models import Count
from django.utils import timezone

from wenming.orgs.models import OrgNode
from wenming.people.models import User, Volunteer
from wenming.teams.models import Team

from . import services
from .models import Award, Level, PublicityConsent, Selection, SelectionEvent
from .selectors import period_bounds

AWARD_NAMES = [("优秀志愿者", Level.DISTRICT), ("最美志愿者", Level.MUNICIPAL),
               ("五星志愿者", Level.SUBDISTRICT), ("志愿服务先进个人", Level.DISTRICT),
               ("社区好人", Level.COMMUNITY), ("北京市优秀志愿者", Level.MUNICIPAL)]
TEAM_AWARDS = [("优秀志愿服务队", Level.DISTRICT), ("五星服务队", Level.SUBDISTRICT),
               ("学雷锋志愿服务示范岗", Level.MUNICIPAL)]


def _node_of(user: User) -> OrgNode:
    return user.role_assignments.select_related("org").first().org


def seed(*, size: str, nodes: dict[str, OrgNode], users: dict[str, User], rng) -> None:
    center_staff, inst_staff = users["center"], users["inst1"]
    center, inst1 = _node_of(center_staff), _node_of(inst_staff)
    services.formula_update(by=center_staff, node=center, w_hours=Decimal("1"),
                            w_activities=Decimal("2"), w_orders=Decimal("3"),
                            w_rating=Decimal("2"), w_wishes=Decimal("2"), nominate_top=10,
                            publicity_days=5)
    today = timezone.localdate()
    last_month = today.replace(day=1) - datetime.timedelta(days=1)
    for back in (3, 2):  # two earlier months, announced
        day = _months_before(last_month, back - 1)
        _announced(center_staff, center, "star", "month", day)
    _announced(center_staff, center, "star", "quarter",
               period_bounds("quarter", today)[0] - datetime.timedelta(days=1))
    _announced(center_staff, center, "advanced_team", "year", today.replace(month=1, day=1)
               - datetime.timedelta(days=1))
    _announced(inst_staff, inst1, "five_star_team", "quarter",
               period_bounds("quarter", today)[0] - datetime.timedelta(days=1))
    _in_publicity(center_staff, center, last_month, objector=users["vol1"], also=users["res1"])
    services.selection_nominate(by=center_staff, node=center, kind="advanced_team",
                                period="month", day=last_month)
    _staff_awards(center_staff, center, users["vol1"], size, rng)
    _consents(center, rng)


def _months_before(day: datetime.date, months: int) -> datetime.date:
    for _ in range(months):
        day = day.replace(day=1) - datetime.timedelta(days=1)
    return day


def _announced(staff: User, node: OrgNode, kind: str, period: str, day: datetime.date) -> None:
    """A selection of a past period, run through every step and announced a fortnight after
    the period ended."""
    selection = services.selection_nominate(by=staff, node=node, kind=kind, period=period,
                                            day=day)
    if not selection.nominees.exists():
        return
    services.selection_review(by=staff, selection=selection, reason="名单经站所复核")
    selection = services.selection_publicize(by=staff, selection=selection)
    end = selection.period_end
    start = _at(end + datetime.timedelta(days=3))
    Selection.objects.filter(pk=selection.pk).update(
        publicity_start=start, publicity_end=services.working_days_after(start, 5))
    selection.refresh_from_db()
    selection = services.selection_announce(by=staff, selection=selection)
    announced = _at(end + datetime.timedelta(days=12)).date()
    Award.objects.filter(selection=selection).update(date=announced)
    _backdate(selection, end)


def _in_publicity(staff: User, node: OrgNode, day: datetime.date, *, objector: User,
                  also: User) -> None:
    selection = services.selection_nominate(by=staff, node=node, kind="star", period="month",
                                            day=day)
    if not selection.nominees.exists():
        return
    services.selection_review(by=staff, selection=selection, reason="名单经实践站复核")
    selection = services.selection_publicize(by=staff, selection=selection)
    first = selection.nominees.filter(removed=False).first()
    services.objection_raise(by=objector, selection=selection, nominee=first,
                             reason="该志愿者上月有两次活动迟到早退，建议核实时长。")
    services.objection_raise(by=also, selection=selection,
                             reason="希望公示时附上各位的服务事迹。")


def _staff_awards(staff: User, center: OrgNode, vol1: User, size: str, rng) -> None:
    count = 12 if size == "small" else 400
    ids = list(Volunteer.objects.filter(station__path__startswith=center.path)
               .values_list("pk", flat=True)[:5000])
    picked = Volunteer.objects.filter(pk__in=rng.sample(ids, k=min(count, len(ids))))
    today = timezone.localdate()
    rows = []
    for volunteer in [*picked, Volunteer.objects.get(user=vol1)]:
        name, level = rng.choice(AWARD_NAMES)
        rows.append(Award(volunteer=volunteer, name=f"{today.year - rng.randint(0, 2)}年度{name}",
                          level=level, date=today - datetime.timedelta(days=rng.randint(30, 700)),
                          granting_unit=center.name if level != Level.MUNICIPAL
                          else "北京市志愿服务联合会", reason="长期坚持志愿服务，服务时长位居前列",
                          source=Award.Source.STAFF, created_by=staff))
    teams = Team.objects.filter(org__path__startswith=center.path).annotate(
        n=Count("memberships")).order_by("-n")[:count // 3 or 1]
    for team in teams:
        name, level = rng.choice(TEAM_AWARDS)
        rows.append(Award(team=team, name=name, level=level,
                          date=today - datetime.timedelta(days=rng.randint(30, 700)),
                          granting_unit=center.name, reason="服务群众满意度高",
                          source=Award.Source.STAFF, created_by=staff))
    Award.objects.bulk_create(rows)


def _consents(center: OrgNode, rng) -> None:
    ids = list(Volunteer.objects.filter(station__path__startswith=center.path)
               .values_list("pk", flat=True)[:2000])
    chosen = rng.sample(ids, k=min(60, len(ids)))
    PublicityConsent.objects.bulk_create(
        [PublicityConsent(volunteer_id=v, display=PublicityConsent.Display.FULL
                          if i % 3 else PublicityConsent.Display.HIDDEN)
         for i, v in enumerate(chosen)], ignore_conflicts=True)


def _at(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(10, 0),
                                     tzinfo=timezone.get_default_timezone())


def _backdate(selection: Selection, end: datetime.date) -> None:
    """Each step a day or so after the last, from two days after the period ended."""
    for i, event in enumerate(SelectionEvent.objects.filter(selection=selection)):
        step = 2 + i if i < 3 else 12
        SelectionEvent.objects.filter(pk=event.pk).update(at=_at(end + datetime.timedelta(
            days=step)))
