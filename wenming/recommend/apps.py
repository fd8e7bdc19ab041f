from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecommendConfig(AppConfig):
    name = "wenming.recommend"
    label = "recommend"
    verbose_name = _("为你推荐")
