"""The availability slot rows the candidate ranking searches: written at registration (one
by one and in bulk), rewritten when the availability or the home changes, backfilled by the
migration, and checked by `wenming check-ledger`. A volunteer without slots has one row
without a weekday."""

import importlib

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.management import CommandError, call_command

from wenming.core.tests.helpers import patch_json, post_json
from wenming.geo import cell_of
from wenming.people.admin import VolunteerAdmin
from wenming.people.models import AvailabilitySlot, Volunteer
from wenming.people.selectors import slot_copy_problems
from wenming.people.services import VolunteerInput, people_bulk_register
from wenming.people.tests.factories import next_id_number, next_mobile
from wenming.testing import logged_in

pytestmark = pytest.mark.django_db

HOME = (39.9812, 116.3052)
SATURDAY = {"weekday": 5, "start": "09:00", "end": "12:00"}
EVENINGS = [{"weekday": 0, "start": "19:00", "end": "21:00"},
            {"weekday": 3, "start": "19:00", "end": "21:30"}]


def slots(volunteer) -> list[tuple]:
    return sorted(AvailabilitySlot.objects.filter(volunteer=volunteer).values_list(
        "weekday", "start", "end", "cell"))


def registered(world, client, **fields) -> Volunteer:
    """Registered by the station's staff, whose answer names the new volunteer."""
    response = post_json(logged_in(world.sta1_staff), "/api/volunteers", {
        "real_name": "王小明", "id_number": next_id_number(), "mobile": next_mobile(),
        "password": "Wenming@2026", "station_id": world.sta1.id, **fields})
    assert response.status_code == 201, response.content
    return Volunteer.objects.get(pk=response.json()["id"])


def test_registering_writes_a_row_per_slot_at_the_home_cell(world, client):
    volunteer = registered(world, client, home_lat=HOME[0], home_lng=HOME[1],
                           availability=EVENINGS)
    cell = cell_of(*HOME)
    assert slots(volunteer) == [(0, "19:00", "21:00", cell), (3, "19:00", "21:30", cell)]


def test_a_volunteer_without_a_home_has_slots_in_no_cell(world, client):
    assert slots(registered(world, client, availability=[SATURDAY])) == [
        (5, "09:00", "12:00", "")]


def test_a_volunteer_without_slots_has_one_row_without_a_weekday(world, client):
    volunteer = registered(world, client, home_lat=HOME[0], home_lng=HOME[1])
    assert slots(volunteer) == [(None, "", "", cell_of(*HOME))]


def test_changing_the_availability_rewrites_the_slots(world, client_for, client):
    volunteer = registered(world, client, home_lat=HOME[0], home_lng=HOME[1],
                           availability=EVENINGS)
    response = patch_json(client_for(volunteer.user), f"/api/volunteers/{volunteer.id}",
                          {"availability": [SATURDAY]})
    assert response.status_code == 200, response.content
    assert slots(volunteer) == [(5, "09:00", "12:00", cell_of(*HOME))]

    patch_json(client_for(volunteer.user), f"/api/volunteers/{volunteer.id}",
               {"availability": []})
    assert slots(volunteer) == [(None, "", "", cell_of(*HOME))]


def test_moving_home_moves_the_slots(world, client_for, client):
    volunteer = registered(world, client, home_lat=HOME[0], home_lng=HOME[1],
                           availability=[SATURDAY])
    response = patch_json(client_for(world.sta1_staff), f"/api/volunteers/{volunteer.id}",
                          {"home_lat": 40.05, "home_lng": 116.40})
    assert response.status_code == 200, response.content
    assert cell_of(40.05, 116.40) != cell_of(*HOME)
    assert slots(volunteer) == [(5, "09:00", "12:00", cell_of(40.05, 116.40))]
    assert slot_copy_problems() == []


def test_a_refused_change_leaves_the_slots(world, client_for, client):
    volunteer = registered(world, client, home_lat=HOME[0], home_lng=HOME[1],
                           availability=[SATURDAY])
    before = slots(volunteer)
    response = patch_json(client_for(volunteer.user), f"/api/volunteers/{volunteer.id}", {
        "availability": EVENINGS, "home_lat": 1.0, "home_lng": 1.0})
    assert response.status_code == 422
    assert slots(volunteer) == before


def test_bulk_registration_writes_every_volunteers_slots(world):
    rows = [VolunteerInput(real_name=f"志愿者{i}", id_number=next_id_number(),
                           mobile=next_mobile(), password=None, station=world.sta1,
                           home_lat=HOME[0] + i * 0.01, home_lng=HOME[1],
                           availability=[EVENINGS, [SATURDAY], []][i % 3])
            for i in range(9)]
    created, _residents = people_bulk_register(volunteers=rows, by=world.sta1_staff)
    for i, volunteer in enumerate(created):
        cell = cell_of(HOME[0] + i * 0.01, HOME[1])
        assert slots(volunteer) == (sorted((s["weekday"], s["start"], s["end"], cell)
                                           for s in rows[i].availability)
                                    or [(None, "", "", cell)])
    assert AvailabilitySlot.objects.filter(volunteer__in=created).count() == 3 * 2 + 3 + 3
    assert slot_copy_problems() == []


def test_the_migration_writes_the_slots_of_volunteers_registered_before_it(world, client):
    volunteers = [registered(world, client, home_lat=HOME[0], home_lng=HOME[1],
                             availability=EVENINGS),
                  registered(world, client, availability=[SATURDAY]),
                  registered(world, client)]
    expected = [slots(v) for v in volunteers]
    AvailabilitySlot.objects.all().delete()
    migration = importlib.import_module(
        "wenming.people.migrations.0005_availability_slots_backfill")

    migration.write_slots(apps, None)

    assert [slots(v) for v in volunteers] == expected
    assert slot_copy_problems() == []


def test_check_ledger_finds_slots_that_disagree_with_the_availability(world, client,
                                                                       capsys):
    volunteer = registered(world, client, home_lat=HOME[0], home_lng=HOME[1],
                           availability=EVENINGS)
    call_command("check-ledger")
    assert "ledger ok" in capsys.readouterr().out

    AvailabilitySlot.objects.filter(volunteer=volunteer, weekday=3).update(cell="")
    with pytest.raises((CommandError, SystemExit)):
        call_command("check-ledger")
    assert f"volunteer {volunteer.pk}: availability slots" in capsys.readouterr().err

    Volunteer.objects.filter(pk=volunteer.pk).update(availability=[SATURDAY])
    assert len(slot_copy_problems()) == 1


def test_the_admin_leaves_home_and_availability_to_the_profile_service(world, rf):
    # The whole volunteer admin is read-only now (core.admin.ReadOnlyAdmin), these fields too.
    request = rf.get("/")
    request.user = world.admin
    model_admin = VolunteerAdmin(Volunteer, admin.site)
    assert not model_admin.has_change_permission(request, world.vol1)
    assert not model_admin.has_add_permission(request)
