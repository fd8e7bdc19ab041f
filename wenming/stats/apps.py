from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    name = "wenming.stats"
    label = "stats"
    verbose_name = _("数据统计")
