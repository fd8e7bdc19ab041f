from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InboxConfig(AppConfig):
    name = "wenming.inbox"
    label = "inbox"
    verbose_name = _("站内消息")
