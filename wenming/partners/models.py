"""共建单位 and 吹哨报到: partner units, their members (在职党员双报到) and staff accounts, the
hand-over of an order or appeal to a unit with a time limit, and grid managers' mediation cases.

The hand-over state lives here, not on the order: the order keeps its own pipeline, and a
hand-over says which unit is handling it, since when, with what result (see docs/partners.md).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wenming.core.uploads import random_name
from wenming.core.workflow import Workflow
from wenming.orgs.models import Grid, OrgNode
from wenming.people.models import Volunteer


class Unit(models.Model):
    """A partner unit serving one node of the tree (a community's station, an institute...)."""

    class Kind(models.TextChoices):
        CO_BUILD = "co_build", _("共建单位")
        DUAL_REPORT = "dual_report", _("双报到单位")
        CIVILISED = "civilised", _("文明单位")
        BASE = "base", _("实践基地")
        DEPARTMENT = "department", _("部门")

    name = models.CharField(_("单位名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    org = models.ForeignKey(OrgNode, verbose_name=_("服务阵地"), on_delete=models.PROTECT,
                            related_name="units")
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    services = models.TextField(_("承诺服务"), blank=True)
    is_active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("共建单位")
        verbose_name_plural = _("共建单位")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["org", "name"], name="unit_name_per_node"),
        ]

    def __str__(self) -> str:
        return self.name


class UnitMember(models.Model):
    """A volunteer reporting to their community through their unit (在职党员双报到)."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="members")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE,
                                  related_name="unit_memberships")
    since = models.DateField(_("报到日期"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("单位成员")
        verbose_name_plural = _("单位成员")
        constraints = [
            models.UniqueConstraint(fields=["unit", "volunteer"], name="one_membership_per_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} @ {self.unit}"


class UnitStaff(models.Model):
    """A user account acting for a unit: sees what is handed to the unit and its members."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="staff")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="unit_staff")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("单位账号")
        verbose_name_plural = _("单位账号")
        constraints = [
            models.UniqueConstraint(fields=["unit", "user"], name="one_staff_row_per_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.unit}"


class HandoverState(models.TextChoices):
    SENT = "sent", _("待接收")
    ACCEPTED = "accepted", _("办理中")
    REPORTED = "reported", _("已反馈")
    DECLINED = "declined", _("已退回")
    # Overdue: the node above the sender follows it up; the unit may still accept or report.
    ESCALATED = "escalated", _("超时上报")
    RECALLED = "recalled", _("已撤回")


H = HandoverState
HANDOVER_TRANSITIONS: dict[str, frozenset[str]] = {
    "": frozenset({H.SENT}),
    H.SENT: frozenset({H.ACCEPTED, H.DECLINED, H.ESCALATED, H.RECALLED}),
    H.ACCEPTED: frozenset({H.REPORTED, H.ESCALATED, H.RECALLED}),
    H.ESCALATED: frozenset({H.ACCEPTED, H.REPORTED, H.DECLINED, H.ESCALATED, H.RECALLED}),
    H.REPORTED: frozenset(),
    H.DECLINED: frozenset(),
    H.RECALLED: frozenset(),
}
HANDOVER_WORKFLOW = Workflow(
    states=HandoverState,
    transitions=HANDOVER_TRANSITIONS,
    colours={H.SENT: "warn", H.ACCEPTED: "info", H.REPORTED: "ok", H.DECLINED: "bad",
             H.ESCALATED: "bad", H.RECALLED: "muted"},
    steps=(H.SENT, H.ACCEPTED, H.REPORTED),
    groups={
        # One open hand-over per order at a time (a constraint below holds it).
        "open": frozenset({H.SENT, H.ACCEPTED, H.ESCALATED}),
        # The sweep looks only at these.
        "timed": frozenset({H.SENT, H.ACCEPTED, H.ESCALATED}),
    },
)
# Move name -> (the state it leads to, the only states it starts from when narrower).
HANDOVER_MOVES: dict[str, tuple[str, frozenset[str] | None]] = {
    "accept": (H.ACCEPTED, frozenset({H.SENT, H.ESCALATED})),
    "report": (H.REPORTED, None),
    "decline": (H.DECLINED, None),
    "recall": (H.RECALLED, None),
}
HANDOVER_EVENT_LABELS = {H.SENT: _("交办"), H.ACCEPTED: _("接收"), H.REPORTED: _("反馈办结"),
                         H.DECLINED: _("退回"), H.ESCALATED: _("超时上报"),
                         H.RECALLED: _("撤回")}


def handover_move_allowed(state: str, move: str) -> bool:
    to, only_from = HANDOVER_MOVES[move]
    return HANDOVER_WORKFLOW.can(state, to) and (only_from is None or state in only_from)


def handover_move_check(state: str, move: str) -> None:
    to, only_from = HANDOVER_MOVES[move]
    HANDOVER_WORKFLOW.check(state, to, only_from=only_from)


class Handover(models.Model):
    """吹哨报到: an order or appeal handed by a node to a partner unit, with a time limit."""

    order = models.ForeignKey("orders.ServiceOrder", on_delete=models.CASCADE,
                              related_name="handovers")
    unit = models.ForeignKey(Unit, verbose_name=_("承办单位"), on_delete=models.PROTECT,
                             related_name="handovers")
    # The node that blew the whistle; escalation goes to its parent, then further up.
    from_org = models.ForeignKey(OrgNode, verbose_name=_("交办阵地"), on_delete=models.PROTECT,
                                 related_name="+")
    escalated_to = models.ForeignKey(OrgNode, verbose_name=_("上报至"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    state = models.CharField(_("状态"), max_length=16, choices=HandoverState.choices,
                             default=HandoverState.SENT)
    reason = models.TextField(_("交办事由"))
    due_at = models.DateTimeField(_("办理时限"))
    escalations = models.PositiveSmallIntegerField(_("上报次数"), default=0)
    report_note = models.TextField(_("反馈说明"), blank=True)
    decline_reason = models.TextField(_("退回理由"), blank=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("吹哨报到")
        verbose_name_plural = _("吹哨报到")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["unit", "state"], name="handover_unit_state"),
            models.Index(fields=["state", "due_at"], name="handover_due"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["order"], condition=models.Q(state__in=["sent", "accepted", "escalated"]),
                name="one_open_handover_per_order"),
        ]

    def __str__(self) -> str:
        return f"#{self.order_id} → {self.unit}"

    @property
    def tone(self) -> str:
        return HANDOVER_WORKFLOW.colour(self.state)

    @property
    def is_open(self) -> bool:
        return self.state in HANDOVER_WORKFLOW.groups["open"]


class HandoverEvent(models.Model):
    """One move of a hand-over: who, when, from which state to which, and why."""

    handover = models.ForeignKey(Handover, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                           on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.handover_id} {self.from_state}→{self.to_state}"


def handover_photo_path(photo: "HandoverPhoto", filename: str) -> str:
    return random_name("handovers", filename)


class HandoverPhoto(models.Model):
    """A photo of the unit's report; served only through the hand-over's scoped view."""

    handover = models.ForeignKey(Handover, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(_("照片"), upload_to=handover_photo_path)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.image.name


class MediationCase(models.Model):
    """调解: a dispute between neighbours settled by a grid manager (or staff)."""

    grid = models.ForeignKey(Grid, verbose_name=_("网格"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="mediations")
    station = models.ForeignKey(OrgNode, verbose_name=_("所属实践站"), on_delete=models.PROTECT,
                                related_name="mediations")
    order = models.ForeignKey("orders.ServiceOrder", verbose_name=_("关联诉求"), null=True,
                              blank=True, on_delete=models.SET_NULL, related_name="mediations")
    parties = models.TextField(_("当事人"))
    dispute = models.TextField(_("纠纷情况"))
    agreement = models.TextField(_("调解协议"), blank=True)
    follow_up_on = models.DateField(_("回访日期"), null=True, blank=True)
    followed_up_at = models.DateTimeField(_("已回访"), null=True, blank=True)
    follow_up_note = models.TextField(_("回访情况"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("调解案例")
        verbose_name_plural = _("调解案例")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.parties[:30]
