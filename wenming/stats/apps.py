from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save, pre_save
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    name = "wenming.stats"
    label = "stats"
    verbose_name = _("数据统计")

    def ready(self) -> None:
        from wenming.people.models import Resident, Volunteer

        # The rollup groups by the volunteer's station now: a volunteer saved with another
        # station takes their rows along, in the same transaction (people.services
        # volunteer_update saves the volunteer; bulk updates of stations do not exist).
        post_save.connect(_volunteer_saved, sender=Volunteer,
                          dispatch_uid="stats.rollup.volunteer_moved")
        # The per-node rollup counts registered volunteers not suspended, by station and
        # month of registration: every save that may change those three moves it.
        pre_save.connect(_volunteer_saving, sender=Volunteer, dispatch_uid="stats.tally.before")
        post_delete.connect(_volunteer_deleted, sender=Volunteer,
                            dispatch_uid="stats.tally.deleted")
        # and residents by station (the tree page's counts)
        pre_save.connect(_resident_saving, sender=Resident, dispatch_uid="stats.tally.r_before")
        post_save.connect(_resident_saved, sender=Resident, dispatch_uid="stats.tally.r_after")
        post_delete.connect(_resident_deleted, sender=Resident,
                            dispatch_uid="stats.tally.r_deleted")


TALLY_FIELDS = frozenset({"station", "station_id", "status", "registered_at"})


def _counts(update_fields) -> bool:
    return update_fields is None or bool(TALLY_FIELDS & set(update_fields))


def _volunteer_saving(sender, instance, raw: bool = False, update_fields=None,
                      **kwargs) -> None:
    if raw or not _counts(update_fields):
        instance._tally_before = False  # nothing the tally reads changes
        return
    from .tally import volunteer_before

    volunteer_before(instance)


def _volunteer_deleted(sender, instance, **kwargs) -> None:
    from .tally import _volunteer_part, volunteer_after

    instance._tally_before = _volunteer_part(instance.station_id, instance.status,
                                             instance.registered_at)
    volunteer_after(instance, deleted=True)


def _resident_saving(sender, instance, raw: bool = False, update_fields=None, **kwargs):
    if raw or not (update_fields is None or {"station", "station_id", "registered_at"}
                   & set(update_fields)):
        instance._tally_before = False
        return
    from .tally import resident_before

    resident_before(instance)


def _resident_saved(sender, instance, raw: bool = False, **kwargs) -> None:
    if raw or getattr(instance, "_tally_before", None) is False:
        return
    from .tally import resident_after

    resident_after(instance)


def _resident_deleted(sender, instance, **kwargs) -> None:
    from .tally import _resident_part, resident_after

    instance._tally_before = _resident_part(instance.station_id, instance.registered_at)
    resident_after(instance, deleted=True)


def _volunteer_saved(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    if getattr(instance, "_tally_before", None) is not False:
        from .tally import volunteer_after

        volunteer_after(instance)
    if created:
        return
    from .rollup import moved

    moved(instance.pk, instance.station_id)
