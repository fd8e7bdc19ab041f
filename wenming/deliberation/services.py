"""Every write of the 议事厅, through one transition function with its event row.

Counted acts (endorse, vote, rate, report a comment) lock the topic (or comment) row first and
rely on a unique constraint per person, so racing requests count exactly once; followers are
told of every move through the inbox, on commit with the rest.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.core.errors import Conflict, Forbidden
from wenming.core.uploads import checked_image
from wenming.inbox.services import notify
from wenming.orgs.models import OrgNode, RoleAssignment
from wenming.orgs.permissions import can_manage
from wenming.partners.models import Unit
from wenming.people.models import Resident, User
from wenming.teams.models import Team

from .models import (
    MOVES,
    TASK_WORKFLOW,
    WORKFLOW,
    Category,
    Comment,
    CommentReport,
    Endorsement,
    Option,
    Rating,
    Stage,
    TaskState,
    TaskUpdate,
    Topic,
    TopicEvent,
    TopicPhoto,
    TopicRule,
    TopicTask,
    Vote,
)
from .permissions import may_rate, task_caps, topic_caps

S = Stage
MAX_PHOTOS = 4
# An overdue task goes one level up the tree each time this passes without it being done.
ESCALATE_EVERY = datetime.timedelta(days=1)


# ---- the machine --------------------------------------------------------------------------

def topic_transition(topic: Topic, to: str, *, by: User | None, reason: str = "",
                     only_from=None, **changes) -> Topic:
    """Move a locked topic to `to`, or raise 409 invalid_transition; writes the event and
    tells the followers."""
    WORKFLOW.check(topic.stage, to, only_from=only_from)
    from_stage = topic.stage
    for name, value in changes.items():
        setattr(topic, name, value)
    topic.stage = to
    topic.save()
    TopicEvent.objects.create(topic=topic, from_stage=from_stage, to_stage=to, by=by,
                              reason=reason)
    if from_stage:
        tell_followers(topic, _("议题进展：%(s)s") % {"s": WORKFLOW.label(to)}, skip=by)
    return topic


def _move(topic: Topic, move: str, *, by: User | None, reason: str = "", **changes) -> Topic:
    to, only_from = MOVES[move]
    return topic_transition(topic, to, by=by, reason=reason, only_from=only_from, **changes)


def tell_followers(topic: Topic, title: str, *, skip: User | None = None) -> None:
    users = topic.followers.exclude(pk=getattr(skip, "pk", None))
    notify(users=list(users), title=title, body=topic.title, url=f"/topics/{topic.pk}/")


def _require(allowed: bool, message=None) -> None:
    if not allowed:
        raise Forbidden(message)


def _locked(topic: Topic) -> Topic:
    return Topic.objects.select_for_update(of=("self",)).select_related(
        "station", "resident__user").get(pk=topic.pk)


def _text(value: str, name: str, low: int, high: int) -> str:
    value = (value or "").strip()
    if not low <= len(value) <= high:
        raise ValidationError(_("%(name)s应为%(low)d到%(high)d个字") % {
            "name": name, "low": low, "high": high}, code="invalid_text")
    return value


def rule_for(station: OrgNode) -> TopicRule:
    """The station's rule, or its nearest ancestor's, or the defaults."""
    ids = [*station.ancestor_ids, station.pk]
    rule = TopicRule.objects.filter(org_id__in=ids).order_by("-org__depth").first()
    return rule or TopicRule(org=station)


def staff_of(org: OrgNode) -> list[User]:
    return list(User.objects.filter(role_assignments__org=org,
                                    role_assignments__role=RoleAssignment.Role.STAFF).distinct())


# ---- 问民需 --------------------------------------------------------------------------------

@transaction.atomic
def topic_raise(*, by: User, title: str, text: str, category: str = Category.OTHER,
                place: str = "", lat: float | None = None, lng: float | None = None,
                resident: Resident | None = None, station_id: int | None = None,
                photos=()) -> Topic:
    """A resident raises a topic at their station, or staff raise it on a resident's behalf.
    `station_id`, when given, must be that station."""
    if resident is None:
        resident = Resident.objects.filter(user=by).select_related("station", "user").first()
        _require(resident is not None, _("只有群众可以提出议题"))
    elif resident.user_id != by.pk and not can_manage(by, resident.station):
        raise Forbidden(_("只能为本辖区的群众代提议题"))
    if station_id is not None and station_id != resident.station_id:
        raise ValidationError(_("只能在所属实践站提出议题"), code="invalid_station")
    if category not in Category.values:
        raise ValidationError(_("类别不正确"), code="invalid_category")
    if (lat is None) != (lng is None):
        raise ValidationError(_("请同时填写经度和纬度"), code="invalid_location")
    photos = list(photos)
    if len(photos) > MAX_PHOTOS:
        raise ValidationError(_("最多上传%(n)d张照片") % {"n": MAX_PHOTOS}, code="too_many_photos")
    checked = [checked_image(p, stem="photo") for p in photos]
    topic = Topic.objects.create(
        station=resident.station, resident=resident, raised_by=by, stage="",
        title=_text(title, _("议题"), 2, 60), text=_text(text, _("议题内容"), 2, 2000),
        category=category, place=(place or "").strip()[:100], lat=lat, lng=lng)
    for photo in checked:
        TopicPhoto.objects.create(topic=topic, image=photo)
    topic.followers.add(resident.user)
    topic = topic_transition(topic, S.COLLECTING, by=by)
    notify(users=staff_of(topic.station), title=_("新议题待审核"), body=topic.title,
           url=f"/topics/{topic.pk}/")
    return topic


@transaction.atomic
def topic_add_photo(*, by: User, topic: Topic, image) -> TopicPhoto:
    """One more photo on a topic by whoever raised it (or staff of its station) while it is
    collected or endorsed; at most `MAX_PHOTOS`, counted under the topic's row lock so two
    uploads at once cannot make a fifth."""
    topic = _locked(topic)
    caps = topic_caps(by, topic)
    _require(caps.own or caps.manages or topic.raised_by_id == by.pk,
             _("只有提出人或工作人员可以添加照片"))
    if not caps.can_add_photo:
        raise Conflict(_("议题已进入议事，不能再添加照片"), code="invalid_transition")
    if topic.photos.count() >= MAX_PHOTOS:
        raise ValidationError(_("最多上传%(n)d张照片") % {"n": MAX_PHOTOS}, code="too_many_photos")
    return TopicPhoto.objects.create(topic=topic, image=checked_image(image, stem="photo"))


@transaction.atomic
def topic_moderate(*, by: User, topic: Topic, approve: bool, reason: str = "") -> Topic:
    """Staff put a topic up for endorsement (with the node's threshold and window), or turn
    it down with a reason the resident reads."""
    topic = _locked(topic)
    caps = topic_caps(by, topic)
    _require(caps.can_approve if approve else caps.can_reject)
    reason = (reason or "").strip()
    if not approve:
        return _move(topic, "reject", by=by, reason=_text(reason, _("原因"), 2, 1000))
    rule = rule_for(topic.station)
    return _move(topic, "approve", by=by, reason=reason[:1000], threshold=rule.threshold,
                 endorse_until=timezone.now() + datetime.timedelta(days=rule.endorse_days))


@transaction.atomic
def topic_merge(*, by: User, topic: Topic, into: Topic, reason: str = "") -> Topic:
    """A duplicate joins an earlier topic of the same station: its followers (endorsers
    included) follow that one, and the duplicate closes as rejected, pointing to it."""
    topic = _locked(topic)
    _require(topic_caps(by, topic).can_merge)
    if into.pk == topic.pk or into.station_id != topic.station_id:
        raise ValidationError(_("只能合并到本站的另一个议题"), code="invalid_merge")
    if into.stage not in WORKFLOW.groups["open"]:
        raise Conflict(_("目标议题已结束，不能合并"), code="invalid_merge")
    into.followers.add(*topic.followers.all())
    text = (reason or "").strip()[:900] or _("与其他议题重复")
    return _move(topic, "merge", by=by, merged_into=into,
                 reason=_("合并到议题 #%(id)s：%(r)s") % {"id": into.pk, "r": text})


# ---- 汇民意 --------------------------------------------------------------------------------

def _same_stage_or_409(topic: Topic, move: str) -> None:
    """A move that keeps the stage (endorse, vote, rate) still needs the right one."""
    if topic.stage not in MOVES[move][1]:
        raise Conflict(_("当前阶段为“%(s)s”，不能执行此操作") % {"s": WORKFLOW.label(topic.stage)},
                       code="invalid_transition")


@transaction.atomic
def topic_endorse(*, by: User, topic: Topic) -> Topic:
    """A resident of the station endorses, once, within the window. Reaching the threshold
    puts the topic on the agenda (staff then schedule the meeting). The endorser follows."""
    topic = _locked(topic)
    caps = topic_caps(by, topic)
    _require(caps.neighbour, _("只有本站的居民可以附议"))
    _same_stage_or_409(topic, "endorse")
    if caps.endorsed:
        raise Conflict(_("您已附议过该议题"), code="already_endorsed")
    if topic.endorse_until and timezone.now() > topic.endorse_until:
        raise Conflict(_("附议期已结束"), code="window_closed")
    try:
        with transaction.atomic():
            Endorsement.objects.create(topic=topic, user=by)
    except IntegrityError:
        raise Conflict(_("您已附议过该议题"), code="already_endorsed") from None
    topic.endorsements = F("endorsements") + 1
    topic.save(update_fields=["endorsements", "updated_at"])
    topic.refresh_from_db(fields=["endorsements"])
    topic.followers.add(by)
    if topic.on_agenda_at is None and topic.endorsements >= topic.threshold:
        topic.on_agenda_at = timezone.now()
        topic.save(update_fields=["on_agenda_at"])
        notify(users=staff_of(topic.station), title=_("议题附议达到门槛，请安排议事"),
               body=topic.title, url=f"/topics/{topic.pk}/")
        tell_followers(topic, _("议题已列入议程"), skip=by)
    return topic


@transaction.atomic
def topic_schedule(*, by: User, topic: Topic, at: datetime.datetime, place: str,
                   host: str = "", reason: str = "", options=()) -> Topic:
    """Staff set the meeting. Below the threshold they must say why it goes on the agenda.
    `options` are the choices put to the vote (赞成 / 反对 when none are given)."""
    topic = _locked(topic)
    _require(topic_caps(by, topic).can_schedule)
    reason = (reason or "").strip()[:1000]
    if topic.on_agenda_at is None and not reason:
        raise ValidationError(_("附议人数未达到门槛，请填写列入议程的理由"), code="reason_required")
    labels = [str(o).strip()[:60] for o in options if str(o).strip()] or [_("赞成"), _("反对")]
    if len(labels) < 2 or len(set(labels)) < len(labels) or len(labels) > 10:
        raise ValidationError(_("请给出2到10个互不相同的选项"), code="invalid_options")
    topic = _move(topic, "schedule", by=by, reason=reason, meeting_at=at,
                  meeting_place=_text(place, _("议事地点"), 2, 100), host=(host or "").strip()[:50],
                  on_agenda_at=topic.on_agenda_at or timezone.now())
    Option.objects.bulk_create([Option(topic=topic, label=label, position=i)
                                for i, label in enumerate(labels)])
    return topic


# ---- 议民题 --------------------------------------------------------------------------------

@transaction.atomic
def topic_vote(*, by: User, topic: Topic, option_id: int) -> Vote:
    """One vote per verified resident of the station, until the decision."""
    topic = _locked(topic)
    caps = topic_caps(by, topic)
    _require(caps.neighbour, _("只有本站的居民可以投票"))
    _same_stage_or_409(topic, "vote")
    if caps.voted:
        raise Conflict(_("您已投过票"), code="already_voted")
    option = topic.options.filter(pk=option_id).first()
    if option is None:
        raise ValidationError(_("没有这个选项"), code="invalid_option")
    try:
        with transaction.atomic():
            vote = Vote.objects.create(topic=topic, option=option, user=by)
    except IntegrityError:
        raise Conflict(_("您已投过票"), code="already_voted") from None
    topic.followers.add(by)
    return vote


@transaction.atomic
def topic_decide(*, by: User, topic: Topic, decision: str, minutes: str = "",
                 votes_for: int = 0, votes_against: int = 0, offline_count: int = 0,
                 reasons: str = "", offline_votes: dict[int, int] | None = None) -> Topic:
    """Staff record the meeting and its decision: the minutes, the hands counted in the room
    (`votes_for`/`votes_against` go to the first two options, `offline_votes` by option id),
    how many came in person, and why. Online voting ends here."""
    topic = _locked(topic)
    _require(topic_caps(by, topic).can_decide)
    _same_stage_or_409(topic, "decide")
    counts = dict(offline_votes or {})
    options = list(topic.options.all())
    for option, n in zip(options, (votes_for, votes_against), strict=False):
        counts.setdefault(option.pk, n)
    known = {o.pk for o in options}
    if set(counts) - known:
        raise ValidationError(_("没有这个选项"), code="invalid_option")
    if any(not 0 <= n <= 100_000 for n in [*counts.values(), offline_count]):
        raise ValidationError(_("人数不正确"), code="invalid_count")
    for option in options:
        option.offline_votes = counts.get(option.pk, 0)
    Option.objects.bulk_update(options, ["offline_votes"])
    return _move(topic, "decide", by=by, reason=(reasons or "").strip()[:1000],
                 decision=_text(decision, _("决议"), 2, 2000),
                 minutes=(minutes or "").strip()[:10000], offline_count=offline_count,
                 decision_reasons=(reasons or "").strip()[:2000])


# ---- 执民事 --------------------------------------------------------------------------------

@transaction.atomic
def task_add(*, by: User, topic: Topic, title: str, due: datetime.date,
             owner: User | None = None, team: Team | None = None,
             unit: Unit | None = None) -> TopicTask:
    """One task of the decision with exactly one owner; the first moves the topic to
    executing. The task worker escalates it if it is not done by its date."""
    topic = _locked(topic)
    _require(topic_caps(by, topic).can_add_task)
    _same_stage_or_409(topic, "add_task")
    if [owner, team, unit].count(None) != 2:
        raise ValidationError(_("请指定一个负责人、一支队伍或一个合作单位"), code="owner_required")
    if due < timezone.localdate():
        raise ValidationError(_("完成期限不能早于今天"), code="invalid_due")
    task = TopicTask.objects.create(topic=topic, title=_text(title, _("任务"), 2, 100), due=due,
                                    owner=owner, team=team, unit=unit, created_by=by)
    if topic.stage == S.DECIDED:
        topic_transition(topic, S.EXECUTING, by=by, reason=task.title)
    notify(users=assignees(task), title=_("您有新的议事任务"), body=task.title,
           url=f"/topics/{topic.pk}/")
    _schedule_escalation(task)
    return task


def assignees(task: TopicTask) -> list[User]:
    """Who carries a task out: its owner, its team's leaders, or its unit's staff."""
    if task.owner_id:
        return [task.owner]
    if task.unit_id:
        return list(User.objects.filter(unit_staff__unit=task.unit_id).distinct())
    return list(User.objects.filter(
        volunteer__memberships__team=task.team_id, volunteer__memberships__role="leader",
        volunteer__memberships__status="active").distinct())


def _schedule_escalation(task: TopicTask) -> None:
    from .tasks import escalate_task

    task_id, level = task.pk, task.escalations
    run_after = escalation_due(task)
    transaction.on_commit(lambda: escalate_task.using(run_after=run_after).enqueue(task_id, level))


def escalation_due(task: TopicTask) -> datetime.datetime:
    """The end of the due day, then one `ESCALATE_EVERY` more per escalation so far."""
    end = timezone.make_aware(datetime.datetime.combine(
        task.due + datetime.timedelta(days=1), datetime.time.min))
    return end + ESCALATE_EVERY * task.escalations


@transaction.atomic
def task_report(*, by: User, task: TopicTask, note: str, photo=None,
                complete: bool = False) -> TaskUpdate:
    """The owner (or staff) reports progress, with a photo if they have one; `complete` closes
    the task, and the last task closing opens the rating window."""
    task = TopicTask.objects.select_for_update(of=("self",)).select_related(
        "topic__station").get(pk=task.pk)
    _require(task_caps(by, task).sees, _("只有任务负责人可以汇报进展"))
    if task.state != TaskState.OPEN:
        raise Conflict(_("任务已完成"), code="invalid_transition")
    if photo is not None:
        photo = checked_image(photo, stem="photo")
    update = TaskUpdate.objects.create(
        task=task, by=by, note=_text(note, _("进展说明"), 2, 1000), photo=photo or "",
        kind=TaskUpdate.Kind.DONE if complete else TaskUpdate.Kind.PROGRESS)
    topic = task.topic
    if complete:
        TASK_WORKFLOW.check(task.state, TaskState.DONE)
        task.state, task.done_at = TaskState.DONE, timezone.now()
        task.save(update_fields=["state", "done_at"])
        topic = _locked(topic)
        if not topic.tasks.filter(state=TaskState.OPEN).exists():
            rule = rule_for(topic.station)
            topic_transition(topic, S.EVALUATING, by=by, reason=_("任务全部完成，开始评价"),
                             rate_until=timezone.now() + datetime.timedelta(days=rule.rate_days))
            return update
    tell_followers(topic, _("任务有新进展：%(t)s") % {"t": task.title}, skip=by)
    return update


@transaction.atomic
def task_escalate_if_overdue(*, task_id: int, level: int) -> bool:
    """Escalate an open task whose time passed, one level up the tree: exactly once per
    level however many workers run this (the conditional lock finds it at that level)."""
    task = TopicTask.objects.select_for_update(of=("self",)).select_related(
        "topic__station", "escalated_to").filter(
        pk=task_id, state=TaskState.OPEN, escalations=level).first()
    if task is None or escalation_due(task) > timezone.now():
        return False
    here = task.escalated_to or task.topic.station
    parent = OrgNode.objects.filter(pk=here.parent_id).first()
    if parent is None:
        return False  # at the top: nobody above to hand it to
    task.escalations, task.escalated_to = level + 1, parent
    task.save(update_fields=["escalations", "escalated_to"])
    TaskUpdate.objects.create(task=task, kind=TaskUpdate.Kind.ESCALATED, by=None,
                              note=_("任务超期未完成，上报%(org)s") % {"org": parent.name})
    notify(users=staff_of(parent), title=_("议事任务超期上报"), body=task.title,
           url=f"/topics/{task.topic_id}/")
    _schedule_escalation(task)
    return True


def overdue_tasks():
    return TopicTask.objects.filter(state=TaskState.OPEN, due__lt=timezone.localdate())


@transaction.atomic
def topic_conclude(*, by: User, topic: Topic, reason: str) -> Topic:
    """A decision with nothing to carry out goes straight to the residents' rating."""
    topic = _locked(topic)
    _require(topic_caps(by, topic).can_conclude)
    rule = rule_for(topic.station)
    return _move(topic, "conclude", by=by, reason=_text(reason, _("理由"), 2, 1000),
                 rate_until=timezone.now() + datetime.timedelta(days=rule.rate_days))


# ---- 促民评 --------------------------------------------------------------------------------

@transaction.atomic
def topic_rate(*, by: User, topic: Topic, score: int, comment: str = "") -> Rating:
    """Endorsers and participants rate the result 1–5, once, in the window after the tasks
    close."""
    topic = _locked(topic)
    _require(may_rate(by, topic), _("只有附议或参与议事的居民可以评价"))
    _same_stage_or_409(topic, "rate")
    if topic.rate_until and timezone.now() > topic.rate_until:
        raise Conflict(_("评价期已结束"), code="window_closed")
    if not 1 <= score <= 5:
        raise ValidationError(_("评分应为1到5"), code="invalid_score")
    try:
        with transaction.atomic():
            rating = Rating.objects.create(topic=topic, user=by, score=score,
                                           comment=(comment or "").strip()[:1000])
    except IntegrityError:
        raise Conflict(_("您已评价过"), code="already_rated") from None
    return rating


@transaction.atomic
def topic_close(*, by: User | None, topic: Topic) -> Topic:
    """Staff close the rating early; the task worker closes it when the window ends."""
    topic = _locked(topic)
    if by is not None:
        _require(topic_caps(by, topic).can_close)
    elif topic.rate_until and topic.rate_until > timezone.now():
        return topic
    return _move(topic, "close", by=by, reason="" if by else _("评价期结束"))


def rating_due_topics():
    return Topic.objects.filter(stage=S.EVALUATING, rate_until__lt=timezone.now())


# ---- comments -------------------------------------------------------------------------------

@transaction.atomic
def comment_add(*, by: User, topic: Topic, text: str) -> Comment:
    _require(topic_caps(by, topic).can_comment, _("只有本站居民可以评论"))
    if topic.stage not in WORKFLOW.groups["commentable"]:
        raise Conflict(_("该议题当前不能评论"), code="invalid_transition")
    return Comment.objects.create(topic=topic, user=by, text=_text(text, _("评论"), 1, 500))


@transaction.atomic
def comment_report(*, by: User, comment: Comment) -> Comment:
    """One report per person; the node's number of reports hides it until a moderator
    looks (unless a moderator already kept it)."""
    comment = Comment.objects.select_for_update(of=("self",)).select_related(
        "topic__station").get(pk=comment.pk)
    _require(by.is_authenticated and comment.user_id != by.pk, _("不能举报自己的评论"))
    try:
        with transaction.atomic():
            CommentReport.objects.create(comment=comment, user=by)
    except IntegrityError:
        raise Conflict(_("您已举报过这条评论"), code="already_reported") from None
    comment.reports += 1
    limit = rule_for(comment.topic.station).hide_after_reports
    if comment.reports >= limit and not comment.reviewed:
        comment.hidden = True
    comment.save(update_fields=["reports", "hidden"])
    return comment


@transaction.atomic
def comment_moderate(*, by: User, comment: Comment, keep: bool) -> Comment:
    """A moderator keeps a reported comment (shown again, reports no longer hide it) or
    removes it (hidden for good)."""
    comment = Comment.objects.select_for_update(of=("self",)).select_related(
        "topic__station").get(pk=comment.pk)
    _require(can_manage(by, comment.topic.station))
    comment.hidden, comment.reviewed = not keep, True
    comment.save(update_fields=["hidden", "reviewed"])
    return comment


@transaction.atomic
def topic_follow(*, by: User, topic: Topic, on: bool = True) -> Topic:
    (topic.followers.add if on else topic.followers.remove)(by)
    return topic
