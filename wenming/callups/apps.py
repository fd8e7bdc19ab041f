from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallupsConfig(AppConfig):
    name = "wenming.callups"
    label = "callups"
    verbose_name = _("招募令")
