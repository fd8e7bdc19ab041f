"""Projects (志愿服务项目) from proposal to close-out (mounted on the activities router)."""

from typing import Literal

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Status

from wenming.core.errors import NotFound
from wenming.core.pagination import PageQuery, paginate
from wenming.core.schemas import Id, Strict
from wenming.orgs.models import Platform
from wenming.orgs.permissions import org_get_for_user
from wenming.teams.permissions import team_get_for_user

from . import projects, services
from .models import PROJECT_FLOW, Project
from .permissions import PROJECT_TARGETS, project_caps, project_get_for_user, projects_for_user

router = Router(tags=["projects 志愿服务项目"])

StateName = Literal["proposed", "approved", "rejected", "recruiting", "running", "closed"]


class ProjectIn(Strict):
    title: str = Field(..., max_length=100)
    org_id: Id
    is_brand: bool = False
    summary: str = Field("", max_length=5000)
    team_id: Id | None = None
    platform: str = Field("", max_length=32)


class ProjectPatch(Strict):
    """Edits, and/or `state`: the state to move to (a move the caller may make from here)."""

    title: str | None = Field(None, max_length=100)
    is_brand: bool | None = None
    summary: str | None = Field(None, max_length=5000)
    state: StateName | None = None
    reason: str = Field("", max_length=1000)
    outcomes: str = Field("", max_length=5000)
    people_served: int | None = Field(None, ge=0, le=100_000_000)


class ProjectFilter(PageQuery):
    org: Id | None = None
    state: StateName | None = None
    q: str = Field("", max_length=50)


def project_out(p: Project) -> dict:
    return {"id": p.id, "title": p.title, "org_id": p.org_id, "org_name": p.org.name,
            "team_id": p.team_id, "platform": p.platform.code, "is_brand": p.is_brand,
            "summary": p.description, "state": p.state,
            "state_label": PROJECT_FLOW.label(p.state),
            "created_at": timezone.localtime(p.created_at).isoformat()}


def project_detail(user, p: Project) -> dict:
    totals = projects.project_totals(p)
    return {**project_out(p), "allowed_moves": project_caps(user, p).moves,
            "totals": {**totals, "hours": float(totals["hours"])},
            "report": {"outcomes": p.outcomes, "people_served": p.people_served,
                       "closed_at": timezone.localtime(p.closed_at).isoformat()
                       if p.closed_at else None, "photos": p.photos.count()},
            "activities": [{"id": a.id, "title": a.title, "status": a.status,
                            "start": timezone.localtime(a.start).isoformat()}
                           for a in p.activities.order_by("-start")[:100]],
            "history": [{"from": e.from_state, "to": e.to_state, "by": e.by_id,
                         "at": timezone.localtime(e.at).isoformat(), "reason": e.reason}
                        for e in p.events.all()]}


def _platform(code: str) -> Platform:
    qs = Platform.objects.filter(is_active=True)
    platform = qs.filter(code=code).first() if code else qs.first()
    if platform is None:
        raise NotFound(_("服务平台不存在"), code="unknown_platform")
    return platform


@router.get("/projects", summary="志愿服务项目列表")
def project_list(request, filters: Query[ProjectFilter]):
    qs = projects_for_user(request.user)
    if filters.org:
        qs = qs.filter(org__path__startswith=org_get_for_user(request.user, filters.org).path)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.q:
        qs = qs.filter(Q(title__icontains=filters.q))
    return paginate(qs.order_by("-created_at", "-id"), filters, project_out)


@router.post("/projects", response={201: dict}, summary="申报项目（待上级阵地立项）")
def project_create(request, payload: ProjectIn):
    org = org_get_for_user(request.user, payload.org_id)
    team = team_get_for_user(request.user, payload.team_id) if payload.team_id else None
    project = services.project_create(
        by=request.user, title=payload.title, platform=_platform(payload.platform), org=org,
        team=team, is_brand=payload.is_brand, description=payload.summary)
    return Status(201, project_detail(request.user, project))


@router.get("/projects/{project_id}", summary="一个项目：活动、志愿者、合计、结项报告、历程")
def project_get(request, project_id: Id):
    return project_detail(request.user, project_get_for_user(request.user, project_id))


@router.patch("/projects/{project_id}", summary="修改项目，或用 state 推进（立项、招募、实施、结项）")
def project_patch(request, project_id: Id, payload: ProjectPatch):
    project = project_get_for_user(request.user, project_id)
    edits = payload.dict(include={"title", "is_brand", "summary"}, exclude_none=True)
    if "summary" in edits:
        edits["description"] = edits.pop("summary")
    if edits:
        project = projects.project_edit(by=request.user, project=project, changes=edits)
    if payload.state and payload.state != project.state:
        project = projects.project_move(
            by=request.user, project=project, move=_move_to(project, payload.state),
            reason=payload.reason, outcomes=payload.outcomes,
            people_served=payload.people_served)
    return project_detail(request.user, project)


def _move_to(project: Project, state: str) -> str:
    """The move that leads from the project's state to `state` (409 if none does)."""
    for move, target in PROJECT_TARGETS.items():
        if target == state and PROJECT_FLOW.can(project.state, target):
            return move
    PROJECT_FLOW.check(project.state, state)
    return ""  # unreachable: check raised
