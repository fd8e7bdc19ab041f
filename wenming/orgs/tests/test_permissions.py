"""The one permission layer: managed subtrees, visibility, admin reach."""

import pytest

from wenming.core.errors import Forbidden, NotFound
from wenming.orgs.models import OrgNode, RoleAssignment
from wenming.orgs.permissions import (
    can_manage,
    managed_nodes,
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
