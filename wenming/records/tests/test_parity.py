"""Parity: for every persona and every state of a correction request and of a complaint,
the moves the detail page offers (`data-move`), the moves the API lists (`allowed_moves`)
and the moves the services carry out are the same set. One the persona may not see is 404
on the page and in the API.

Each service call runs in a savepoint rolled back afterwards, so every persona meets the
same object in the same state."""

import re

import pytest
from django.db import transaction

from wenming.core.errors import DomainError, NotFound
from wenming.records import services
from wenming.records.models import Complaint, Correction
from wenming.records.permissions import complaint_get_for_user, correction_get_for_user

from .test_support import approved_line

pytestmark = pytest.mark.django_db

PERSONAS = ["admin", "center_staff", "inst1_staff", "inst2_staff", "sta1_staff", "sta2_staff",
            "vol1", "vol1b", "vol2", "res1", "outsider"]


class RolledBack(Exception):
    pass


def user_of(world, persona):
    person = getattr(world, persona)
    return getattr(person, "user", person)


def _requested(w) -> Correction:
    return services.correction_request(by=w.vol1.user, record=approved_line(w), hours=3,
                                       reason="签退时忘记扫码")


CORRECTIONS = {
    "requested": _requested,
    "accepted": lambda w: services.correction_accept(by=w.sta1_staff, correction=_requested(w)),
    "rejected": lambda w: services.correction_reject(by=w.sta1_staff, correction=_requested(w),
                                                     note="签到记录不符"),
    "withdrawn": lambda w: services.correction_withdraw(by=w.vol1.user,
                                                        correction=_requested(w)),
}
CORRECTION_CALLS = {
    "accept": lambda u, c: services.correction_accept(by=u, correction=c, note="核实"),
    "reject": lambda u, c: services.correction_reject(by=u, correction=c, note="不符"),
    "withdraw": lambda u, c: services.correction_withdraw(by=u, correction=c),
}


def _filed(w) -> Complaint:
    return services.complaint_file(by=w.sta1_staff, volunteer=w.vol1, text="多次无故缺席活动")


COMPLAINTS = {
    "filed": _filed,
    "investigating": lambda w: services.complaint_investigate(by=w.sta1_staff,
                                                              complaint=_filed(w)),
    "closed": lambda w: services.complaint_close(by=w.sta1_staff, complaint=_filed(w),
                                                 outcome="upheld", outcome_text="属实"),
}
COMPLAINT_CALLS = {
    "investigate": lambda u, c: services.complaint_investigate(by=u, complaint=c),
    "close": lambda u, c: services.complaint_close(by=u, complaint=c, outcome="partly",
                                                   outcome_text="部分属实"),
    "respond": lambda u, c: services.complaint_respond(by=u, complaint=c, text="我的说明"),
}


def _service_moves(user, obj, calls, fetch) -> set[str]:
    done = set()
    for move, call in calls.items():
        try:
            with transaction.atomic():
                call(user, fetch(user, obj.pk))
                raise RolledBack
        except RolledBack:
            done.add(move)
        except (DomainError, NotFound):
            pass
        except Exception as exc:  # noqa: BLE001 - validation refusals count as refused
            if exc.__class__.__name__ != "ValidationError":
                raise
    return done


def _check(world, client_for, persona, obj, url, api, calls, fetch):
    user = user_of(world, persona)
    client = client_for(user)
    page, answer = client.get(url), client.get(api)
    if page.status_code == 404:
        assert answer.status_code == 404
        assert _service_moves(user, obj, calls, fetch) == set()
        return
    buttons = set(re.findall(r'data-move="(\w+)"', page.content.decode()))
    listed = set(answer.json()["allowed_moves"])
    assert buttons == listed, (persona, buttons, listed)
    assert _service_moves(user, obj, calls, fetch) == listed, persona


@pytest.mark.parametrize("scene", list(CORRECTIONS))
def test_correction_moves_agree(world, client_for, scene):
    c = CORRECTIONS[scene](world)
    for persona in PERSONAS:
        _check(world, client_for, persona, c, f"/corrections/{c.pk}/", f"/api/corrections/{c.pk}",
               CORRECTION_CALLS, correction_get_for_user)


@pytest.mark.parametrize("scene", list(COMPLAINTS))
def test_complaint_moves_agree(world, client_for, scene):
    c = COMPLAINTS[scene](world)
    for persona in PERSONAS:
        _check(world, client_for, persona, c, f"/complaints/{c.pk}/", f"/api/complaints/{c.pk}",
               COMPLAINT_CALLS, complaint_get_for_user)


def _declared(w, leader=None):
    from .test_declarations import declare, past_activity

    return declare(w, past_activity(w, leader=leader) if leader else None)


DECLARATIONS = {
    "submitted": _declared,
    "submitted_led_by_vol1b": lambda w: _declared(w, leader=w.vol1b.user),
    "confirmed": lambda w: services.declaration_confirm(by=w.sta1_staff,
                                                        declaration=_declared(w)),
    "rejected": lambda w: services.declaration_reject(by=w.sta1_staff, declaration=_declared(w),
                                                      note="照片不符"),
    "withdrawn": lambda w: services.declaration_withdraw(by=w.vol1.user,
                                                         declaration=_declared(w)),
}
DECLARATION_CALLS = {
    "confirm": lambda u, d: services.declaration_confirm(by=u, declaration=d, note="属实"),
    "reject": lambda u, d: services.declaration_reject(by=u, declaration=d, note="不符"),
    "withdraw": lambda u, d: services.declaration_withdraw(by=u, declaration=d),
}


@pytest.mark.parametrize("scene", list(DECLARATIONS))
def test_declaration_moves_agree(world, client_for, scene):
    from wenming.records.permissions import declaration_get_for_user

    d = DECLARATIONS[scene](world)
    for persona in PERSONAS:
        _check(world, client_for, persona, d, f"/declarations/{d.pk}/",
               f"/api/declarations/{d.pk}", DECLARATION_CALLS, declaration_get_for_user)
