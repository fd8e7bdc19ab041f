"""Outbound channels: the inbox is the record; a channel copies a message to the person's
phone (SMS, WeChat). `WENMING_OUTBOUND_CHANNELS` names the classes, like EMAIL_BACKEND.

An SMS or WeChat channel is a class with `send(notification) -> None` that calls the
district's gateway; the console channel below is the default, and what tests see.
"""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

from wenming.core.masking import mask_mobile

log = logging.getLogger("wenming.outbound")


class ConsoleChannel:
    """Writes each message to the log, as an SMS gateway would receive it."""

    name = "console"

    def send(self, notification) -> None:
        log.warning("[outbound] to %s: %s %s", mask_mobile(notification.user.mobile),
                    notification.title, notification.body[:70])


def channels() -> list:
    return [import_string(path)() for path in settings.WENMING_OUTBOUND_CHANNELS]
