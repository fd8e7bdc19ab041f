"""GET and PATCH /api/volunteers/{id}: scope, masking, audited reveal, who may change what."""

import pytest
from django.utils import timezone

from wenming.core.tests.helpers import (
    assert_chinese_error,
    assert_english_error,
    patch_json,
)
from wenming.orgs.models import RoleAssignment
from wenming.people.models import AuditLog, User, Volunteer

pytestmark = pytest.mark.django_db


def url(volunteer, query: str = "") -> str:
    return f"/api/volunteers/{volunteer.id}{query}"


def snapshot(volunteer) -> tuple:
    v = Volunteer.objects.select_related("user").get(pk=volunteer.pk)
    return (v.status, v.station_id, v.residence_area, v.tags, v.availability,
            v.user.real_name, v.user.mobile, sorted(s.name for s in v.skills.all()))


# --- GET --------------------------------------------------------------------------------


def test_staff_see_a_volunteer_of_their_station_masked(world, client_for):
    response = client_for(world.sta1_staff).get(url(world.vol1))
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == world.vol1.id
    assert body["personal_data_masked"] is True
    assert body["mobile"] != world.vol1.user.mobile and "****" in body["mobile"]
    assert world.vol1.id_number not in response.content.decode()
    assert {"star_level", "total_hours", "age", "skills", "station_id"} <= set(body)
    # The birth date with the ID number's shown ends would narrow the number to a handful.
    assert body["birth_date"] is None and body["age"] == world.vol1.age_on(timezone.localdate())
    assert world.vol1.birth_date.strftime("%Y%m%d") not in response.content.decode()
    assert body["allowed_moves"] == ["reveal", "reset_password"]
    assert not AuditLog.objects.exists()


def test_a_reveal_brings_the_birth_date_back(world, client_for):
    body = client_for(world.sta1_staff).get(url(world.vol1, "?reveal=true")).json()
    assert body["birth_date"] == world.vol1.birth_date.isoformat()
    assert body["allowed_moves"] == ["reveal", "reset_password"]


@pytest.mark.parametrize(("persona", "target"), [
    ("sta1_staff", "vol1b"),  # sibling station
    ("sta1_staff", "vol2"),
    ("inst1_staff", "vol2"),  # sibling institute
    ("sta2_staff", "vol1"),
    ("outsider", "vol1"),
])
def test_it_refuses_a_sibling_station(world, client_for, persona, target):
    response = client_for(getattr(world, persona)).get(url(getattr(world, target)))
    assert_chinese_error(response, 404, "not_found")


def test_a_volunteer_sees_themself_and_no_neighbour(world, client_for):
    client = client_for(world.vol1.user)
    assert client.get(url(world.vol1)).status_code == 200
    assert_chinese_error(client.get(url(world.vol1b)), 404)


def test_a_resident_sees_no_volunteer(world, client_for):
    assert_chinese_error(client_for(world.res1.user).get(url(world.vol1)), 404)


def test_an_unknown_or_huge_id_is_404(world, client_for):
    client = client_for(world.admin)
    assert_chinese_error(client.get("/api/volunteers/999999"), 404)
    assert_chinese_error(client.get(f"/api/volunteers/{2 ** 70}"), 404)


def test_anonymous_callers_are_401(world, client):
    assert_chinese_error(client.get(url(world.vol1)), 401, "not_authenticated")


def test_not_found_is_explained_in_english_when_asked(world, client_for):
    response = client_for(world.sta2_staff).get(url(world.vol1), HTTP_ACCEPT_LANGUAGE="en")
    assert_english_error(response, 404, "not_found")


# --- reveal -----------------------------------------------------------------------------


def test_a_reveal_shows_full_numbers_and_is_audited(world, client_for):
    response = client_for(world.sta1_staff).get(url(world.vol1, "?reveal=true"),
                                                REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200
    body = response.json()
    assert body["mobile"] == world.vol1.user.mobile
    assert body["id_number"] == world.vol1.id_number
    assert body["personal_data_masked"] is False
    log = AuditLog.objects.get()
    assert (log.actor, log.action, log.object_type, log.object_id, log.ip) == (
        world.sta1_staff, "view_personal", "people.volunteer", str(world.vol1.id), "10.1.2.3")
    assert set(log.detail["fields"]) == {"mobile", "id_number"}


def test_every_reveal_writes_its_own_row(world, client_for):
    client = client_for(world.inst1_staff)
    for target in (world.vol1, world.vol1b, world.vol1):
        assert client.get(url(target, "?reveal=true")).status_code == 200
    assert AuditLog.objects.filter(actor=world.inst1_staff).count() == 3


@pytest.mark.parametrize(("persona", "target"), [
    ("sta1_staff", "vol1b"),
    ("sta2_staff", "vol1"),
    ("inst2_staff", "vol1"),
])
def test_a_sibling_cannot_reveal(world, client_for, persona, target):
    response = client_for(getattr(world, persona)).get(url(getattr(world, target),
                                                           "?reveal=true"))
    assert_chinese_error(response, 404, "not_found")
    assert getattr(world, target).id_number not in response.content.decode()
    assert not AuditLog.objects.exists()


@pytest.mark.parametrize("persona", ["res1", "outsider"])
def test_a_resident_or_outsider_cannot_reveal(world, client_for, persona):
    user = getattr(world, persona)
    response = client_for(getattr(user, "user", user)).get(url(world.vol1, "?reveal=true"))
    assert_chinese_error(response, 404)
    assert not AuditLog.objects.exists()


def test_a_volunteer_may_reveal_their_own_numbers(world, client_for):
    body = client_for(world.vol1.user).get(url(world.vol1, "?reveal=true")).json()
    assert body["id_number"] == world.vol1.id_number
    assert body["mobile"] == world.vol1.user.mobile


def test_a_volunteer_cannot_reveal_a_neighbour(world, client_for):
    response = client_for(world.vol1.user).get(url(world.vol1b, "?reveal=true"))
    assert_chinese_error(response, 404)
    assert not AuditLog.objects.exists()


# --- PATCH by the volunteer -------------------------------------------------------------


def test_a_volunteer_edits_their_own_profile(world, client_for):
    changes = {"real_name": "李明亮", "residence_area": "稻香园小区",
               "skills": ["急救", "书法"], "tags": ["veteran"], "political_status": "party_member",
               "availability": [{"weekday": 5, "start": "09:00", "end": "11:30"}],
               "home_lat": 39.98, "home_lng": 116.30, "service_categories": ["health"]}
    response = patch_json(client_for(world.vol1.user), url(world.vol1), changes)
    assert response.status_code == 200, response.content
    volunteer = Volunteer.objects.select_related("user").get(pk=world.vol1.pk)
    assert volunteer.user.real_name == "李明亮"
    assert volunteer.residence_area == "稻香园小区"
    assert sorted(s.name for s in volunteer.skills.all()) == ["书法", "急救"]
    assert volunteer.tags == ["veteran"]
    assert volunteer.political_status == "party_member"
    assert volunteer.availability == [{"weekday": 5, "start": "09:00", "end": "11:30"}]
    assert (volunteer.home_lat, volunteer.home_lng) == (39.98, 116.30)
    assert [p.code for p in volunteer.service_categories.all()] == ["health"]
    body = response.json()
    assert body["real_name"] == "李明亮"
    assert body["mobile"] == volunteer.user.mobile  # one's own numbers are not masked
    assert body["allowed_moves"] == []


def test_a_volunteer_changes_their_mobile_only_by_a_code(world, client_for):
    before = snapshot(world.vol1)
    response = patch_json(client_for(world.vol1.user), url(world.vol1),
                          {"mobile": "13700002222"})
    assert_chinese_error(response, 403, "mobile_needs_code")
    assert snapshot(world.vol1) == before


@pytest.mark.parametrize("changes", [
    {"status": "active"},
    {"status": "suspended", "residence_area": "别处"},
])
def test_a_volunteer_cannot_change_their_own_status(world, client_for, changes):
    before = snapshot(world.vol1)
    response = patch_json(client_for(world.vol1.user), url(world.vol1), changes)
    message = assert_chinese_error(response, 403, "forbidden")
    assert "status" in message
    assert snapshot(world.vol1) == before


def test_a_volunteer_cannot_move_themself_to_another_station(world, client_for):
    before = snapshot(world.vol1)
    client = client_for(world.vol1.user)
    assert_chinese_error(patch_json(client, url(world.vol1), {"station_id": world.sta1.id}), 403)
    assert_chinese_error(patch_json(client, url(world.vol1), {"station_id": world.sta1b.id}), 404)
    assert snapshot(world.vol1) == before


def test_a_volunteer_cannot_edit_a_neighbour(world, client_for):
    before = snapshot(world.vol1b)
    response = patch_json(client_for(world.vol1.user), url(world.vol1b), {"residence_area": "x"})
    assert_chinese_error(response, 404)
    assert snapshot(world.vol1b) == before


@pytest.mark.parametrize("persona", ["res1", "outsider"])
def test_a_resident_or_outsider_cannot_edit_a_volunteer(world, client_for, persona):
    user = getattr(world, persona)
    response = patch_json(client_for(getattr(user, "user", user)), url(world.vol1),
                          {"residence_area": "x"})
    assert_chinese_error(response, 404)


@pytest.mark.parametrize(("changes", "status", "code"), [
    ({"id_number": "11010519491231002X"}, 422, "invalid_input"),  # never editable
    ({"sex": "F"}, 422, "invalid_input"),
    ({"real_name": "李"}, 422, "invalid_name"),
    ({"real_name": "李" * 5000}, 422, "invalid_input"),
    ({"tags": ["superhero"]}, 422, "invalid_tag"),
    ({"tags": ["x" * 100_000]}, 422, "invalid_input"),
    ({"political_status": None}, 422, "invalid_political_status"),
    ({"home_lat": 39.9}, 422, "invalid_location"),
    ({"availability": [{"weekday": 1, "start": "12:00", "end": "08:00"}]}, 422,
     "invalid_availability"),
    ({"skills": ["急救"], "home_lat": 1.0, "home_lng": 1.0}, 422, "invalid_location"),
])
def test_bad_changes_get_a_clear_4xx_and_change_nothing(world, client_for, changes, status,
                                                        code):
    before = snapshot(world.vol1)
    response = patch_json(client_for(world.vol1.user), url(world.vol1), changes)
    message = assert_chinese_error(response, status, code)
    assert len(message) < 200
    assert snapshot(world.vol1) == before


@pytest.mark.parametrize("mobile", ["12345", None])
def test_staff_setting_a_bad_mobile_get_a_422(world, client_for, mobile):
    before = snapshot(world.vol1)
    response = patch_json(client_for(world.sta1_staff), url(world.vol1), {"mobile": mobile})
    assert_chinese_error(response, 422, "invalid_mobile")
    assert snapshot(world.vol1) == before


def test_taking_someone_elses_mobile_is_a_conflict_and_changes_nothing(world, client_for):
    before = snapshot(world.vol1)
    response = patch_json(client_for(world.center_staff), url(world.vol1),
                          {"real_name": "改了名字", "mobile": world.vol2.user.mobile})
    assert_chinese_error(response, 409, "duplicate_mobile")
    assert snapshot(world.vol1) == before


def test_keeping_ones_own_mobile_is_not_a_conflict(world, client_for):
    response = patch_json(client_for(world.sta1_staff), url(world.vol1),
                          {"mobile": world.vol1.user.mobile})
    assert response.status_code == 200


def test_a_refusal_is_explained_in_english_when_asked(world, client_for):
    response = patch_json(client_for(world.vol1.user), url(world.vol1), {"status": "active"},
                          HTTP_ACCEPT_LANGUAGE="en")
    message = assert_english_error(response, 403, "forbidden")
    assert "status" in message


# --- PATCH by staff ---------------------------------------------------------------------


def test_staff_suspend_a_volunteer_of_their_station(world, client_for):
    response = patch_json(client_for(world.sta1_staff), url(world.vol1), {"status": "suspended"})
    assert response.status_code == 200
    assert Volunteer.objects.get(pk=world.vol1.pk).status == "suspended"


def test_staff_cannot_set_an_unknown_status(world, client_for):
    response = patch_json(client_for(world.sta1_staff), url(world.vol1), {"status": "deleted"})
    assert_chinese_error(response, 422, "invalid_status")


def test_institute_staff_move_a_volunteer_within_their_subtree(world, client_for):
    response = patch_json(client_for(world.inst1_staff), url(world.vol1),
                          {"station_id": world.sta1b.id})
    assert response.status_code == 200
    assert response.json()["station_id"] == world.sta1b.id
    assert RoleAssignment.objects.get(user=world.vol1.user, role="volunteer").org == world.sta1b
    # The old station's staff lose sight of them; the new station's subtree has them.
    assert_chinese_error(client_for(world.sta1_staff).get(url(world.vol1)), 404)


@pytest.mark.parametrize(("persona", "station"), [
    ("sta1_staff", "sta1b"),  # a sibling station
    ("inst1_staff", "sta2"),  # a station of a sibling institute
    ("sta1_staff", "sta2"),
])
def test_staff_cannot_move_a_volunteer_outside_their_subtree(world, client_for, persona,
                                                             station):
    before = snapshot(world.vol1)
    response = patch_json(client_for(getattr(world, persona)), url(world.vol1),
                          {"station_id": getattr(world, station).id})
    assert_chinese_error(response, 404, "not_found")
    assert snapshot(world.vol1) == before
    assert RoleAssignment.objects.get(user=world.vol1.user, role="volunteer").org == world.sta1


def test_staff_cannot_move_a_volunteer_to_a_node_that_is_not_a_station(world, client_for):
    before = snapshot(world.vol1)
    response = patch_json(client_for(world.inst1_staff), url(world.vol1),
                          {"station_id": world.inst1.id})
    assert_chinese_error(response, 422, "invalid_station")
    assert snapshot(world.vol1) == before


@pytest.mark.parametrize("persona", ["sta2_staff", "inst2_staff"])
def test_sibling_staff_cannot_edit_a_volunteer(world, client_for, persona):
    before = snapshot(world.vol1)
    response = patch_json(client_for(getattr(world, persona)), url(world.vol1),
                          {"status": "suspended"})
    assert_chinese_error(response, 404, "not_found")
    assert snapshot(world.vol1) == before


def test_patch_needs_a_login(world, client):
    assert_chinese_error(patch_json(client, url(world.vol1), {"residence_area": "x"}), 401)
    assert User.objects.get(pk=world.vol1.user_id).volunteer.residence_area == ""
