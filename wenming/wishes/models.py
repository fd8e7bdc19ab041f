"""微心愿: a resident's small wish, moderated, claimed, fulfilled and confirmed.

The state machine is data (`WORKFLOW`, `MOVES`); `services.wish_transition` applies it and
writes a `WishEvent`; `permissions.allowed_moves` reads it with the caller's capabilities.
"""


from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wenming.core.uploads import random_name
from wenming.core.workflow import Workflow
from wenming.orgs.models import OrgNode
from wenming.people.models import Resident, Volunteer
from wenming.teams.models import Team


class State(models.TextChoices):
    POSTED = "posted", _("待审核")
    APPROVED = "approved", _("待认领")
    REJECTED = "rejected", _("未通过")
    CLAIMED = "claimed", _("已认领")
    FULFILLED = "fulfilled", _("待确认")
    CONFIRMED = "confirmed", _("已实现")
    EXPIRED = "expired", _("已过期")
    CANCELLED = "cancelled", _("已撤回")


S = State
WALL = frozenset({S.APPROVED, S.CLAIMED, S.FULFILLED, S.CONFIRMED})
WORKFLOW = Workflow(
    states=State,
    transitions={
        "": frozenset({S.POSTED}),
        S.POSTED: frozenset({S.APPROVED, S.REJECTED, S.CANCELLED}),
        S.APPROVED: frozenset({S.CLAIMED, S.EXPIRED, S.CANCELLED}),
        S.CLAIMED: frozenset({S.APPROVED, S.FULFILLED}),  # a claim released goes back up
        S.FULFILLED: frozenset({S.CONFIRMED}),
    },
    colours={S.POSTED: "info", S.APPROVED: "info", S.CLAIMED: "warn", S.FULFILLED: "warn",
             S.CONFIRMED: "ok", S.REJECTED: "bad", S.EXPIRED: "muted", S.CANCELLED: "muted"},
    steps=(S.POSTED, S.APPROVED, S.CLAIMED, S.FULFILLED, S.CONFIRMED),
    groups={
        # On the district's wall (seen by everyone with a role there), never before approval.
        "wall": WALL,
        "active": frozenset({S.POSTED, S.APPROVED, S.CLAIMED, S.FULFILLED}),
        # Withdrawn by the resident or the station while nobody has taken it on.
        "cancellable": frozenset({S.POSTED, S.APPROVED}),
        "claimed": frozenset({S.CLAIMED, S.FULFILLED, S.CONFIRMED}),
    },
)
# A move a person makes: its name (the API's `allowed_moves`, the pages' `data-move`), the
# state it leads to, and the states it starts from when the map alone would allow more
# (approved is reached by approving and by releasing a claim).
MOVES: dict[str, tuple[str, frozenset[str]]] = {
    "approve": (S.APPROVED, frozenset({S.POSTED})),
    "reject": (S.REJECTED, frozenset({S.POSTED})),
    "claim": (S.CLAIMED, frozenset({S.APPROVED})),
    "release": (S.APPROVED, frozenset({S.CLAIMED})),
    "fulfil": (S.FULFILLED, frozenset({S.CLAIMED})),
    "confirm": (S.CONFIRMED, frozenset({S.FULFILLED})),
    "cancel": (S.CANCELLED, WORKFLOW.groups["cancellable"]),
}


def photo_path(wish: "Wish", filename: str) -> str:
    return random_name("wishes", filename)


class Wish(models.Model):
    class Urgency(models.IntegerChoices):
        NORMAL = 0, _("一般")
        URGENT = 1, _("较急")
        VERY_URGENT = 2, _("紧急")

    resident = models.ForeignKey(Resident, verbose_name=_("心愿人"), on_delete=models.PROTECT,
                                 related_name="wishes")
    station = models.ForeignKey(OrgNode, verbose_name=_("所属实践站"), on_delete=models.PROTECT,
                                related_name="wishes")
    title = models.CharField(_("心愿"), max_length=60)
    text = models.TextField(_("心愿内容"))
    reason = models.TextField(_("原因"), blank=True)
    for_whom = models.CharField(_("为谁"), max_length=60, blank=True)
    due_date = models.DateField(_("期望实现日期"))
    rough_value = models.PositiveIntegerField(_("大约价值（元）"), null=True, blank=True)
    urgency = models.PositiveSmallIntegerField(_("紧急程度"), choices=Urgency.choices,
                                               default=Urgency.NORMAL)
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=S.POSTED)
    claimed_volunteer = models.ForeignKey(Volunteer, null=True, blank=True,
                                          on_delete=models.PROTECT, related_name="claimed_wishes")
    claimed_team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="claimed_wishes")
    donor_name = models.CharField(_("认领单位"), max_length=100, blank=True)
    fulfil_note = models.TextField(_("实现说明"), blank=True)
    photo = models.FileField(_("照片"), upload_to=photo_path, blank=True)
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+")
    followers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True,
                                       related_name="followed_wishes")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("微心愿")
        verbose_name_plural = _("微心愿")
        constraints = [
            # A claimed wish has exactly one claimer: a volunteer, a team, or a donor unit.
            models.CheckConstraint(
                condition=~models.Q(state__in=["claimed", "fulfilled", "confirmed"])
                | models.Q(claimed_volunteer__isnull=False, claimed_team__isnull=True,
                           donor_name="")
                | models.Q(claimed_volunteer__isnull=True, claimed_team__isnull=False,
                           donor_name="")
                | (models.Q(claimed_volunteer__isnull=True, claimed_team__isnull=True)
                   & ~models.Q(donor_name="")),
                name="wish_one_claimer"),
        ]
        indexes = [models.Index(fields=["station", "state", "created_at"], name="wish_wall"),
                   models.Index(fields=["state", "due_date"], name="wish_due")]

    def __str__(self) -> str:
        return self.title


class WishEvent(models.Model):
    wish = models.ForeignKey(Wish, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                           on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"#{self.wish_id} {self.from_state}→{self.to_state}"
