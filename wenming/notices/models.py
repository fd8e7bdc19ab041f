"""通知公告 and 新闻动态 of a node.

One model for both: `public` news is for anyone (the landing page, the node's own page), a
notice that is not public goes to the staff of the node's subtree, who each leave a read
receipt when they open it. The body is HTML sanitised on save (services.clean_body), so a
template may print it as it is.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wenming.core.uploads import random_name
from wenming.orgs.models import OrgNode


def image_path(notice: "Notice", filename: str) -> str:
    return random_name("notices", filename)


class Notice(models.Model):
    org = models.ForeignKey(OrgNode, verbose_name=_("发布阵地"), on_delete=models.PROTECT,
                            related_name="notices")
    public = models.BooleanField(_("公开新闻"), default=False,
                                 help_text=_("公开：所有人可见的新闻动态；不公开：发给本阵地及下级工作人员的通知公告"))
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("正文"))
    image = models.FileField(_("配图"), upload_to=image_path, blank=True)
    pinned = models.BooleanField(_("置顶"), default=False)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发布人"),
                                     on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(_("发布时间"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    withdraw_reason = models.CharField(_("撤回原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("通知公告")
        verbose_name_plural = _("通知公告")
        ordering = ["-pinned", "-published_at", "-id"]
        indexes = [
            models.Index(fields=["public", "withdrawn_at", "published_at"], name="notice_news"),
            models.Index(fields=["org", "published_at"], name="notice_org"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def kind_label(self) -> str:
        return str(_("新闻动态") if self.public else _("通知公告"))


class NoticeRead(models.Model):
    """A read receipt: this staff member opened this notice (once; the first time counts)."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("已读回执")
        verbose_name_plural = _("已读回执")
        constraints = [models.UniqueConstraint(fields=["notice", "user"], name="notice_read_once")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.notice_id}"
