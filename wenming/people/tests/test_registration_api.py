"""POST /api/volunteers: self-registration, registration by staff, approval, bad input."""

import datetime

import pytest

from wenming.core.tests.helpers import (
    assert_chinese_error,
    assert_english_error,
    post_json,
)
from wenming.inbox.models import Notification
from wenming.orgs.models import RoleAssignment
from wenming.people.models import AuditLog, Skill, User, Volunteer
from wenming.people.tests.factories import next_id_number, next_mobile
from wenming.people.validators import compose_id_number, normalize_mobile

pytestmark = pytest.mark.django_db

BACKEND = "wenming.people.backends.UsernameOrMobileBackend"

PASSWORD = "Wenming@2026"


def registration(station, **overrides) -> dict:
    return {"real_name": "王小明", "id_number": next_id_number(), "mobile": next_mobile(),
            "password": PASSWORD, "station_id": station.id, **overrides}


def counts() -> tuple[int, int, int, int]:
    return (User.objects.count(), Volunteer.objects.count(), RoleAssignment.objects.count(),
            Skill.objects.count())


def register(client, data, **extra):
    return post_json(client, "/api/volunteers", data, **extra)


SUBMITTED = {"status": "submitted", "message": "申请已提交，请留意短信/站内信"}


def applied(client, data) -> Volunteer:
    """A visitor's registration: the one answer, then the volunteer it made."""
    response = register(client, data)
    assert (response.status_code, response.json()) == (202, SUBMITTED), response.content
    return Volunteer.objects.get(user__mobile=normalize_mobile(data["mobile"]))


def id_number_ending_in_x() -> str:
    for order in range(1000):
        number = compose_id_number("110108", datetime.date(1990, 3, 7), order)
        if number.endswith("X"):
            return number
    raise AssertionError("no order code gives a check digit X")


def test_a_visitor_registers_and_is_active_at_once(world, client):
    data = registration(world.sta1, id_number=compose_id_number(
        "110108", datetime.date(1990, 3, 7), 123), skills=["急救", "摄影", "急救"])
    volunteer = applied(client, data)
    assert volunteer.status == "active"
    assert volunteer.station == world.sta1
    assert (volunteer.birth_date, volunteer.sex) == (datetime.date(1990, 3, 7), "M")
    assert sorted(s.name for s in volunteer.skills.all()) == ["急救", "摄影"]
    assert volunteer.user.check_password(PASSWORD)
    assert RoleAssignment.objects.filter(user=volunteer.user, role="volunteer",
                                         org=world.sta1).exists()


def test_the_staff_response_masks_personal_numbers(world, client_for):
    data = registration(world.sta1)
    body = register(client_for(world.sta1_staff), data).json()
    assert body["mobile"] == data["mobile"][:3] + "****" + data["mobile"][-4:]
    assert body["id_number"] == data["id_number"][:3] + "*" * 11 + data["id_number"][-4:]


def test_a_new_volunteer_can_log_in_with_their_mobile(world, client):
    data = registration(world.sta1, mobile="+86 139 0000 1111")
    assert register(client, data).status_code == 202
    login = post_json(client, "/api/auth/token", {"username": "13900001111", "password": PASSWORD})
    assert login.status_code == 200


def test_self_registration_waits_for_approval_where_the_station_asks(world, client):
    world.sta1.requires_volunteer_approval = True
    world.sta1.save()
    volunteer = applied(client, registration(world.sta1))
    assert (volunteer.status, volunteer.approved_by) == ("pending", None)


def test_staff_register_a_volunteer_active_at_once_even_where_approval_is_asked(
        world, client_for):
    world.sta1.requires_volunteer_approval = True
    world.sta1.save()
    response = register(client_for(world.sta1_staff), registration(world.sta1))
    assert response.status_code == 201
    volunteer = Volunteer.objects.get(pk=response.json()["id"])
    assert volunteer.status == "active"
    assert volunteer.approved_by == world.sta1_staff
    assert volunteer.approved_at is not None


def test_institute_staff_register_at_a_station_below_them(world, client_for):
    assert register(client_for(world.inst1_staff), registration(world.sta1b)).status_code == 201


@pytest.mark.parametrize(("persona", "station"), [
    ("sta1_staff", "sta1b"),  # sibling station
    ("sta2_staff", "sta1"),
    ("inst2_staff", "sta1"),  # sibling institute
])
def test_it_refuses_a_sibling_station(world, client_for, persona, station):
    before = counts()
    response = register(client_for(getattr(world, persona)),
                        registration(getattr(world, station)))
    assert_chinese_error(response, 403, "forbidden")
    assert counts() == before


def test_approval_activates_a_pending_volunteer(world, client, client_for):
    world.sta1.requires_volunteer_approval = True
    world.sta1.save()
    volunteer_id = applied(client, registration(world.sta1)).id
    response = client_for(world.sta1_staff).post(f"/api/volunteers/{volunteer_id}/approve")
    assert response.status_code == 200
    assert response.json()["status"] == "active"
    volunteer = Volunteer.objects.get(pk=volunteer_id)
    assert (volunteer.status, volunteer.approved_by) == ("active", world.sta1_staff)


def test_staff_above_the_station_may_approve(world, client, client_for):
    world.sta1.requires_volunteer_approval = True
    world.sta1.save()
    volunteer_id = applied(client, registration(world.sta1)).id
    assert client_for(world.inst1_staff).post(
        f"/api/volunteers/{volunteer_id}/approve").status_code == 200


@pytest.mark.parametrize("persona", ["sta2_staff", "inst2_staff", "outsider"])
def test_sibling_staff_and_outsiders_cannot_approve(world, client, client_for, persona):
    world.sta1.requires_volunteer_approval = True
    world.sta1.save()
    volunteer_id = applied(client, registration(world.sta1)).id
    response = client_for(getattr(world, persona)).post(f"/api/volunteers/{volunteer_id}/approve")
    assert_chinese_error(response, 404, "not_found")
    assert Volunteer.objects.get(pk=volunteer_id).status == "pending"


def test_a_volunteer_cannot_approve_a_neighbour(world, client, client_for):
    world.sta1.requires_volunteer_approval = True
    world.sta1.save()
    volunteer_id = applied(client, registration(world.sta1)).id
    response = client_for(world.vol1.user).post(f"/api/volunteers/{volunteer_id}/approve")
    assert_chinese_error(response, 404)
    assert Volunteer.objects.get(pk=volunteer_id).status == "pending"


def test_a_pending_volunteer_cannot_approve_themself(world, client, client_for):
    world.sta1.requires_volunteer_approval = True
    world.sta1.save()
    volunteer_id = applied(client, registration(world.sta1)).id
    user = Volunteer.objects.get(pk=volunteer_id).user
    response = client_for(user).post(f"/api/volunteers/{volunteer_id}/approve")
    assert_chinese_error(response, 403, "forbidden")
    assert Volunteer.objects.get(pk=volunteer_id).status == "pending"


def test_approving_an_active_volunteer_is_a_conflict(world, client_for):
    response = client_for(world.sta1_staff).post(f"/api/volunteers/{world.vol1.id}/approve")
    assert_chinese_error(response, 409, "invalid_transition")


def test_approval_needs_a_login(world, client):
    assert_chinese_error(client.post(f"/api/volunteers/{world.vol1.id}/approve"), 401)


# --- duplicates -------------------------------------------------------------------------
# A visitor gets the one answer whether or not a number is taken; the owner of the number is
# told by inbox (and SMS), staff see an audit row. Staff registering on behalf get the 409.


def test_a_visitor_is_not_told_an_id_number_is_taken(world, client):
    fresh = register(client, registration(world.sta1))
    before = counts()
    taken = register(client, registration(world.sta2, id_number=world.vol1.id_number))
    assert (taken.status_code, taken.json()) == (fresh.status_code, fresh.json()) == (
        202, SUBMITTED)
    assert counts() == before


def test_a_visitor_is_not_told_a_mobile_is_taken(world, client):
    mobile = world.vol2.user.mobile
    for spelling in (mobile, f"+86 {mobile[:3]} {mobile[3:7]} {mobile[7:]}"):
        before = counts()
        response = register(client, registration(world.sta1, mobile=spelling))
        assert (response.status_code, response.json()) == (202, SUBMITTED)
        assert counts() == before


def test_the_owner_of_a_taken_number_is_told_and_staff_see_it_logged(world, client):
    register(client, registration(world.sta1b, id_number=world.vol1.id_number))
    register(client, registration(world.sta1b, mobile=world.vol2.user.mobile))
    assert Notification.objects.filter(user=world.vol1.user, title__contains="申请注册").exists()
    assert Notification.objects.filter(user=world.vol2.user, title__contains="申请注册").exists()
    logs = AuditLog.objects.filter(action="duplicate_registration")
    assert {log.object_id for log in logs} == {str(world.vol1.user_id), str(world.vol2.user_id)}
    assert all("*" in log.detail["mobile"] and "*" in log.detail["id_number"] for log in logs)


def test_a_fresh_registration_tells_nobody(world, client):
    applied(client, registration(world.sta1))
    assert not Notification.objects.exists()
    assert not AuditLog.objects.exists()


def test_the_same_id_number_written_differently_is_still_a_duplicate(world, client):
    number = id_number_ending_in_x()
    applied(client, registration(world.sta1, id_number=number))
    full_width = number.translate(str.maketrans("0123456789X", "０１２３４５６７８９ｘ"))
    for spelling in (number.lower(), f" {number} ", full_width):
        before = counts()
        assert register(client, registration(world.sta1, id_number=spelling)).status_code == 202
        assert counts() == before
    assert AuditLog.objects.filter(action="duplicate_registration").count() == 3


def test_staff_registering_on_behalf_see_the_duplicate(world, client_for):
    client = client_for(world.sta1_staff)
    before = counts()
    assert_chinese_error(register(client, registration(world.sta1, id_number=world.vol2.id_number)),
                         409, "duplicate_id_number")
    assert_chinese_error(register(client, registration(world.sta1, mobile=world.vol2.user.mobile)),
                         409, "duplicate_mobile")
    assert counts() == before


def test_a_duplicate_is_explained_to_staff_in_english_when_asked(world, client_for):
    response = register(client_for(world.sta1_staff),
                        registration(world.sta1, id_number=world.vol1.id_number),
                        HTTP_ACCEPT_LANGUAGE="en")
    assert_english_error(response, 409, "duplicate_id_number")


def test_a_visitor_needs_no_csrf_cookie_but_a_logged_in_session_does(world):
    from django.test import Client

    assert register(Client(enforce_csrf_checks=True), registration(world.sta1)).status_code == 202
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.sta1_staff, backend=BACKEND)
    before = counts()
    assert register(browser, registration(world.sta1)).status_code == 403
    assert counts() == before
    browser.get("/")  # the page sets the CSRF cookie; its value goes back in the header
    token = browser.cookies["csrftoken"].value
    response = register(browser, registration(world.sta1), HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201


# --- bad input --------------------------------------------------------------------------

BAD_INPUT = [
    # (overrides, status, code)
    ({"id_number": "110108199003071231"}, 422, "invalid_id_number"),  # bad checksum
    ({"id_number": "110108199002300000"}, 422, "invalid_id_number"),  # 30 February
    ({"id_number": "11010819900307123"}, 422, "invalid_id_number"),  # 17 characters
    ({"id_number": "1101081990030712345"}, 422, "invalid_id_number"),  # 19 characters
    ({"id_number": "1" * 5000}, 422, "invalid_input"),  # huge
    ({"mobile": "12345678901"}, 422, "invalid_mobile"),
    ({"mobile": "1391234567"}, 422, "invalid_mobile"),
    ({"mobile": "139-1234-56789"}, 422, "invalid_mobile"),
    ({"mobile": "电话13912345678"}, 422, "invalid_mobile"),
    ({"mobile": "1" * 5000}, 422, "invalid_input"),
    ({"real_name": "王"}, 422, "invalid_name"),
    ({"real_name": "   "}, 422, "invalid_name"),
    ({"real_name": "王" * 5000}, 422, "invalid_input"),
    ({"password": "12345678"}, 422, None),  # too common, all digits
    ({"password": "p" * 5000}, 422, "invalid_input"),
    ({"station_id": 999999}, 404, "unknown_station"),
    ({"station_id": 2 ** 70}, 422, "invalid_input"),  # beyond 64 bits (core.schemas)
    ({"station_id": "稻香园"}, 422, "invalid_input"),
    ({"skills": [f"技能{i}" for i in range(21)]}, 422, "invalid_input"),
    ({"skills": ["技" * 31]}, 422, "invalid_skills"),
    ({"skills": "急救"}, 422, "invalid_input"),
    ({"tags": ["superhero"]}, 422, "invalid_tag"),
    ({"service_categories": ["astrology"]}, 422, "invalid_service_category"),
    ({"political_status": "king"}, 422, "invalid_political_status"),
    ({"home_lat": 39.98}, 422, "invalid_location"),
    ({"home_lat": 51.5, "home_lng": -0.12}, 422, "invalid_location"),
    ({"home_lat": float("nan"), "home_lng": 116.3}, 422, "invalid_input"),  # not finite
    ({"availability": [{"weekday": 7, "start": "09:00", "end": "11:00"}]}, 422, "invalid_input"),
    ({"availability": [{"weekday": 1, "start": "11:00", "end": "09:00"}]}, 422,
     "invalid_availability"),
    ({"availability": [{"weekday": 1, "start": "25:00", "end": "26:00"}]}, 422,
     "invalid_availability"),
    ({"is_admin": True}, 422, "invalid_input"),  # unknown field
    ({"status": "active"}, 422, "invalid_input"),  # not a registration field
]


@pytest.mark.parametrize(("overrides", "status", "code"), BAD_INPUT)
def test_bad_input_gets_a_clear_4xx_and_writes_nothing(world, client, overrides, status, code):
    before = counts()
    response = register(client, registration(world.sta1, **overrides))
    message = assert_chinese_error(response, status, code)
    assert len(message) < 200
    assert counts() == before


def test_an_unknown_field_is_named_in_the_message(world, client):
    message = assert_chinese_error(register(client, registration(world.sta1, is_admin=True)), 422)
    assert "is_admin" in message


def test_a_missing_field_is_named_in_the_message(world, client):
    data = registration(world.sta1)
    del data["id_number"]
    message = assert_chinese_error(register(client, data), 422, "invalid_input")
    assert "id_number" in message


def test_a_huge_unknown_value_is_not_echoed_back(world, client):
    response = register(client, registration(world.sta1, tags=["x" * 100_000]))
    assert 400 <= response.status_code < 500
    assert len(response.content) < 1000


@pytest.mark.parametrize("body", ["{not json", "", "null", "[]", '"text"', "\xff\xfe"])
def test_a_body_that_is_not_a_json_object_is_refused(world, client, body):
    before = counts()
    response = register(client, body)
    assert response.status_code in (400, 422)
    assert_chinese_error(response, response.status_code)
    assert counts() == before


def test_registration_at_an_institute_is_refused(world, client):
    response = register(client, registration(world.inst1))
    assert_chinese_error(response, 404, "unknown_station")


@pytest.mark.parametrize(("overrides", "code"), [
    ({"id_number": "110108199003071231"}, "invalid_id_number"),
    ({"mobile": "12345"}, "invalid_mobile"),
    ({"real_name": "王"}, "invalid_name"),
    ({"unknown": 1}, "invalid_input"),
    ({"station_id": 999999}, "unknown_station"),
])
def test_bad_input_is_explained_in_english_when_asked(world, client, overrides, code):
    response = register(client, registration(world.sta1, **overrides), HTTP_ACCEPT_LANGUAGE="en")
    assert_english_error(response, response.status_code, code)
    assert 400 <= response.status_code < 500
