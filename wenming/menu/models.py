"""服务菜单: a district's categories → items that residents order from, the hotline's consent
notes, and the kiosk's one-time codes.

The menu belongs to a district (its center node): the center's staff keep the categories and
the district-wide items; an institute's staff may add local items to those categories, which
only residents of that institute's subtree see (`MenuItem.org`).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wenming.orgs.models import OrgNode, Platform
from wenming.people.models import Resident, Skill


class MenuCategory(models.Model):
    org = models.ForeignKey(OrgNode, verbose_name=_("所属中心"), on_delete=models.PROTECT,
                            related_name="menu_categories")
    name = models.CharField(_("类别"), max_length=30)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("排序"), default=100)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("菜单类别")
        verbose_name_plural = _("菜单类别")
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["org", "name"],
                                               name="menu_category_unique_name")]

    def __str__(self) -> str:
        return self.name


class MenuItem(models.Model):
    category = models.ForeignKey(MenuCategory, verbose_name=_("类别"), on_delete=models.PROTECT,
                                 related_name="items")
    # Where it is offered: the center (the whole district) or an institute (its subtree).
    org = models.ForeignKey(OrgNode, verbose_name=_("提供范围"), on_delete=models.PROTECT,
                            related_name="menu_items")
    name = models.CharField(_("服务项目"), max_length=60)
    description = models.TextField(_("服务内容"), blank=True)
    duration_minutes = models.PositiveSmallIntegerField(_("预计时长（分钟）"), default=60)
    platform = models.ForeignKey(Platform, verbose_name=_("服务平台"), on_delete=models.PROTECT,
                                 related_name="+")
    skills = models.ManyToManyField(Skill, verbose_name=_("所需技能"), blank=True,
                                    related_name="+")
    home_visit = models.BooleanField(_("需上门"), default=False)
    position = models.PositiveSmallIntegerField(_("排序"), default=100)
    is_active = models.BooleanField(_("启用"), default=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("菜单项目")
        verbose_name_plural = _("菜单项目")
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["category", "org", "name"],
                                               name="menu_item_unique_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def skill_names(self) -> list[str]:
        return [s.name for s in self.skills.all()]

    @property
    def primary_skill(self) -> str:
        return next(iter(self.skill_names), "")


class HotlineConsent(models.Model):
    """热线代点单: the caller agreed, on the phone, that the center keeps their name, number
    and address to serve them. People has no consent field; the note lives here."""

    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="+")
    order = models.OneToOneField("orders.ServiceOrder", null=True, on_delete=models.SET_NULL,
                                 related_name="+")
    noted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+")
    noted_at = models.DateTimeField(auto_now_add=True)
    wording = models.CharField(_("告知内容"), max_length=200)
    created_resident = models.BooleanField(_("新建群众档案"), default=False)

    class Meta:
        verbose_name = _("热线知情同意")
        verbose_name_plural = _("热线知情同意")

    def __str__(self) -> str:
        return f"{self.resident_id} @ {self.noted_at:%Y-%m-%d}"


class KioskCode(models.Model):
    """A one-time code texted to a resident at a kiosk; only its hash is kept. It expires,
    allows a few attempts, and is spent once."""

    station = models.ForeignKey(OrgNode, on_delete=models.CASCADE, related_name="+")
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(max_length=64)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["resident", "created_at"], name="kiosk_code_resident")]

    def __str__(self) -> str:
        return f"kiosk code {self.pk}"
