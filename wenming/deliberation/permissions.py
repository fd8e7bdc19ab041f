"""Who may see and do what in the 议事厅: the scope reads and one capabilities object per
topic (and per task).

`topic_caps` is the one rule. Services enforce it (403) and the workflow (409); pages and the
API only read it, and `allowed_moves` lists what it and the workflow allow now. Reading a
topic (signed in): staff of its station's subtree, whoever holds a role at its station
(residents, volunteers) once it is public, the resident who raised it, and owners of its
tasks. Acting as a neighbour (endorse, vote, rate) is for residents of the topic's station:
the node's people decide the node's questions. The public board is a separate, masked read.
"""

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wenming.core.errors import NotFound
from wenming.orgs.models import RoleAssignment
from wenming.orgs.permissions import (
    can_manage,
    is_platform_admin,
    is_staff_member,
    roles_of,
    subtree_q,
)
from wenming.partners.models import Unit
from wenming.partners.permissions import units_for_user, units_of_user
from wenming.people.models import Resident, User
from wenming.teams.models import Team
from wenming.teams.permissions import led_team_ids, team_get_for_user

from .models import MOVES, WORKFLOW, Comment, TaskUpdate, Topic, TopicTask

Role = RoleAssignment.Role
# A topic's photos show what it is about; once it is on a meeting's table they stay as they were.
PHOTO_STAGES = ("collecting", "endorsing")

# ---- scope reads --------------------------------------------------------------------------


def _role_station_ids(user) -> set[int]:
    return {r.org_id for r in roles_of(user) if r.org_id}


def tasks_owned_q(user, prefix: str = "") -> Q:
    """Tasks handed to `user`: to them, to a team they lead, or to a partner unit whose
    staff account they hold (吹哨报到: the unit sees what was handed to it, nothing else)."""
    return (Q(**{f"{prefix}owner": user}) | Q(**{f"{prefix}team_id__in": led_team_ids(user)})
            | Q(**{f"{prefix}unit__in": units_of_user(user)}))


def topics_for_user(user) -> QuerySet[Topic]:
    qs = Topic.objects.select_related("station", "resident__user")
    if is_platform_admin(user):
        return qs
    if not user.is_authenticated:
        return qs.none()
    scope = Q(resident__user=user) | Q(station_id__in=_role_station_ids(user),
                                       stage__in=WORKFLOW.groups["public"])
    scope |= Q(pk__in=TopicTask.objects.filter(tasks_owned_q(user)).values("topic_id"))
    if is_staff_member(user):
        scope |= subtree_q(user, "station__path")
    return qs.filter(scope)


def topic_get_for_user(user, topic_id: int) -> Topic:
    topic = topics_for_user(user).filter(pk=topic_id).first()
    if topic is None:
        raise NotFound()
    return topic


def public_topics(station) -> QuerySet[Topic]:
    """The node's board: public stages only, for anyone."""
    return Topic.objects.filter(station=station, stage__in=WORKFLOW.groups["public"])


# ---- capabilities -------------------------------------------------------------------------

def resident_here(user, topic: Topic) -> bool:
    """A resident registered at the topic's station (with a mobile: registration verified it)."""
    if not user.is_authenticated:
        return False
    cache = user.__dict__.setdefault("_wenming_resident_station", {})
    if "station" not in cache:
        cache["station"] = Resident.objects.filter(
            user=user, user__mobile__isnull=False).values_list("station_id", flat=True).first()
    return cache["station"] == topic.station_id


@dataclass(frozen=True)
class TopicCaps:
    own: bool  # the resident who raised it
    manages: bool  # staff of its station (or above)
    neighbour: bool  # a resident of its station
    sees_private: bool  # the words unmasked, who raised it, the history's reasons
    endorsed: bool
    voted: bool
    rated: bool
    can_approve: bool
    can_reject: bool
    can_merge: bool
    can_endorse: bool
    can_schedule: bool
    can_vote: bool
    can_decide: bool
    can_add_task: bool
    can_conclude: bool
    can_rate: bool
    can_close: bool
    can_comment: bool
    can_moderate_comments: bool
    can_add_photo: bool  # more photos (up to four) while neighbours still weigh it


def _done(topic: Topic, user, related: str) -> bool:
    return user.is_authenticated and getattr(topic, related).filter(user=user).exists()


def may_rate(user, topic: Topic) -> bool:
    """Endorsers and participants (who voted, or raised it) rate the result."""
    return user.is_authenticated and (
        topic.resident.user_id == user.pk or _done(topic, user, "endorsement_rows")
        or _done(topic, user, "votes"))


def topic_caps(user, topic: Topic) -> TopicCaps:
    """What `user` may see of `topic` and which moves are theirs in its current stage
    (windows and one-per-person included); `allowed_moves` adds the workflow."""
    own = user.is_authenticated and topic.resident.user_id == user.pk
    manages = can_manage(user, topic.station)
    neighbour = resident_here(user, topic)
    now = timezone.now()
    stage = topic.stage
    endorsed = stage == "endorsing" and _done(topic, user, "endorsement_rows")
    voted = stage == "scheduled" and _done(topic, user, "votes")
    rated = stage in ("evaluating", "closed") and _done(topic, user, "ratings")
    in_window = topic.endorse_until is None or now <= topic.endorse_until
    rate_open = topic.rate_until is None or now <= topic.rate_until
    return TopicCaps(
        own=own, manages=manages, neighbour=neighbour, sees_private=own or manages,
        endorsed=endorsed, voted=voted, rated=rated,
        can_approve=manages, can_reject=manages, can_merge=manages,
        can_endorse=neighbour and not endorsed and in_window,
        can_schedule=manages, can_vote=neighbour and not voted,
        can_decide=manages, can_add_task=manages, can_conclude=manages,
        can_rate=stage == "evaluating" and not rated and rate_open and may_rate(user, topic),
        can_close=manages,
        can_comment=user.is_authenticated and (neighbour or manages or own),
        can_moderate_comments=manages,
        can_add_photo=(own or manages or (user.is_authenticated and topic.raised_by_id == user.pk))
        and stage in PHOTO_STAGES)


def allowed_moves(user, topic: Topic, caps: TopicCaps | None = None) -> list[str]:
    """The moves `user` may make on `topic` now: their capabilities and the workflow agree."""
    caps = caps or topic_caps(user, topic)
    return [move for move, (to, only_from) in MOVES.items()
            if getattr(caps, f"can_{move}") and topic.stage in only_from
            and (to is None or WORKFLOW.can(topic.stage, to))]


@dataclass(frozen=True)
class TaskCaps:
    sees: bool
    can_report: bool  # progress updates and completion


def task_caps(user, task: TopicTask) -> TaskCaps:
    owner = user.is_authenticated and (
        task.owner_id == user.pk
        or (task.team_id is not None and task.team_id in led_team_ids(user))
        or (task.unit_id is not None and units_of_user(user).filter(pk=task.unit_id).exists()))
    manages = can_manage(user, task.topic.station)
    return TaskCaps(sees=owner or manages,
                    can_report=(owner or manages) and task.state == "open")


def task_get_for_user(user, topic: Topic, task_id: int) -> TopicTask:
    task = topic.tasks.select_related("topic__station", "owner", "team").filter(pk=task_id).first()
    if task is None:
        raise NotFound()
    return task


def my_tasks(user) -> QuerySet[TopicTask]:
    """Tasks handed to `user` (or a team they lead), for their to-do page."""
    if not user.is_authenticated:
        return TopicTask.objects.none()
    return TopicTask.objects.filter(tasks_owned_q(user)).select_related("topic__station", "unit")


def task_owner_get(user, *, owner_id: int | None = None, team_id: int | None = None,
                   unit_id: int | None = None) -> tuple[User | None, Team | None, Unit | None]:
    """A task's owner as the caller may name it: a staff member or volunteer of their
    subtree (by user id), a team they see, or a partner unit serving a node they manage.
    Anything else is a 404."""
    owner = team = unit = None
    if unit_id is not None:
        unit = units_for_user(user).filter(subtree_q(user, "org__path"), pk=unit_id,
                                           is_active=True).first()
        if unit is None or not is_staff_member(user):
            raise NotFound(_("合作单位不存在"), code="unknown_unit")
    if owner_id is not None:
        owner = User.objects.filter(
            subtree_q(user, "role_assignments__org__path"), pk=owner_id,
            role_assignments__role__in=[Role.STAFF, Role.VOLUNTEER]).distinct().first()
        if owner is None or not is_staff_member(user):
            raise NotFound(_("负责人不存在"), code="unknown_owner")
    if team_id is not None:
        team = team_get_for_user(user, team_id)
    return owner, team, unit


def comment_get(user, topic: Topic, comment_id: int) -> Comment:
    comment = comments_shown(topic, user).filter(pk=comment_id).first()
    if comment is None:
        raise NotFound()
    return comment


def comments_shown(topic: Topic, user) -> QuerySet[Comment]:
    """Hidden comments stay visible to the topic's moderators (marked), no one else."""
    qs = topic.comments.select_related("user")
    return qs if can_manage(user, topic.station) else qs.filter(hidden=False)


def topic_file_for_user(user, topic_id: int, name: str):
    """A topic's photo or a progress photo by its stored name, for those who see the topic."""
    topic = topic_get_for_user(user, topic_id)
    for photo in topic.photos.all():
        if photo.image.name.rsplit("/", 1)[-1] == name:
            return photo.image
    updates = TaskUpdate.objects.filter(task__topic=topic).exclude(photo="").only("photo")
    for update in updates:
        if update.photo.name.rsplit("/", 1)[-1] == name:
            return update.photo
    raise NotFound()
