"""Parity: for every persona × volunteer state, the detail page's data-move buttons, the
API's allowed_moves and the services' outcomes agree."""

import re

import pytest
from django.db import transaction

from wenming.core.errors import DomainError
from wenming.people import accounts, services
from wenming.people.models import Volunteer
from wenming.people.permissions import volunteer_contact
from wenming.testing import logged_in

pytestmark = pytest.mark.django_db

PERSONAS = ["admin", "center_staff", "inst1_staff", "inst2_staff", "sta1_staff", "sta2_staff",
            "vol1", "vol1b", "vol2", "res1", "outsider"]
MOVES = ["reveal", "approve", "reset_password"]


def account(world, persona):
    who = getattr(world, persona)
    return getattr(who, "user", who)


def page_moves(client, volunteer) -> set[str]:
    response = client.get(f"/volunteers/{volunteer.id}/")
    if response.status_code in (403, 404):
        return set()
    return set(re.findall(r'data-move="([a-z_]+)"', response.content.decode()))


def api_moves(client, volunteer) -> set[str]:
    response = client.get(f"/api/volunteers/{volunteer.id}")
    return set(response.json()["allowed_moves"]) if response.status_code == 200 else set()


def service_allows(user, volunteer, move) -> bool:
    calls = {
        "reveal": lambda: volunteer_contact(user, volunteer, reveal=True),
        "approve": lambda: services.volunteer_approve(volunteer=volunteer, by=user),
        "reset_password": lambda: accounts.password_reset_by_staff(
            by=user, volunteer=volunteer, new="Parity@2027x"),
    }
    try:
        with transaction.atomic():
            calls[move]()
            transaction.set_rollback(True)
        return True
    except DomainError:
        return False


@pytest.mark.parametrize("status", [Volunteer.Status.ACTIVE, Volunteer.Status.PENDING])
@pytest.mark.parametrize("persona", PERSONAS)
def test_page_api_and_services_agree(world, persona, status):
    target = world.vol1
    Volunteer.objects.filter(pk=target.pk).update(status=status)
    target.refresh_from_db()
    user = account(world, persona)
    client = logged_in(user)
    page, api = page_moves(client, target), api_moves(client, target)
    visible = client.get(f"/api/volunteers/{target.id}").status_code == 200
    outcome = {m for m in MOVES if visible and service_allows(user, target, m)}
    if persona == "vol1":  # one's own numbers need no reveal; the page is for staff
        outcome.discard("reveal")
        assert page == set()
    else:
        assert page == api
    assert api == outcome, (persona, status, page, api, outcome)
