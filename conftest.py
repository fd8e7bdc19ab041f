"""Named personas on a small tree, shared by every app's tests.

center → inst1 → (sta1, sta1b); center → inst2 → sta2. Staff at each level, volunteers
and a resident at sta1, a volunteer at sta2, an admin and an outsider with no role.
"""

from types import SimpleNamespace

import pytest
from django.utils import translation
from hypothesis import settings as hypothesis_settings

from wenming.orgs.models import RoleAssignment
from wenming.orgs.services import platforms_ensure_defaults
from wenming.people.tests.factories import (
    UserFactory,
    resident_at,
    staff_at,
    station_tree,
    volunteer_at,
)
from wenming.testing import logged_in

# No per-example deadline: on a loaded 2-core CI machine a slow example is not a failure.
hypothesis_settings.register_profile("wenming", deadline=None)
hypothesis_settings.load_profile("wenming")


@pytest.fixture
def world(db):
    platforms_ensure_defaults()  # gone after a transactional test flushed the tables
    orgs = station_tree()
    admin = UserFactory(username="admin")
    RoleAssignment.objects.create(user=admin, role=RoleAssignment.Role.ADMIN)
    return SimpleNamespace(
        **orgs,
        admin=admin,
        center_staff=staff_at(orgs["center"], "center"),
        inst1_staff=staff_at(orgs["inst1"], "inst1"),
        inst2_staff=staff_at(orgs["inst2"], "inst2"),
        sta1_staff=staff_at(orgs["sta1"], "sta1"),
        sta2_staff=staff_at(orgs["sta2"], "sta2"),
        vol1=volunteer_at(orgs["sta1"], "vol1"),
        vol1b=volunteer_at(orgs["sta1b"], "vol1b"),
        vol2=volunteer_at(orgs["sta2"], "vol2"),
        res1=resident_at(orgs["sta1"], "res1"),
        outsider=UserFactory(username="outsider"),
    )


@pytest.fixture
def client_for():
    """A Django test client logged in as the given user (session auth, like a browser)."""

    return logged_in


@pytest.fixture(autouse=True)
def chinese_by_default():
    """A request with Accept-Language: en switches the thread's language; put it back."""
    yield
    translation.activate("zh-hans")
