"""Writes about teams: create, join requests, decisions, leaving, leaders."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.core.errors import Conflict, Forbidden
from wenming.inbox.services import notify
from wenming.orgs.models import OrgNode, Platform, RoleAssignment
from wenming.orgs.permissions import require_manage
from wenming.people.models import User, Volunteer

from .models import Membership, Team
from .permissions import require_lead

# A team's level sits below its parent's: 总队 → 支队 → 分队 → 队.
LEVEL_ORDER = [Team.Level.CORPS, Team.Level.DETACHMENT, Team.Level.SQUAD, Team.Level.TEAM]


@transaction.atomic
def team_create(*, by: User, name: str, org: OrgNode, level: str = Team.Level.TEAM,
                parent: Team | None = None, platform: Platform | None = None,
                description: str = "", leader: Volunteer | None = None) -> Team:
    """Staff of `org` found a team there; a parent team must be of a higher level."""
    require_manage(by, org)
    name = (name or "").strip()
    if not 2 <= len(name) <= 100:
        raise ValidationError(_("队名应为2到100个字"), code="invalid_name")
    if level not in Team.Level.values:
        raise ValidationError(_("队伍层级不正确"), code="invalid_level")
    if parent is not None and LEVEL_ORDER.index(parent.level) >= LEVEL_ORDER.index(level):
        raise ValidationError(_("上级队伍的层级必须高于本队"), code="invalid_parent")
    if parent is not None and not parent.org.contains(org):
        raise ValidationError(_("上级队伍须属于本阵地或其上级阵地"), code="invalid_parent")
    team = Team.objects.create(name=name, org=org, level=level, parent=parent,
                               platform=platform, description=description.strip())
    if leader is not None:
        leader_appoint(by=by, team=team, volunteer=leader)
    return team


@transaction.atomic
def membership_request(*, volunteer: Volunteer, team: Team) -> Membership:
    """A volunteer asks to join; a leader decides. Leaving and asking again reuses the row."""
    if volunteer.status != Volunteer.Status.ACTIVE:
        raise Conflict(_("志愿者账号尚未审核通过，暂不能加入队伍"), code="volunteer_not_active")
    if not team.is_active:
        raise Conflict(_("该队伍已停止招募"), code="team_inactive")
    try:
        with transaction.atomic():
            membership, created = Membership.objects.select_for_update().get_or_create(
                team=team, volunteer=volunteer)
    except IntegrityError:
        membership, created = Membership.objects.select_for_update().get(
            team=team, volunteer=volunteer), False
    if not created:
        if membership.status in (Membership.Status.PENDING, Membership.Status.ACTIVE):
            raise Conflict(_("您已申请或已在该队伍中"), code="already_member")
        membership.status, membership.role = Membership.Status.PENDING, Membership.Role.MEMBER
        membership.decided_at = membership.decided_by = None
        membership.save()
    leaders = User.objects.filter(volunteer__memberships__team=team,
                                  volunteer__memberships__role=Membership.Role.LEADER,
                                  volunteer__memberships__status=Membership.Status.ACTIVE)
    notify(users=leaders, title=_("新的入队申请"),
           body=_("%(name)s 申请加入 %(team)s") % {"name": volunteer.user.real_name,
                                                 "team": team.name},
           url=f"/teams/{team.pk}/")
    return membership


@transaction.atomic
def membership_decide(*, by: User, membership: Membership, approve: bool) -> Membership:
    require_lead(by, membership.team)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.status != Membership.Status.PENDING:
        raise Conflict(_("该申请已处理"), code="invalid_transition")
    membership.status = Membership.Status.ACTIVE if approve else Membership.Status.REJECTED
    membership.decided_at, membership.decided_by = timezone.now(), by
    membership.save()
    notify(users=[membership.volunteer.user],
           title=_("入队申请已通过") if approve else _("入队申请未通过"),
           body=membership.team.name, url=f"/teams/{membership.team_id}/")
    return membership


@transaction.atomic
def membership_leave(*, volunteer: Volunteer, team: Team) -> Membership:
    membership = Membership.objects.select_for_update().filter(
        team=team, volunteer=volunteer, status=Membership.Status.ACTIVE).first()
    if membership is None:
        raise Conflict(_("您不在该队伍中"), code="not_a_member")
    membership.status, membership.role = Membership.Status.LEFT, Membership.Role.MEMBER
    membership.save()
    _sync_leader_role(volunteer.user)
    return membership


@transaction.atomic
def leader_appoint(*, by: User, team: Team, volunteer: Volunteer) -> Membership:
    """Staff of the team's node make a volunteer its leader (joining them if need be)."""
    require_manage(by, team.org)
    if volunteer.status != Volunteer.Status.ACTIVE:
        raise Conflict(_("志愿者账号尚未审核通过"), code="volunteer_not_active")
    membership, _created = Membership.objects.select_for_update().get_or_create(
        team=team, volunteer=volunteer)
    membership.role, membership.status = Membership.Role.LEADER, Membership.Status.ACTIVE
    membership.decided_at, membership.decided_by = timezone.now(), by
    membership.save()
    _sync_leader_role(volunteer.user)
    return membership


@transaction.atomic
def leader_dismiss(*, by: User, team: Team, volunteer: Volunteer) -> Membership:
    require_manage(by, team.org)
    membership = Membership.objects.select_for_update().filter(
        team=team, volunteer=volunteer, role=Membership.Role.LEADER).first()
    if membership is None:
        raise Forbidden(_("该志愿者不是本队队长"))
    membership.role = Membership.Role.MEMBER
    membership.save()
    _sync_leader_role(volunteer.user)
    return membership


def _sync_leader_role(user: User) -> None:
    """Keep one team_leader role per node where the user leads a team, for /api/me."""
    led_orgs = set(Team.objects.filter(
        memberships__volunteer__user=user, memberships__role=Membership.Role.LEADER,
        memberships__status=Membership.Status.ACTIVE).values_list("org_id", flat=True))
    held = RoleAssignment.objects.filter(user=user, role=RoleAssignment.Role.TEAM_LEADER)
    held.exclude(org_id__in=led_orgs).delete()
    have = set(held.values_list("org_id", flat=True))
    RoleAssignment.objects.bulk_create([
        RoleAssignment(user=user, role=RoleAssignment.Role.TEAM_LEADER, org_id=org_id)
        for org_id in led_orgs - have])
    user.__dict__.pop("_wenming_roles", None)
    user.__dict__.pop("_wenming_led_teams", None)


# ---- bulk loading (the demo district) ------------------------------------------------------

@transaction.atomic
def teams_bulk_create(*, teams: list[Team]) -> list[Team]:
    """Insert many teams at once (one level at a time: parents must already have their pk).
    For loading a district; the caller has checked names, levels and nodes."""
    return Team.objects.bulk_create(teams, batch_size=2000)


@transaction.atomic
def memberships_bulk_create(*, memberships: list[Membership], by: User | None = None
                            ) -> list[Membership]:
    """Insert decided memberships at once and give every active leader the team_leader role
    at each node where they lead, as `leader_appoint` does one by one."""
    now = timezone.now()
    for m in memberships:
        if m.status != Membership.Status.PENDING and m.decided_at is None:
            m.decided_at, m.decided_by = now, by
    created = Membership.objects.bulk_create(memberships, batch_size=2000)
    leads = {(m.volunteer_id, m.team_id) for m in memberships
             if m.role == Membership.Role.LEADER and m.status == Membership.Status.ACTIVE}
    if leads:
        org_of = dict(Team.objects.filter(pk__in={t for _v, t in leads})
                      .values_list("pk", "org_id"))
        user_of = dict(Volunteer.objects.filter(pk__in={v for v, _t in leads})
                       .values_list("pk", "user_id"))
        wanted = {(user_of[v], org_of[t]) for v, t in leads}
        have = set(RoleAssignment.objects.filter(
            role=RoleAssignment.Role.TEAM_LEADER, user_id__in={u for u, _o in wanted})
            .values_list("user_id", "org_id"))
        RoleAssignment.objects.bulk_create([
            RoleAssignment(user_id=u, role=RoleAssignment.Role.TEAM_LEADER, org_id=o)
            for u, o in sorted(wanted - have)], batch_size=2000)
    return created
