"""Volunteer teams (志愿服务队): a tree of their own, each anchored at an org node."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wenming.orgs.models import OrgNode, Platform
from wenming.people.models import Volunteer


class Team(models.Model):
    class Level(models.TextChoices):
        CORPS = "corps", _("总队")
        DETACHMENT = "detachment", _("支队")
        SQUAD = "squad", _("分队")
        TEAM = "team", _("服务队")

    name = models.CharField(_("队名"), max_length=100)
    level = models.CharField(_("层级"), max_length=16, choices=Level.choices, default=Level.TEAM)
    parent = models.ForeignKey("self", verbose_name=_("上级队伍"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")
    org = models.ForeignKey(OrgNode, verbose_name=_("所属阵地"), on_delete=models.PROTECT,
                            related_name="teams")
    platform = models.ForeignKey(Platform, verbose_name=_("服务平台"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="teams")
    description = models.TextField(_("简介"), blank=True)
    is_active = models.BooleanField(_("在册"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("志愿服务队")
        verbose_name_plural = _("志愿服务队")
        indexes = [models.Index(fields=["org", "is_active"], name="team_org")]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        LEADER = "leader", _("队长")
        MEMBER = "member", _("队员")

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        ACTIVE = "active", _("在队")
        REJECTED = "rejected", _("未通过")
        LEFT = "left", _("已退出")

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices,
                              default=Status.PENDING)
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("队员")
        verbose_name_plural = _("队员")
        constraints = [models.UniqueConstraint(fields=["team", "volunteer"],
                                               name="one_membership_per_team")]
        indexes = [models.Index(fields=["volunteer", "status"], name="membership_volunteer")]

    def __str__(self) -> str:
        return f"{self.team} · {self.volunteer}"
