"""The kiosk: opened by staff (whose login ends), a resident proves their number with a code
texted to them (it expires, allows five tries, is spent once), orders in a few taps, and
the screen forgets them when they walk away."""

import datetime
import re

import pytest
from django.utils import timezone

from wenming.menu import services, views
from wenming.menu.models import KioskCode
from wenming.menu.tests.factories import small_menu
from wenming.orders.models import ServiceOrder
from wenming.people.tests.factories import resident_at
from wenming.testing import logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def menu(world):
    return small_menu(world)


@pytest.fixture
def sent(monkeypatch):
    """The codes the channels were given, by mobile."""
    codes: dict[str, str] = {}

    class Capture:
        name = "capture"

        def send(self, notification, *, key=""):
            codes[notification.user.mobile] = re.search(r"\d{6}", notification.body).group()

    monkeypatch.setattr(services, "channels", lambda: [Capture()])
    return codes


@pytest.fixture
def kiosk(world, menu):
    client = logged_in(world.sta1_staff)
    response = client.post("/menu/kiosk/open/", {"station": world.sta1.id})
    assert response.status_code == 302 and response["Location"] == "/menu/kiosk/"
    return client


def sign_in(kiosk, resident, sent, django_capture_on_commit_callbacks):
    mobile = resident.user.mobile
    with django_capture_on_commit_callbacks(execute=True):
        assert kiosk.post("/menu/kiosk/phone/", {"mobile": mobile}).status_code == 302
    return kiosk.post("/menu/kiosk/code/", {"mobile": mobile, "code": sent[mobile]})


def test_opening_the_kiosk_ends_the_staff_login(world, kiosk):
    assert kiosk.get("/orders/queue/").status_code == 302  # to the login page
    assert kiosk.get("/menu/kiosk/").status_code == 200


def test_without_opening_there_is_no_kiosk(world, menu):
    assert logged_in(world.res1.user).get("/menu/kiosk/").status_code == 404
    assert logged_in(world.res1.user).get("/menu/kiosk/open/").status_code == 403


def test_a_sibling_station_cannot_be_opened(world, menu):
    response = logged_in(world.sta2_staff).post("/menu/kiosk/open/", {"station": world.sta1.id})
    assert response.status_code == 200  # not among their stations: a form error
    assert "kiosk" not in logged_in(world.sta2_staff).session


def test_a_resident_orders_with_a_texted_code(world, kiosk, menu, sent,
                                              django_capture_on_commit_callbacks):
    response = sign_in(kiosk, world.res1, sent, django_capture_on_commit_callbacks)
    assert response.status_code == 302 and response["Location"] == "/menu/kiosk/menu/"
    assert menu.elder.name in kiosk.get("/menu/kiosk/menu/").content.decode()
    assert "海淀助浴" in kiosk.get(f"/menu/kiosk/menu/{menu.elder.id}/").content.decode()
    done = kiosk.post(f"/menu/kiosk/item/{menu.bp.id}/", {"when": "tomorrow"})
    assert done.status_code == 200 and "提交成功" in done.content.decode()
    order = ServiceOrder.objects.get()
    assert (order.resident, order.item, order.submitted_by) == \
        (world.res1, menu.bp, world.sta1_staff)
    assert timezone.localtime(order.wished_at).hour == 9
    # the resident is forgotten once the order is in
    assert kiosk.get("/menu/kiosk/menu/")["Location"] == "/menu/kiosk/"


def test_a_code_is_spent_once(world, kiosk, menu, sent, django_capture_on_commit_callbacks):
    sign_in(kiosk, world.res1, sent, django_capture_on_commit_callbacks)
    again = kiosk.post("/menu/kiosk/code/", {"mobile": world.res1.user.mobile,
                                              "code": sent[world.res1.user.mobile]})
    assert again.status_code == 200 and "过期" in again.content.decode()


def test_five_wrong_tries_lock_the_code(world, kiosk, menu, sent,
                                        django_capture_on_commit_callbacks):
    mobile = world.res1.user.mobile
    with django_capture_on_commit_callbacks(execute=True):
        kiosk.post("/menu/kiosk/phone/", {"mobile": mobile})
    wrong = "000000" if sent[mobile] != "000000" else "111111"
    for _ in range(5):
        assert "验证码不对" in kiosk.post("/menu/kiosk/code/", {
            "mobile": mobile, "code": wrong}).content.decode()
    right = kiosk.post("/menu/kiosk/code/", {"mobile": mobile, "code": sent[mobile]})
    assert "输错次数太多" in right.content.decode()
    assert KioskCode.objects.get().attempts == 5


def test_an_expired_code_is_refused(world, kiosk, menu, sent,
                                    django_capture_on_commit_callbacks):
    mobile = world.res1.user.mobile
    with django_capture_on_commit_callbacks(execute=True):
        kiosk.post("/menu/kiosk/phone/", {"mobile": mobile})
    KioskCode.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    page = kiosk.post("/menu/kiosk/code/", {"mobile": mobile, "code": sent[mobile]})
    assert "过期" in page.content.decode()


def test_a_second_code_within_a_minute_is_refused(world, kiosk, menu, sent):
    mobile = world.res1.user.mobile
    kiosk.post("/menu/kiosk/phone/", {"mobile": mobile})
    page = kiosk.post("/menu/kiosk/phone/", {"mobile": mobile})
    assert page.status_code == 200 and "请稍等一分钟" in page.content.decode()
    assert KioskCode.objects.count() == 1


def test_an_unknown_number_gets_the_same_answer_and_no_code(world, kiosk, menu, sent):
    response = kiosk.post("/menu/kiosk/phone/", {"mobile": "13600000000"})
    assert response.status_code == 302
    assert not KioskCode.objects.exists() and not sent


def test_a_resident_of_another_station_gets_no_code(world, kiosk, menu, sent):
    other = resident_at(world.sta2)
    kiosk.post("/menu/kiosk/phone/", {"mobile": other.user.mobile})
    assert not KioskCode.objects.exists()


@pytest.mark.parametrize("data", [{"mobile": "12"}, {"mobile": "1380000000a"},
                                  {"mobile": "１３８００００００００"}, {}])
def test_a_bad_number_is_a_form_error(world, kiosk, data):
    page = kiosk.post("/menu/kiosk/phone/", data)
    assert page.status_code == 200 and "请输入11位手机号" in page.content.decode()
    assert not KioskCode.objects.exists()


def test_the_kiosk_forgets_an_idle_resident(world, kiosk, menu, sent, monkeypatch,
                                            django_capture_on_commit_callbacks):
    sign_in(kiosk, world.res1, sent, django_capture_on_commit_callbacks)
    monkeypatch.setattr(views, "KIOSK_IDLE_SECONDS", -1)
    assert kiosk.get("/menu/kiosk/menu/")["Location"] == "/menu/kiosk/"
    assert kiosk.post(f"/menu/kiosk/item/{menu.bp.id}/", {"when": "today"}).status_code == 302
    assert not ServiceOrder.objects.exists()


def test_leaving_forgets_the_resident(world, kiosk, menu, sent,
                                      django_capture_on_commit_callbacks):
    sign_in(kiosk, world.res1, sent, django_capture_on_commit_callbacks)
    kiosk.post("/menu/kiosk/leave/")
    assert kiosk.get("/menu/kiosk/menu/")["Location"] == "/menu/kiosk/"


def test_a_failing_gateway_does_not_break_the_kiosk(world, kiosk, menu, monkeypatch,
                                                    django_capture_on_commit_callbacks):
    class Broken:
        name = "sms"

        def send(self, notification, *, key=""):
            raise OSError("gateway down")

    monkeypatch.setattr(services, "channels", lambda: [Broken()])
    with django_capture_on_commit_callbacks(execute=True):
        response = kiosk.post("/menu/kiosk/phone/", {"mobile": world.res1.user.mobile})
    assert response.status_code == 302
