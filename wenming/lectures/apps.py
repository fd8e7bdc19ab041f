from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LecturesConfig(AppConfig):
    name = "wenming.lectures"
    label = "lectures"
    verbose_name = _("宣讲")
