"""Rankings read from the ledgers, never stored: the score of every volunteer (or team) of a
node's subtree in a natural period, with its breakdown.

What counts (docs/honors.md): approved hours-ledger lines whose service date lies in the
period; a reversing line (approved, negative hours, same service date) subtracts its hours
and the activity or order it corrected. A line approved late counts in the period of its
service date, from the moment it is approved. Ratings are those of the orders whose approved,
unreversed line lies in the period; wishes are those confirmed in the period.

Ties: the higher score first, then more hours, then the smaller id (the account created
earlier). Every rank is distinct.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Round
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wenming.activities.models import Activity, ServiceRecord
from wenming.core.cleaning import FIRST_DAY
from wenming.core.errors import DomainError
from wenming.orders.models import ServiceOrder
from wenming.orgs.models import OrgNode
from wenming.people.models import Volunteer
from wenming.stats.rollup import cover, rows_in
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


def _cents(value) -> int:
    """A weight (two decimal places) or an amount as a whole number of hundredths."""
    return int(Decimal(value) * 100)


def _half(n: int) -> int:
    """Ten-thousandths to hundredths, half away from zero (as Decimal's ROUND_HALF_UP)."""
    return (n + 50) // 100 if n >= 0 else -((-n + 50) // 100)


def _money(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


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
    rank: int = 0


class Rows(Sequence):
    """The ranked subjects in order, a `Row` (breakdown and all) built only for the places
    asked for: a district's year has a hundred thousand volunteers and a page shows twenty."""

    def __init__(self, order: list[int], make: Callable[[int, int], Row]):
        self.order, self._make, self._index = order, make, None

    def __len__(self) -> int:
        return len(self.order)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self._make(self.order[k], k + 1) for k in range(*i.indices(len(self.order)))]
        i = i + len(self.order) if i < 0 else i
        return self._make(self.order[i], i + 1)

    def row_at(self, subject_id: int, place: int) -> Row:
        return self._make(subject_id, place)

    def place_of(self, subject_id: int) -> int | None:
        if self._index is None:
            self._index = {s: k for k, s in enumerate(self.order)}
        k = self._index.get(subject_id)
        return None if k is None else k + 1


class DbRows(Sequence):
    """The ranked volunteers of a calendar month, quarter or year, ordered by the database:
    the rollup holds one row per volunteer and period, and the score's linear part (hours,
    activities, orders) is computed and sorted there, so a page of a hundred thousand
    volunteers reads twenty rows. The few volunteers with ratings or wishes in the period
    (`adjusted`, scored exactly in Python) are merged in: a page fetches as many more rows
    as there are of them; a place counts the rows ahead in the database and corrects for
    them. The same tie rule as `_order`."""

    def __init__(self, rows, adjusted: dict[int, tuple[int, int, tuple]],
                 make: Callable[[int, int, tuple], Row]):
        # rows: VolunteerPeriod rows annotated `lin` (hundredths); adjusted: volunteer ->
        # (exact score, cents, sums); make(volunteer, place, sums) builds a Row.
        self.rows, self.adjusted, self._make, self._len = rows, adjusted, make, None
        self._adjusted_without_row = None

    def _keyed(self, v: int, score: int, cents: int) -> tuple[int, int, int]:
        return (-score, -cents, v)

    def _extra(self) -> list[int]:
        """Adjusted volunteers without a rollup row (wishes only): not counted by SQL."""
        if self._adjusted_without_row is None:
            have = set(self.rows.filter(volunteer_id__in=list(self.adjusted)).values_list(
                "volunteer_id", flat=True)) if self.adjusted else set()
            self._adjusted_without_row = [v for v in self.adjusted if v not in have]
        return self._adjusted_without_row

    def __len__(self) -> int:
        if self._len is None:
            self._len = self.rows.count() + len(self._extra())
        return self._len

    def __iter__(self):
        yield from self[0:len(self)]

    def _top(self, n: int) -> list[tuple[tuple, int, tuple]]:
        """The first `n` places: (sort key, volunteer, sums)."""
        fetched = self.rows.order_by("-lin", "-cents", "volunteer_id").values_list(
            "volunteer_id", "lin", "cents", "activities", "orders")[:n + len(self.adjusted)]
        merged = [(self._keyed(v, lin, c), v, (c, a, o)) for v, lin, c, a, o in fetched
                  if v not in self.adjusted]
        merged += [(self._keyed(v, score, c), v, sums)
                   for v, (score, c, sums) in self.adjusted.items()]
        merged.sort()
        return merged[:n]

    def __getitem__(self, i):
        if isinstance(i, slice):
            start, stop, step = i.indices(len(self))
            top = self._top(stop) if stop > start else []
            return [self._make(v, k + 1, sums) for k, (_key, v, sums) in
                    list(enumerate(top))[start:stop:step]]
        n = len(self)
        i = i + n if i < 0 else i
        if not 0 <= i < n:
            raise IndexError(i)
        return self[i:i + 1][0]

    def row_at(self, subject_id: int, place: int) -> Row:
        if subject_id in self.adjusted:
            return self._make(subject_id, place, self.adjusted[subject_id][2])
        c, a, o = self.rows.filter(volunteer_id=subject_id).values_list(
            "cents", "activities", "orders").get()
        return self._make(subject_id, place, (c, a, o))

    def place_of(self, subject_id: int) -> int | None:
        if subject_id in self.adjusted:
            score, cents, _sums = self.adjusted[subject_id]
        else:
            mine = self.rows.filter(volunteer_id=subject_id).values_list("lin", "cents").first()
            if mine is None:
                return None
            score, cents = mine
        key = self._keyed(subject_id, score, cents)
        ahead = self.rows.filter(Q(lin__gt=score) | Q(lin=score, cents__gt=cents) | Q(
            lin=score, cents=cents, volunteer_id__lt=subject_id)).count()
        linear = dict(self.rows.filter(volunteer_id__in=list(self.adjusted)).values_list(
            "volunteer_id", "lin")) if self.adjusted else {}
        for v, (exact, c, _sums) in self.adjusted.items():
            if v in linear and self._keyed(v, linear[v], c) < key:
                ahead -= 1  # counted by the database at its linear score (itself too)
            if v != subject_id and self._keyed(v, exact, c) < key:
                ahead += 1
        return ahead + 1


@dataclass
class Ranking:
    kind: str  # volunteer or team
    node: OrgNode
    period: str
    start: datetime.date
    end: datetime.date
    formula: RankingFormula
    rows: Rows

    def position_of(self, subject_id: int) -> Row | None:
        place = self.rows.place_of(subject_id)
        return None if place is None else self.rows.row_at(subject_id, place)

    @property
    def label(self) -> str:
        return period_label(self.period, self.start)


def _order(scores: dict[int, tuple[int, int]]) -> list[int]:
    """The tie rule: the higher score, then more hours, then the smaller id (the account
    created earlier)."""
    return [s for _neg, _hours, s in sorted((-score, -hours, s)
                                            for s, (score, hours) in scores.items())]


# ---- volunteers -----------------------------------------------------------------------------

def _ledger(start: datetime.date, end: datetime.date):
    return ServiceRecord.objects.filter(status=ServiceRecord.Status.APPROVED,
                                        service_date__gte=start, service_date__lte=end)


def _ledger_sums(qs) -> dict[int, tuple[int, int, int]]:
    """Per volunteer: net approved hours (in hundredths), activities and orders (a reversal
    counts -1). Whole numbers straight from the database: no Decimal per row."""
    one, minus = Value(1), Value(-1)
    rows = qs.values("volunteer_id").annotate(
        cents=Cast(Round(Sum("hours") * 100), IntegerField()),
        activities=Sum(Case(When(kind__in=[R.ATTENDANCE, R.BACKFILL], activity_id__isnull=False,
                                 then=one),
                            When(kind=R.REVERSAL, activity_id__isnull=False, then=minus),
                            default=Value(0), output_field=IntegerField())),
        orders=Sum(Case(When(kind=R.ORDER, then=one),
                        When(kind=R.REVERSAL, order_id__isnull=False, then=minus),
                        default=Value(0), output_field=IntegerField()))
    ).values_list("volunteer_id", "cents", "activities", "orders")
    return {v: (c or 0, a or 0, o or 0) for v, c, a, o in rows}


def _sums(start: datetime.date, end: datetime.date, who: Q) -> dict[int, tuple[int, int, int]]:
    """`_ledger_sums` of [start, end] for the volunteers `who` selects (a Q on volunteer_id):
    whole years and months from the per-volunteer rollup (stats.VolunteerPeriod, kept in
    the ledger's transaction), the ledger itself only for the days at the edges. A
    volunteer is counted when they have any approved line in the period (`lines`)."""
    c = cover(start, end)
    out: dict[int, tuple[int, int, int]] = {}
    if c.rows is not None:
        rows = rows_in(c).filter(who, lines__gt=0)
        if c.one_row_each:
            rows = rows.values_list("volunteer_id", "cents", "activities", "orders")
        else:  # several rows each: summed per volunteer
            rows = rows.values("volunteer_id").annotate(
                cents=Sum("cents"), acts=Sum("activities"), n=Sum("orders")).values_list(
                "volunteer_id", "cents", "acts", "n")
        out = {v: (h, a, o) for v, h, a, o in rows}
    for first, last in c.days:
        for v, (h, a, o) in _ledger_sums(_ledger(first, last).filter(who)).items():
            h0, a0, o0 = out.get(v, (0, 0, 0))
            out[v] = (h0 + h, a0 + a, o0 + o)
    return out


def _served_orders(start, end):
    """Ids of orders whose approved ledger line lies in the period and was not reversed."""
    return _ledger(start, end).filter(kind=R.ORDER, reversed_by__isnull=True).values("order_id")


def _ratings(orders_q: Q, start, end, key: str) -> dict[int, tuple[int, int]]:
    """Sum and count of scores per `key` of the rated orders whose approved, unreversed
    ledger line lies in the period. The ledger's lines of rated orders are found through
    its order index alone (a covering read), then filtered here: with the period's
    conditions in the statement, SQLite's planner scans the period's half a million lines
    instead (measured at district size: seconds)."""
    rated_orders = ServiceOrder.objects.filter(orders_q, score__isnull=False)
    hits = list(ServiceRecord.objects.filter(order_id__in=rated_orders.values("pk"))
                .values_list("pk", flat=True))  # the order index alone (covering)
    if not hits:
        return {}
    lines = list(ServiceRecord.objects.filter(pk__in=hits).values_list(
        "pk", "order_id", "kind", "status", "service_date", "reverses_id"))
    rated = {pk: (who, score) for pk, who, score in rated_orders.filter(
        pk__in={o for _pk, o, *_rest in lines}).values_list("pk", key, "score")}
    undone = {rev for _pk, _o, kind, _s, _d, rev in lines if kind == R.REVERSAL}
    served = {o for pk, o, kind, status, day, _rev in lines
              if kind == R.ORDER and status == ServiceRecord.Status.APPROVED
              and start <= day <= end and pk not in undone}
    out: dict[int, tuple[int, int]] = {}
    for pk in served:
        who, score = rated[pk]
        total, n = out.get(who, (0, 0))
        out[who] = (total + score, n + 1)
    return out


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


def _rating_cents(weight, rating: tuple[int, int] | None) -> int:
    return _cents(_part(weight, _avg(*rating) - NEUTRAL_RATING)) if rating else 0


def volunteer_parts(formula: RankingFormula, sums: tuple[int, int, int],
                    rating: tuple[int, int] | None, wishes: int) -> dict[str, int]:
    """Each factor's part of the score, in hundredths."""
    hours, acts, orders = sums
    return {"hours": _half(_cents(formula.w_hours) * hours),
            "activities": _cents(formula.w_activities) * acts,
            "orders": _cents(formula.w_orders) * orders,
            "rating": _rating_cents(formula.w_rating, rating),
            "wishes": _cents(formula.w_wishes) * wishes}


def _is_only_district(node: OrgNode) -> bool:
    return node.parent_id is None and not OrgNode.objects.filter(parent=None).exclude(
        pk=node.pk).exists()


def _volunteers_of(node: OrgNode) -> Q:
    """Rows of volunteers registered in `node`'s subtree, in the form the database runs
    fastest (measured at district size, bench_honors): no condition at all for the only
    district's center (every volunteer is in it), else the volunteer ids of the subtree as a
    subquery, which reads the ledger through its volunteer index."""
    if _is_only_district(node):
        return Q()
    return Q(volunteer_id__in=Volunteer.objects.filter(
        station__path__startswith=node.path).values("pk"))


def _linear(formula: RankingFormula):
    """The score's linear part in hundredths, as SQL over rollup rows: hours rounded half
    away from zero as `_half`, activities and orders × their weights."""
    n = F("cents") * Value(_cents(formula.w_hours))
    return n, (F("activities") * Value(_cents(formula.w_activities))
               + F("orders") * Value(_cents(formula.w_orders)))


def volunteer_ranking(node: OrgNode, period: str, start: datetime.date,
                      end: datetime.date) -> Ranking:
    """Every volunteer registered in `node`'s subtree with anything to count in the period,
    ranked. A calendar month, quarter or year is ranked by the database over the rollup
    (`DbRows`); other periods (a week, all time up to a day) in Python over `_sums`."""
    formula = formula_for(node)
    in_subtree = _volunteers_of(node)
    ratings = _ratings(in_subtree, start, end, "volunteer_id")
    wishes = _wishes(start, end, Q(wish__claimed_volunteer__station__path__startswith=node.path))

    def make(vid: int, place: int, sums: tuple[int, int, int]) -> Row:
        parts = volunteer_parts(formula, sums, ratings.get(vid), wishes.get(vid, 0))
        hours, acts, orders = sums
        rating = ratings.get(vid)
        factors = {"hours": _money(hours), "activities": acts, "orders": orders,
                   "avg_rating": _avg(*rating) if rating else None,
                   "ratings": rating[1] if rating else 0, "wishes": wishes.get(vid, 0)}
        return Row(subject_id=vid, name="", factors=factors, rank=place,
                   breakdown={k: _money(c) for k, c in parts.items()},
                   score=_money(sum(parts.values())), hours=_money(hours))

    c = cover(start, end)
    if c.one_row_each and not c.days and period != Period.ALL:
        n, rest = _linear(formula)
        rows = rows_in(c).filter(in_subtree, lines__gt=0).annotate(n=n).annotate(
            lin=Case(When(n__gte=0, then=(F("n") + Value(50)) / Value(100)),
                     default=-((Value(50) - F("n")) / Value(100)),
                     output_field=IntegerField()) + rest)
        special = set(ratings) | set(wishes)
        have = {v: (h, a, o) for v, h, a, o in rows.filter(
            volunteer_id__in=list(special)).values_list(
            "volunteer_id", "cents", "activities", "orders")} if special else {}
        adjusted = {}
        for v in special:
            sums = have.get(v, (0, 0, 0))
            adjusted[v] = (sum(volunteer_parts(formula, sums, ratings.get(v),
                                               wishes.get(v, 0)).values()), sums[0], sums)
        return Ranking("volunteer", node, period, start, end, formula,
                       DbRows(rows, adjusted, make))

    sums = _sums(start, end, in_subtree)
    w_hours, w_acts, w_orders = (_cents(formula.w_hours), _cents(formula.w_activities),
                                 _cents(formula.w_orders))
    scores = {v: (_half(w_hours * h) + w_acts * a + w_orders * o, h)
              for v, (h, a, o) in sums.items()}
    for v in set(ratings) | set(wishes):  # the few with ratings or wishes: the slow path
        h = sums.get(v, (0, 0, 0))
        scores[v] = (sum(volunteer_parts(formula, h, ratings.get(v), wishes.get(v, 0))
                         .values()), h[0])
    return Ranking("volunteer", node, period, start, end, formula, Rows(
        _order(scores), lambda vid, place: make(vid, place, sums.get(vid, (0, 0, 0)))))


# ---- teams ---------------------------------------------------------------------------------

def team_ranking(node: OrgNode, period: str, start: datetime.date, end: datetime.date) -> Ranking:
    """Teams anchored in `node`'s subtree: their active members' approved hours per member,
    the ratings of orders those members served, and the activities the team ran."""
    formula = formula_for(node)
    teams = list(Team.objects.filter(org__path__startswith=node.path, is_active=True)
                 .values_list("pk", flat=True))
    members: dict[int, set[int]] = defaultdict(set)
    for team_id, vid in Membership.objects.filter(
            team_id__in=teams, status=Membership.Status.ACTIVE).values_list("team_id",
                                                                            "volunteer_id"):
        members[team_id].add(vid)
    # The members as a subquery (a Python list of tens of thousands of ids is slow, and
    # SQLite caps a statement's parameters); none at all for the only district's center.
    everyone = Q() if _is_only_district(node) else Q(volunteer_id__in=Membership.objects.filter(
        team__org__path__startswith=node.path, team__is_active=True,
        status=Membership.Status.ACTIVE).values("volunteer_id"))
    sums = _sums(start, end, everyone)
    ratings = _ratings(everyone, start, end, "volunteer_id")
    lo, hi = _day_bounds(start, end)
    runs = dict(Activity.objects.filter(team_id__in=teams, start__gte=lo, start__lt=hi)
                .exclude(status=Activity.Status.CANCELLED).values("team_id")
                .annotate(n=Count("id")).values_list("team_id", "n"))
    built = {t: team_row(formula, t, members.get(t, set()), sums, ratings, runs.get(t, 0))
             for t in teams}
    built = {t: r for t, r in built.items()
             if r.score or r.hours or r.factors["activities"] or r.factors["ratings"]}
    order = _order({t: (_cents(r.score), _cents(r.hours)) for t, r in built.items()})

    def make(team_id: int, place: int) -> Row:
        row = built[team_id]
        row.rank = place
        return row

    return Ranking("team", node, period, start, end, formula, Rows(order, make))


def team_row(formula: RankingFormula, team_id: int, member_ids: set[int], sums: dict,
             ratings: dict, runs: int) -> Row:
    hours = _money(sum(sums[v][0] for v in member_ids if v in sums))
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
    factors = {"hours": hours, "members": len(member_ids), "hours_per_member": per_member,
               "avg_rating": avg, "ratings": count, "activities": runs}
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
