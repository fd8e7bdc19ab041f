from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InboxConfig(AppConfig):
    name = "wenming.inbox"
    label = "inbox"
    verbose_name = _("站内消息")

    def ready(self) -> None:
        # Reminders when an activity's time or place changes or it is cancelled: receivers
        # on activities' model, so that app needs no call into this one.
        from .reminders import connect

        connect()
