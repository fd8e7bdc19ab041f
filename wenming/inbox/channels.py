"""Outbound channels: the inbox is the record; a channel copies a message to the person's
phone (SMS, WeChat). `WENMING_OUTBOUND_CHANNELS` names the classes, like EMAIL_BACKEND.

Every channel has a `name` (what a person's `Preference.channels` and a `Delivery` name) and
`send(notification, *, key)`; it raises `ChannelError` when the copy did not go out, and the
delivery is retried later with the same `key`, which gateways use to drop a duplicate (a copy
that went out but whose answer was lost). The console channel is the default, and stands for
whatever channel the person chose, so development and tests see every copy.

The SMS and WeChat adapters speak plain HTTPS+JSON to the district's gateway (most SMS
providers and WeChat relays offer one), configured by the settings (or the environment):
`WENMING_SMS_URL`, `WENMING_SMS_KEY`; `WENMING_WECHAT_URL`, `WENMING_WECHAT_KEY`,
`WENMING_WECHAT_TEMPLATE`. See docs/reach.md for the request shape.
"""

import json
import logging
import os
import urllib.error
import urllib.request

from django.conf import settings
from django.utils.module_loading import import_string

from wenming.core.masking import mask_mobile

log = logging.getLogger("wenming.outbound")
TIMEOUT_S = 10


class ChannelError(Exception):
    """The copy did not go out (the gateway refused, failed or could not be reached)."""


def _setting(name: str) -> str:
    return getattr(settings, name, None) or os.environ.get(name, "")


class ConsoleChannel:
    """Writes each message to the log, as an SMS gateway would receive it."""

    name = "console"

    def send(self, notification, *, key: str = "") -> None:
        log.warning("[outbound] to %s: %s %s", mask_mobile(notification.user.mobile),
                    notification.title, notification.body[:70])


class _HttpChannel:
    """POST one JSON message to a gateway with a bearer key and an Idempotency-Key header;
    anything but a 2xx answer is a `ChannelError`."""

    name = ""
    url_setting = key_setting = ""

    def payload(self, notification, key: str) -> dict:
        raise NotImplementedError

    def send(self, notification, *, key: str = "") -> None:
        url = _setting(self.url_setting)
        if not url:
            raise ChannelError(f"{self.url_setting} is not set")
        request = urllib.request.Request(
            url, data=json.dumps(self.payload(notification, key), ensure_ascii=False).encode(),
            method="POST", headers={"Content-Type": "application/json; charset=utf-8",
                                    "Authorization": f"Bearer {_setting(self.key_setting)}",
                                    "Idempotency-Key": key})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:  # noqa: S310
                response.read()
        except urllib.error.HTTPError as exc:
            raise ChannelError(f"{self.name} gateway answered {exc.code}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise ChannelError(f"{self.name} gateway unreachable: {exc}") from None
        log.info("[outbound:%s] %s to %s", self.name, key, mask_mobile(notification.user.mobile))


def _text(notification) -> str:
    """An SMS is short: the title, and the body cut to fit one 70-character message."""
    return f"【文明实践】{notification.title} {notification.body}"[:70]


class SmsChannel(_HttpChannel):
    """The district's SMS gateway: {"mobile", "text", "idempotency_key"}."""

    name = "sms"
    url_setting, key_setting = "WENMING_SMS_URL", "WENMING_SMS_KEY"

    def payload(self, notification, key: str) -> dict:
        return {"mobile": notification.user.mobile, "text": _text(notification),
                "idempotency_key": key}


class WechatChannel(_HttpChannel):
    """A WeChat template-message relay (it maps the mobile to the person's openid):
    {"mobile", "template_id", "url", "data": {"first", "keyword1", "remark"}}."""

    name = "wechat"
    url_setting, key_setting = "WENMING_WECHAT_URL", "WENMING_WECHAT_KEY"

    def payload(self, notification, key: str) -> dict:
        return {"mobile": notification.user.mobile,
                "template_id": _setting("WENMING_WECHAT_TEMPLATE"), "url": notification.url,
                "idempotency_key": key,
                "data": {"first": notification.title, "keyword1": notification.body[:200],
                         "remark": "新时代文明实践服务平台"}}


def channels() -> list:
    return [import_string(path)() for path in settings.WENMING_OUTBOUND_CHANNELS]


def channel_named(name: str):
    return next((c for c in channels() if c.name == name), None)
