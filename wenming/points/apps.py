from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PointsConfig(AppConfig):
    name = "wenming.points"
    label = "points"
    verbose_name = _("积分与爱心超市")
