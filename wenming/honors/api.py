"""The 荣誉表彰 API: rankings, selections and their steps, awards."""

from ninja import Field, Query, Router, Status

from wenming.core.errors import NotFound
from wenming.core.pagination import PageQuery, paginate
from wenming.core.schemas import Id, PlatformDate, Strict
from wenming.orgs.permissions import org_get_for_user
from wenming.people.models import Volunteer
from wenming.people.permissions import volunteer_get_for_user
from wenming.teams.permissions import team_get_for_user

from . import services
from .models import Award, Nominee, Objection, Selection
from .permissions import (
    allowed_moves,
    award_get_for_user,
    awards_for_user,
    can_see_full_names,
    default_org,
    selection_caps,
    selection_get_for_user,
    selections_for_user,
)
from .selectors import Ranking, Row, checked_period, display_of, name_rows, public_name, ranking

router = Router(tags=["honors 荣誉表彰"])


# ---- rankings ------------------------------------------------------------------------------

class RankingQuery(PageQuery):
    org: Id | None = None
    period: str = Field("month", max_length=16)
    date: PlatformDate | None = None
    kind: str = Field("volunteer", pattern="^(volunteer|team)$")


def row_out(board: Ranking, row: Row) -> dict:
    key = "team_id" if board.kind == "team" else "volunteer_id"
    return {"rank": row.rank, key: row.subject_id, "name": row.name, "score": row.score,
            "breakdown": row.breakdown, "factors": row.factors}


def my_row(request, board: Ranking) -> dict | None:
    """The caller's own place when they are a volunteer (even outside the page shown)."""
    if board.kind != "volunteer" or not request.user.is_authenticated:
        return None
    vid = Volunteer.objects.filter(user=request.user).values_list("pk", flat=True).first()
    row = board.position_of(vid) if vid else None
    if row is None:
        return {"rank": None, "volunteer_id": vid, "score": 0} if vid else None
    name_rows(board, [row], full=True)  # their own name, in full
    return row_out(board, row)


@router.get("/rankings", summary="排名（志愿者或队伍；周、月、季度、年或累计）")
def ranking_list(request, q: Query[RankingQuery]):
    node = org_get_for_user(request.user, q.org) if q.org else default_org(request.user)
    start, end = checked_period(q.period, q.date)
    board = ranking(q.kind, node, q.period, start, end)
    first = (q.page - 1) * q.page_size
    rows = board.rows[first:first + q.page_size]
    name_rows(board, rows, full=can_see_full_names(request.user, node))
    return {"org_id": node.pk, "period": q.period, "from": start, "to": end,
            "label": board.label, "kind": q.kind, "count": len(board.rows),
            "items": [row_out(board, r) for r in rows], "me": my_row(request, board)}


# ---- selections ----------------------------------------------------------------------------

class SelectionIn(Strict):
    kind: str = Field(..., pattern="^(star|advanced_team|five_star_team)$")
    org_id: Id
    period: str = Field(..., max_length=16)
    date: PlatformDate | None = None
    top_n: int | None = Field(None, ge=1, le=200)


class SelectionFilter(PageQuery):
    org: Id | None = None
    state: str = Field("", max_length=16)


class NominateIn(Strict):
    volunteer_id: Id | None = None
    team_id: Id | None = None
    nominee_id: Id | None = None
    remove: bool = False
    reason: str = Field(..., max_length=1000)


class ReasonIn(Strict):
    reason: str = Field("", max_length=1000)


class ObjectionIn(Strict):
    nominee_id: Id | None = None
    reason: str = Field(..., max_length=1000)


class DecideIn(Strict):
    upheld: bool
    reason: str = Field(..., max_length=1000)


def nominee_out(n: Nominee, full: bool) -> dict:
    subject = n.team.name if n.team_id else (
        n.volunteer.real_name if full else _public(n.volunteer))
    return {"id": n.pk, "volunteer_id": n.volunteer_id, "team_id": n.team_id, "name": subject,
            "rank": n.rank, "score": n.score, "breakdown": n.breakdown, "source": n.source,
            "reason": n.reason, "removed": n.removed, "removed_reason": n.removed_reason}


def _public(volunteer) -> str:
    return public_name(volunteer.real_name, display_of(volunteer))


def objection_out(o: Objection, manages: bool, user) -> dict:
    mine = o.by_id == user.pk
    return {"id": o.pk, "nominee_id": o.nominee_id, "reason": o.reason if manages or mine else "",
            "created_at": o.created_at, "decision": o.decision, "mine": mine,
            "decision_reason": o.decision_reason if manages or mine else ""}


def selection_out(request, s: Selection, *, detail: bool = False) -> dict:
    caps = selection_caps(request.user, s)
    out = {"id": s.pk, "kind": s.kind, "title": s.title, "org_id": s.org_id,
           "period": s.period, "from": s.period_start, "to": s.period_end, "top_n": s.top_n,
           "state": s.state, "publicity_start": s.publicity_start,
           "publicity_end": s.publicity_end, "allowed_moves": allowed_moves(request.user, s, caps)}
    if detail:
        nominees = s.nominees.select_related("volunteer", "team")
        if not caps.manages:
            nominees = nominees.filter(removed=False)
        out["nominees"] = [nominee_out(n, caps.manages) for n in nominees]
        objections = s.objections.all() if caps.manages else s.objections.filter(by=request.user)
        out["objections"] = [objection_out(o, caps.manages, request.user) for o in objections]
        if caps.manages:
            out["history"] = [{"action": e.action, "from": e.from_state, "to": e.to_state,
                               "by": e.by_id, "at": e.at, "reason": e.reason,
                               "nominee_id": e.nominee_id} for e in s.events.all()]
    return out


@router.get("/selections", summary="评选（时尚达人、先进集体、五星服务队）")
def selection_list(request, f: Query[SelectionFilter]):
    qs = selections_for_user(request.user)
    if f.org:
        qs = qs.filter(org__path__startswith=org_get_for_user(request.user, f.org).path)
    if f.state:
        qs = qs.filter(state=f.state)
    return paginate(qs.order_by("-period_start", "-id"), f, lambda s: selection_out(request, s))


@router.post("/selections", response={201: dict}, summary="发起评选：按排名提名前N名")
def selection_create(request, payload: SelectionIn):
    node = org_get_for_user(request.user, payload.org_id)
    s = services.selection_nominate(by=request.user, node=node, kind=payload.kind,
                                    period=payload.period, day=payload.date, top_n=payload.top_n)
    return Status(201, selection_out(request, s, detail=True))


@router.get("/selections/{selection_id}", summary="一次评选：提名、异议、过程")
def selection_get(request, selection_id: Id):
    return selection_out(request, selection_get_for_user(request.user, selection_id),
                         detail=True)


@router.post("/selections/{selection_id}/nominate", summary="审核：增补或移除提名（须填理由）")
def selection_nominate(request, selection_id: Id, payload: NominateIn):
    s = selection_get_for_user(request.user, selection_id)
    if payload.remove:
        nominee = s.nominees.filter(pk=payload.nominee_id).first() if payload.nominee_id else (
            s.nominees.filter(volunteer_id=payload.volunteer_id, team_id=payload.team_id).first())
        if nominee is None:
            raise NotFound()
        services.nominee_remove(by=request.user, selection=s, nominee=nominee,
                                reason=payload.reason)
    else:
        volunteer = volunteer_get_for_user(request.user, payload.volunteer_id) \
            if payload.volunteer_id else None
        team = team_get_for_user(request.user, payload.team_id) if payload.team_id else None
        services.nominee_add(by=request.user, selection=s, volunteer=volunteer, team=team,
                             reason=payload.reason)
    return selection_out(request, s, detail=True)


@router.post("/selections/{selection_id}/review", summary="审核完成")
def selection_review(request, selection_id: Id, payload: ReasonIn):
    s = selection_get_for_user(request.user, selection_id)
    return selection_out(request, services.selection_review(
        by=request.user, selection=s, reason=payload.reason), detail=True)


@router.post("/selections/{selection_id}/reopen", summary="退回重新审核（须填理由）")
def selection_reopen(request, selection_id: Id, payload: ReasonIn):
    s = selection_get_for_user(request.user, selection_id)
    return selection_out(request, services.selection_reopen(
        by=request.user, selection=s, reason=payload.reason), detail=True)


@router.post("/selections/{selection_id}/cancel", summary="撤销评选（须填理由）")
def selection_cancel(request, selection_id: Id, payload: ReasonIn):
    s = selection_get_for_user(request.user, selection_id)
    return selection_out(request, services.selection_cancel(
        by=request.user, selection=s, reason=payload.reason), detail=True)


@router.post("/selections/{selection_id}/publicize", summary="公示（不少于5个工作日）")
def selection_publicize(request, selection_id: Id):
    s = selection_get_for_user(request.user, selection_id)
    return selection_out(request, services.selection_publicize(by=request.user, selection=s),
                         detail=True)


@router.get("/selections/{selection_id}/objections", summary="异议（工作人员看全部，其他人看自己的）")
def objection_list(request, selection_id: Id):
    s = selection_get_for_user(request.user, selection_id)
    manages = selection_caps(request.user, s).manages
    qs = s.objections.all() if manages else s.objections.filter(by=request.user)
    return {"items": [objection_out(o, manages, request.user) for o in qs], "count": qs.count()}


@router.post("/selections/{selection_id}/objections", response={201: dict},
             summary="公示期内提出异议（每人一次）")
def objection_create(request, selection_id: Id, payload: ObjectionIn):
    s = selection_get_for_user(request.user, selection_id)
    nominee = s.nominees.filter(pk=payload.nominee_id).first() if payload.nominee_id else None
    if payload.nominee_id and nominee is None:
        raise NotFound()
    o = services.objection_raise(by=request.user, selection=s, nominee=nominee,
                                 reason=payload.reason)
    return Status(201, objection_out(o, False, request.user))


@router.post("/selections/{selection_id}/objections/{objection_id}/decide",
             summary="处理异议（upheld=true 成立：取消该提名）")
def objection_decide(request, selection_id: Id, objection_id: Id, payload: DecideIn):
    s = selection_get_for_user(request.user, selection_id)
    o = s.objections.filter(pk=objection_id).first()
    if o is None:
        raise NotFound()
    o = services.objection_decide(by=request.user, objection=o, upheld=payload.upheld,
                                  reason=payload.reason)
    return objection_out(o, True, request.user)


@router.post("/selections/{selection_id}/announce", summary="公布结果并授予表彰")
def selection_announce(request, selection_id: Id):
    s = selection_get_for_user(request.user, selection_id)
    return selection_out(request, services.selection_announce(by=request.user, selection=s),
                         detail=True)


# ---- awards --------------------------------------------------------------------------------

class AwardIn(Strict):
    volunteer_id: Id | None = None
    team_id: Id | None = None
    name: str = Field(..., max_length=100)
    level: str = Field(..., max_length=16)
    date: PlatformDate
    granting_unit: str = Field(..., max_length=100)
    reason: str = Field("", max_length=1000)


class AwardFilter(PageQuery):
    volunteer_id: Id | None = None
    team_id: Id | None = None


def award_out(a: Award) -> dict:
    return {"id": a.pk, "volunteer_id": a.volunteer_id, "team_id": a.team_id, "name": a.name,
            "level": a.level, "level_label": a.get_level_display(), "date": a.date,
            "granting_unit": a.granting_unit, "reason": a.reason, "source": a.source,
            "selection_id": a.selection_id}


@router.get("/awards", summary="表彰（工作人员看本辖区，志愿者看自己的）")
def award_list(request, f: Query[AwardFilter]):
    qs = awards_for_user(request.user)
    if f.volunteer_id:
        qs = qs.filter(volunteer_id=f.volunteer_id)
    if f.team_id:
        qs = qs.filter(team_id=f.team_id)
    return paginate(qs.order_by("-date", "-id"), f, award_out)


@router.post("/awards", response={201: dict}, summary="录入表彰（志愿者或队伍之一）")
def award_create(request, payload: AwardIn):
    volunteer = volunteer_get_for_user(request.user, payload.volunteer_id) \
        if payload.volunteer_id else None
    team = team_get_for_user(request.user, payload.team_id) if payload.team_id else None
    data = services.AwardInput(volunteer=volunteer, team=team,
                               **payload.dict(exclude={"volunteer_id", "team_id"}))
    return Status(201, award_out(services.award_create(by=request.user, data=data)))


@router.get("/awards/{award_id}", summary="一条表彰")
def award_get(request, award_id: Id):
    return award_out(award_get_for_user(request.user, award_id))

