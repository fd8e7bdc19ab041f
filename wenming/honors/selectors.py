"""Rankings read from the ledgers, never stored: the score of every volunteer (or team) of a
node's subtree in a natural period, with its breakdown.

What counts (docs/honors.md): approved hours-ledger lines whose service date lies in the
period; a reversing line (approved, negative hours, same service date) subtracts its hours
and the activity or order it corrected. A line approved late counts in the period of its
service date, from the moment it is approved. Ratings are those of the orders whose approved,
unreversed line lies in the period; wishes are those confirmed in the period.

Ties: the higher score first, then more hours, then the earlier registration (the team
founded earlier), then the smaller id. Every rank is distinct.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case, Count, IntegerField, Q, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wenming.activities.models import Activity, ServiceRecord
from wenming.core.cleaning import FIRST_DAY
from wenming.core.errors import DomainError
from wenming.orders.models import ServiceOrder
from wenming.orgs.models import OrgNode
from wenming.people.models import Volunteer
from wenming.teams.models import Membership, Team
from wenming.wishes.models import State as WishState
from wenming.wishes.models import WishEvent

from .models import Award, Period, PublicityConsent, RankingFormula, Selection

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
NEUTRAL_RATING = Decimal("3")
R = ServiceRecord.Kind

FACTOR_LABELS = {
    "hours": gettext_lazy("服务时长"), "activities": gettext_lazy("参加活动"),
    "orders": gettext_lazy("完成点单"), "rating": gettext_lazy("服务评价"),
    "wishes": gettext_lazy("实现心愿"),
    "team_hours": gettext_lazy("人均服务时长"), "team_rating": gettext_lazy("服务评价"),
    "team_activities": gettext_lazy("组织活动"),
}


# ---- periods ------------------------------------------------------------------------------

def period_bounds(period: str, day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The natural period (Asia/Shanghai dates, both ends inclusive) that holds `day`."""
    if period == Period.WEEK:
        start = day - datetime.timedelta(days=day.weekday())
        return start, start + datetime.timedelta(days=6)
    if period == Period.MONTH:
        start = day.replace(day=1)
        return start, _next_month(start) - datetime.timedelta(days=1)
    if period == Period.QUARTER:
        start = day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
        return start, _next_month(_next_month(_next_month(start))) - datetime.timedelta(days=1)
    if period == Period.YEAR:
        return day.replace(month=1, day=1), day.replace(month=12, day=31)
    if period == Period.ALL:
        return FIRST_DAY, day
    raise DomainError(_("未知的周期：%(p)s") % {"p": period}, code="invalid_period")


def _next_month(first: datetime.date) -> datetime.date:
    return (first + datetime.timedelta(days=32)).replace(day=1)


def period_label(period: str, start: datetime.date) -> str:
    if period == Period.WEEK:
        return _("%(y)d年第%(w)d周") % {"y": start.isocalendar()[0], "w": start.isocalendar()[1]}
    if period == Period.MONTH:
        return _("%(y)d年%(m)d月") % {"y": start.year, "m": start.month}
    if period == Period.QUARTER:
        return _("%(y)d年第%(q)d季度") % {"y": start.year, "q": (start.month - 1) // 3 + 1}
    if period == Period.YEAR:
        return _("%(y)d年度") % {"y": start.year}
    return _("累计")


def checked_period(period: str, day: datetime.date | None) -> tuple[datetime.date, datetime.date]:
    """A request's period: a known one, and a date not after today (the future has no
    ranking yet). 400 otherwise, with nothing read."""
    if period not in Period.values:
        raise DomainError(_("未知的周期：%(p)s") % {"p": period}, code="invalid_period")
    today = timezone.localdate()
    day = day or today
    if not FIRST_DAY <= day <= today:
        raise DomainError(_("日期应在%(a)s到今天之间") % {"a": FIRST_DAY}, code="date_out_of_range")
    return period_bounds(period, day)


# ---- the formula ---------------------------------------------------------------------------

def district_of(node: OrgNode) -> int:
    return int(node.path.strip("/").split("/")[0])


def formula_for(node: OrgNode) -> RankingFormula:
    """The district's formula; the documented defaults (unsaved) when it has none."""
    district = district_of(node)
    return RankingFormula.objects.filter(district_id=district).first() or RankingFormula(
        district_id=district)


def _part(weight: Decimal, value: Decimal) -> Decimal:
    return (Decimal(weight) * value).quantize(CENT, rounding=ROUND_HALF_UP)


def _avg(total: int, count: int) -> Decimal:
    return (Decimal(total) / Decimal(count)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


# ---- rows ----------------------------------------------------------------------------------

@dataclass
class Row:
    """One ranked volunteer or team: its factors (raw figures), the part of the score each
    gives (`breakdown`), the score (their sum) and the place."""

    subject_id: int
    name: str
    factors: dict = field(default_factory=dict)
    breakdown: dict = field(default_factory=dict)
    score: Decimal = ZERO
    hours: Decimal = ZERO
    since: datetime.datetime | None = None
    rank: int = 0

    def sort_key(self):
        return (-self.score, -self.hours, self.since or datetime.datetime.max.replace(
            tzinfo=datetime.UTC), self.subject_id)


@dataclass
class Ranking:
    kind: str  # volunteer or team
    node: OrgNode
    period: str
    start: datetime.date
    end: datetime.date
    formula: RankingFormula
    rows: list[Row]

    def position_of(self, subject_id: int) -> Row | None:
        return next((r for r in self.rows if r.subject_id == subject_id), None)

    @property
    def label(self) -> str:
        return period_label(self.period, self.start)


def _ranked(rows: list[Row]) -> list[Row]:
    rows.sort(key=Row.sort_key)
    for place, row in enumerate(rows, 1):
        row.rank = place
    return rows


# ---- volunteers -----------------------------------------------------------------------------

def _ledger(start: datetime.date, end: datetime.date):
    return ServiceRecord.objects.filter(status=ServiceRecord.Status.APPROVED,
                                        service_date__gte=start, service_date__lte=end)


def _ledger_sums(qs) -> dict[int, dict]:
    """Per volunteer: net approved hours, activities and orders (a reversal counts -1)."""
    one, minus = Value(1), Value(-1)
    rows = qs.values("volunteer_id").annotate(
        hours=Sum("hours"),
        activities=Sum(Case(When(kind__in=[R.ATTENDANCE, R.BACKFILL], activity_id__isnull=False,
                                 then=one),
                            When(kind=R.REVERSAL, activity_id__isnull=False, then=minus),
                            default=Value(0), output_field=IntegerField())),
        orders=Sum(Case(When(kind=R.ORDER, then=one),
                        When(kind=R.REVERSAL, order_id__isnull=False, then=minus),
                        default=Value(0), output_field=IntegerField())))
    return {r["volunteer_id"]: r for r in rows}


def _served_orders(start, end):
    """Ids of orders whose approved ledger line lies in the period and was not reversed."""
    return _ledger(start, end).filter(kind=R.ORDER, reversed_by__isnull=True).values("order_id")


def _ratings(orders_q: Q, start, end, key: str) -> dict[int, tuple[int, int]]:
    rows = ServiceOrder.objects.filter(orders_q, score__isnull=False,
                                       pk__in=_served_orders(start, end)).values(key).annotate(
        total=Sum("score"), n=Count("id"))
    return {r[key]: (r["total"], r["n"]) for r in rows}


def _wishes(start, end, volunteer_q: Q) -> dict[int, int]:
    lo, hi = _day_bounds(start, end)
    rows = WishEvent.objects.filter(
        volunteer_q, to_state=WishState.CONFIRMED, at__gte=lo, at__lt=hi,
        wish__claimed_volunteer__isnull=False).values("wish__claimed_volunteer_id").annotate(
        n=Count("wish_id", distinct=True))
    return {r["wish__claimed_volunteer_id"]: r["n"] for r in rows}


def _day_bounds(start: datetime.date, end: datetime.date):
    zone = timezone.get_default_timezone()
    lo = datetime.datetime.combine(start, datetime.time.min, tzinfo=zone)
    hi = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min,
                                   tzinfo=zone)
    return lo, hi


def volunteer_row(formula: RankingFormula, vid: int, sums: dict | None,
                  rating: tuple[int, int] | None, wishes: int) -> Row:
    sums = sums or {}
    hours = Decimal(sums.get("hours") or 0).quantize(CENT)
    acts, orders = int(sums.get("activities") or 0), int(sums.get("orders") or 0)
    avg = _avg(*rating) if rating else None
    breakdown = {
        "hours": _part(formula.w_hours, hours),
        "activities": _part(formula.w_activities, Decimal(acts)),
        "orders": _part(formula.w_orders, Decimal(orders)),
        "rating": _part(formula.w_rating, avg - NEUTRAL_RATING) if avg is not None else ZERO,
        "wishes": _part(formula.w_wishes, Decimal(wishes)),
    }
    factors = {"hours": hours, "activities": acts, "orders": orders, "avg_rating": avg,
               "ratings": rating[1] if rating else 0, "wishes": wishes}
    return Row(subject_id=vid, name="", factors=factors, breakdown=breakdown,
               score=sum(breakdown.values(), ZERO), hours=hours)


def volunteer_ranking(node: OrgNode, period: str, start: datetime.date,
                      end: datetime.date) -> Ranking:
    """Every volunteer registered in `node`'s subtree with anything to count in the period,
    ranked. Four queries whatever the size: the ledger, the ratings, the wishes, the names."""
    formula = formula_for(node)
    in_subtree = {"volunteer__station__path__startswith": node.path}
    sums = _ledger_sums(_ledger(start, end).filter(**in_subtree))
    ratings = _ratings(Q(**in_subtree), start, end, "volunteer_id")
    wishes = _wishes(start, end, Q(wish__claimed_volunteer__station__path__startswith=node.path))
    ids = set(sums) | set(ratings) | set(wishes)
    rows = [volunteer_row(formula, vid, sums.get(vid), ratings.get(vid), wishes.get(vid, 0))
            for vid in ids]
    people = dict(Volunteer.objects.filter(pk__in=ids).values_list("pk", "registered_at")) \
        if ids else {}
    for row in rows:
        row.since = people.get(row.subject_id)
    return Ranking("volunteer", node, period, start, end, formula, _ranked(rows))


# ---- teams ---------------------------------------------------------------------------------

def team_ranking(node: OrgNode, period: str, start: datetime.date, end: datetime.date) -> Ranking:
    """Teams anchored in `node`'s subtree: their active members' approved hours per member,
    the ratings of orders those members served, and the activities the team ran."""
    formula = formula_for(node)
    teams = dict(Team.objects.filter(org__path__startswith=node.path, is_active=True)
                 .values_list("pk", "created_at"))
    members: dict[int, set[int]] = defaultdict(set)
    for team_id, vid in Membership.objects.filter(
            team_id__in=teams, status=Membership.Status.ACTIVE).values_list("team_id",
                                                                            "volunteer_id"):
        members[team_id].add(vid)
    everyone = set().union(*members.values()) if members else set()
    sums = _ledger_sums(_ledger(start, end).filter(volunteer_id__in=everyone))
    ratings = _ratings(Q(volunteer_id__in=everyone), start, end, "volunteer_id")
    lo, hi = _day_bounds(start, end)
    runs = dict(Activity.objects.filter(team_id__in=teams, start__gte=lo, start__lt=hi)
                .exclude(status=Activity.Status.CANCELLED).values("team_id")
                .annotate(n=Count("id")).values_list("team_id", "n"))
    rows = []
    for team_id, since in teams.items():
        row = team_row(formula, team_id, members.get(team_id, set()), sums, ratings,
                       runs.get(team_id, 0))
        if row.score or row.hours or row.factors["activities"] or row.factors["ratings"]:
            row.since = since
            rows.append(row)
    return Ranking("team", node, period, start, end, formula, _ranked(rows))


def team_row(formula: RankingFormula, team_id: int, member_ids: set[int], sums: dict,
             ratings: dict, runs: int) -> Row:
    hours = sum((Decimal(sums[v]["hours"] or 0) for v in member_ids if v in sums), ZERO)
    per_member = (hours / len(member_ids)).quantize(CENT, rounding=ROUND_HALF_UP) \
        if member_ids else ZERO
    total = sum(ratings[v][0] for v in member_ids if v in ratings)
    count = sum(ratings[v][1] for v in member_ids if v in ratings)
    avg = _avg(total, count) if count else None
    breakdown = {
        "team_hours": _part(formula.w_team_hours, per_member),
        "team_rating": _part(formula.w_team_rating, avg - NEUTRAL_RATING)
        if avg is not None else ZERO,
        "team_activities": _part(formula.w_team_activities, Decimal(runs)),
    }
    factors = {"hours": hours.quantize(CENT), "members": len(member_ids),
               "hours_per_member": per_member, "avg_rating": avg, "ratings": count,
               "activities": runs}
    return Row(subject_id=team_id, name="", factors=factors, breakdown=breakdown,
               score=sum(breakdown.values(), ZERO), hours=hours)


def ranking(kind: str, node: OrgNode, period: str, start, end) -> Ranking:
    build = team_ranking if kind == "team" else volunteer_ranking
    return build(node, period, start, end)


# ---- names ---------------------------------------------------------------------------------

def public_name(real_name: str, display: str) -> str:
    """A volunteer's name as they allowed it to be published (default: surname only)."""
    if display == PublicityConsent.Display.FULL and real_name:
        return real_name
    if display == PublicityConsent.Display.HIDDEN or not real_name:
        return _("志愿者")
    return _("%(s)s志愿者") % {"s": real_name[0]}


def name_rows(ranking: Ranking, rows: list[Row], *, full: bool) -> None:
    """Fill the names of `rows` (a page of them): teams by name; volunteers in full for staff
    who manage the node (`full`), otherwise as each allowed."""
    ids = [r.subject_id for r in rows]
    if ranking.kind == "team":
        names = dict(Team.objects.filter(pk__in=ids).values_list("pk", "name"))
        for row in rows:
            row.name = names.get(row.subject_id, "")
        return
    names = dict(Volunteer.objects.filter(pk__in=ids).values_list("pk", "real_name"))
    consent = {} if full else dict(PublicityConsent.objects.filter(
        volunteer_id__in=ids).values_list("volunteer_id", "display"))
    for row in rows:
        real = names.get(row.subject_id, "")
        row.name = real if full else public_name(
            real, consent.get(row.subject_id, PublicityConsent.Display.SURNAME))


def display_of(volunteer: Volunteer) -> str:
    consent = PublicityConsent.objects.filter(volunteer=volunteer).first()
    return consent.display if consent else PublicityConsent.Display.SURNAME


# ---- the board -----------------------------------------------------------------------------

STAR_ROWS = 10


def board_of(node: OrgNode) -> dict:
    """What the 光荣榜 of `node` shows: the latest announced selection of each kind in its
    subtree (the node's own first), the selections in publicity, and this month's stars
    (the top of the monthly ranking; last month's while this one has none yet), every
    volunteer's name as they allowed."""
    announced = {}
    qs = Selection.objects.filter(org__path__startswith=node.path, state="announced").order_by(
        "-period_start", "org__depth", "-id").select_related("org")
    for selection in qs[:30]:
        announced.setdefault(selection.kind, selection)
    winners = {}
    for kind, selection in announced.items():
        awards = Award.objects.filter(selection=selection).select_related("volunteer", "team")
        winners[kind] = (selection, [_award_name(a) for a in awards])
    start, end = period_bounds(Period.MONTH, timezone.localdate())
    month = volunteer_ranking(node, Period.MONTH, start, end)
    if not month.rows:  # early in a month nothing may be approved yet: last month's stars
        start, end = period_bounds(Period.MONTH, start - datetime.timedelta(days=1))
        month = volunteer_ranking(node, Period.MONTH, start, end)
    stars = month.rows[:STAR_ROWS]
    name_rows(month, stars, full=False)
    publicity = Selection.objects.filter(org__path__startswith=node.path,
                                         state="publicized").order_by("-publicity_start")[:5]
    return {"winners": [winners[k] for k in ("star", "advanced_team", "five_star_team")
                        if k in winners],
            "stars": stars, "month_label": month.label, "publicity": list(publicity)}


def _award_name(award) -> str:
    if award.team_id:
        return award.team.name
    return public_name(award.volunteer.real_name, display_of(award.volunteer))
