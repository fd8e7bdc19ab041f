from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoomsConfig(AppConfig):
    name = "wenming.rooms"
    label = "rooms"
    verbose_name = _("场地预约")
