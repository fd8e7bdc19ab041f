"""志愿者编号: given at registration (single and bulk), unique, stable, searchable by staff,
not derived from the ID number; the migration numbers those registered before."""

import importlib

import pytest
from django.apps import apps as django_apps

from wenming.people.models import Volunteer, VolunteerNoSequence
from wenming.people.numbering import NUMBER, numbers_reserve
from wenming.people.selectors import volunteer_search
from wenming.people.services import VolunteerInput, people_bulk_register, volunteer_register
from wenming.people.tests.factories import next_id_number, next_mobile
from wenming.testing import race

backfill = importlib.import_module("wenming.people.migrations.0008_volunteer_number_backfill")
pytestmark = pytest.mark.django_db


def _input(station, **kw) -> VolunteerInput:
    return VolunteerInput(real_name="编号测试", id_number=next_id_number(), mobile=next_mobile(),
                          password="Demo@2026x", station=station, **kw)


def test_registration_gives_a_number_of_the_documented_shape(world):
    v = volunteer_register(data=_input(world.sta1))
    assert NUMBER.match(v.volunteer_no)
    assert v.volunteer_no[1:7] == f"{world.center.pk:06d}"  # the centre has no code here
    assert v.id_number[-6:] not in v.volunteer_no[7:]
    w = volunteer_register(data=_input(world.sta2))
    assert int(w.volunteer_no[-6:]) == int(v.volunteer_no[-6:]) + 1


def test_the_district_code_is_used_when_the_centre_has_one(world):
    world.center.code = "110108"
    world.center.save()
    v = volunteer_register(data=_input(world.sta1))
    assert v.volunteer_no.startswith("V110108")


def test_bulk_registration_numbers_every_row_uniquely(world):
    created, _r = people_bulk_register(volunteers=[_input(world.sta1) for _n in range(5)])
    numbers = [Volunteer.objects.get(pk=v.pk).volunteer_no for v in created]
    assert len(set(numbers)) == 5 and all(NUMBER.match(n) for n in numbers)


def test_personas_have_numbers_and_staff_search_by_them(world):
    no = world.vol1.volunteer_no
    assert no and no != world.vol2.volunteer_no
    found = volunteer_search(Volunteer.objects.all(), by=world.sta1_staff, q=no.lower())
    assert list(found) == [world.vol1]
    prefix = volunteer_search(Volunteer.objects.all(), by=world.sta1_staff, q=no[:7])
    assert world.vol1 in prefix and world.vol2 in prefix


def test_the_api_list_and_detail_carry_it(world, client_for):
    c = client_for(world.sta1_staff)
    rows = c.get("/api/volunteers", {"q": world.vol1.volunteer_no}).json()["items"]
    assert [r["volunteer_no"] for r in rows] == [world.vol1.volunteer_no]
    detail = c.get(f"/api/volunteers/{world.vol1.pk}").json()
    assert detail["volunteer_no"] == world.vol1.volunteer_no
    assert c.get("/api/volunteers", {"q": world.vol2.volunteer_no}).json()["items"] == []


def test_profile_page_shows_it(world, client_for):
    page = client_for(world.vol1.user).get("/me/").content.decode()
    assert world.vol1.volunteer_no in page


@pytest.mark.django_db(transaction=True)
def test_concurrent_reservations_never_share_a_number():
    results = race([lambda: numbers_reserve("V0000012026", 3)] * 2)
    numbers = [n for r in results for n in r]
    assert len(numbers) == 6 and len(set(numbers)) == 6


def test_the_migration_numbers_existing_volunteers_and_reverses(world):
    Volunteer.objects.update(volunteer_no=None)
    VolunteerNoSequence.objects.all().delete()
    backfill.give_numbers(django_apps, None)
    numbers = list(Volunteer.objects.values_list("volunteer_no", flat=True))
    assert all(n and NUMBER.match(n) for n in numbers) and len(set(numbers)) == len(numbers)
    new = volunteer_register(data=_input(world.sta1))  # the sequence goes on after them
    assert new.volunteer_no not in numbers
    backfill.take_numbers_back(django_apps, None)
    assert not Volunteer.objects.exclude(volunteer_no=None).exists()
