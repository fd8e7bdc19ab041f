"""Schemathesis against the live OpenAPI document, in process through WSGI, as a logged-in
station staff member (bearer token): for every operation, requests generated from its schema
get no server error, only statuses the document declares, and the content type it declares.

Bounded to fit CI: a few examples per operation, one test per database run (about a minute).
It is meant to pass once the apps use the platform's input types everywhere
(scripts/sweep_bad_input.py); until then it names the operations that still fail.
"""

import time

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import content_type_conformance, status_code_conformance

from wenming.people.services import token_issue

EXAMPLES = 15  # per operation: 80 operations x 15 examples, ~20 s per database
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance]


@pytest.fixture
def wsgi_app():
    """Django's WSGI app on the test's own connection: like Django's test client, requests
    do not close the connection at their end (that would end the test's transaction)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def real_ids(world) -> dict[str, list[int]]:
    """Rows of the test's world by the names ids go by, so that some generated requests name
    an object that exists (in the caller's scope or not) and reach the operation's logic."""
    return {"volunteer_id": [world.vol1.id, world.vol2.id],
            "org_id": [world.sta1.id, world.inst1.id, world.sta2.id],
            "station_id": [world.sta1.id, world.sta2.id]}


def run_operation(operation, headers: dict, statuses: list[int], ids: dict) -> None:
    @given(case=operation.as_strategy(), data=st.data())
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    def check(case, data):
        for where in (case.path_parameters, case.body, case.query):
            for name, choices in ids.items():
                if isinstance(where, dict) and name in where and data.draw(st.booleans()):
                    where[name] = data.draw(st.sampled_from(choices))
        statuses.append(case.call_and_validate(headers=headers, checks=CHECKS).status_code)

    check()


def test_the_api_holds_to_its_openapi_document(world, wsgi_app):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", wsgi_app)
    failures, answered, started = [], {}, time.monotonic()
    for result in schema.get_all_operations():
        operation = result.ok()
        answered[operation.label] = statuses = []
        # A fresh token each time: DELETE /api/auth/token revokes the one it is sent with.
        headers = {"Authorization": f"Bearer {token_issue(user=world.sta1_staff)}",
                   "Accept-Language": "zh-hans"}
        try:
            run_operation(operation, headers, statuses, real_ids(world))
        except (Exception, FailureGroup) as exc:  # noqa: BLE001 - report every operation
            failures.append(f"{operation.label}: {str(exc).strip()[:600]}")
    elapsed = time.monotonic() - started
    assert not failures, f"{len(failures)} operations failed ({elapsed:.0f} s):\n\n" + \
        "\n\n".join(failures)
    # The run reached the operations' logic as the staff member, not only their validation.
    succeeded = [label for label, got in answered.items() if any(s < 300 for s in got)]
    assert len(succeeded) >= 12, answered
    print(f"{len(answered)} operations, {len(succeeded)} with a 2xx, {elapsed:.0f} s")
