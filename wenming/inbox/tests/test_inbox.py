import logging

import pytest
from django.test import Client

from wenming.inbox.models import Notification
from wenming.inbox.services import notify
from wenming.inbox.tasks import deliver_outbound

pytestmark = pytest.mark.django_db


def test_notify_writes_the_inbox_and_queues_the_outbound_copy(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        assert notify(users=[world.vol1.user, world.vol2.user], title="活动已取消") == 2
    assert Notification.objects.filter(title="活动已取消").count() == 2
    assert len(callbacks) == 1  # one task for the batch, after commit


def test_the_console_channel_sends_masked(world, caplog):
    notify(users=[world.vol1.user], title="候补成功", body="请按时参加")
    ids = list(Notification.objects.values_list("id", flat=True))
    with caplog.at_level(logging.WARNING, logger="wenming.outbound"):
        assert deliver_outbound.call(ids) == 1
    line = caplog.records[0].getMessage()
    assert "候补成功" in line and world.vol1.user.mobile not in line
    assert world.vol1.user.mobile[-4:] in line


def test_the_inbox_page_shows_only_my_messages_and_marks_read(world, client_for):
    notify(users=[world.vol1.user], title="给vol1的消息")
    notify(users=[world.vol2.user], title="给vol2的消息")
    client = client_for(world.vol1.user)
    page = client.get("/inbox/").content.decode()
    assert "给vol1的消息" in page and "给vol2的消息" not in page
    client.post("/inbox/read/")
    assert not Notification.objects.filter(user=world.vol1.user, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=world.vol2.user, read_at__isnull=True).exists()


def test_the_inbox_needs_a_login(db):
    assert Client().get("/inbox/").status_code == 302


def test_a_person_sets_channels_and_quiet_hours_on_a_page(world, client_for):
    from wenming.inbox.models import Preference

    client = client_for(world.vol1.user)
    assert client.get("/inbox/settings/").status_code == 200
    response = client.post("/inbox/settings/", {"channels": ["wechat"], "quiet_start": "22:00",
                                                "quiet_end": "07:00",
                                                "reminder_lead_minutes": "60"})
    assert response.status_code == 302
    pref = Preference.objects.get(user=world.vol1.user)
    assert pref.channels == ["wechat"] and pref.quiet_end.hour == 7
    assert pref.reminder_lead_minutes == 60
    # Half a quiet span is refused, nothing changed.
    bad = client.post("/inbox/settings/", {"channels": ["sms"], "quiet_start": "22:00",
                                           "reminder_lead_minutes": "60"})
    assert bad.status_code == 200 and Preference.objects.get().channels == ["wechat"]
    assert Client().get("/inbox/settings/").status_code == 302
