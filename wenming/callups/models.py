"""招募令: an urgent need published by staff with shifts (start, end, quota), the skills and
the area wanted. It reaches every matching volunteer's inbox through the task worker, in
batches (`tasks.fan_out`), and volunteers sign up for shifts within quota.

The call-up's state machine is data (`WORKFLOW`, `MOVES`); `services.callup_transition`
applies it and writes a `CallupEvent`.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wenming.core.workflow import Workflow
from wenming.orgs.models import OrgNode
from wenming.people.models import Volunteer


class State(models.TextChoices):
    PUBLISHED = "published", _("招募中")
    CLOSED = "closed", _("已结束")
    CANCELLED = "cancelled", _("已撤销")


S = State
WORKFLOW = Workflow(
    states=State,
    transitions={"": frozenset({S.PUBLISHED}),
                 S.PUBLISHED: frozenset({S.CLOSED, S.CANCELLED})},
    colours={S.PUBLISHED: "warn", S.CLOSED: "ok", S.CANCELLED: "muted"},
    steps=(S.PUBLISHED, S.CLOSED),
)
MOVES: dict[str, tuple[str, frozenset[str]]] = {
    "close": (S.CLOSED, frozenset({S.PUBLISHED})),
    "cancel": (S.CANCELLED, frozenset({S.PUBLISHED})),
}


class Callup(models.Model):
    org = models.ForeignKey(OrgNode, verbose_name=_("发布阵地"), on_delete=models.PROTECT,
                            related_name="callups")
    title = models.CharField(_("标题"), max_length=60)
    text = models.TextField(_("需求说明"))
    place = models.CharField(_("集合地点"), max_length=200, blank=True)
    skills = models.JSONField(_("所需技能"), default=list, blank=True)
    # The area wanted: the publishing node's subtree, narrowed (when set) to volunteers whose
    # home, or else whose station, lies within this distance of the node.
    radius_km = models.FloatField(_("范围（公里）"), null=True, blank=True)
    state = models.CharField(_("状态"), max_length=16, choices=State.choices,
                             default=S.PUBLISHED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # The fan-out's progress: the last volunteer id a batch reached (batches go in id order,
    # each in its own short transaction), how many inboxes it reached, when it was done.
    fanout_cursor = models.BigIntegerField(default=0, editable=False)
    reached = models.PositiveIntegerField(_("已推送人数"), default=0, editable=False)
    fanout_done_at = models.DateTimeField(null=True, blank=True, editable=False)
    # When a batch last moved the cursor: a push with no progress for a while lost its worker
    # and is resumed by the sweep (`tasks.resume_stalled_pushes`).
    fanout_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("招募令")
        verbose_name_plural = _("招募令")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "created_at"], name="callup_state")]

    def __str__(self) -> str:
        return self.title


class Shift(models.Model):
    callup = models.ForeignKey(Callup, on_delete=models.CASCADE, related_name="shifts")
    start = models.DateTimeField(_("开始时间"))
    end = models.DateTimeField(_("结束时间"))
    quota = models.PositiveIntegerField(_("需要人数"))

    class Meta:
        verbose_name = _("班次")
        verbose_name_plural = _("班次")
        ordering = ["start", "id"]
        constraints = [models.CheckConstraint(condition=models.Q(end__gt=models.F("start")),
                                              name="shift_ends_after_start")]

    def __str__(self) -> str:
        return f"{self.callup} {self.start:%m-%d %H:%M}"


class Signup(models.Model):
    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="signups")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE,
                                  related_name="callup_signups")
    created_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("报名")
        verbose_name_plural = _("报名")
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(
            fields=["shift", "volunteer"], condition=models.Q(withdrawn_at__isnull=True),
            name="one_signup_per_shift")]

    def __str__(self) -> str:
        return f"{self.volunteer_id}@{self.shift_id}"


class CallupEvent(models.Model):
    callup = models.ForeignKey(Callup, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                           on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"#{self.callup_id} {self.from_state}→{self.to_state}"
