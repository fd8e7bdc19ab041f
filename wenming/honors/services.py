"""Every write of 荣誉表彰: the formula, publicity consent, the selection's steps (each with its
event row) and awards."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.core.errors import Conflict, Forbidden
from wenming.inbox.services import notify
from wenming.orgs.models import OrgNode
from wenming.orgs.permissions import can_manage
from wenming.people.models import User, Volunteer
from wenming.teams.models import Team

from .models import (
    MOVES,
    WORKFLOW,
    Award,
    Level,
    Nominee,
    Objection,
    PublicityConsent,
    RankingFormula,
    Selection,
    SelectionEvent,
    State,
)
from .permissions import require, selection_caps
from .selectors import checked_period, district_of, formula_for, period_label, ranking

S = State
Action = SelectionEvent.Action
FORMULA_FIELDS = ("w_hours", "w_activities", "w_orders", "w_rating", "w_wishes", "w_team_hours",
                  "w_team_rating", "w_team_activities", "nominate_top", "publicity_days")
MAX_WEIGHT = Decimal("1000")
# An award's level follows the node that selects: the center's is a district honour.
LEVEL_OF_KIND = {OrgNode.Kind.CENTER: Level.DISTRICT, OrgNode.Kind.INSTITUTE: Level.SUBDISTRICT,
                 OrgNode.Kind.STATION: Level.COMMUNITY, OrgNode.Kind.POINT: Level.COMMUNITY}


def _reason(value: str, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError(_("请填写理由"), code="reason_required")
    if len(value) > 1000:
        raise ValidationError(_("理由不能超过1000字"), code="reason_too_long")
    return value


# ---- the formula and consent ---------------------------------------------------------------

@transaction.atomic
def formula_update(*, by: User, node: OrgNode, **values) -> RankingFormula:
    """Staff of the district's center set its weights and selection settings."""
    district = OrgNode.objects.get(pk=district_of(node))
    require(can_manage(by, district), _("只有实践中心的工作人员可以修改评分规则"))
    formula, _created = RankingFormula.objects.select_for_update().get_or_create(
        district=district)
    for name in FORMULA_FIELDS:
        if name in values and values[name] is not None:
            setattr(formula, name, values[name])
    for name in FORMULA_FIELDS[:8]:
        if not Decimal(0) <= Decimal(getattr(formula, name)) <= MAX_WEIGHT:
            raise ValidationError(_("权重应在0到1000之间"), code="invalid_weight")
    if not 1 <= formula.nominate_top <= 200:
        raise ValidationError(_("提名人数应在1到200之间"), code="invalid_top")
    if not 5 <= formula.publicity_days <= 30:
        raise ValidationError(_("公示期应为5到30个工作日"), code="invalid_publicity_days")
    formula.updated_by = by
    formula.save()
    return formula


@transaction.atomic
def consent_set(*, by: User, display: str) -> PublicityConsent:
    """A volunteer chooses how their name appears on boards and rankings."""
    volunteer = Volunteer.objects.filter(user=by).first()
    require(volunteer is not None, _("只有志愿者可以设置"))
    if display not in PublicityConsent.Display.values:
        raise ValidationError(_("公开方式不正确"), code="invalid_display")
    consent, _created = PublicityConsent.objects.update_or_create(
        volunteer=volunteer, defaults={"display": display})
    return consent


# ---- selections ------------------------------------------------------------------------------

def _event(selection: Selection, action: str, *, by: User | None, reason: str = "",
           from_state: str = "", to_state: str = "", nominee: Nominee | None = None) -> None:
    SelectionEvent.objects.create(selection=selection, action=action, by=by, reason=reason,
                                  from_state=from_state, to_state=to_state, nominee=nominee)


def selection_transition(selection: Selection, move: str, *, by: User | None,
                         reason: str = "", **changes) -> Selection:
    """Move a locked selection by a named move, or 409 invalid_transition; writes the event."""
    to, only_from = MOVES[move]
    WORKFLOW.check(selection.state, to, only_from=only_from)
    from_state = selection.state
    for name, value in changes.items():
        setattr(selection, name, value)
    selection.state = to
    selection.save()
    _event(selection, Action.MOVE, by=by, reason=reason, from_state=from_state, to_state=to)
    return selection


def _locked(selection: Selection) -> Selection:
    return Selection.objects.select_for_update(of=("self",)).select_related("org").get(
        pk=selection.pk)


def selection_title(kind: str, node: OrgNode, period: str, start: datetime.date) -> str:
    return f"{node.name}{period_label(period, start)}{Selection.Kind(kind).label}"


@transaction.atomic
def selection_nominate(*, by: User, node: OrgNode, kind: str, period: str,
                       day: datetime.date | None = None, top_n: int | None = None) -> Selection:
    """Open a selection: the ranking of the node and period proposes its top N, each with the
    score and breakdown that put it there."""
    require(can_manage(by, node), _("只有本级及上级工作人员可以发起评选"))
    if kind not in Selection.Kind.values:
        raise ValidationError(_("评选类型不正确"), code="invalid_kind")
    if period == "all":
        raise ValidationError(_("评选须按周、月、季度或年进行"), code="invalid_period")
    start, end = checked_period(period, day)
    top_n = top_n or formula_for(node).nominate_top
    if not 1 <= top_n <= 200:
        raise ValidationError(_("提名人数应在1到200之间"), code="invalid_top")
    try:
        with transaction.atomic():
            selection = Selection.objects.create(
                kind=kind, org=node, period=period, period_start=start, period_end=end,
                title=selection_title(kind, node, period, start), top_n=top_n, state=S.NOMINATED,
                created_by=by)
    except IntegrityError:
        raise Conflict(_("本周期的该项评选已经发起"), code="selection_exists") from None
    board = ranking("team" if kind != Selection.Kind.STAR else "volunteer", node, period,
                    start, end)
    field = "team_id" if selection.for_teams else "volunteer_id"
    Nominee.objects.bulk_create([
        Nominee(selection=selection, rank=row.rank, score=row.score,
                breakdown={k: str(v) for k, v in row.breakdown.items()}, **{field: row.subject_id})
        for row in board.rows[:top_n] if row.score > 0])
    _event(selection, Action.MOVE, by=by, to_state=S.NOMINATED,
           reason=_("按排名提名前%(n)d名") % {"n": top_n})
    return selection


@transaction.atomic
def nominee_add(*, by: User, selection: Selection, reason: str,
                volunteer: Volunteer | None = None, team: Team | None = None) -> Nominee:
    """Staff add a volunteer (or team) the ranking did not propose, with a reason."""
    selection = _locked(selection)
    require(selection_caps(by, selection).manages)
    WORKFLOW.check(selection.state, S.REVIEWED, only_from={S.NOMINATED})
    reason = _reason(reason)
    subject = _subject_in(selection, volunteer, team)
    nominee = Nominee.objects.filter(selection=selection, **subject).first()
    if nominee and not nominee.removed:
        raise Conflict(_("已在提名名单中"), code="already_nominated")
    if nominee is None:
        nominee = Nominee.objects.create(selection=selection, source=Nominee.Source.STAFF,
                                         reason=reason, **subject)
    else:
        nominee.removed, nominee.reason = False, reason
        nominee.save(update_fields=["removed", "reason"])
    _event(selection, Action.ADD, by=by, reason=reason, nominee=nominee)
    return nominee


def _subject_in(selection: Selection, volunteer, team) -> dict:
    """The one subject of a nominee, of the selection's kind and inside its node."""
    if selection.for_teams:
        if team is None or volunteer is not None:
            raise ValidationError(_("请指定队伍"), code="team_required")
        if not team.org.path.startswith(selection.org.path):
            raise ValidationError(_("该队伍不在评选范围内"), code="out_of_scope")
        return {"team": team}
    if volunteer is None or team is not None:
        raise ValidationError(_("请指定志愿者"), code="volunteer_required")
    if not volunteer.station.path.startswith(selection.org.path):
        raise ValidationError(_("该志愿者不在评选范围内"), code="out_of_scope")
    return {"volunteer": volunteer}


@transaction.atomic
def nominee_remove(*, by: User, selection: Selection, nominee: Nominee, reason: str) -> Nominee:
    """Staff take a nominee off the list, with a reason (kept, shown as removed)."""
    selection = _locked(selection)
    require(selection_caps(by, selection).manages)
    WORKFLOW.check(selection.state, S.REVIEWED, only_from={S.NOMINATED})
    reason = _reason(reason)
    if nominee.selection_id != selection.pk or nominee.removed:
        raise Conflict(_("该提名不在名单中"), code="not_nominated")
    nominee.removed, nominee.removed_reason = True, reason
    nominee.save(update_fields=["removed", "removed_reason"])
    _event(selection, Action.REMOVE, by=by, reason=reason, nominee=nominee)
    return nominee


def _move(by: User, selection: Selection, move: str, reason: str = "", **changes) -> Selection:
    selection = _locked(selection)
    require(getattr(selection_caps(by, selection), f"can_{move}"))
    return selection_transition(selection, move, by=by, reason=reason, **changes)


@transaction.atomic
def selection_review(*, by: User, selection: Selection, reason: str = "") -> Selection:
    """Staff confirm the reviewed list (at least one nominee)."""
    if not selection.nominees.filter(removed=False).exists():
        raise ValidationError(_("提名名单为空，不能提交审核"), code="no_nominees")
    return _move(by, selection, "review", _reason(reason, required=False))


@transaction.atomic
def selection_reopen(*, by: User, selection: Selection, reason: str) -> Selection:
    return _move(by, selection, "reopen", _reason(reason))


@transaction.atomic
def selection_cancel(*, by: User, selection: Selection, reason: str) -> Selection:
    return _move(by, selection, "cancel", _reason(reason))


def working_days_after(moment: datetime.datetime, days: int) -> datetime.datetime:
    """The end (24:00, Asia/Shanghai) of the `days`-th working day (Mon–Fri) after the day of
    `moment`; statutory holidays are not known to the platform and count as working days."""
    day = timezone.localtime(moment).date()
    left = days
    while left:
        day += datetime.timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min,
                                     tzinfo=timezone.get_default_timezone())


@transaction.atomic
def selection_publicize(*, by: User, selection: Selection, now=None) -> Selection:
    """公示: the list goes public for the district's publicity days (at least 5 working days),
    counted from the next day."""
    now = now or timezone.now()
    days = formula_for(selection.org).publicity_days
    return _move(by, selection, "publicize",
                 _("公示%(n)d个工作日") % {"n": days},
                 publicity_start=now, publicity_end=working_days_after(now, days))


@transaction.atomic
def objection_raise(*, by: User, selection: Selection, reason: str,
                    nominee: Nominee | None = None) -> Objection:
    """Anyone logged in who sees the notice objects, once, while the publicity lasts (409
    after it, 409 a second time: the unique constraint decides between two at once)."""
    selection = _locked(selection)
    if not by.is_authenticated:
        raise Forbidden()
    if selection.state != S.PUBLICIZED or not selection_caps(by, selection).can_object:
        if Objection.objects.filter(selection=selection, by=by).exists():
            raise Conflict(_("您已对本次评选提出过异议"), code="already_objected")
        raise Conflict(_("公示期已结束或未开始，不能提出异议"), code="publicity_closed")
    reason = _reason(reason)
    if nominee is not None and (nominee.selection_id != selection.pk or nominee.removed):
        raise ValidationError(_("该提名不在公示名单中"), code="not_nominated")
    try:
        with transaction.atomic():
            objection = Objection.objects.create(selection=selection, nominee=nominee, by=by,
                                                 reason=reason)
    except IntegrityError:
        raise Conflict(_("您已对本次评选提出过异议"), code="already_objected") from None
    _event(selection, Action.OBJECT, by=by, reason=reason, nominee=nominee)
    return objection


@transaction.atomic
def objection_decide(*, by: User, objection: Objection, upheld: bool, reason: str) -> Objection:
    """Staff decide an objection; an upheld one against a nominee takes the nominee off."""
    selection = _locked(objection.selection)
    require(selection_caps(by, selection).can_decide)
    objection = Objection.objects.select_for_update().get(pk=objection.pk)
    if objection.decision != Objection.Decision.PENDING:
        raise Conflict(_("该异议已处理"), code="already_decided")
    reason = _reason(reason)
    objection.decision = Objection.Decision.UPHELD if upheld else Objection.Decision.DISMISSED
    objection.decided_by, objection.decided_at = by, timezone.now()
    objection.decision_reason = reason
    objection.save()
    if upheld and objection.nominee_id:
        Nominee.objects.filter(pk=objection.nominee_id).update(
            removed=True, removed_reason=_("异议成立：%(r)s") % {"r": reason})
    _event(selection, Action.DECIDE, by=by, reason=f"{objection.get_decision_display()}：{reason}",
           nominee=objection.nominee)
    notify(users=[objection.by], title=_("您的异议已处理"), body=reason,
           url=f"/honors/selections/{selection.pk}/")
    return objection


@transaction.atomic
def selection_announce(*, by: User, selection: Selection) -> Selection:
    """公布: every nominee still on the list gets an Award of the selection."""
    selection = _locked(selection)
    require(selection_caps(by, selection).manages)
    if selection.state == S.PUBLICIZED and not selection_caps(by, selection).can_announce:
        raise Conflict(_("公示期未结束或仍有未处理的异议"), code="publicity_open")
    selection = selection_transition(selection, "announce", by=by)
    today = timezone.localdate()
    level = LEVEL_OF_KIND[selection.org.kind]
    Award.objects.bulk_create([
        Award(volunteer_id=n.volunteer_id, team_id=n.team_id, name=selection.title,
              level=level, date=today, granting_unit=selection.org.name,
              reason=_("经排名提名、审核和公示评选产生（得分%(s)s）") % {"s": n.score},
              source=Award.Source.SELECTION, selection=selection, created_by=by)
        for n in selection.nominees.filter(removed=False)])
    return selection


# ---- awards --------------------------------------------------------------------------------

@dataclass(frozen=True)
class AwardInput:
    name: str
    level: str
    date: datetime.date
    granting_unit: str
    reason: str = ""
    volunteer: Volunteer | None = None
    team: Team | None = None


def award_check(by: User, data: AwardInput) -> list[str]:
    """What is wrong with one award (empty when it may be written by `by`)."""
    errors = []
    if (data.volunteer is None) == (data.team is None):
        errors.append(_("须指定志愿者或队伍之一"))
    elif data.volunteer is not None and not can_manage(by, data.volunteer.station):
        errors.append(_("该志愿者不在您的辖区"))
    elif data.team is not None and not can_manage(by, data.team.org):
        errors.append(_("该队伍不在您的辖区"))
    if not 2 <= len(data.name.strip()) <= 100:
        errors.append(_("荣誉名称应为2到100个字"))
    if data.level not in Level.values:
        errors.append(_("级别不正确"))
    if not 1 <= len(data.granting_unit.strip()) <= 100:
        errors.append(_("请填写授予单位（100字以内）"))
    if not datetime.date(1949, 10, 1) <= data.date <= timezone.localdate():
        errors.append(_("表彰日期不能晚于今天"))
    if len(data.reason) > 1000:
        errors.append(_("表彰事由不能超过1000字"))
    return errors


def _award(by: User, data: AwardInput, source: str) -> Award:
    return Award(volunteer=data.volunteer, team=data.team, name=data.name.strip(),
                 level=data.level, date=data.date, granting_unit=data.granting_unit.strip(),
                 reason=data.reason.strip(), source=source, created_by=by)


@transaction.atomic
def award_create(*, by: User, data: AwardInput) -> Award:
    """Staff enter an award of a volunteer or team of their subtree."""
    subject = data.volunteer.station if data.volunteer else data.team.org if data.team else None
    if subject is not None and not can_manage(by, subject):
        raise Forbidden(_("只能为本辖区的志愿者或队伍录入表彰"))
    errors = award_check(by, data)
    if errors:
        raise ValidationError(errors, code="invalid_award")
    award = _award(by, data, Award.Source.STAFF)
    award.save()
    return award


@transaction.atomic
def awards_import(*, by: User, rows: list[AwardInput]) -> list[Award]:
    """Write every imported award or none: the caller checked every row (`award_check`)."""
    for data in rows:
        if award_check(by, data):
            raise ValidationError(_("导入数据有误，未写入任何记录"), code="invalid_rows")
    return Award.objects.bulk_create([_award(by, d, Award.Source.IMPORT) for d in rows])
