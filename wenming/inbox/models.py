"""The inbox (the record of every message), its outbound copies (one `Delivery` per message ×
channel: the idempotency key), each person's channels and quiet hours, and the reminders sent
(one row per reminder key, so none goes out twice)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """An in-app inbox message. Outbound channels (SMS, WeChat) copy from here."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="notifications")
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return self.title


class Preference(models.Model):
    """A person's outbound channels and quiet hours. Without a row: an SMS copy, any time."""

    class Channel(models.TextChoices):
        SMS = "sms", _("短信")
        WECHAT = "wechat", _("微信")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="outbound_preference")
    channels = models.JSONField(_("接收渠道"), default=list, blank=True)
    # Quiet hours delay outbound copies (never drop them); a span may pass midnight
    # (22:00–07:00). Both empty: no quiet hours.
    quiet_start = models.TimeField(_("免打扰开始"), null=True, blank=True)
    quiet_end = models.TimeField(_("免打扰结束"), null=True, blank=True)
    reminder_lead_minutes = models.PositiveIntegerField(_("活动开始前多久提醒（分钟）"),
                                                        default=120)

    class Meta:
        verbose_name = _("消息接收设置")
        verbose_name_plural = _("消息接收设置")

    def __str__(self) -> str:
        return f"{self.user_id}"


class Delivery(models.Model):
    """One outbound copy of one message through one channel. The pair is unique: the
    idempotency key, so a retried task or a second worker never sends it twice."""

    class State(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE,
                                     related_name="deliveries")
    channel = models.CharField(_("渠道"), max_length=16)
    state = models.CharField(_("状态"), max_length=16, choices=State.choices,
                             default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    not_before = models.DateTimeField(_("最早发送时间"))
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("外发记录")
        verbose_name_plural = _("外发记录")
        constraints = [models.UniqueConstraint(fields=["notification", "channel"],
                                               name="one_delivery_per_channel")]
        indexes = [models.Index(fields=["state", "not_before"], name="delivery_due")]

    def __str__(self) -> str:
        return self.key

    @property
    def key(self) -> str:
        """The idempotency key the gateway sees: the same on every retry."""
        return f"wenming-{self.notification_id}-{self.channel}"


class Reminder(models.Model):
    """A reminder sent: its key names what and for whom ("activity:12:start:u7"); the unique
    key is what makes a second sweep, or a second worker, send nothing."""

    key = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("提醒记录")
        verbose_name_plural = _("提醒记录")

    def __str__(self) -> str:
        return self.key
