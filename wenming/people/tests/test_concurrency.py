"""Registrations racing on the real database: exactly one wins, nothing is left behind, and
every visitor hears the same answer."""

import json
import threading

import pytest
from django.db import connections
from django.test import Client

from wenming.orgs.services import org_create
from wenming.people.models import User, Volunteer
from wenming.people.tests.factories import next_id_number, next_mobile

THREADS = 8


def race(bodies: list[dict]) -> list[int]:
    """POST every body at once from its own thread; returns the status codes."""
    barrier = threading.Barrier(len(bodies))
    statuses: list[int] = []
    errors: list[BaseException] = []

    def attempt(body):
        try:
            client = Client()
            barrier.wait(timeout=10)
            response = client.post("/api/volunteers", json.dumps(body),
                                   content_type="application/json")
            statuses.append(response.status_code)
            if response.status_code != 202:
                assert response.json()["error"]["code"].startswith("duplicate_")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(b,)) for b in bodies]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    return statuses


@pytest.fixture
def station(transactional_db):
    center = org_create(kind="center", name="中心")
    return org_create(kind="station", name="站", parent=org_create(
        kind="institute", name="所", parent=center))


def body(station, **fields) -> dict:
    return {"real_name": "赵一鸣", "id_number": next_id_number(), "mobile": next_mobile(),
            "password": "Wenming@2026", "station_id": station.id, **fields}


@pytest.mark.django_db(transaction=True)
def test_only_one_of_many_registrations_with_one_id_number_wins(station):
    number = next_id_number()
    statuses = race([body(station, id_number=number) for _ in range(THREADS)])
    assert statuses == [202] * THREADS  # visitors hear the same answer, winner or not
    assert Volunteer.objects.filter(id_number=number).count() == 1
    assert User.objects.count() == 1  # no orphan account from a losing thread


@pytest.mark.django_db(transaction=True)
def test_only_one_of_many_registrations_with_one_mobile_wins(station):
    mobile = next_mobile()
    statuses = race([body(station, mobile=mobile) for _ in range(THREADS)])
    assert statuses == [202] * THREADS
    assert User.objects.filter(mobile=mobile).count() == 1
    assert Volunteer.objects.count() == 1
