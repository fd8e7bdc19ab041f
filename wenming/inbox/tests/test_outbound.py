"""Outbound copies through the SMS and WeChat adapters, against a fake gateway this test
starts (http.server in a thread) that fails every other call: each copy is retried, reaches
the gateway's successful side once, and every try is logged on its `Delivery`."""

import datetime
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from wenming.inbox import services
from wenming.inbox.models import Delivery, Notification
from wenming.inbox.services import notify, preference_set
from wenming.inbox.tasks import deliver_outbound, retry_deliveries

pytestmark = pytest.mark.django_db


class FakeGateway:
    """Answers 500 to every other request; remembers what it accepted, by idempotency key."""

    def __init__(self):
        self.calls, self.accepted, self.headers = 0, [], []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                gateway.calls += 1
                gateway.headers.append(dict(self.headers))
                if gateway.calls % 2 == 1:
                    self.send_response(500)
                    self.end_headers()
                    return
                gateway.accepted.append(body)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"ok": true}')

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/send"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway(settings):
    fake = FakeGateway()
    settings.WENMING_OUTBOUND_CHANNELS = ["wenming.inbox.channels.SmsChannel",
                                          "wenming.inbox.channels.WechatChannel"]
    settings.WENMING_SMS_URL = settings.WENMING_WECHAT_URL = fake.url
    settings.WENMING_SMS_KEY = settings.WENMING_WECHAT_KEY = "k-123"
    settings.WENMING_WECHAT_TEMPLATE = "TPL-1"
    yield fake
    fake.close()


class Clock:
    def __init__(self, monkeypatch, start: datetime.datetime):
        self.now = start
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def advance(self, **delta):
        self.now += datetime.timedelta(**delta)


def ids() -> list[int]:
    return list(Notification.objects.order_by("id").values_list("id", flat=True))


def test_a_gateway_failing_every_other_call_delivers_each_copy_once(world, gateway,
                                                                    monkeypatch):
    clock = Clock(monkeypatch, timezone.now())
    notify(users=[world.vol1.user, world.vol2.user, world.res1.user], title="活动即将开始",
           body="明天上午9点")
    assert deliver_outbound.call(ids()) == 0 + 1 + 0  # fail, ok, fail
    assert Delivery.objects.filter(state="sent").count() == 1
    for _round in range(3):
        clock.advance(minutes=10)
        retry_deliveries.call()
    assert Delivery.objects.filter(state="sent").count() == 3
    # Each copy reached the gateway's good side exactly once, whatever the retries.
    keys = [b["idempotency_key"] for b in gateway.accepted]
    assert sorted(keys) == sorted(f"wenming-{i}-sms" for i in ids())
    assert all(h["Authorization"] == "Bearer k-123" for h in gateway.headers)
    assert all(h["Idempotency-Key"].startswith("wenming-") for h in gateway.headers)
    # Six calls: three refused, each logged on its delivery as one more attempt.
    assert gateway.calls == 6
    assert sorted(Delivery.objects.values_list("attempts", flat=True)) == [1, 2, 3]


def test_a_retried_task_sends_nothing_twice(world, gateway, monkeypatch):
    clock = Clock(monkeypatch, timezone.now())
    notify(users=[world.vol1.user], title="派单提醒")
    for _ in range(4):
        deliver_outbound.call(ids())
        clock.advance(minutes=10)
    assert Delivery.objects.count() == 1 and len(gateway.accepted) == 1


def test_wechat_gets_the_template_message_for_those_who_chose_it(world, gateway, monkeypatch):
    clock = Clock(monkeypatch, timezone.now())
    preference_set(user=world.vol1.user, channels=["wechat"])
    notify(users=[world.vol1.user], title="招募令", body="防汛值守", url="/callups/1/")
    deliver_outbound.call(ids())
    clock.advance(minutes=10)
    retry_deliveries.call()
    (body,) = gateway.accepted
    assert body["template_id"] == "TPL-1" and body["data"]["first"] == "招募令"
    assert Delivery.objects.get().channel == "wechat"


def test_a_gateway_that_never_answers_gives_up_after_the_last_attempt(world, settings,
                                                                     monkeypatch):
    settings.WENMING_OUTBOUND_CHANNELS = ["wenming.inbox.channels.SmsChannel"]
    settings.WENMING_SMS_URL = "http://127.0.0.1:9/nowhere"  # the discard port: refused
    clock = Clock(monkeypatch, timezone.now())
    notify(users=[world.vol1.user], title="提醒")
    deliver_outbound.call(ids())
    for _ in range(services.MAX_ATTEMPTS + 2):
        clock.advance(hours=2)
        retry_deliveries.call()
    delivery = Delivery.objects.get()
    assert delivery.state == "failed" and delivery.attempts == services.MAX_ATTEMPTS
    assert "unreachable" in delivery.last_error


def test_no_channel_chosen_means_the_inbox_only(world, gateway):
    preference_set(user=world.vol1.user, channels=[])
    notify(users=[world.vol1.user], title="提醒")
    assert deliver_outbound.call(ids()) == 0 and not Delivery.objects.exists()


# ---- quiet hours ---------------------------------------------------------------------------

def local(hour: int, minute: int = 0, days: int = 0) -> datetime.datetime:
    day = datetime.date(2026, 12, 3) + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def test_quiet_hours_delay_a_copy_until_they_end(world, gateway, monkeypatch):
    clock = Clock(monkeypatch, local(23, 30))
    preference_set(user=world.vol1.user, channels=["sms"], quiet_start=datetime.time(22),
                   quiet_end=datetime.time(7))
    notify(users=[world.vol1.user], title="夜里的消息")
    assert deliver_outbound.call(ids()) == 0
    delivery = Delivery.objects.get()
    assert delivery.state == "pending" and delivery.not_before == local(7, days=1)
    assert gateway.calls == 0
    clock.now = local(6, 59, days=1)
    retry_deliveries.call()
    assert gateway.calls == 0  # still quiet: not dropped, not sent
    clock.now = local(7, 1, days=1)
    retry_deliveries.call()
    clock.advance(minutes=5)
    retry_deliveries.call()  # the gateway failed the first call; the retry goes out
    assert Delivery.objects.get().state == "sent" and len(gateway.accepted) == 1


@pytest.mark.parametrize(("start", "end", "now", "until"), [
    (22, 7, local(23), local(7, days=1)),
    (22, 7, local(3), local(7)),
    (22, 7, local(12), None),
    (12, 14, local(13), local(14)),
    (12, 14, local(14), None),
])
def test_quiet_until(world, start, end, now, until):
    pref = services.Preference(user=world.vol1.user, channels=["sms"],
                               quiet_start=datetime.time(start), quiet_end=datetime.time(end))
    assert services.quiet_until(pref, now) == until


@pytest.mark.parametrize("fields", [{"channels": ["telegram"]},
                                    {"channels": ["sms"], "quiet_start": datetime.time(22)},
                                    {"channels": ["sms"], "reminder_lead_minutes": 5}])
def test_bad_preferences_are_refused(world, fields):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        preference_set(user=world.vol1.user, **fields)
    assert not services.Preference.objects.exists()
