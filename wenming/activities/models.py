"""Projects, activities, enrollment, attendance, the hours ledger and its certificates.

The rules follow 《志愿服务记录与证明出具办法（试行）》 (MCA order 67): a record holds the
activity, date, place, content, hours actually served, the organising unit and the leader;
approved records are never edited — a correction is a new reversing record.
"""

import secrets
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wenming.core.workflow import Workflow
from wenming.orgs.models import OrgNode, Platform
from wenming.people.models import Volunteer
from wenming.teams.models import Team


class ServiceRules(models.Model):
    """Per-district rules; a district without a row uses the defaults below."""

    center = models.OneToOneField(OrgNode, on_delete=models.CASCADE, related_name="service_rules",
                                  limit_choices_to={"kind": "center"}, verbose_name=_("实践中心"))
    max_checkins_per_day = models.PositiveSmallIntegerField(_("每人每天最多签到次数"), default=3)
    daily_hours_cap = models.DecimalField(_("每日时长直接认定上限（小时）"), max_digits=4,
                                          decimal_places=1, default=Decimal("8"))
    daily_hours_max = models.DecimalField(_("每日时长最高（超出上限部分需上级审核）"), max_digits=4,
                                          decimal_places=1, default=Decimal("12"))
    coverage_ratio = models.DecimalField(_("计时所需出勤比例"), max_digits=3, decimal_places=2,
                                         default=Decimal("0.60"))
    record_deadline_workdays = models.PositiveSmallIntegerField(_("记录录入期限（工作日）"),
                                                                default=10)
    late_needs_parent_approval = models.BooleanField(
        _("逾期录入的记录需上级审核"), default=True,
        help_text=_("服务日期早于录入日期超过上述工作日的记录，须由记录单位的上级阵地审核"))
    star_thresholds = models.JSONField(_("星级时长门槛（小时）"),
                                       default=list, blank=True)
    cancel_cutoff_minutes = models.PositiveIntegerField(_("活动开始前多少分钟截止取消报名"),
                                                        default=120)
    checkin_early_minutes = models.PositiveIntegerField(_("最早提前签到（分钟）"), default=30)
    checkout_late_minutes = models.PositiveIntegerField(_("最晚延后签退（分钟）"), default=120)
    qr_window_seconds = models.PositiveIntegerField(_("签到码刷新周期（秒）"), default=60)
    insured_platforms = models.JSONField(
        _("须购买保险的服务平台"), default=list, blank=True,
        help_text=_("这些平台的活动须先录入保单才能开放签到（平台代码列表）"))

    class Meta:
        verbose_name = _("志愿服务规则")
        verbose_name_plural = _("志愿服务规则")

    def __str__(self) -> str:
        return str(self.center)

    @property
    def stars(self) -> list[int]:
        return self.star_thresholds or [100, 300, 600, 1000, 1500]


class Project(models.Model):
    """志愿服务项目: proposed by staff or a team leader, approved by the node above, then
    recruiting, running and closed with a close-out report (结项报告)."""

    class State(models.TextChoices):
        PROPOSED = "proposed", _("申报中")
        APPROVED = "approved", _("已立项")
        REJECTED = "rejected", _("未通过")
        RECRUITING = "recruiting", _("招募中")
        RUNNING = "running", _("实施中")
        CLOSED = "closed", _("已结项")

    title = models.CharField(_("项目名称"), max_length=100)
    platform = models.ForeignKey(Platform, verbose_name=_("服务平台"), on_delete=models.PROTECT)
    org = models.ForeignKey(OrgNode, verbose_name=_("所属阵地"), on_delete=models.PROTECT,
                            related_name="projects")
    team = models.ForeignKey(Team, verbose_name=_("实施队伍"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="projects")
    is_brand = models.BooleanField(_("品牌项目"), default=False)
    description = models.TextField(_("项目简介"), blank=True)
    state = models.CharField(_("状态"), max_length=16, choices=State.choices,
                             default=State.PROPOSED)
    # The close-out report (结项报告); hours and activities are computed from the ledger.
    outcomes = models.TextField(_("项目成效"), blank=True)
    people_served = models.PositiveIntegerField(_("服务对象人次"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结项时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("志愿服务项目")
        verbose_name_plural = _("志愿服务项目")

    def __str__(self) -> str:
        return self.title


_P = Project.State
PROJECT_FLOW = Workflow(
    states=Project.State,
    transitions={"": frozenset({_P.PROPOSED}),
                 _P.PROPOSED: frozenset({_P.APPROVED, _P.REJECTED}),
                 _P.REJECTED: frozenset({_P.PROPOSED}),
                 _P.APPROVED: frozenset({_P.RECRUITING}),
                 _P.RECRUITING: frozenset({_P.RUNNING}),
                 _P.RUNNING: frozenset({_P.CLOSED})},
    colours={_P.PROPOSED: "info", _P.APPROVED: "info", _P.REJECTED: "bad",
             _P.RECRUITING: "warn", _P.RUNNING: "ok", _P.CLOSED: "muted"},
    steps=(_P.PROPOSED, _P.APPROVED, _P.RECRUITING, _P.RUNNING, _P.CLOSED),
    groups={"publishes": frozenset({_P.APPROVED, _P.RECRUITING, _P.RUNNING})},
)


class ProjectEvent(models.Model):
    """One move of a project: who, when, from, to, why."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                           related_name="+")
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.project_id} {self.from_state}→{self.to_state}"


def project_photo_path(photo: "ProjectPhoto", filename: str) -> str:
    from wenming.core.uploads import random_name
    return random_name("projects", filename)


class ProjectPhoto(models.Model):
    """A photo of the close-out report: checked bytes, served only through the project's view."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to=project_photo_path)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.image.name


def new_qr_secret() -> str:
    return secrets.token_hex(16)


class ActivitySeries(models.Model):
    """重复活动: a weekly or monthly rule whose occurrences are ordinary activities linked
    here (`Activity.series`). The rule is kept as it was given, so the page can say what
    was asked; each occurrence is then edited or cancelled like any activity, or the
    remaining ones together (`activities.recurrence`)."""

    class Freq(models.TextChoices):
        WEEKLY = "weekly", _("每周")
        MONTHLY = "monthly", _("每月")

    org = models.ForeignKey(OrgNode, verbose_name=_("组织单位"), on_delete=models.PROTECT,
                            related_name="+")
    title = models.CharField(_("活动名称"), max_length=100)
    freq = models.CharField(_("重复方式"), max_length=8, choices=Freq.choices)
    weekdays = models.JSONField(_("每周的哪几天"), default=list, blank=True)  # 0 = Monday
    month_day = models.PositiveSmallIntegerField(_("每月几号"), null=True, blank=True)
    until = models.DateField(_("重复至"), null=True, blank=True)
    count = models.PositiveSmallIntegerField(_("重复次数"), null=True, blank=True)
    skipped = models.JSONField(_("跳过的日期"), default=list, blank=True)  # ISO dates
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("重复活动")
        verbose_name_plural = _("重复活动")

    def __str__(self) -> str:
        return f"{self.title} ({self.get_freq_display()})"


class Activity(models.Model):
    class Status(models.TextChoices):
        PUBLISHED = "published", _("已发布")
        CANCELLED = "cancelled", _("已取消")

    project = models.ForeignKey(Project, verbose_name=_("所属项目"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="activities")
    series = models.ForeignKey(ActivitySeries, verbose_name=_("所属重复活动"), null=True,
                               blank=True, on_delete=models.PROTECT, related_name="occurrences")
    title = models.CharField(_("活动名称"), max_length=100)
    platform = models.ForeignKey(Platform, verbose_name=_("服务平台"), on_delete=models.PROTECT)
    content = models.TextField(_("服务内容"), blank=True)
    org = models.ForeignKey(OrgNode, verbose_name=_("组织单位"), on_delete=models.PROTECT,
                            related_name="activities")
    team = models.ForeignKey(Team, verbose_name=_("组织队伍"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="activities")
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("活动负责人"), null=True,
                               blank=True, on_delete=models.SET_NULL, related_name="led_activities")
    address = models.CharField(_("地点"), max_length=200)
    lat = models.FloatField(_("纬度"))
    lng = models.FloatField(_("经度"))
    radius_m = models.PositiveIntegerField(_("签到范围（米）"), default=300)
    start = models.DateTimeField(_("开始时间"))
    end = models.DateTimeField(_("结束时间"))
    quota = models.PositiveIntegerField(_("招募人数"))
    # How many enrollments are `enrolled`, kept by the enrollment services in their own
    # transaction: a sign-up takes a place by one conditional UPDATE (`enrolled_count <
    # quota`), so the row is locked for one statement instead of a count under FOR UPDATE
    # (issue 10). A walk-in may push it past the quota. `check-ledger` proves it.
    enrolled_count = models.PositiveIntegerField(_("已报名人数"), default=0, editable=False)
    required_skills = models.JSONField(_("所需技能"), default=list, blank=True)
    required_tags = models.JSONField(_("身份要求"), default=list, blank=True)
    min_age = models.PositiveSmallIntegerField(_("最低年龄"), null=True, blank=True)
    people_served = models.PositiveIntegerField(_("服务对象人次（受众）"), null=True, blank=True)
    # A training session (志愿者培训): the volunteer's record counts attended ones apart.
    is_training = models.BooleanField(_("培训活动"), default=False)
    # 条例 Art. 17: the organiser (or the district's rules for the platform) asks for cover;
    # check-in stays closed until a policy covering the activity is recorded.
    needs_insurance = models.BooleanField(_("需为志愿者购买保险"), default=False)
    # Sign-ups close here; empty means the activity's end (late-comers may still join).
    signup_deadline = models.DateTimeField(_("报名截止时间"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices,
                              default=Status.PUBLISHED)
    qr_secret = models.CharField(max_length=32, default=new_qr_secret, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("活动")
        verbose_name_plural = _("活动")
        indexes = [models.Index(fields=["start"], name="activity_start"),
                   models.Index(fields=["org", "start"], name="activity_org_start")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        """Published, not cancelled (pages ask this instead of comparing state strings)."""
        return ACTIVITY_FLOW.in_group(self.status, "open")


ACTIVITY_FLOW = Workflow(
    states=Activity.Status,
    transitions={"": frozenset({Activity.Status.PUBLISHED}),
                 Activity.Status.PUBLISHED: frozenset({Activity.Status.CANCELLED})},
    colours={Activity.Status.PUBLISHED: "ok", Activity.Status.CANCELLED: "muted"},
    groups={"open": frozenset({Activity.Status.PUBLISHED})},
)


class Enrollment(models.Model):
    class Status(models.TextChoices):
        ENROLLED = "enrolled", _("已报名")
        WAITLISTED = "waitlisted", _("候补")
        CANCELLED = "cancelled", _("已取消")

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="enrollments")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="enrollments")
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices)
    # When the volunteer (last) signed up: the waitlist promotes in this order.
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("报名")
        verbose_name_plural = _("报名")
        constraints = [models.UniqueConstraint(fields=["activity", "volunteer"],
                                               name="one_enrollment_per_activity")]
        indexes = [models.Index(fields=["activity", "status", "created_at"],
                                name="enrollment_queue")]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.activity}"


_E = Enrollment.Status
# A withdrawn volunteer may sign up again; a place freed moves the first waiting one up.
ENROLLMENT_FLOW = Workflow(
    states=Enrollment.Status,
    transitions={"": frozenset({_E.ENROLLED, _E.WAITLISTED}),
                 _E.ENROLLED: frozenset({_E.CANCELLED}),
                 _E.WAITLISTED: frozenset({_E.ENROLLED, _E.CANCELLED}),
                 _E.CANCELLED: frozenset({_E.ENROLLED, _E.WAITLISTED})},
    colours={_E.ENROLLED: "ok", _E.WAITLISTED: "warn", _E.CANCELLED: "muted"},
    groups={"live": frozenset({_E.ENROLLED, _E.WAITLISTED})},
)


class Attendance(models.Model):
    class Method(models.TextChoices):
        QR = "qr", _("扫码")
        GEO = "geo", _("定位")
        ECARD = "ecard", _("扫志愿者电子证")

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="attendances")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="attendances")
    checkin_at = models.DateTimeField(_("签到时间"))
    checkin_method = models.CharField(max_length=8, choices=Method.choices)
    checkout_at = models.DateTimeField(_("签退时间"), null=True, blank=True)
    checkout_method = models.CharField(max_length=8, choices=Method.choices, blank=True)
    lat = models.FloatField(null=True, blank=True)
    lng = models.FloatField(null=True, blank=True)

    class Meta:
        verbose_name = _("签到记录")
        verbose_name_plural = _("签到记录")
        constraints = [models.UniqueConstraint(fields=["activity", "volunteer"],
                                               name="one_attendance_per_activity")]
        indexes = [models.Index(fields=["volunteer", "checkin_at"], name="attendance_day")]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.activity}"


class LedgerQuerySet(models.QuerySet):
    """Bulk writes may not touch approved lines either (save/delete are guarded below)."""

    def _refuse_approved(self):
        if self.filter(status="approved").exists():
            raise PermissionError("approved service records are append-only")

    def update(self, **kwargs):
        self._refuse_approved()
        return super().update(**kwargs)

    def delete(self):
        self._refuse_approved()
        return super().delete()

    def unreversed(self):
        """Lines no reversal corrects. The reversed ids come from the `reverses` column's
        unique index (its non-null part: a short range), never a self-join: SQLite's
        statistics count that index's million NULLs as one key, so a join on it scanned the
        ledger (issue 10: a volunteer's record page took 38 s)."""
        return self.exclude(pk__in=self._reversed_ids())

    def reversed_ones(self):
        """Lines a reversal corrects (the same way as `unreversed`)."""
        return self.filter(pk__in=self._reversed_ids())

    def _reversed_ids(self):
        return self.model.objects.filter(reverses__isnull=False).values("reverses_id")


class ServiceRecord(models.Model):
    """志愿服务记录: one line of the hours ledger. Approved lines are never changed."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已认定")
        REJECTED = "rejected", _("未认定")

    class Kind(models.TextChoices):
        ATTENDANCE = "attendance", _("签到计时")
        BACKFILL = "backfill", _("补录")
        ORDER = "order", _("点单服务")
        REVERSAL = "reversal", _("冲正")
        TIME_CODE = "time_code", _("时长码")
        GROUP = "group", _("团体录入")
        DECLARATION = "declaration", _("个人申报")

    # No single-column indexes where a composite one below starts with the column, nor on
    # who created or decided a line (read only if that account is deleted): each index is
    # written for every one of a district's millions of lines.
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="records",
                                  db_index=False)
    activity = models.ForeignKey(Activity, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="records")
    order_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    org = models.ForeignKey(OrgNode, verbose_name=_("记录单位"), on_delete=models.PROTECT,
                            related_name="records", db_index=False)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("活动名称"), max_length=100)
    place = models.CharField(_("服务地点"), max_length=200, blank=True)
    content = models.TextField(_("服务内容"), blank=True)
    leader_name = models.CharField(_("活动负责人"), max_length=50, blank=True)
    service_date = models.DateField(_("服务日期"))
    hours = models.DecimalField(_("服务时长（小时）"), max_digits=6, decimal_places=2)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices,
                              default=Status.PENDING)
    needs_parent_approval = models.BooleanField(_("超出每日上限，需上级审核"), default=False)
    # Recorded more than the district's deadline after the service date (decided when the
    # line is written, like the cap above); whether that needs the node above is the rules'.
    late = models.BooleanField(_("逾期录入"), default=False)
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="reversed_by")
    reason = models.TextField(_("说明"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+", db_index=False)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+", db_index=False)
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = LedgerQuerySet.as_manager()

    class Meta:
        verbose_name = _("志愿服务记录")
        verbose_name_plural = _("志愿服务记录")
        constraints = [
            models.UniqueConstraint(fields=["activity", "volunteer"],
                                    condition=models.Q(kind="attendance"),
                                    name="one_attendance_record_per_activity"),
        ]
        indexes = [
            models.Index(fields=["volunteer", "status", "service_date"], name="record_volunteer"),
            models.Index(fields=["org", "status", "service_date"], name="record_org"),
            models.Index(fields=["status", "created_at"], name="record_queue"),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.title} · {self.hours}"

    def save(self, *args, **kwargs):
        # Defence in depth: services never change an approved line, and neither may anyone.
        # A row loaded without its status is checked against the database.
        stored = getattr(self, "_stored_status", None)
        if self.pk and stored is None and "status" in self.get_deferred_fields():
            stored = type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()
        if stored == self.Status.APPROVED:
            raise PermissionError("approved service records are append-only")
        super().save(*args, **kwargs)
        self._stored_status = self.status

    def delete(self, *args, **kwargs):
        if self.status == self.Status.APPROVED:
            raise PermissionError("approved service records are append-only")
        return super().delete(*args, **kwargs)

    @classmethod
    def from_db(cls, db, field_names, values):
        record = super().from_db(db, field_names, values)
        record._stored_status = record.__dict__.get("status")
        return record

    @property
    def state(self) -> str:
        """The contract's state (`RecordState`): an approved line later corrected by a
        reversing line shows as `reversed`. Select `reversed_by` with a list of them."""
        if self.status == self.Status.APPROVED and hasattr(self, "reversed_by"):
            return RecordState.REVERSED
        return self.status


class RecordState(models.TextChoices):
    """A line's state as the contract shows it: its stored status, except that an approved
    line corrected by a reversing line is `reversed` (the approved row itself never changes)."""

    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已认定")
    REJECTED = "rejected", _("未认定")
    REVERSED = "reversed", _("已冲正")


_R = RecordState
RECORD_FLOW = Workflow(
    states=RecordState,
    transitions={"": frozenset({_R.PENDING}),
                 _R.PENDING: frozenset({_R.APPROVED, _R.REJECTED}),
                 _R.APPROVED: frozenset({_R.REVERSED})},
    colours={_R.PENDING: "warn", _R.APPROVED: "ok", _R.REJECTED: "bad", _R.REVERSED: "muted"},
    steps=(_R.PENDING, _R.APPROVED),
    groups={"counts": frozenset({_R.PENDING, _R.APPROVED})},
)


class HoursDaily(models.Model):
    """Approved hours per station and day, kept in the approving transaction: the dashboards'
    rollup. `wenming check-ledger` proves it equals the ledger."""

    org = models.ForeignKey(OrgNode, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    hours = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    records = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["org", "day"], name="hours_daily_key")]
        indexes = [models.Index(fields=["day", "org"], name="hours_daily_day")]

    def __str__(self) -> str:
        return f"{self.org_id} · {self.day} · {self.hours}"


class Certificate(models.Model):
    """志愿服务记录证明: what was certified at issue time, kept so it stays verifiable."""

    code = models.CharField(_("验证码"), max_length=16, unique=True)
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="certificates")
    org = models.ForeignKey(OrgNode, verbose_name=_("出具单位"), on_delete=models.PROTECT,
                            related_name="+")
    issued_at = models.DateTimeField(_("出具时间"), auto_now_add=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                  related_name="+")
    period_from = models.DateField(_("起始日期"), null=True, blank=True)
    period_to = models.DateField(_("截止日期"), null=True, blank=True)
    real_name = models.CharField(_("姓名"), max_length=50)
    id_number_masked = models.CharField(_("身份证号"), max_length=18)
    total_hours = models.DecimalField(_("服务总时长"), max_digits=9, decimal_places=2)
    records = models.JSONField(_("记录明细"), default=list)

    class Meta:
        verbose_name = _("志愿服务记录证明")
        verbose_name_plural = _("志愿服务记录证明")

    def __str__(self) -> str:
        return self.code


# ---- the e-card, time codes, insurance ---------------------------------------------------

class ECard(models.Model):
    """A volunteer's e-card (志愿者电子证). The phone shows a code that changes every window;
    the printed card carries a long-lived code bound to `print_serial`: printing a new card
    or revoking the printed one moves the serial, so a lost card stops working."""

    volunteer = models.OneToOneField(Volunteer, on_delete=models.CASCADE, related_name="ecard")
    print_serial = models.PositiveIntegerField(_("纸质卡版本"), default=0)
    printed_at = models.DateTimeField(_("打印时间"), null=True, blank=True)
    print_revoked = models.BooleanField(_("纸质卡已挂失"), default=False)

    class Meta:
        verbose_name = _("志愿者电子证")
        verbose_name_plural = _("志愿者电子证")

    def __str__(self) -> str:
        return f"{self.volunteer_id} · {self.print_serial}"


class TimeCode(models.Model):
    """时长码: a one-time code worth the activity's hours, claimed by one volunteer once."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="time_codes")
    code = models.CharField(_("时长码"), max_length=12, unique=True)
    hours = models.DecimalField(_("时长（小时）"), max_digits=5, decimal_places=2)
    expires_at = models.DateTimeField(_("有效期至"))
    claimed_by = models.ForeignKey(Volunteer, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    claimed_at = models.DateTimeField(null=True, blank=True)
    record = models.OneToOneField(ServiceRecord, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="time_code")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("时长码")
        verbose_name_plural = _("时长码")

    def __str__(self) -> str:
        return self.code


class InsurancePolicy(models.Model):
    """The activity's accident policy. Covered: everyone enrolled (read at the time asked, so
    it follows sign-ups and withdrawals)."""

    activity = models.OneToOneField(Activity, on_delete=models.CASCADE, related_name="insurance")
    insurer = models.CharField(_("保险公司"), max_length=100)
    policy_no = models.CharField(_("保单号"), max_length=64)
    start = models.DateTimeField(_("保障开始"))
    end = models.DateTimeField(_("保障结束"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("志愿者保险")
        verbose_name_plural = _("志愿者保险")

    def __str__(self) -> str:
        return f"{self.insurer} {self.policy_no}"

    def covers(self, activity: Activity) -> bool:
        return self.start <= activity.start and self.end >= activity.end


class InsuranceClaim(models.Model):
    """A claim under an activity's policy, and how it ended."""

    class Outcome(models.TextChoices):
        FILED = "filed", _("已报案")
        PAID = "paid", _("已赔付")
        DENIED = "denied", _("未获赔")
        WITHDRAWN = "withdrawn", _("已撤回")

    policy = models.ForeignKey(InsurancePolicy, on_delete=models.PROTECT, related_name="claims")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="+")
    incident = models.TextField(_("事故经过"))
    outcome = models.CharField(_("结果"), max_length=16, choices=Outcome.choices,
                               default=Outcome.FILED)
    amount = models.DecimalField(_("赔付金额（元）"), max_digits=10, decimal_places=2, null=True,
                                 blank=True)
    note = models.TextField(_("说明"), blank=True)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                 on_delete=models.SET_NULL, related_name="+")
    filed_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("保险理赔")
        verbose_name_plural = _("保险理赔")

    def __str__(self) -> str:
        return f"{self.policy_id} · {self.volunteer_id} · {self.outcome}"


CLAIM_FLOW = Workflow(
    states=InsuranceClaim.Outcome,
    transitions={"": frozenset({InsuranceClaim.Outcome.FILED}),
                 InsuranceClaim.Outcome.FILED: frozenset({
                     InsuranceClaim.Outcome.PAID, InsuranceClaim.Outcome.DENIED,
                     InsuranceClaim.Outcome.WITHDRAWN})},
    colours={"filed": "warn", "paid": "ok", "denied": "bad", "withdrawn": "muted"},
)
