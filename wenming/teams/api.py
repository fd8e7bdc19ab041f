"""Teams: list, found, one team, its members, join/leave, decide, appoint leaders."""

from typing import Literal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Status

from wenming.core.errors import DomainError, Forbidden, NotFound
from wenming.core.masking import mask_mobile
from wenming.core.pagination import PageQuery, paginate
from wenming.core.schemas import Id, Strict, Text
from wenming.orgs.models import Platform
from wenming.orgs.permissions import org_get_for_user
from wenming.people.models import Volunteer
from wenming.people.selectors import my_volunteer, volunteer_get_for_user

from . import services
from .models import Membership, Team
from .permissions import can_lead, members_visible, team_get_for_user, teams_for_user

router = Router(tags=["teams 志愿服务队"])


class TeamIn(Strict):
    name: str = Field(..., max_length=100)
    org_id: Id
    level: str = Field(Team.Level.TEAM, max_length=16)
    parent_id: Id | None = None
    platform: str | None = Field(None, max_length=32)
    description: str = Field("", max_length=2000)
    leader_volunteer_id: Id | None = None


class TeamFilter(PageQuery):
    org: Id | None = None
    q: str = Field("", max_length=50)
    platform: str = Field("", max_length=32)
    level: str = Field("", max_length=60, description="逗号分隔，如 corps,detachment,squad")


class MemberIn(Strict):
    volunteer_id: Id | None = None
    role: Literal["member", "leader"] = Membership.Role.MEMBER


class DecisionIn(Strict):
    approve: bool


def team_out(t: Team) -> dict:
    return {"id": t.id, "name": t.name, "level": t.level, "parent_id": t.parent_id,
            "org_id": t.org_id, "org_name": t.org.name,
            "platform": t.platform.code if t.platform else None,
            "description": t.description, "is_active": t.is_active,
            "member_count": getattr(t, "member_count", None)}


def member_out(m: Membership) -> dict:
    return {"id": m.id, "volunteer_id": m.volunteer_id, "real_name": m.volunteer.user.real_name,
            "mobile": mask_mobile(m.volunteer.user.mobile), "role": m.role, "status": m.status,
            "requested_at": m.requested_at.isoformat()}


def _my_volunteer(request) -> Volunteer:
    return my_volunteer(request.user, _("只有志愿者可以加入队伍"))


@router.get("", url_name="team_search", summary="志愿服务队列表（q 按队名搜索，level 按层级）")
def team_list(request, filters: Query[TeamFilter]):
    qs = teams_for_user(request.user)
    if filters.org:
        qs = qs.filter(org__path__startswith=org_get_for_user(request.user, filters.org).path)
    if filters.q.strip():
        qs = qs.filter(name__contains=filters.q.strip())
    if filters.platform:
        qs = qs.filter(platform__code=filters.platform)
    if levels := [v for v in filters.level.split(",") if v]:
        if any(v not in Team.Level.values for v in levels):
            raise DomainError(_("队伍层级不正确"), code="invalid_level")
        qs = qs.filter(level__in=levels)
    return paginate(qs.order_by("org__path", "id"), filters, team_out)


@router.post("", response={201: dict}, summary="成立志愿服务队")
def team_create(request, payload: TeamIn):
    org = org_get_for_user(request.user, payload.org_id)
    parent = team_get_for_user(request.user, payload.parent_id) if payload.parent_id else None
    platform = None
    if payload.platform:
        platform = Platform.objects.filter(code=payload.platform).first()
        if platform is None:
            raise NotFound(_("服务平台不存在"), code="unknown_platform")
    leader = (volunteer_get_for_user(request.user, payload.leader_volunteer_id)
              if payload.leader_volunteer_id else None)
    team = services.team_create(by=request.user, name=payload.name, org=org,
                                level=payload.level, parent=parent, platform=platform,
                                description=payload.description, leader=leader)
    return Status(201, team_out(team))


@router.get("/{team_id}", summary="一支队伍")
def team_get(request, team_id: Id):
    team = team_get_for_user(request.user, team_id)
    team.member_count = team.memberships.filter(status=Membership.Status.ACTIVE).count()
    return team_out(team)


@router.get("/{team_id}/members", summary="队员名单（队长、管理员与队员可见）")
def member_list(request, team_id: Id, page: Query[PageQuery], status: Text = "active"):
    team = team_get_for_user(request.user, team_id)
    if not members_visible(request.user, team):
        raise NotFound()
    if status != Membership.Status.ACTIVE and not can_lead(request.user, team):
        raise Forbidden()
    qs = team.memberships.filter(status=status).select_related("volunteer__user")
    return paginate(qs.order_by("role", "id"), page, member_out)  # leader < member


@router.post("/{team_id}/members", response={201: dict},
             summary="申请入队；或管理员任命队长 {volunteer_id, role: leader}")
def member_add(request, team_id: Id, payload: MemberIn):
    team = team_get_for_user(request.user, team_id)
    if payload.role == Membership.Role.LEADER:
        volunteer = volunteer_get_for_user(request.user, payload.volunteer_id or 0)
        membership = services.leader_appoint(by=request.user, team=team, volunteer=volunteer)
    else:
        membership = services.membership_request(volunteer=_my_volunteer(request), team=team)
    return Status(201, member_out(membership))


@router.delete("/{team_id}/members", summary="退出队伍")
def member_leave(request, team_id: Id):
    team = team_get_for_user(request.user, team_id)
    return member_out(services.membership_leave(volunteer=_my_volunteer(request), team=team))


@router.post("/{team_id}/members/{membership_id}/decide", summary="队长审核入队申请")
def member_decide(request, team_id: Id, membership_id: Id, payload: DecisionIn):
    team = team_get_for_user(request.user, team_id)
    membership = team.memberships.select_related("volunteer__user", "team").filter(
        pk=membership_id).first()
    if membership is None or not can_lead(request.user, team):
        raise NotFound()
    return member_out(services.membership_decide(by=request.user, membership=membership,
                                                 approve=payload.approve))
