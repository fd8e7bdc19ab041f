"""The one permission layer: managed subtrees, visibility, admin reach."""

import pytest

from wenming.core.errors import Forbidden, NotFound
from wenming.orgs.models import OrgNode, RoleAssignment
from wenming.orgs.permissions import (
    can_manage,
    managed_nodes,
    org_contact,
    org_get_for_user,
    require_manage,
    visible_orgs,
)
from wenming.orgs.services import role_grant

pytestmark = pytest.mark.django_db


def test_staff_manage_their_subtree_and_nothing_else(world):
    assert can_manage(world.inst1_staff, world.sta1b)
    assert can_manage(world.inst1_staff, world.inst1)
    assert not can_manage(world.inst1_staff, world.center)
    assert not can_manage(world.inst1_staff, world.sta2)
    assert not can_manage(world.sta1_staff, world.sta1b)


def test_volunteers_residents_and_outsiders_manage_nothing(world):
    for user in (world.vol1.user, world.res1.user, world.outsider):
        assert not can_manage(user, world.sta1)
        with pytest.raises(Forbidden):
            require_manage(user, world.sta1)


def test_platform_admins_manage_everything(world):
    assert all(can_manage(world.admin, node) for node in OrgNode.objects.all())
    assert visible_orgs(world.admin).count() == OrgNode.objects.count()


def test_managed_nodes_keeps_only_the_outermost(world):
    role_grant(user=world.inst1_staff, role=RoleAssignment.Role.STAFF, org=world.sta1)
    role_grant(user=world.inst1_staff, role=RoleAssignment.Role.STAFF, org=world.sta2)
    assert managed_nodes(world.inst1_staff) == [world.inst1, world.sta2]


def test_role_grant_is_idempotent(world):
    role_grant(user=world.outsider, role="staff", org=world.sta1)
    role_grant(user=world.outsider, role="staff", org=world.sta1)
    assert RoleAssignment.objects.filter(user=world.outsider).count() == 1


def test_staff_of_two_subtrees_see_both(world):
    role_grant(user=world.sta1_staff, role=RoleAssignment.Role.STAFF, org=world.sta2)
    assert set(visible_orgs(world.sta1_staff)) == {world.sta1, world.sta2}


def test_org_get_for_user_hides_a_sibling_as_not_found(world):
    with pytest.raises(NotFound):
        org_get_for_user(world.sta1_staff, world.sta1b.id)
    assert org_get_for_user(world.inst1_staff, world.sta1b.id) == world.sta1b


# --- a node's contact: one function decides who reads it whole ----------------------------


@pytest.fixture
def contact(world):
    world.sta1.contact_name, world.sta1.contact_phone = "李站长", "13500001111"
    world.sta1.save()
    return world.sta1


@pytest.mark.parametrize("persona", ["sta1_staff", "inst1_staff", "center_staff", "admin",
                                     "vol1", "res1"])
def test_a_stations_contact_is_whole_for_those_it_serves(world, contact, persona):
    user = getattr(world, persona)
    found = org_contact(getattr(user, "user", user), contact)
    assert (found.name, found.phone, found.masked) == ("李站长", "13500001111", False)


@pytest.mark.parametrize("persona", ["sta2_staff", "inst2_staff", "vol2", "vol1b", "outsider"])
def test_a_stations_contact_is_masked_for_anyone_else(world, contact, persona):
    user = getattr(world, persona)
    found = org_contact(getattr(user, "user", user), contact)
    assert (found.name, found.phone, found.masked) == ("李**", "135****1111", True)


def test_the_api_reads_the_contact_through_it(world, contact, client_for):
    body = client_for(world.vol1.user).get(f"/api/orgs/{world.sta1.id}").json()
    assert (body["contact_name"], body["contact_phone"]) == ("李站长", "13500001111")
    children = client_for(world.inst1_staff).get(f"/api/orgs/{world.inst1.id}/children").json()
    assert {c["contact_phone"] for c in children["items"] if c["id"] == world.sta1.id} == {
        "13500001111"}
    response = client_for(world.sta2_staff).get(f"/api/orgs/{world.sta1.id}")
    assert response.status_code == 404  # a sibling subtree does not see the node at all
