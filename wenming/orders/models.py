"""The order pipeline 点单-审单-派单-接单-评单 and 民呼我应 appeals.

The transition map is data (`TRANSITIONS`); `services.order_transition` is the one function
that applies a move, refuses any other, and writes an `OrderEvent` (who, when, from, to, why).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

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
    ESCALATED = "escalated", _("已上报")
    CANCELLED = "cancelled", _("已取消")


S = State
# Which states each state may move to. Escalation hands the order to the parent node's queue.
TRANSITIONS: dict[str, set[str]] = {
    "": {S.SUBMITTED},  # a new order
    S.SUBMITTED: {S.REVIEWED, S.REJECTED, S.CANCELLED, S.ESCALATED},
    S.REVIEWED: {S.DISPATCHED, S.OPEN, S.REJECTED, S.CANCELLED, S.ESCALATED},
    S.ESCALATED: {S.REVIEWED, S.DISPATCHED, S.OPEN, S.REJECTED, S.CANCELLED, S.ESCALATED,
                  S.COMPLETED},
    S.DISPATCHED: {S.ACCEPTED, S.DECLINED, S.CANCELLED, S.ESCALATED},
    S.DECLINED: {S.DISPATCHED, S.OPEN, S.CANCELLED, S.ESCALATED},
    S.OPEN: {S.ACCEPTED, S.DISPATCHED, S.CANCELLED, S.ESCALATED},
    S.ACCEPTED: {S.COMPLETED, S.ESCALATED},
    S.COMPLETED: {S.RATED},
    S.RATED: set(),
    S.REJECTED: set(),
    S.CANCELLED: set(),
}
# States before a volunteer has accepted: the resident may still cancel.
CANCELLABLE = {S.SUBMITTED, S.REVIEWED, S.DISPATCHED, S.DECLINED, S.OPEN, S.ESCALATED}


class ServiceOrder(models.Model):
    class Kind(models.TextChoices):
        SERVICE = "service", _("点单服务")
        APPEAL = "appeal", _("民呼我应")

    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    state = models.CharField(_("状态"), max_length=16, choices=State.choices,
                             default=State.SUBMITTED)
    platform = models.ForeignKey(Platform, verbose_name=_("服务类别"), on_delete=models.PROTECT)
    skill = models.CharField(_("所需技能"), max_length=30, blank=True)
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
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.text[:20]}"


class OrderEvent(models.Model):
    """One transition: who moved the order, when, from which state to which, and why."""

    order = models.ForeignKey(ServiceOrder, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16)
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
