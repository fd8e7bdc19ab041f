"""荣誉表彰: rankings from a district's formula, selections (时尚达人, 先进集体, 五星服务队) and
awards (表彰).

Rankings are not stored: they are read from the ledgers (`selectors.ranking`). A selection
freezes its nominees (with their scores and breakdowns) when the ranking nominates them, and
its state machine is data (`WORKFLOW`, `MOVES`); `services.selection_transition` applies it and
writes a `SelectionEvent`. An `Award` is the record other apps read (the volunteer's record,
the certificate): from an announced selection, entered by staff, or imported.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wenming.core.workflow import Workflow
from wenming.orgs.models import OrgNode
from wenming.people.models import Volunteer
from wenming.teams.models import Team


class Period(models.TextChoices):
    WEEK = "week", _("周")
    MONTH = "month", _("月")
    QUARTER = "quarter", _("季度")
    YEAR = "year", _("年")
    ALL = "all", _("累计")


class Level(models.TextChoices):
    NATIONAL = "national", _("国家级")
    PROVINCIAL = "provincial", _("省级")
    MUNICIPAL = "municipal", _("市级")
    DISTRICT = "district", _("区级")
    SUBDISTRICT = "subdistrict", _("街道级")
    COMMUNITY = "community", _("社区级")


class RankingFormula(models.Model):
    """A district's score formula and selection settings (one row per center; defaults when
    none). The score of a volunteer is the sum of weight × factor over the five factors; a
    team's uses its own weights (hours per member, rating, activities run)."""

    district = models.OneToOneField(OrgNode, on_delete=models.CASCADE, related_name="+")
    w_hours = models.DecimalField(_("每小时服务时长"), max_digits=6, decimal_places=2,
                                  default=Decimal("1"))
    w_activities = models.DecimalField(_("每参加一次活动"), max_digits=6, decimal_places=2,
                                       default=Decimal("2"))
    w_orders = models.DecimalField(_("每完成一单"), max_digits=6, decimal_places=2,
                                   default=Decimal("3"))
    w_rating = models.DecimalField(_("平均评分每一分（高于3分的部分）"), max_digits=6,
                                   decimal_places=2, default=Decimal("2"))
    w_wishes = models.DecimalField(_("每实现一个微心愿"), max_digits=6, decimal_places=2,
                                   default=Decimal("2"))
    w_team_hours = models.DecimalField(_("队伍：人均服务时长每小时"), max_digits=6,
                                       decimal_places=2, default=Decimal("1"))
    w_team_rating = models.DecimalField(_("队伍：服务订单平均评分每一分（高于3分的部分）"),
                                        max_digits=6, decimal_places=2, default=Decimal("5"))
    w_team_activities = models.DecimalField(_("队伍：每组织一次活动"), max_digits=6,
                                            decimal_places=2, default=Decimal("2"))
    nominate_top = models.PositiveSmallIntegerField(_("提名人数（前N名）"), default=10)
    publicity_days = models.PositiveSmallIntegerField(_("公示期（工作日）"), default=5)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("评分规则")
        verbose_name_plural = _("评分规则")
        constraints = [models.CheckConstraint(condition=models.Q(publicity_days__gte=5),
                                              name="honors_publicity_min_5")]

    def __str__(self) -> str:
        return f"{self.district_id}"


class PublicityConsent(models.Model):
    """How a volunteer's name may appear on public boards and rankings (个人信息保护法). No row:
    surname only (`SURNAME`)."""

    class Display(models.TextChoices):
        FULL = "full", _("显示全名")
        SURNAME = "surname", _("只显示姓氏（如：张志愿者）")
        HIDDEN = "hidden", _("不公开姓名（显示为“志愿者”）")

    volunteer = models.OneToOneField(Volunteer, on_delete=models.CASCADE,
                                     related_name="publicity")
    display = models.CharField(_("公开方式"), max_length=8, choices=Display.choices,
                               default=Display.SURNAME)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.volunteer_id} · {self.display}"


class State(models.TextChoices):
    NOMINATED = "nominated", _("提名")
    REVIEWED = "reviewed", _("已审核")
    PUBLICIZED = "publicized", _("公示中")
    ANNOUNCED = "announced", _("已公布")
    CANCELLED = "cancelled", _("已撤销")


S = State
WORKFLOW = Workflow(
    states=State,
    transitions={
        "": frozenset({S.NOMINATED}),
        S.NOMINATED: frozenset({S.REVIEWED, S.CANCELLED}),
        S.REVIEWED: frozenset({S.PUBLICIZED, S.NOMINATED, S.CANCELLED}),
        S.PUBLICIZED: frozenset({S.ANNOUNCED}),
    },
    colours={S.NOMINATED: "info", S.REVIEWED: "info", S.PUBLICIZED: "warn",
             S.ANNOUNCED: "ok", S.CANCELLED: "muted"},
    steps=(S.NOMINATED, S.REVIEWED, S.PUBLICIZED, S.ANNOUNCED),
    groups={
        # Staff may still change the list of nominees.
        "editable": frozenset({S.NOMINATED}),
        # Shown to the public (the 公示 notice, the 光荣榜).
        "public": frozenset({S.PUBLICIZED, S.ANNOUNCED}),
    },
)
# A person's move: its name (API `allowed_moves`, pages' `data-move`), the state it leads to
# and the states it starts from. `object` and `decide` keep the state (publicized).
MOVES: dict[str, tuple[str, frozenset[str]]] = {
    "review": (S.REVIEWED, frozenset({S.NOMINATED})),
    "reopen": (S.NOMINATED, frozenset({S.REVIEWED})),
    "publicize": (S.PUBLICIZED, frozenset({S.REVIEWED})),
    "announce": (S.ANNOUNCED, frozenset({S.PUBLICIZED})),
    "cancel": (S.CANCELLED, frozenset({S.NOMINATED, S.REVIEWED})),
}


class Selection(models.Model):
    """One selection: of a kind, for a node's subtree and a natural period."""

    class Kind(models.TextChoices):
        STAR = "star", _("时尚达人")
        ADVANCED_TEAM = "advanced_team", _("先进集体")
        FIVE_STAR_TEAM = "five_star_team", _("五星服务队")

    kind = models.CharField(_("评选类型"), max_length=16, choices=Kind.choices)
    org = models.ForeignKey(OrgNode, verbose_name=_("评选范围"), on_delete=models.PROTECT,
                            related_name="+")
    period = models.CharField(_("周期"), max_length=8, choices=Period.choices)
    period_start = models.DateField(_("周期开始"))
    period_end = models.DateField(_("周期结束"))  # inclusive
    title = models.CharField(_("名称"), max_length=100)
    top_n = models.PositiveSmallIntegerField(_("提名人数"))
    state = models.CharField(_("状态"), max_length=16, choices=State.choices,
                             default=S.NOMINATED)
    publicity_start = models.DateTimeField(_("公示开始"), null=True, blank=True)
    publicity_end = models.DateTimeField(_("公示截止"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("评选")
        verbose_name_plural = _("评选")
        constraints = [
            # One live selection of a kind per node and period; a cancelled one may be redone.
            models.UniqueConstraint(fields=["kind", "org", "period", "period_start"],
                                    condition=~models.Q(state="cancelled"),
                                    name="honors_one_selection_per_period"),
        ]
        indexes = [models.Index(fields=["org", "state", "period_start"], name="selection_board")]

    def __str__(self) -> str:
        return self.title

    @property
    def for_teams(self) -> bool:
        return self.kind != self.Kind.STAR


class Nominee(models.Model):
    """A volunteer or team on a selection's list, with the score that put it there (frozen
    when nominated). `removed` keeps staff's removals visible with their reason."""

    class Source(models.TextChoices):
        RANKING = "ranking", _("排名提名")
        STAFF = "staff", _("工作人员增补")

    selection = models.ForeignKey(Selection, on_delete=models.CASCADE, related_name="nominees")
    volunteer = models.ForeignKey(Volunteer, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    rank = models.PositiveIntegerField(null=True, blank=True)
    score = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    breakdown = models.JSONField(default=dict, blank=True)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.RANKING)
    reason = models.TextField(_("增补理由"), blank=True)
    removed = models.BooleanField(default=False)
    removed_reason = models.TextField(_("移除理由"), blank=True)

    class Meta:
        ordering = ["removed", "rank", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(volunteer__isnull=False, team__isnull=True)
                | models.Q(volunteer__isnull=True, team__isnull=False),
                name="nominee_volunteer_xor_team"),
            models.UniqueConstraint(fields=["selection", "volunteer"], name="nominee_once_v"),
            models.UniqueConstraint(fields=["selection", "team"], name="nominee_once_t"),
        ]

    def __str__(self) -> str:
        return f"#{self.selection_id} · {self.volunteer_id or self.team_id}"


class SelectionEvent(models.Model):
    """Who did what to a selection, when and why: state moves and the steps within a state
    (a nominee added or removed, an objection raised or decided)."""

    class Action(models.TextChoices):
        MOVE = "move", _("状态变更")
        ADD = "add", _("增补提名")
        REMOVE = "remove", _("移除提名")
        OBJECT = "object", _("提出异议")
        DECIDE = "decide", _("处理异议")

    selection = models.ForeignKey(Selection, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=8, choices=Action.choices, default=Action.MOVE)
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16, blank=True)
    nominee = models.ForeignKey(Nominee, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                           on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"#{self.selection_id} {self.action} {self.from_state}→{self.to_state}"


class Objection(models.Model):
    """An objection raised during publicity: once per person and selection."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("待处理")
        UPHELD = "upheld", _("异议成立（取消该提名）")
        DISMISSED = "dismissed", _("异议不成立")

    selection = models.ForeignKey(Selection, on_delete=models.CASCADE, related_name="objections")
    nominee = models.ForeignKey(Nominee, null=True, blank=True, on_delete=models.CASCADE,
                                related_name="objections")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.TextField(_("异议理由"))
    created_at = models.DateTimeField(auto_now_add=True)
    decision = models.CharField(_("处理结果"), max_length=12, choices=Decision.choices,
                                default=Decision.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(_("处理说明"), blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["selection", "by"],
                                               name="objection_once_per_person")]

    def __str__(self) -> str:
        return f"#{self.selection_id} · {self.by_id}"


class Award(models.Model):
    """表彰: a commendation of a volunteer or a team (exactly one). The volunteer's record
    (commendations part) and the certificate read these rows."""

    class Source(models.TextChoices):
        SELECTION = "selection", _("评选产生")
        STAFF = "staff", _("工作人员录入")
        IMPORT = "import", _("批量导入")

    volunteer = models.ForeignKey(Volunteer, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="awards")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="awards")
    name = models.CharField(_("荣誉名称"), max_length=100)
    level = models.CharField(_("级别"), max_length=12, choices=Level.choices)
    date = models.DateField(_("表彰日期"))
    granting_unit = models.CharField(_("授予单位"), max_length=100)
    reason = models.TextField(_("表彰事由"), blank=True)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices,
                              default=Source.STAFF)
    selection = models.ForeignKey(Selection, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="awards")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("表彰")
        verbose_name_plural = _("表彰")
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(volunteer__isnull=False, team__isnull=True)
                | models.Q(volunteer__isnull=True, team__isnull=False),
                name="award_volunteer_xor_team"),
            models.CheckConstraint(
                condition=~models.Q(source="selection") | models.Q(selection__isnull=False),
                name="award_selection_has_selection"),
        ]
        indexes = [models.Index(fields=["volunteer", "date"], name="award_volunteer"),
                   models.Index(fields=["team", "date"], name="award_team")]

    def __str__(self) -> str:
        return self.name
