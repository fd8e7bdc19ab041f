"""Accounts, volunteer and resident profiles, API tokens, the personal-data audit log."""

import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from wenming.orgs.models import OrgNode, Platform


class User(AbstractUser):
    real_name = models.CharField(_("姓名"), max_length=50, blank=True)
    mobile = models.CharField(_("手机号"), max_length=11, unique=True, null=True, blank=True)
    elder_mode = models.BooleanField(_("长者模式"), default=False)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.real_name or self.username

    def save(self, *args, **kwargs):
        # A password change ends every API token, whichever path changed it: our services,
        # the admin, `changepassword`, Django's reset views. `_password` is set only by
        # set_password, and Django clears it for hash upgrades at login, which are no change.
        changed = self._password is not None and not self._state.adding
        super().save(*args, **kwargs)
        if changed:
            ApiToken.objects.filter(user=self).delete()


class Skill(models.Model):
    name = models.CharField(_("技能"), max_length=30, unique=True)

    class Meta:
        verbose_name = _("技能")
        verbose_name_plural = _("技能")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Volunteer(models.Model):
    """志愿者: the fields 《志愿服务记录与证明出具办法》 asks a record to hold."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        ACTIVE = "active", _("正常")
        SUSPENDED = "suspended", _("已停用")

    class Political(models.TextChoices):
        PARTY_MEMBER = "party_member", _("中共党员")
        PROBATIONARY = "probationary", _("中共预备党员")
        LEAGUE_MEMBER = "league_member", _("共青团员")
        OTHER_PARTY = "other_party", _("民主党派")
        MASSES = "masses", pgettext_lazy("political status", "群众")

    class Tag(models.TextChoices):
        FIVE_ELDERS = "five_elders", _("五老")
        STUDENT = "student", _("大学生")
        VETERAN = "veteran", _("退役军人")
        DUAL_REPORT = "dual_report", _("在职党员双报到")
        MODEL_WORKER = "model_worker", _("劳动模范")
        EXPERT = "expert", _("专业人才")

    class Sex(models.TextChoices):
        MALE = "M", _("男")
        FEMALE = "F", _("女")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="volunteer")
    id_number = models.CharField(_("身份证号"), max_length=18, unique=True)
    # 志愿者编号: "V" + the district's code + the registration year + a sequence
    # (people.numbering); never derived from the ID number, never changed once given.
    volunteer_no = models.CharField(_("志愿者编号"), max_length=20, unique=True, null=True,
                                    blank=True, editable=False)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("出生日期"))
    station = models.ForeignKey(OrgNode, verbose_name=_("所属实践站"), on_delete=models.PROTECT,
                                related_name="volunteers")
    # A copy of user.real_name, so the staff list searches and counts names on one index.
    real_name = models.CharField(max_length=50, blank=True, editable=False)
    residence_area = models.CharField(_("居住区域"), max_length=100, blank=True)
    political_status = models.CharField(_("政治面貌"), max_length=16, choices=Political.choices,
                                        default=Political.MASSES)
    tags = models.JSONField(_("身份标签"), default=list, blank=True)
    skills = models.ManyToManyField(Skill, verbose_name=_("技能特长"), blank=True,
                                    related_name="volunteers")
    service_categories = models.ManyToManyField(Platform, verbose_name=_("服务类别"), blank=True,
                                                related_name="volunteers")
    home_lat = models.FloatField(_("常住地纬度"), null=True, blank=True)
    home_lng = models.FloatField(_("常住地经度"), null=True, blank=True)
    # The h3 cell of home (wenming.geo.cell_of): nearby-candidate searches narrow on it.
    home_cell = models.CharField(max_length=16, blank=True, editable=False)
    # [{"weekday": 0-6 (Monday 0), "start": "HH:MM", "end": "HH:MM"}, ...]; the source of
    # the AvailabilitySlot rows, which `people.services` rewrites whenever it changes.
    availability = models.JSONField(_("可服务时段"), default=list, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices,
                              default=Status.ACTIVE, db_index=True)
    registered_at = models.DateTimeField(_("注册时间"), auto_now_add=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = pgettext_lazy("model", "志愿者")
        verbose_name_plural = pgettext_lazy("model plural", "志愿者")
        indexes = [models.Index(fields=["station", "status"], name="volunteer_station_status"),
                   models.Index(fields=["station", "real_name"], name="volunteer_station_name"),
                   # the dashboards count registrations on the days at a period's edges
                   # (whole months come from stats.NodePeriod)
                   models.Index(fields=["registered_at"], name="volunteer_registered"),
                   # Cells near a place, measured without reading the volunteers' rows.
                   models.Index(fields=["home_cell", "home_lat", "home_lng"],
                                name="volunteer_home")]

    def __str__(self) -> str:
        return self.user.real_name

    def age_on(self, day: datetime.date) -> int:
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))


class VolunteerNoSequence(models.Model):
    """The last sequence number given under one prefix (district code + year): a row locked
    while numbers are handed out, so two registrations never get the same one."""

    prefix = models.CharField(max_length=16, unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.prefix} · {self.last}"


class AvailabilitySlot(models.Model):
    """One slot of a volunteer's `availability`, with their home's h3 cell, so that "who in
    these cells serves weekday W at hh:mm" is one index range (`orders.ranking`). A volunteer
    who gave no slots has one row without a weekday: the ranking finds them by cell too (not
    knowing when they are free scores more than knowing they are busy). A copy kept by
    `people.services.volunteer_slots_write` whenever the availability or the home changes;
    `wenming check-ledger` proves they agree. Times are "HH:MM", compared as text."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="slots")
    weekday = models.PositiveSmallIntegerField(null=True)  # Monday 0; None: no slots given
    start = models.CharField(max_length=5, blank=True)
    end = models.CharField(max_length=5, blank=True)
    cell = models.CharField(max_length=16, blank=True)  # Volunteer.home_cell

    class Meta:
        indexes = [models.Index(fields=["weekday", "cell", "start", "end", "volunteer"],
                                name="slot_weekday_cell")]

    def __str__(self) -> str:
        return f"{self.volunteer_id} · {self.weekday} {self.start}-{self.end}"

    @staticmethod
    def rows_for(availability: list[dict] | None) -> list[tuple[int | None, str, str]]:
        """(weekday, start, end) of the rows standing for `availability`."""
        return [(s["weekday"], s["start"], s["end"]) for s in availability or []] or [
            (None, "", "")]


class Resident(models.Model):
    """群众: orders services, posts wishes; the station is the one whose area they live in."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="resident")
    station = models.ForeignKey(OrgNode, verbose_name=_("所属实践站"), on_delete=models.PROTECT,
                                related_name="residents")
    id_number = models.CharField(_("身份证号"), max_length=18, unique=True, null=True, blank=True)
    address = models.CharField(_("住址"), max_length=200, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)
    is_elderly = models.BooleanField(_("老年人"), default=False)
    registered_at = models.DateTimeField(_("注册时间"), auto_now_add=True)

    class Meta:
        verbose_name = pgettext_lazy("role", "群众")
        verbose_name_plural = pgettext_lazy("model plural", "群众")

    def __str__(self) -> str:
        return self.user.real_name


class ApiToken(models.Model):
    """A bearer token; only its SHA-256 is stored, so a leaked table grants nothing."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"{self.user} · {self.created_at:%Y-%m-%d}"


class AuditLog(models.Model):
    """Who saw or exported whose personal data, and when (个人信息保护法)."""

    class Action(models.TextChoices):
        VIEW_PERSONAL = "view_personal", _("查看完整个人信息")
        EXPORT = "export", _("导出数据")
        SEARCH_NUMBER = "search_number", _("按完整号码搜索")
        DUPLICATE_REGISTRATION = "duplicate_registration", _("用已注册的号码申请注册")
        PASSWORD_RESET = "password_reset", _("重置密码")

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                              related_name="+")
    action = models.CharField(_("操作"), max_length=32, choices=Action.choices)
    object_type = models.CharField(_("对象类型"), max_length=50)
    object_id = models.CharField(_("对象"), max_length=50, blank=True)
    detail = models.JSONField(_("详情"), default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-at"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return f"{self.actor} · {self.get_action_display()} · {self.object_type}#{self.object_id}"


class MobileChange(models.Model):
    """A pending change of a login mobile: a code went to the new number by SMS; the change
    happens only when that code comes back (`services.mobile_change_confirm`). Only an HMAC
    of the code is kept: six digits hash back in a moment."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="mobile_changes")
    new_mobile = models.CharField(_("新手机号"), max_length=11)
    code_hash = models.CharField(max_length=64)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    expires_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("手机号变更")
        verbose_name_plural = _("手机号变更")
        indexes = [models.Index(fields=["user", "created_at"], name="mobile_change_user")]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.created_at:%Y-%m-%d %H:%M}"
