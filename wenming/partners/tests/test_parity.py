"""Parity: for every persona and every state of a hand-over, the moves its page offers
(`data-move`), the moves the API lists (`allowed_moves`) and the moves the services carry out
are the same set. A hand-over the persona may not see is 404 on the page and in the API.

Each service call runs in a savepoint rolled back afterwards, so every persona meets the
same hand-over in the same state."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from wenming.core.errors import DomainError
from wenming.partners import services
from wenming.partners.models import HANDOVER_MOVES
from wenming.partners.tests.support import handed, overdue, unit_user
from wenming.testing import logged_in

pytestmark = pytest.mark.django_db

PERSONAS = ["admin", "center_staff", "inst1_staff", "inst2_staff", "sta1_staff", "sta2_staff",
            "vol1", "vol2", "res1", "outsider", "unit1", "unit2"]


def _accepted(w, unit):
    return services.handover_accept(by=unit_user(unit), handover=handed(w, unit))


SCENES = {
    "sent": lambda w, u: handed(w, u),
    "accepted": _accepted,
    "reported": lambda w, u: services.handover_report(by=unit_user(u),
                                                      handover=_accepted(w, u), note="已办好"),
    "declined": lambda w, u: services.handover_decline(by=unit_user(u),
                                                       handover=handed(w, u), reason="不归我们"),
    "recalled": lambda w, u: services.handover_recall(by=w.sta1_staff, handover=handed(w, u),
                                                      reason="已解决"),
    "escalated": lambda w, u: overdue(handed(w, u)),
}
CALLS = {
    "accept": lambda user, h: services.handover_accept(by=user, handover=h),
    "report": lambda user, h: services.handover_report(by=user, handover=h, note="已办好"),
    "decline": lambda user, h: services.handover_decline(by=user, handover=h, reason="不归"),
    "recall": lambda user, h: services.handover_recall(by=user, handover=h, reason="撤回"),
}


class RolledBack(Exception):
    pass


def _succeeds(user, handover, move) -> bool:
    try:
        with transaction.atomic():
            CALLS[move](user, handover)
            raise RolledBack
    except RolledBack:
        return True
    except (DomainError, ValidationError):
        return False


def _user(world, persona, unit, other_unit):
    if persona == "unit1":
        return unit_user(unit)
    if persona == "unit2":
        return unit_user(other_unit)
    person = getattr(world, persona)
    return getattr(person, "user", person)


@pytest.mark.parametrize("scene", list(SCENES))
def test_page_api_and_services_agree(world, unit, other_unit, scene):
    handover = SCENES[scene](world, unit)
    for persona in PERSONAS:
        user = _user(world, persona, unit, other_unit)
        client = logged_in(user)
        api = client.get(f"/api/handovers/{handover.pk}")
        page = client.get(f"/units/handovers/{handover.pk}/")
        outcome = {m for m in HANDOVER_MOVES if _succeeds(user, handover, m)}
        if api.status_code == 404:
            assert page.status_code == 404, persona
            assert outcome == set(), (persona, outcome)
            continue
        listed = set(api.json()["allowed_moves"])
        offered = set(re.findall(r'data-move="(\w+)"', page.content.decode()))
        assert listed == offered == outcome, (scene, persona, listed, offered, outcome)


def test_who_acts_is_as_designed(world, unit, other_unit):
    """The table above in words: the unit's account acts, the sender recalls."""
    handover = handed(world, unit)
    acts = {p for p in PERSONAS
            if _succeeds(_user(world, p, unit, other_unit), handover, "accept")}
    recalls = {p for p in PERSONAS
               if _succeeds(_user(world, p, unit, other_unit), handover, "recall")}
    assert acts == {"unit1"}
    assert recalls == {"admin", "center_staff", "inst1_staff", "sta1_staff"}
