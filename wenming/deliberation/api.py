"""The 议事厅 API: topics and their five steps (`/approve`, `/endorse`, `/schedule`, `/vote`,
`/decide`, `/tasks`, `/rate`, `/report`, ...). Every write calls the service the pages call."""

from ninja import Field, File, Form, Query, Router, Status
from ninja.files import UploadedFile

from wenming.core.pagination import PageQuery, paginate
from wenming.core.schemas import Id, Lat, Lng, PlatformDate, PlatformDateTime, Strict
from wenming.orgs.permissions import org_get_for_user
from wenming.people.permissions import resident_get_for_user

from . import services
from .models import Topic
from .permissions import (
    allowed_moves,
    comment_get,
    comments_shown,
    task_caps,
    task_get_for_user,
    task_owner_get,
    topic_caps,
    topic_get_for_user,
    topics_for_user,
)
from .selectors import (
    history,
    options_with_votes,
    photo_url,
    private_view,
    public_view,
    rating_summary,
    task_view,
    tasks_of,
)

router = Router(tags=["topics 议事厅"])


class TopicIn(Strict):
    title: str = Field(..., max_length=60)
    text: str = Field(..., max_length=2000)
    org_id: Id | None = None  # the station: a resident's own; checked against the resident
    category: str = Field("other", max_length=16)
    place: str = Field("", max_length=100)
    lat: Lat | None = None
    lng: Lng | None = None
    resident_id: Id | None = None  # staff raising it on a resident's behalf


class TopicFilter(PageQuery):
    org: Id | None = None
    stage: str = Field("", max_length=16)
    mine: bool = False


class ModerateIn(Strict):
    approve: bool = True
    reason: str = Field("", max_length=1000)


class MergeIn(Strict):
    into_id: Id
    reason: str = Field("", max_length=1000)


class ScheduleIn(Strict):
    at: PlatformDateTime
    place: str = Field(..., max_length=100)
    reason: str = Field("", max_length=1000)
    host: str = Field("", max_length=50)
    options: list[str] = Field(default_factory=list, max_length=10)


class VoteIn(Strict):
    option_id: Id


class DecideIn(Strict):
    decision: str = Field(..., max_length=2000)
    minutes: str = Field("", max_length=10000)
    votes_for: int = Field(0, ge=0, le=100_000)
    votes_against: int = Field(0, ge=0, le=100_000)
    offline_count: int = Field(0, ge=0, le=100_000)
    reasons: str = Field("", max_length=2000)


class TaskIn(Strict):
    title: str = Field(..., max_length=100)
    due: PlatformDate
    owner_id: Id | None = None
    team_id: Id | None = None
    unit_id: Id | None = None


class ProgressIn(Strict):
    note: str = Field(..., max_length=1000)
    done: bool = False


class RateIn(Strict):
    score: int = Field(..., ge=1, le=5)
    comment: str = Field("", max_length=1000)


class ReasonIn(Strict):
    reason: str = Field("", max_length=1000)


class CommentIn(Strict):
    text: str = Field(..., max_length=500)


class ReportIn(Strict):
    comment_id: Id


class KeepIn(Strict):
    keep: bool


def topic_out(request, topic: Topic, *, full: bool = True) -> dict:
    """One rule with the page: the private side only for those whose caps see it; the moves
    the caller may make now; the meeting's options, tasks, ratings and history in full."""
    caps = topic_caps(request.user, topic)
    out = public_view(topic)
    if caps.sees_private:
        out.update(private_view(topic))
    out.update(allowed_moves=allowed_moves(request.user, topic, caps), endorsed=caps.endorsed,
               can_add_photo=caps.can_add_photo,
               voted=caps.voted, rated=caps.rated)
    if full:
        out.update(options=options_with_votes(topic), tasks=tasks_of(topic),
                   rating=rating_summary(topic), history=history(topic),
                   photos=[photo_url(topic.pk, p.image) for p in topic.photos.all()])
    return out


def comment_out(comment) -> dict:
    return {"id": comment.id, "text": comment.text, "at": comment.at.isoformat(),
            "hidden": comment.hidden, "reports": comment.reports}


@router.get("", summary="议题（本站公开的、我提出的、辖区的）")
def topic_list(request, filters: Query[TopicFilter]):
    qs = topics_for_user(request.user)
    if filters.org:
        qs = qs.filter(station__path__startswith=org_get_for_user(request.user, filters.org).path)
    if filters.stage:
        qs = qs.filter(stage=filters.stage)
    if filters.mine:
        qs = qs.filter(resident__user=request.user)
    qs = qs.order_by("-updated_at", "-id")
    return paginate(qs, filters, lambda t: topic_out(request, t, full=False))


@router.post("", response={201: dict}, summary="提出议题（问民需；工作人员可代居民提出）")
def topic_create(request, payload: TopicIn):
    resident = None
    if payload.resident_id:
        resident = resident_get_for_user(request.user, payload.resident_id)
    topic = services.topic_raise(by=request.user, resident=resident, station_id=payload.org_id,
                                 **payload.dict(exclude={"resident_id", "org_id"}))
    return Status(201, topic_out(request, topic))


@router.get("/{topic_id}", summary="一个议题：阶段、附议、议事、任务、评价和全部经过")
def topic_get(request, topic_id: Id):
    return topic_out(request, topic_get_for_user(request.user, topic_id))


@router.post("/{topic_id}/approve", summary="审核（approve=false 为不通过，须填原因）")
def topic_approve(request, topic_id: Id, payload: ModerateIn):
    topic = topic_get_for_user(request.user, topic_id)
    return topic_out(request, services.topic_moderate(
        by=request.user, topic=topic, approve=payload.approve, reason=payload.reason))


@router.post("/{topic_id}/merge", summary="合并重复议题")
def topic_merge(request, topic_id: Id, payload: MergeIn):
    topic = topic_get_for_user(request.user, topic_id)
    into = topic_get_for_user(request.user, payload.into_id)
    return topic_out(request, services.topic_merge(by=request.user, topic=topic, into=into,
                                                   reason=payload.reason))


@router.post("/{topic_id}/photos", response={201: dict},
             summary="为议题添加一张照片（multipart：image；JPG或PNG，5MB以内，共最多4张；"
                     "提出人或工作人员，征集和附议阶段）")
def topic_photo_add(request, topic_id: Id, image: File[UploadedFile]):
    topic = topic_get_for_user(request.user, topic_id)
    services.topic_add_photo(by=request.user, topic=topic, image=image)
    return Status(201, topic_out(request, Topic.objects.get(pk=topic.pk)))


@router.post("/{topic_id}/endorse", summary="附议（本站居民，每人一次，附议期内）；答复为议题摘要")
def topic_endorse(request, topic_id: Id):
    topic = topic_get_for_user(request.user, topic_id)
    # The summary only: counted acts come in crowds, and the answer is built inside the
    # request's write transaction (AtomicWritesMiddleware), so it is kept short.
    return topic_out(request, services.topic_endorse(by=request.user, topic=topic), full=False)


@router.post("/{topic_id}/schedule", summary="列入议程，安排议事（未达门槛须填理由）")
def topic_schedule(request, topic_id: Id, payload: ScheduleIn):
    topic = topic_get_for_user(request.user, topic_id)
    return topic_out(request, services.topic_schedule(by=request.user, topic=topic,
                                                      **payload.dict()))


@router.post("/{topic_id}/vote", summary="投票（本站居民，每人一票，决议前）；答复为议题摘要")
def topic_vote(request, topic_id: Id, payload: VoteIn):
    topic = topic_get_for_user(request.user, topic_id)
    vote = services.topic_vote(by=request.user, topic=topic, option_id=payload.option_id)
    return {**topic_out(request, vote.topic, full=False), "option_id": vote.option_id}


@router.post("/{topic_id}/decide", summary="记录议事与决议（纪要、线下票数、理由）")
def topic_decide(request, topic_id: Id, payload: DecideIn):
    topic = topic_get_for_user(request.user, topic_id)
    return topic_out(request, services.topic_decide(by=request.user, topic=topic,
                                                    **payload.dict()))


@router.get("/{topic_id}/tasks", summary="议题的任务和进展")
def topic_tasks(request, topic_id: Id):
    topic = topic_get_for_user(request.user, topic_id)
    return {"items": tasks_of(topic), "count": topic.tasks.count()}


@router.post("/{topic_id}/tasks", response={201: dict}, summary="把决议分解为任务（执民事）")
def task_create(request, topic_id: Id, payload: TaskIn):
    topic = topic_get_for_user(request.user, topic_id)
    owner, team, unit = task_owner_get(request.user, owner_id=payload.owner_id,
                                       team_id=payload.team_id, unit_id=payload.unit_id)
    task = services.task_add(by=request.user, topic=topic, title=payload.title,
                             due=payload.due, owner=owner, team=team, unit=unit)
    return Status(201, task_view(task))


@router.post("/{topic_id}/tasks/{task_id}/progress", summary="汇报任务进展（done=true 为完成）")
def task_progress(request, topic_id: Id, task_id: Id, payload: ProgressIn):
    topic = topic_get_for_user(request.user, topic_id)
    task = task_get_for_user(request.user, topic, task_id)
    services.task_report(by=request.user, task=task, note=payload.note,
                         complete=payload.done)
    task.refresh_from_db()
    return {**task_view(task), "can_report": task_caps(request.user, task).can_report}


@router.post("/{topic_id}/tasks/{task_id}/progress/photo",
             summary="带照片汇报任务进展（multipart：note、done、image；JPG或PNG，5MB以内）")
def task_progress_photo(request, topic_id: Id, task_id: Id, payload: Form[ProgressIn],
                        image: File[UploadedFile]):
    topic = topic_get_for_user(request.user, topic_id)
    task = task_get_for_user(request.user, topic, task_id)
    services.task_report(by=request.user, task=task, note=payload.note, photo=image,
                         complete=payload.done)
    task.refresh_from_db()
    return {**task_view(task), "can_report": task_caps(request.user, task).can_report}


@router.post("/{topic_id}/conclude", summary="决议无须办理，直接进入评价")
def topic_conclude(request, topic_id: Id, payload: ReasonIn):
    topic = topic_get_for_user(request.user, topic_id)
    return topic_out(request, services.topic_conclude(by=request.user, topic=topic,
                                                      reason=payload.reason))


@router.post("/{topic_id}/rate", summary="评价结果（附议人和参与者，1–5分，任务完成后的评价期内）")
def topic_rate(request, topic_id: Id, payload: RateIn):
    topic = topic_get_for_user(request.user, topic_id)
    services.topic_rate(by=request.user, topic=topic, score=payload.score,
                        comment=payload.comment)
    return topic_out(request, Topic.objects.get(pk=topic.pk))


@router.post("/{topic_id}/close", summary="结束评价，议题办结")
def topic_close(request, topic_id: Id):
    topic = topic_get_for_user(request.user, topic_id)
    return topic_out(request, services.topic_close(by=request.user, topic=topic))


@router.get("/{topic_id}/comments", summary="评论（被举报隐藏的只有管理员可见）")
def comment_list(request, topic_id: Id, page: Query[PageQuery]):
    topic = topic_get_for_user(request.user, topic_id)
    return paginate(comments_shown(topic, request.user), page, comment_out)


@router.post("/{topic_id}/comments", response={201: dict}, summary="发表评论")
def comment_create(request, topic_id: Id, payload: CommentIn):
    topic = topic_get_for_user(request.user, topic_id)
    return Status(201, comment_out(services.comment_add(by=request.user, topic=topic,
                                                        text=payload.text)))


@router.post("/{topic_id}/report", summary="举报评论（每人一次；达到次数自动隐藏）")
def comment_report(request, topic_id: Id, payload: ReportIn):
    topic = topic_get_for_user(request.user, topic_id)
    comment = comment_get(request.user, topic, payload.comment_id)
    return comment_out(services.comment_report(by=request.user, comment=comment))


@router.post("/{topic_id}/comments/{comment_id}/moderate", summary="处理被举报的评论（保留或删除）")
def comment_moderate(request, topic_id: Id, comment_id: Id, payload: KeepIn):
    topic = topic_get_for_user(request.user, topic_id)
    comment = comment_get(request.user, topic, comment_id)
    return comment_out(services.comment_moderate(by=request.user, comment=comment,
                                                 keep=payload.keep))
