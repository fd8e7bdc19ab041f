"""The order pipeline 点单-审单-派单-接单-评单 and 民呼我应 appeals.

The state machine is data (`WORKFLOW`: states, transitions, groups, steps, colours, and the
named `MOVES` the pages and the API offer); `services.order_transition` is the one function
that applies a move, refuses any other, and writes an `OrderEvent` (who, when, from, to, why).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wenming.core.workflow import Workflow
from wenming.orgs.models import Grid, OrgNode, Platform
from wenming.people.models import Resident, Volunteer
from wenming.teams.models import Team


class State(models.TextChoices):
    SUBMITTED = "submitted", _("待审核")
    REVIEWED = "reviewed", _("待派单")
    REJECTED = "rejected", _("已驳回")
    DISPATCHED = "dispatched", _("已派单")
    OPEN = "open", _("抢单中")
    DECLINED = "declined", _("被拒单")
    ACCEPTED = "accepted", _("服务中")
    COMPLETED = "completed", _("待评价")
    RATED = "rated", _("已评价")
    # A passed time limit hands the order to the parent node. Before a volunteer accepted it,
    # the parent reviews or dispatches it again (QUEUE); after, the volunteer keeps serving
    # and the parent follows it up (SERVING). Two states, so nobody guesses which one it is.
    ESCALATED_QUEUE = "escalated_queue", _("已上报待办")
    ESCALATED_SERVING = "escalated_serving", _("已上报服务中")
    CANCELLED = "cancelled", _("已取消")


S = State
# Which states each state may move to ("" is an order not yet created).
TRANSITIONS: dict[str, frozenset[str]] = {
    "": frozenset({S.SUBMITTED}),
    S.SUBMITTED: frozenset({S.REVIEWED, S.REJECTED, S.CANCELLED, S.ESCALATED_QUEUE}),
    S.REVIEWED: frozenset({S.DISPATCHED, S.OPEN, S.REJECTED, S.CANCELLED, S.ESCALATED_QUEUE}),
    S.ESCALATED_QUEUE: frozenset({S.REVIEWED, S.DISPATCHED, S.OPEN, S.REJECTED, S.CANCELLED,
                                  S.ESCALATED_QUEUE}),
    S.DISPATCHED: frozenset({S.ACCEPTED, S.DECLINED, S.CANCELLED, S.ESCALATED_QUEUE}),
    S.DECLINED: frozenset({S.DISPATCHED, S.OPEN, S.CANCELLED, S.ESCALATED_QUEUE}),
    S.OPEN: frozenset({S.ACCEPTED, S.DISPATCHED, S.CANCELLED, S.ESCALATED_QUEUE}),
    S.ACCEPTED: frozenset({S.COMPLETED, S.ESCALATED_SERVING}),
    S.ESCALATED_SERVING: frozenset({S.COMPLETED, S.ESCALATED_SERVING}),
    S.COMPLETED: frozenset({S.RATED}),
    S.RATED: frozenset(),
    S.REJECTED: frozenset(),
    S.CANCELLED: frozenset(),
}


def _leading_to(state: str) -> frozenset[str]:
    return frozenset(s for s, dests in TRANSITIONS.items() if s and state in dests)


ESCALATED = frozenset({S.ESCALATED_QUEUE, S.ESCALATED_SERVING})
WORKFLOW = Workflow(
    states=State,
    transitions=TRANSITIONS,
    # Badge tones; the map's markers need one colour per state (MARKER_COLOURS).
    colours={S.SUBMITTED: "warn", S.REVIEWED: "info", S.DISPATCHED: "info", S.OPEN: "ok",
             S.DECLINED: "bad", S.ACCEPTED: "info", S.COMPLETED: "warn", S.RATED: "ok",
             S.ESCALATED_QUEUE: "bad", S.ESCALATED_SERVING: "warn"},
    steps=(S.SUBMITTED, S.REVIEWED, S.DISPATCHED, S.ACCEPTED, S.COMPLETED, S.RATED),
    groups={
        "escalated": ESCALATED,
        # Still being handled: the queue, the map and the escalated list show these.
        "active": frozenset({S.SUBMITTED, S.REVIEWED, S.DECLINED, S.ESCALATED_QUEUE,
                             S.DISPATCHED, S.OPEN, S.ACCEPTED, S.ESCALATED_SERVING}),
        # Before a volunteer accepted: the resident (or staff) may still withdraw.
        "cancellable": _leading_to(S.CANCELLED),
        # Staff may dispatch (or re-dispatch) from these.
        "dispatchable": _leading_to(S.DISPATCHED),
        # Waiting for a volunteer at the handling node (batch dispatch takes these).
        "awaiting": frozenset({S.REVIEWED, S.DECLINED, S.ESCALATED_QUEUE}),
        # Staff read the ranked candidates while the order still needs somebody.
        "ranking": frozenset({S.SUBMITTED, S.REVIEWED, S.DECLINED, S.ESCALATED_QUEUE, S.OPEN}),
        # A volunteer holds the order: it counts against their load.
        "busy": frozenset({S.DISPATCHED, S.ACCEPTED, S.ESCALATED_SERVING}),
        # The volunteer's to-do list.
        "todo": frozenset({S.DISPATCHED, S.ACCEPTED, S.ESCALATED_SERVING}),
        "done": frozenset({S.COMPLETED, S.RATED}),
        # Each stage has a time limit; the sweep looks only at these.
        "timed": frozenset({S.SUBMITTED, S.REVIEWED, S.DECLINED, S.DISPATCHED, S.OPEN,
                            S.ACCEPTED, *ESCALATED}),
    },
)
# Off the happy path, a progress bar shows the step an order stands at.
STEP_OF = {S.ESCALATED_QUEUE: S.SUBMITTED, S.DECLINED: S.REVIEWED, S.OPEN: S.DISPATCHED,
           S.ESCALATED_SERVING: S.ACCEPTED}
STEP_LABELS = (_("审核"), _("派单"), _("接单"), _("服务"), _("评价"), _("办结"))
# The map tells every active state apart (its legend reads these).
MARKER_COLOURS = {S.SUBMITTED: "#d97706", S.REVIEWED: "#2563eb", S.DECLINED: "#b91c1c",
                  S.ESCALATED_QUEUE: "#7c3aed", S.DISPATCHED: "#0891b2", S.OPEN: "#16a34a",
                  S.ACCEPTED: "#4b5563", S.ESCALATED_SERVING: "#a855f7"}
# The time line names each move by the state it led to.
EVENT_LABELS = {S.SUBMITTED: _("提交"), S.REVIEWED: _("审核通过"), S.REJECTED: _("驳回"),
                S.DISPATCHED: _("派单"), S.OPEN: _("开放抢单"), S.DECLINED: _("拒单"),
                S.ACCEPTED: _("接单"), S.COMPLETED: _("服务完成"), S.RATED: _("评价"),
                S.ESCALATED_QUEUE: _("超时上报"), S.ESCALATED_SERVING: _("超时上报"),
                S.CANCELLED: _("取消")}


def in_group(group: str) -> list[str]:
    """A group's states in the order they are declared (for lists and counts)."""
    return [s for s in State.values if s in WORKFLOW.groups[group]]


def step_of(state: str) -> int | None:
    """Where a progress bar stands (None off it: rejected, cancelled)."""
    index = WORKFLOW.step_index(STEP_OF.get(state, state))
    return None if index < 0 else index


def escalation_of(state: str) -> str:
    """The state an overdue order escalates to: serving once a volunteer accepted it."""
    return S.ESCALATED_SERVING if state in {S.ACCEPTED, S.ESCALATED_SERVING} else \
        S.ESCALATED_QUEUE


# The moves of the API and the pages: move -> (the state it leads to, the only states it
# starts from when the map alone would allow more). `allowed_moves` lists these names.
MOVES: dict[str, tuple[str, frozenset[str] | None]] = {
    "review": (S.REVIEWED, None),
    "reject": (S.REJECTED, None),
    "dispatch": (S.DISPATCHED, None),
    "open": (S.OPEN, None),
    "grab": (S.ACCEPTED, frozenset({S.OPEN})),
    "accept": (S.ACCEPTED, frozenset({S.DISPATCHED})),
    "decline": (S.DECLINED, None),
    "complete": (S.COMPLETED, None),
    "rate": (S.RATED, None),
    "cancel": (S.CANCELLED, None),
}


def move_allowed(state: str, move: str) -> bool:
    to, only_from = MOVES[move]
    return WORKFLOW.can(state, to) and (only_from is None or state in only_from)


def move_check(state: str, move: str) -> None:
    """409 invalid_transition unless the map allows `move` from `state`."""
    to, only_from = MOVES[move]
    WORKFLOW.check(state, to, only_from=only_from)


class ServiceOrder(models.Model):
    class Kind(models.TextChoices):
        SERVICE = "service", _("点单服务")
        APPEAL = "appeal", _("民呼我应")

    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    state = models.CharField(_("状态"), max_length=24, choices=State.choices,
                             default=State.SUBMITTED)
    platform = models.ForeignKey(Platform, verbose_name=_("服务类别"), on_delete=models.PROTECT)
    skill = models.CharField(_("所需技能"), max_length=30, blank=True)
    # The service menu item ordered (点单菜单); null for orders placed before the menu.
    item = models.ForeignKey("menu.MenuItem", verbose_name=_("服务项目"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="orders")
    text = models.TextField(_("需求描述"))
    address = models.CharField(_("地点"), max_length=200)
    lat = models.FloatField(_("纬度"))
    lng = models.FloatField(_("经度"))
    cell = models.CharField(max_length=16, db_index=True, editable=False)  # h3, for "near me"
    wished_at = models.DateTimeField(_("期望时间"))
    contact_name = models.CharField(_("联系人"), max_length=50)
    contact_phone = models.CharField(_("联系电话"), max_length=20)
    resident = models.ForeignKey(Resident, verbose_name=_("点单群众"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="orders")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("提交人"),
                                     on_delete=models.PROTECT, related_name="+")
    org = models.ForeignKey(OrgNode, verbose_name=_("当前受理阵地"), on_delete=models.PROTECT,
                            related_name="orders")
    station = models.ForeignKey(OrgNode, verbose_name=_("属地实践站"), on_delete=models.PROTECT,
                                related_name="+")
    grid = models.ForeignKey(Grid, verbose_name=_("网格"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="orders")
    volunteer = models.ForeignKey(Volunteer, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="orders")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="orders")
    due_at = models.DateTimeField(_("本环节时限"), null=True, blank=True)
    escalations = models.PositiveSmallIntegerField(_("上报次数"), default=0)
    completion_note = models.TextField(_("完成说明"), blank=True)
    people_served = models.PositiveIntegerField(_("服务人数"), null=True, blank=True)
    hours = models.DecimalField(_("服务时长"), max_digits=5, decimal_places=2, null=True,
                                blank=True)
    score = models.PositiveSmallIntegerField(_("评分"), null=True, blank=True)
    comment = models.TextField(_("评价"), blank=True)
    needs_review = models.BooleanField(_("差评待复核"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("服务订单")
        verbose_name_plural = _("服务订单")
        indexes = [
            models.Index(fields=["org", "state"], name="order_queue"),
            models.Index(fields=["state", "due_at"], name="order_due"),
            models.Index(fields=["volunteer", "state"], name="order_volunteer"),
            models.Index(fields=["resident", "created_at"], name="order_resident"),
            # The API's and the queue's order (most urgent first): a center's whole district
            # matches its scope, so the page of twenty is read off this index, not sorted.
            models.Index(fields=["due_at", "-id"], name="order_list"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.text[:20]}"

    @property
    def tone(self) -> str:
        return WORKFLOW.colour(self.state)


class OrderEvent(models.Model):
    """One transition: who moved the order, when, from which state to which, and why."""

    order = models.ForeignKey(ServiceOrder, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField(max_length=24, blank=True)
    to_state = models.CharField(max_length=24)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                           on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(blank=True)
    org = models.ForeignKey(OrgNode, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["order", "at"], name="order_event")]

    def __str__(self) -> str:
        return f"#{self.order_id} {self.from_state}→{self.to_state}"


class TimeLimit(models.Model):
    """Time limits of a node (and its subtree), optionally for one platform; the nearest
    node up the tree wins, the platform-specific row before the general one."""

    org = models.ForeignKey(OrgNode, on_delete=models.CASCADE, related_name="time_limits")
    platform = models.ForeignKey(Platform, null=True, blank=True, on_delete=models.CASCADE)
    review_minutes = models.PositiveIntegerField(_("审单时限（分钟）"), default=120)
    accept_minutes = models.PositiveIntegerField(_("接单时限（分钟）"), default=30)
    complete_minutes = models.PositiveIntegerField(_("完成时限（分钟）"), default=48 * 60)
    auto_dispatch = models.BooleanField(_("自动派单"), default=False)

    class Meta:
        verbose_name = _("办理时限")
        verbose_name_plural = _("办理时限")
        constraints = [
            models.UniqueConstraint(fields=["org", "platform"], name="one_time_limit_per_platform"),
            models.UniqueConstraint(fields=["org"], condition=models.Q(platform__isnull=True),
                                    name="one_general_time_limit"),
        ]

    def __str__(self) -> str:
        return f"{self.org} · {self.platform or '-'}"


class BatchProposal(models.Model):
    """A batch dispatch proposal (批量派单方案), computed once when staff ask for it (a POST)
    and kept for its confirmation: the page and the API then read it page by page instead of
    solving the whole batch again on every view. Dispatching it applies its pairs through
    `orders_batch_dispatch` (which checks each again, all or none) and marks it dispatched, once.

    A row, not the session: an API caller with a token has no session, a 2,000-pair proposal
    would be read and written with every request of a session-backed browser, and the row
    says who proposed and who dispatched it."""

    class State(models.TextChoices):
        PROPOSED = "proposed", _("待确认")
        DISPATCHED = "dispatched", _("已派出")

    org = models.ForeignKey(OrgNode, on_delete=models.CASCADE, related_name="+")
    capacity = models.PositiveSmallIntegerField(_("每人最多手头订单"), default=1)
    state = models.CharField(_("状态"), max_length=12, choices=State.choices,
                             default=State.PROPOSED)
    # The solver's summary: orders, exact, lower_bound_km, solver, greedy, improvement_pct.
    summary = models.JSONField(default=dict)
    pairs = models.JSONField(default=list)  # [[order_id, volunteer_id, km], ...] by order id
    unassigned = models.JSONField(default=list)  # [{order_id, reason, detail}, ...]
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    dispatched_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="+")
    dispatched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("批量派单方案")
        verbose_name_plural = _("批量派单方案")
        indexes = [models.Index(fields=["created_by", "org", "-created_at"],
                                name="batch_proposal_latest")]

    def __str__(self) -> str:
        return f"#{self.pk} · {self.org_id} · {self.state}"


PROPOSAL_FLOW = Workflow(
    states=BatchProposal.State,
    transitions={"": frozenset({BatchProposal.State.PROPOSED}),
                 BatchProposal.State.PROPOSED: frozenset({BatchProposal.State.DISPATCHED}),
                 BatchProposal.State.DISPATCHED: frozenset()},
    colours={BatchProposal.State.PROPOSED: "warn", BatchProposal.State.DISPATCHED: "ok"},
    steps=(BatchProposal.State.PROPOSED, BatchProposal.State.DISPATCHED),
    groups={},
)
