"""people_bulk_register, the write path of the demo district (and of imports)."""

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from wenming.core.errors import Conflict, Forbidden
from wenming.orgs.models import RoleAssignment
from wenming.people.models import Resident, User, Volunteer
from wenming.people.services import VolunteerInput, people_bulk_register
from wenming.people.tests.factories import next_id_number


def row(station, mobile: str, **fields) -> VolunteerInput:
    return VolunteerInput(**{
        "real_name": "王秀英", "id_number": next_id_number("F"), "mobile": mobile,
        "password": None, "station": station, "skills": ["理发", "书法"],
        "service_categories": ["culture"], **fields})


def test_it_registers_volunteers_and_residents_with_one_hash(world):
    before = User.objects.count()
    volunteers, residents = people_bulk_register(
        volunteers=[row(world.sta1, "13700000001"), row(world.sta2, "13700000002")],
        residents=[{"real_name": "孙大爷", "mobile": "13700000003", "station": world.sta1,
                    "is_elderly": True}],
        password_hash=make_password("Demo@2026"))
    assert User.objects.count() == before + 3
    assert [v.station for v in volunteers] == [world.sta1, world.sta2]
    assert {s.name for s in volunteers[0].skills.all()} == {"理发", "书法"}
    assert [p.code for p in volunteers[0].service_categories.all()] == ["culture"]
    assert Resident.objects.get(pk=residents[0].pk).is_elderly
    assert RoleAssignment.objects.filter(user=residents[0].user, role="resident",
                                         org=world.sta1).exists()
    request = RequestFactory().post("/login/")
    assert authenticate(request, username="13700000002", password="Demo@2026") is not None


def test_it_names_the_bad_row_and_writes_nothing(world):
    before = User.objects.count()
    with pytest.raises(ValidationError) as exc:
        people_bulk_register(volunteers=[row(world.sta1, "13700000001"),
                                         row(world.sta1, "13700000002", id_number="123")])
    assert "第2行" in exc.value.messages[0]
    assert User.objects.count() == before


def test_it_refuses_a_mobile_already_registered(world):
    with pytest.raises(Conflict):
        people_bulk_register(volunteers=[row(world.sta1, world.vol1.user.mobile)])
    with pytest.raises(Conflict):
        people_bulk_register(volunteers=[row(world.sta1, "13700000001"),
                                         row(world.sta2, "13700000001")])


def test_approval_stations_hold_self_registrations_but_not_staff_imports(world):
    world.sta1.requires_volunteer_approval = True
    world.sta1.save()
    (own,), _ = people_bulk_register(volunteers=[row(world.sta1, "13700000001")])
    (by_staff,), _ = people_bulk_register(volunteers=[row(world.sta1, "13700000002")],
                                          by=world.sta1_staff)
    assert own.status == Volunteer.Status.PENDING
    assert by_staff.status == Volunteer.Status.ACTIVE and by_staff.approved_by == world.sta1_staff


def test_staff_import_only_into_their_subtree(world):
    with pytest.raises(Forbidden):
        people_bulk_register(volunteers=[row(world.sta2, "13700000001")], by=world.sta1_staff)
    assert not User.objects.filter(mobile="13700000001").exists()
