"""议事厅: the 五步循环 of a station's topics (问民需 → 汇民意 → 议民题 → 执民事 → 促民评).

A topic's stage is a state machine as data (`WORKFLOW`, `MOVES`); `services.topic_transition`
applies it and writes a `TopicEvent` (who, when, from, to, why). Tasks have their own small
machine (`TASK_WORKFLOW`). Endorsements, votes, ratings and comment reports are one row per
person, held by unique constraints, so racing requests count once.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wenming.core.uploads import random_name
from wenming.core.workflow import Workflow
from wenming.orgs.models import OrgNode
from wenming.partners.models import Unit
from wenming.people.models import Resident
from wenming.teams.models import Team


class Stage(models.TextChoices):
    COLLECTING = "collecting", _("问民需·待审核")
    ENDORSING = "endorsing", _("汇民意·征集附议")
    SCHEDULED = "scheduled", _("议民题·待议")
    DECIDED = "decided", _("议民题·已决议")
    EXECUTING = "executing", _("执民事·办理中")
    EVALUATING = "evaluating", _("促民评·评价中")
    CLOSED = "closed", _("已办结")
    REJECTED = "rejected", _("未通过")


S = Stage
PUBLIC = frozenset({S.ENDORSING, S.SCHEDULED, S.DECIDED, S.EXECUTING, S.EVALUATING, S.CLOSED})
WORKFLOW = Workflow(
    states=Stage,
    transitions={
        "": frozenset({S.COLLECTING}),
        S.COLLECTING: frozenset({S.ENDORSING, S.REJECTED}),
        S.ENDORSING: frozenset({S.SCHEDULED, S.REJECTED}),  # rejected here: merged away
        S.SCHEDULED: frozenset({S.DECIDED}),
        S.DECIDED: frozenset({S.EXECUTING, S.EVALUATING}),  # evaluating: nothing to carry out
        S.EXECUTING: frozenset({S.EVALUATING}),  # the last task done
        S.EVALUATING: frozenset({S.CLOSED}),
    },
    colours={S.COLLECTING: "info", S.ENDORSING: "info", S.SCHEDULED: "warn", S.DECIDED: "warn",
             S.EXECUTING: "warn", S.EVALUATING: "ok", S.CLOSED: "ok", S.REJECTED: "bad"},
    steps=(S.COLLECTING, S.ENDORSING, S.SCHEDULED, S.DECIDED, S.EXECUTING, S.EVALUATING,
           S.CLOSED),
    groups={
        # On the node's public board (and in the district's view of it).
        "public": PUBLIC,
        "open": frozenset({S.COLLECTING, S.ENDORSING, S.SCHEDULED, S.DECIDED, S.EXECUTING,
                           S.EVALUATING}),
        "commentable": frozenset({S.ENDORSING, S.SCHEDULED, S.DECIDED, S.EXECUTING,
                                  S.EVALUATING}),
    },
)
# A person's move by name (the API's `allowed_moves`, the pages' `data-move`): the stage it
# leads to (None: the stage stays) and the stages it starts from.
MOVES: dict[str, tuple[str | None, frozenset[str]]] = {
    "approve": (S.ENDORSING, frozenset({S.COLLECTING})),
    "reject": (S.REJECTED, frozenset({S.COLLECTING})),
    "merge": (S.REJECTED, frozenset({S.COLLECTING, S.ENDORSING})),
    "endorse": (None, frozenset({S.ENDORSING})),
    "schedule": (S.SCHEDULED, frozenset({S.ENDORSING})),
    "vote": (None, frozenset({S.SCHEDULED})),
    "decide": (S.DECIDED, frozenset({S.SCHEDULED})),
    "add_task": (None, frozenset({S.DECIDED, S.EXECUTING})),  # the first moves it to executing
    "conclude": (S.EVALUATING, frozenset({S.DECIDED})),  # a decision with nothing to carry out
    "rate": (None, frozenset({S.EVALUATING})),
    "close": (S.CLOSED, frozenset({S.EVALUATING})),
}


class Category(models.TextChoices):
    ENVIRONMENT = "environment", _("环境卫生")
    TRAFFIC = "traffic", _("停车交通")
    FACILITIES = "facilities", _("公共设施")
    NEIGHBOURS = "neighbours", _("邻里关系")
    CARE = "care", _("一老一小")
    SAFETY = "safety", _("平安建设")
    CULTURE = "culture", _("文明风尚")
    OTHER = "other", _("其他")


class TopicRule(models.Model):
    """A node's rules for its topics; a station without one uses its nearest ancestor's,
    and without any the defaults (`selectors.rule_for`)."""

    org = models.OneToOneField(OrgNode, on_delete=models.CASCADE, related_name="topic_rule")
    threshold = models.PositiveIntegerField(_("附议人数门槛"), default=10)
    endorse_days = models.PositiveSmallIntegerField(_("附议期（天）"), default=14)
    rate_days = models.PositiveSmallIntegerField(_("评价期（天）"), default=14)
    hide_after_reports = models.PositiveSmallIntegerField(_("被举报几次后隐藏评论"), default=3)

    class Meta:
        verbose_name = _("议事规则")
        verbose_name_plural = _("议事规则")

    def __str__(self) -> str:
        return str(self.org)


def photo_path(obj, filename: str) -> str:
    return random_name("topics", filename)


class Topic(models.Model):
    station = models.ForeignKey(OrgNode, verbose_name=_("所属实践站"), on_delete=models.PROTECT,
                                related_name="topics")
    resident = models.ForeignKey(Resident, verbose_name=_("提议人"), on_delete=models.PROTECT,
                                 related_name="topics")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+")
    title = models.CharField(_("议题"), max_length=60)
    text = models.TextField(_("议题内容"))
    category = models.CharField(_("类别"), max_length=16, choices=Category.choices,
                                default=Category.OTHER)
    place = models.CharField(_("地点"), max_length=100, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)
    stage = models.CharField(_("阶段"), max_length=16, choices=Stage.choices,
                             default=S.COLLECTING)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="merged")
    # 汇民意: the node's threshold and window, fixed when the topic goes up for endorsement.
    threshold = models.PositiveIntegerField(_("附议人数门槛"), default=0)
    endorse_until = models.DateTimeField(_("附议截止"), null=True, blank=True)
    endorsements = models.PositiveIntegerField(_("附议人数"), default=0)
    on_agenda_at = models.DateTimeField(_("列入议程"), null=True, blank=True)
    # 议民题
    meeting_at = models.DateTimeField(_("议事时间"), null=True, blank=True)
    meeting_place = models.CharField(_("议事地点"), max_length=100, blank=True)
    host = models.CharField(_("主持人"), max_length=50, blank=True)
    offline_count = models.PositiveIntegerField(_("线下参会人数"), default=0)
    minutes = models.TextField(_("会议纪要"), blank=True)
    decision = models.TextField(_("决议"), blank=True)
    decision_reasons = models.TextField(_("决议理由"), blank=True)
    # 促民评
    rate_until = models.DateTimeField(_("评价截止"), null=True, blank=True)
    followers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True,
                                       related_name="followed_topics")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("议题")
        verbose_name_plural = _("议题")
        indexes = [models.Index(fields=["station", "stage", "updated_at"], name="topic_board"),
                   models.Index(fields=["stage", "rate_until"], name="topic_rating_due")]

    def __str__(self) -> str:
        return self.title


class TopicPhoto(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(_("照片"), upload_to=photo_path)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"#{self.topic_id} {self.image.name}"


class TopicEvent(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="events")
    from_stage = models.CharField(max_length=16, blank=True)
    to_stage = models.CharField(max_length=16)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                           on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"#{self.topic_id} {self.from_stage}→{self.to_stage}"


class Endorsement(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="endorsement_rows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="topic_endorsements")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["topic", "user"],
                                               name="one_endorsement_each")]

    def __str__(self) -> str:
        return f"#{self.topic_id} +{self.user_id}"


class Option(models.Model):
    """A choice put to the meeting; `offline_votes` are the hands counted in the room."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="options")
    label = models.CharField(_("选项"), max_length=60)
    position = models.PositiveSmallIntegerField(default=0)
    offline_votes = models.PositiveIntegerField(_("线下票数"), default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.label


class Vote(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="votes")
    option = models.ForeignKey(Option, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="topic_votes")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["topic", "user"], name="one_vote_each")]

    def __str__(self) -> str:
        return f"#{self.topic_id} {self.user_id}→{self.option_id}"


class TaskState(models.TextChoices):
    OPEN = "open", _("办理中")
    DONE = "done", _("已完成")


TASK_WORKFLOW = Workflow(
    states=TaskState,
    transitions={"": frozenset({TaskState.OPEN}), TaskState.OPEN: frozenset({TaskState.DONE})},
    colours={TaskState.OPEN: "warn", TaskState.DONE: "ok"},
    steps=(TaskState.OPEN, TaskState.DONE),
)


class TopicTask(models.Model):
    """执民事: one piece of the decision, owned by a staff member or volunteer (`owner`), a
    team, or a partner unit (whose own staff accounts then see and report it). Overdue, it escalates one level up the tree per `ESCALATE_EVERY`."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("任务"), max_length=100)
    due = models.DateField(_("完成期限"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.PROTECT, related_name="topic_tasks")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="topic_tasks")
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="topic_tasks")
    state = models.CharField(_("状态"), max_length=8, choices=TaskState.choices,
                             default=TaskState.OPEN)
    escalations = models.PositiveSmallIntegerField(default=0)
    escalated_to = models.ForeignKey(OrgNode, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due", "id"]
        indexes = [models.Index(fields=["state", "due"], name="topic_task_due")]
        constraints = [
            # Exactly one owner: a person, a team or a partner unit.
            models.CheckConstraint(
                condition=models.Q(owner__isnull=False, team__isnull=True, unit__isnull=True)
                | models.Q(owner__isnull=True, team__isnull=False, unit__isnull=True)
                | models.Q(owner__isnull=True, team__isnull=True, unit__isnull=False),
                name="topic_task_one_owner"),
        ]

    def __str__(self) -> str:
        return self.title


class TaskUpdate(models.Model):
    """A progress report (with an optional photo), the task's completion, or an escalation
    (by nobody: the task worker)."""

    class Kind(models.TextChoices):
        PROGRESS = "progress", _("进展")
        DONE = "done", _("完成")
        ESCALATED = "escalated", _("超期上报")

    task = models.ForeignKey(TopicTask, on_delete=models.CASCADE, related_name="updates")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.PROGRESS)
    note = models.TextField(_("进展说明"))
    photo = models.FileField(_("照片"), upload_to=photo_path, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                           on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.task_id} {self.kind}"


class Rating(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="ratings")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="topic_ratings")
    score = models.PositiveSmallIntegerField(_("评分"))
    comment = models.TextField(_("评价"), blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["topic", "user"], name="one_rating_each"),
            models.CheckConstraint(condition=models.Q(score__gte=1, score__lte=5),
                                   name="topic_rating_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"#{self.topic_id} {self.score}"


class Comment(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="comments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="topic_comments")
    text = models.TextField(_("评论"))
    reports = models.PositiveIntegerField(default=0)
    hidden = models.BooleanField(default=False)
    reviewed = models.BooleanField(default=False)  # a moderator kept it: reports stop hiding it
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["topic", "hidden"], name="topic_comment_shown")]

    def __str__(self) -> str:
        return self.text[:30]


class CommentReport(models.Model):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="report_rows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["comment", "user"],
                                               name="one_report_each")]

    def __str__(self) -> str:
        return f"{self.comment_id} !{self.user_id}"
