"""数据统计: the figures are read from the other apps' tables; the only rows of its own are
the big screen's links."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wenming.orgs.models import OrgNode


def new_screen_token() -> str:
    return secrets.token_urlsafe(32)


class ScreenLink(models.Model):
    """A link that opens a node's big screen (数据大屏) without a login, until revoked."""

    org = models.ForeignKey(OrgNode, verbose_name=_("阵地"), on_delete=models.CASCADE,
                            related_name="screen_links")
    label = models.CharField(_("名称"), max_length=60)
    token = models.CharField(max_length=64, unique=True, default=new_screen_token,
                             editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("大屏链接")
        verbose_name_plural = _("大屏链接")
        indexes = [models.Index(fields=["org", "created_at"], name="screen_link_org")]

    def __str__(self) -> str:
        return self.label

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None
