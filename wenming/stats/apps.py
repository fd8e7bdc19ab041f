from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    name = "wenming.stats"
    label = "stats"
    verbose_name = _("数据统计")

    def ready(self) -> None:
        from wenming.people.models import Volunteer

        # The rollup groups by the volunteer's station now: a volunteer saved with another
        # station takes their rows along, in the same transaction (people.services
        # volunteer_update saves the volunteer; bulk updates of stations do not exist).
        post_save.connect(_volunteer_saved, sender=Volunteer,
                          dispatch_uid="stats.rollup.volunteer_moved")


def _volunteer_saved(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    if created or raw:
        return
    from .rollup import moved

    moved(instance.pk, instance.station_id)
