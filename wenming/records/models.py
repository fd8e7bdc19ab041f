"""志愿服务记录: the parts of a volunteer's record beyond the hours ledger.

《志愿服务记录与证明出具办法》 Art. 4 names five parts: personal details, service (the hours
ledger, `activities.ServiceRecord`), training, commendations (`honors.Award`), evaluations
and complaints. This app keeps training, evaluations and complaints, the volunteer's requests
to correct a ledger line (Art. 12–13), sealed-certificate applications and where an imported
line was first recorded (转移接续). Complaints and corrections are state machines as data with
an event row per move.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from wenming.activities.models import Certificate, ServiceRecord
from wenming.core.uploads import random_name
from wenming.core.workflow import Workflow
from wenming.orgs.models import OrgNode
from wenming.people.models import Volunteer


class Training(models.Model):
    """培训记录: staff record it, an Excel import brings many; attended activities marked
    `is_training` show beside these on the record without a row here."""

    class Source(models.TextChoices):
        STAFF = "staff", _("管理员录入")
        IMPORT = "import", _("导入")

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="trainings")
    org = models.ForeignKey(OrgNode, verbose_name=_("记录单位"), on_delete=models.PROTECT,
                            related_name="+")
    name = models.CharField(_("培训名称"), max_length=100)
    content = models.TextField(_("培训内容"), blank=True)
    hours = models.DecimalField(_("培训时长（小时）"), max_digits=5, decimal_places=1,
                                validators=[MinValueValidator(Decimal("0.1"))])
    organiser = models.CharField(_("组织单位"), max_length=100)
    date = models.DateField(_("培训日期"))
    source = models.CharField(_("来源"), max_length=8, choices=Source.choices,
                              default=Source.STAFF)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("培训记录")
        verbose_name_plural = _("培训记录")
        ordering = ["-date", "-id"]
        constraints = [
            # The same training entered twice (by hand and by an import) is one row.
            models.UniqueConstraint(fields=["volunteer", "name", "date", "organiser"],
                                    name="one_training_row"),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id} · {self.name}"


class Evaluation(models.Model):
    """服务评价: the station's or the activity leader's evaluation of a volunteer's service
    quality at a date, with residents' ratings of the orders they served at that time."""

    class Quality(models.TextChoices):
        EXCELLENT = "excellent", _("优秀")
        GOOD = "good", _("良好")
        FAIR = "fair", _("合格")
        POOR = "poor", _("不合格")

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT,
                                  related_name="evaluations")
    org = models.ForeignKey(OrgNode, verbose_name=_("评价单位"), on_delete=models.PROTECT,
                            related_name="+")
    quality = models.CharField(_("服务质量"), max_length=12, choices=Quality.choices)
    stars = models.PositiveSmallIntegerField(
        _("星级评价"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.TextField(_("评语"), blank=True)
    date = models.DateField(_("评价日期"))
    # Residents' ratings drawn on, as they stood when the evaluation was written.
    rating_avg = models.DecimalField(_("群众评分均值"), max_digits=3, decimal_places=2,
                                     null=True, blank=True)
    rating_count = models.PositiveIntegerField(_("群众评分次数"), default=0)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                           related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("服务评价")
        verbose_name_plural = _("服务评价")
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(stars__isnull=True)
                                   | models.Q(stars__gte=1, stars__lte=5),
                                   name="evaluation_stars_1_5"),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id} · {self.get_quality_display()}"


# ---- complaints --------------------------------------------------------------------------

class ComplaintState(models.TextChoices):
    FILED = "filed", _("待受理")
    INVESTIGATING = "investigating", _("调查中")
    CLOSED = "closed", _("已办结")


_C = ComplaintState
COMPLAINT_FLOW = Workflow(
    states=ComplaintState,
    transitions={"": frozenset({_C.FILED}),
                 _C.FILED: frozenset({_C.INVESTIGATING, _C.CLOSED}),
                 _C.INVESTIGATING: frozenset({_C.CLOSED})},
    colours={_C.FILED: "warn", _C.INVESTIGATING: "info", _C.CLOSED: "muted"},
    steps=(_C.FILED, _C.INVESTIGATING, _C.CLOSED),
    groups={"open": frozenset({_C.FILED, _C.INVESTIGATING})},
)
# move name -> (state it leads to, states it starts from). `respond` is the volunteer's
# answer: no change of state, an event row, allowed while the complaint is open.
COMPLAINT_MOVES: dict[str, tuple[str, frozenset[str]]] = {
    "investigate": (_C.INVESTIGATING, frozenset({_C.FILED})),
    "close": (_C.CLOSED, COMPLAINT_FLOW.groups["open"]),
}


class Complaint(models.Model):
    """被投诉信息: against a volunteer, or one of their ledger lines; the unit that keeps the
    queue is the line's recording unit, else the volunteer's station at filing."""

    class Outcome(models.TextChoices):
        UPHELD = "upheld", _("投诉属实")
        PARTLY = "partly", _("部分属实")
        NOT_UPHELD = "not_upheld", _("投诉不属实")

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="complaints")
    record = models.ForeignKey(ServiceRecord, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="complaints")
    org = models.ForeignKey(OrgNode, verbose_name=_("受理单位"), on_delete=models.PROTECT,
                            related_name="+")
    text = models.TextField(_("投诉内容"))
    state = models.CharField(_("状态"), max_length=16, choices=ComplaintState.choices,
                             default=_C.FILED)
    outcome = models.CharField(_("调查结论"), max_length=12, choices=Outcome.choices,
                               blank=True)
    outcome_text = models.TextField(_("处理结果"), blank=True)
    response = models.TextField(_("志愿者说明"), blank=True)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("投诉")
        verbose_name_plural = _("投诉")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["org", "state"], name="complaint_queue")]
        constraints = [
            models.CheckConstraint(condition=~models.Q(state="closed") | ~models.Q(outcome=""),
                                   name="complaint_closed_has_outcome"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} · {self.volunteer_id}"


class ComplaintEvent(models.Model):
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                           related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"#{self.complaint_id} {self.from_state}→{self.to_state}"


# ---- corrections -------------------------------------------------------------------------

class CorrectionState(models.TextChoices):
    REQUESTED = "requested", _("待处理")
    ACCEPTED = "accepted", _("已更正")
    REJECTED = "rejected", _("不予更正")
    WITHDRAWN = "withdrawn", _("已撤回")


_K = CorrectionState
CORRECTION_FLOW = Workflow(
    states=CorrectionState,
    transitions={"": frozenset({_K.REQUESTED}),
                 _K.REQUESTED: frozenset({_K.ACCEPTED, _K.REJECTED, _K.WITHDRAWN})},
    colours={_K.REQUESTED: "warn", _K.ACCEPTED: "ok", _K.REJECTED: "bad",
             _K.WITHDRAWN: "muted"},
    steps=(_K.REQUESTED, _K.ACCEPTED),
    groups={"open": frozenset({_K.REQUESTED})},
)
CORRECTION_MOVES: dict[str, tuple[str, frozenset[str]]] = {
    "accept": (_K.ACCEPTED, frozenset({_K.REQUESTED})),
    "reject": (_K.REJECTED, frozenset({_K.REQUESTED})),
    "withdraw": (_K.WITHDRAWN, frozenset({_K.REQUESTED})),
}


def evidence_path(request: "Correction", filename: str) -> str:
    return random_name("corrections", filename)


class Correction(models.Model):
    """更正申请 (办法 Art. 12–13): the volunteer asks the recording unit to correct a line's
    hours; accepted, the line is reversed and a corrected line written through the ledger's
    one write path. One open request per line (a partial unique constraint)."""

    record = models.ForeignKey(ServiceRecord, on_delete=models.PROTECT,
                               related_name="corrections")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT,
                                  related_name="corrections")
    org = models.ForeignKey(OrgNode, verbose_name=_("记录单位"), on_delete=models.PROTECT,
                            related_name="+")
    hours = models.DecimalField(_("更正后时长（小时）"), max_digits=5, decimal_places=2)
    reason = models.TextField(_("更正理由"))
    evidence = models.FileField(_("证明材料"), upload_to=evidence_path, blank=True)
    state = models.CharField(_("状态"), max_length=12, choices=CorrectionState.choices,
                             default=_K.REQUESTED)
    decision_note = models.TextField(_("处理意见"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reversal = models.ForeignKey(ServiceRecord, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    corrected = models.ForeignKey(ServiceRecord, null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("更正申请")
        verbose_name_plural = _("更正申请")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["record"], condition=models.Q(state="requested"),
                                    name="one_open_correction_per_line"),
        ]
        indexes = [models.Index(fields=["org", "state"], name="correction_queue")]

    def __str__(self) -> str:
        return f"#{self.pk} · line {self.record_id}"


class CorrectionEvent(models.Model):
    correction = models.ForeignKey(Correction, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                           related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"#{self.correction_id} {self.from_state}→{self.to_state}"


# ---- certificates ------------------------------------------------------------------------

class CertificateParts(models.Model):
    """What a certificate printed beyond the hours (the parts chosen, frozen at issue), and
    the units that recorded its lines (谁记录谁证明), so a reprint says what was certified."""

    certificate = models.OneToOneField(Certificate, on_delete=models.CASCADE,
                                       related_name="parts")
    volunteer_no = models.CharField(max_length=20, blank=True)
    parts = models.JSONField(default=dict)  # {"trainings": [...], "commendations": [...], ...}
    units = models.JSONField(default=list)  # [{"name", "hours", "lines"}], one per unit

    def __str__(self) -> str:
        return f"parts of {self.certificate_id}"


# ---- moving records (转移接续) --------------------------------------------------------------

class LineOrigin(models.Model):
    """Where an imported ledger line was first recorded: its original recording unit and the
    key it had there. The key makes a repeated import change nothing."""

    record = models.OneToOneField(ServiceRecord, on_delete=models.PROTECT, related_name="origin")
    source_key = models.CharField(max_length=120, unique=True)
    unit_name = models.CharField(_("原记录单位"), max_length=100)
    unit_code = models.CharField(_("原记录单位代码"), max_length=40, blank=True)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("转入记录来源")
        verbose_name_plural = _("转入记录来源")

    def __str__(self) -> str:
        return f"{self.record_id} ← {self.unit_name}"


# ---- sealed certificates -----------------------------------------------------------------

def seal_path(seal: "UnitSeal", filename: str) -> str:
    return random_name("seals", filename)


class UnitSeal(models.Model):
    """A unit's seal image, uploaded by its staff (a checked PNG or JPEG), printed on the
    sealed certificates it issues."""

    org = models.OneToOneField(OrgNode, on_delete=models.CASCADE, related_name="seal")
    image = models.FileField(_("公章图片"), upload_to=seal_path)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"seal of {self.org_id}"


class SealState(models.TextChoices):
    APPLIED = "applied", _("待受理")
    ACCEPTED = "accepted", _("已受理")
    ISSUED = "issued", _("已出具")
    REJECTED = "rejected", _("不予出具")


_S = SealState
SEAL_FLOW = Workflow(
    states=SealState,
    transitions={"": frozenset({_S.APPLIED}),
                 _S.APPLIED: frozenset({_S.ACCEPTED, _S.REJECTED}),
                 _S.ACCEPTED: frozenset({_S.ISSUED, _S.REJECTED})},
    colours={_S.APPLIED: "warn", _S.ACCEPTED: "info", _S.ISSUED: "ok", _S.REJECTED: "bad"},
    steps=(_S.APPLIED, _S.ACCEPTED, _S.ISSUED),
    groups={"open": frozenset({_S.APPLIED, _S.ACCEPTED})},
)
SEAL_MOVES: dict[str, tuple[str, frozenset[str]]] = {
    "accept": (_S.ACCEPTED, frozenset({_S.APPLIED})),
    "issue": (_S.ISSUED, frozenset({_S.ACCEPTED})),
    "reject": (_S.REJECTED, SEAL_FLOW.groups["open"]),
}
PARTS = ("services", "trainings", "commendations", "evaluations", "complaints")


class SealApplication(models.Model):
    """盖章证明申请: the volunteer asks a unit that recorded their lines for a sealed
    certificate of them; the unit accepts, then issues with its seal and the handler's name."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT,
                                  related_name="seal_applications")
    org = models.ForeignKey(OrgNode, verbose_name=_("出具单位"), on_delete=models.PROTECT,
                            related_name="+")
    parts = models.JSONField(_("证明内容"), default=list)
    purpose = models.CharField(_("用途"), max_length=100, blank=True)
    state = models.CharField(_("状态"), max_length=12, choices=SealState.choices,
                             default=_S.APPLIED)
    handler_name = models.CharField(_("经办人"), max_length=50, blank=True)
    certificate = models.OneToOneField(Certificate, null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="seal_application")
    note = models.TextField(_("处理意见"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("盖章证明申请")
        verbose_name_plural = _("盖章证明申请")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["org", "state"], name="seal_queue")]

    def __str__(self) -> str:
        return f"#{self.pk} · {self.volunteer_id}"


class SealEvent(models.Model):
    application = models.ForeignKey(SealApplication, on_delete=models.CASCADE,
                                    related_name="events")
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                           related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"#{self.application_id} {self.from_state}→{self.to_state}"


# ---- self-declared hours (个人申报) -----------------------------------------------------------

class DeclarationState(models.TextChoices):
    SUBMITTED = "submitted", _("待确认")
    CONFIRMED = "confirmed", _("已确认")
    REJECTED = "rejected", _("未确认")
    WITHDRAWN = "withdrawn", _("已撤回")


_D = DeclarationState
DECLARATION_FLOW = Workflow(
    states=DeclarationState,
    transitions={"": frozenset({_D.SUBMITTED}),
                 _D.SUBMITTED: frozenset({_D.CONFIRMED, _D.REJECTED, _D.WITHDRAWN})},
    colours={_D.SUBMITTED: "warn", _D.CONFIRMED: "ok", _D.REJECTED: "bad",
             _D.WITHDRAWN: "muted"},
    steps=(_D.SUBMITTED, _D.CONFIRMED),
    groups={"open": frozenset({_D.SUBMITTED})},
)
DECLARATION_MOVES: dict[str, tuple[str, frozenset[str]]] = {
    "confirm": (_D.CONFIRMED, frozenset({_D.SUBMITTED})),
    "reject": (_D.REJECTED, frozenset({_D.SUBMITTED})),
    "withdraw": (_D.WITHDRAWN, frozenset({_D.SUBMITTED})),
}


def declaration_path(declaration: "Declaration", filename: str) -> str:
    return random_name("declarations", filename)


class Declaration(models.Model):
    """个人申报: a volunteer declares hours they served but could not record on site, with a
    photo and a note. The activity's leader or its unit's staff (for a service outside any
    activity: the volunteer's station) confirm it, which writes a `declaration` line through
    the ledger's one write path, or reject it with a reason. One open declaration per
    volunteer and activity (a partial unique constraint)."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT,
                                  related_name="declarations")
    activity = models.ForeignKey("activities.Activity", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="declarations")
    org = models.ForeignKey(OrgNode, verbose_name=_("确认单位"), on_delete=models.PROTECT,
                            related_name="+")
    title = models.CharField(_("服务内容"), max_length=100)
    place = models.CharField(_("服务地点"), max_length=200)
    service_date = models.DateField(_("服务日期"))
    hours = models.DecimalField(_("申报时长（小时）"), max_digits=5, decimal_places=2)
    note = models.TextField(_("情况说明"))
    evidence = models.FileField(_("证明照片"), upload_to=declaration_path)
    state = models.CharField(_("状态"), max_length=12, choices=DeclarationState.choices,
                             default=_D.SUBMITTED)
    decision_note = models.TextField(_("处理意见"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    record = models.OneToOneField(ServiceRecord, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="declaration")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("个人申报")
        verbose_name_plural = _("个人申报")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["volunteer", "activity"],
                                    condition=models.Q(state="submitted"),
                                    name="one_open_declaration_per_activity"),
            models.CheckConstraint(condition=models.Q(hours__gt=0, hours__lte=24),
                                   name="declaration_hours_0_24"),
        ]
        indexes = [models.Index(fields=["org", "state"], name="declaration_queue"),
                   models.Index(fields=["volunteer", "state"], name="declaration_mine")]

    def __str__(self) -> str:
        return f"#{self.pk} · {self.volunteer_id} · {self.hours}"


class DeclarationEvent(models.Model):
    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE,
                                    related_name="events")
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                           related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"#{self.declaration_id} {self.from_state}→{self.to_state}"
