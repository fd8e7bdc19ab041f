"""The order page's complaint button: the resident of a served order may complain about its
ledger line (the records app's rule, `line_for_complaint`); the button leads to the records'
complaint form, which files it; afterwards the page links to the complaint. Nobody else sees
the button, and not before the order was served. The API lists the same lines."""

import pytest

from wenming.orders.tests.test_support import order_in
from wenming.records.models import Complaint
from wenming.testing import logged_in

pytestmark = pytest.mark.django_db


def order(world, state: str):
    return order_in(state, resident=world.res1, staff=world.sta1_staff, volunteer=world.vol1)


def page(user, o) -> str:
    r = logged_in(user).get(f"/orders/{o.pk}/")
    assert r.status_code == 200
    return r.content.decode()


@pytest.mark.parametrize("state", ["completed", "rated"])
def test_the_resident_of_a_served_order_files_a_complaint_from_its_page(world, state):
    o = order(world, state)
    html = page(world.res1.user, o)
    assert 'data-action="complain"' in html
    record_id = logged_in(world.res1.user).get(f"/api/orders/{o.pk}").json()["complaints"][0][
        "record_id"]
    link = f"/complaints/new/?record={record_id}"
    assert link in html.replace("&amp;", "&")
    client = logged_in(world.res1.user)
    assert client.get(link).status_code == 200
    r = client.post(link, {"text": "志愿者迟到了一个小时，也没有提前说"})
    assert r.status_code == 302, r.content.decode()[:1000]
    complaint = Complaint.objects.get()
    assert (complaint.record_id, complaint.volunteer, complaint.filed_by) == \
        (record_id, world.vol1, world.res1.user)
    html = page(world.res1.user, o)
    assert 'data-action="complain"' not in html
    assert f"/complaints/{complaint.pk}/" in html


@pytest.mark.parametrize("state", ["submitted", "dispatched", "accepted", "cancelled"])
def test_no_complaint_button_before_the_order_was_served(world, state):
    o = order(world, state)
    assert 'data-action="complain"' not in page(world.res1.user, o)
    assert logged_in(world.res1.user).get(f"/api/orders/{o.pk}").json()["complaints"] == []


def test_only_the_orders_resident_sees_the_button(world):
    o = order(world, "completed")
    for user in (world.sta1_staff, world.vol1.user):
        assert 'data-action="complain"' not in page(user, o)
        assert logged_in(user).get(f"/api/orders/{o.pk}").json()["complaints"] == []


def test_a_sibling_station_gets_404_on_the_order_and_its_complaint_form(world):
    o = order(world, "completed")
    record_id = logged_in(world.res1.user).get(f"/api/orders/{o.pk}").json()["complaints"][0][
        "record_id"]
    for user in (world.sta2_staff, world.vol2.user):
        client = logged_in(user)
        assert client.get(f"/orders/{o.pk}/").status_code == 404
        assert client.get(f"/complaints/new/?record={record_id}").status_code == 404
    assert not Complaint.objects.exists()
