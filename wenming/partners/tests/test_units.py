"""The register of partner units: API and pages, scope, the masked contact with an audited
reveal, 双报到 by volunteers, members' hours in the community."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from wenming.activities.models import ServiceRecord
from wenming.core.tests.helpers import assert_error
from wenming.orders.tests.test_support import post
from wenming.partners.models import Unit, UnitMember
from wenming.partners.permissions import units_of_user
from wenming.partners.tests.support import unit_at, unit_user
from wenming.people.models import AuditLog
from wenming.testing import logged_in

pytestmark = pytest.mark.django_db

BODY = {"name": "海淀区税务局", "kind": "department", "contact_name": "李科长",
        "contact_phone": "13900139000", "services": "税务咨询"}


def test_staff_register_a_unit_for_their_subtree(world):
    r = post(logged_in(world.inst1_staff), "/api/units", {**BODY, "org_id": world.sta1.pk})
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["name"], body["kind"], body["org_id"], body["members"]) == (
        "海淀区税务局", "department", world.sta1.pk, [])
    assert body["contact_phone"] == "139****9000" and body["contact_masked"]


def test_staff_of_a_sibling_subtree_cannot_register_there(world):
    r = post(logged_in(world.sta2_staff), "/api/units", {**BODY, "org_id": world.sta1.pk})
    assert r.status_code in {403, 404}
    assert not Unit.objects.exists()


def test_the_list_and_the_detail_are_scoped(world, unit, other_unit):
    mine = logged_in(world.sta1_staff).get("/api/units").json()
    assert [u["id"] for u in mine["items"]] == [unit.pk]
    assert logged_in(world.sta1_staff).get(f"/api/units/{other_unit.pk}").status_code == 404
    assert logged_in(world.sta1_staff).get(f"/units/{other_unit.pk}/").status_code == 404
    center = logged_in(world.center_staff).get("/api/units").json()
    assert {u["id"] for u in center["items"]} == {unit.pk, other_unit.pk}
    for who in (world.res1.user, world.vol1.user, world.outsider):
        assert logged_in(who).get("/api/units").json()["items"] == []
        assert logged_in(who).get(f"/api/units/{unit.pk}").status_code == 404
    # the unit's own account sees its unit, not the other
    own = logged_in(unit_user(unit))
    assert [u["id"] for u in own.get("/api/units").json()["items"]] == [unit.pk]
    assert own.get(f"/api/units/{other_unit.pk}").status_code == 404


def test_units_of_user_is_the_units_an_account_acts_for(world, unit, other_unit):
    assert list(units_of_user(unit_user(unit))) == [unit]
    assert not units_of_user(world.sta1_staff).exists()


def test_contact_is_masked_and_a_reveal_is_audited(world, unit):
    staff = logged_in(world.sta1_staff)
    assert staff.get(f"/api/units/{unit.pk}").json()["contact_phone"] == "138****8000"
    assert not AuditLog.objects.exists()
    assert staff.get(f"/api/units/{unit.pk}?reveal=1").json()["contact_phone"] == "13800138000"
    assert AuditLog.objects.filter(actor=world.sta1_staff, object_type="partners.unit").count() == 1
    page = staff.post(f"/units/{unit.pk}/contact/").content.decode()
    assert "13800138000" in page
    # the unit's own account reads its own contact whole, and cannot "reveal" anything
    assert logged_in(unit_user(unit)).get(f"/api/units/{unit.pk}").json()[
        "contact_phone"] == "13800138000"
    assert logged_in(unit_user(unit)).get(f"/api/units/{unit.pk}?reveal=1").status_code == 403


def test_a_volunteer_reports_to_a_unit_of_their_community(world, unit, other_unit):
    vol = logged_in(world.vol1.user)
    joinable = vol.get("/api/units/joinable").json()["items"]
    assert [u["id"] for u in joinable] == [unit.pk]
    r = post(vol, f"/api/units/{unit.pk}/join", {})
    assert r.status_code == 201, r.content
    assert_error(post(vol, f"/api/units/{unit.pk}/join", {}), 409, "already_member")
    assert post(vol, f"/api/units/{other_unit.pk}/join", {}).status_code == 404
    assert UnitMember.objects.count() == 1
    assert vol.delete(f"/api/units/{unit.pk}/join").status_code == 204
    assert not UnitMember.objects.exists()


def test_the_join_page_reports_and_leaves(world, unit):
    vol = logged_in(world.vol1.user)
    assert unit.name in vol.get("/units/join/").content.decode()
    vol.post(f"/units/{unit.pk}/join/")
    assert UnitMember.objects.filter(unit=unit, volunteer=world.vol1).exists()
    vol.post(f"/units/{unit.pk}/leave/")
    assert not UnitMember.objects.exists()
    assert logged_in(world.res1.user).get("/units/join/").status_code == 403


def _record(volunteer, org, hours, status=ServiceRecord.Status.APPROVED):
    return ServiceRecord.objects.create(
        volunteer=volunteer, org=org, kind=ServiceRecord.Kind.BACKFILL, title="社区服务",
        service_date=timezone.localdate(), hours=Decimal(hours), status=status)


def test_a_unit_sees_its_members_hours_in_the_community_only(world, unit):
    UnitMember.objects.create(unit=unit, volunteer=world.vol1,
                              since=timezone.localdate() - datetime.timedelta(days=30))
    _record(world.vol1, world.sta1, "2.5")
    _record(world.vol1, world.sta1, "4", status=ServiceRecord.Status.PENDING)  # not counted
    _record(world.vol1, world.sta2, "7")  # another community: not counted
    body = logged_in(unit_user(unit)).get(f"/api/units/{unit.pk}").json()
    assert body["members"][0]["volunteer_id"] == world.vol1.pk
    assert body["members"][0]["hours"] == 2.5 and body["hours_total"] == 2.5
    page = logged_in(unit_user(unit)).get(f"/units/{unit.pk}/").content.decode()
    assert world.vol1.real_name in page and "2.5" in page


def test_pages_of_the_register(world, unit, other_unit):
    staff = logged_in(world.sta1_staff)
    page = staff.get("/units/").content.decode()
    assert unit.name in page and other_unit.name not in page
    r = staff.post("/units/new/", {"name": "稻香园小学", "kind": "base", "org": world.sta1.pk,
                                   "services": "假期托管"})
    assert r.status_code == 302
    assert Unit.objects.filter(name="稻香园小学", org=world.sta1).exists()
    # a node outside the subtree is not a choice
    r = staff.post("/units/new/", {"name": "外单位", "kind": "base", "org": world.sta2.pk})
    assert r.status_code == 200 and not Unit.objects.filter(name="外单位").exists()
    assert logged_in(world.res1.user).get("/units/").status_code == 403
    assert logged_in(world.res1.user).get("/units/new/").status_code == 403
    assert logged_in(unit_user(unit)).get("/units/").status_code == 200


def test_a_unit_of_the_same_name_at_the_same_node_is_refused(world, unit):
    r = post(logged_in(world.sta1_staff), "/api/units",
             {**BODY, "name": unit.name, "org_id": world.sta1.pk})
    assert_error(r, 409, "duplicate_unit")
    assert Unit.objects.filter(name=unit.name).count() == 1
    assert unit_at(world.sta2, unit.name).pk  # another node may have one


def test_staff_open_an_account_for_a_unit_which_then_sees_only_its_own(world, unit,
                                                                      other_unit):
    from wenming.partners.models import UnitStaff

    body = {"username": "hospital2", "real_name": "钱主任", "mobile": "13700137000",
            "password": "Hosp@2026x"}
    assert post(logged_in(world.sta2_staff), f"/api/units/{unit.pk}/accounts",
                body).status_code == 404
    r = post(logged_in(world.sta1_staff), f"/api/units/{unit.pk}/accounts", body)
    assert r.status_code == 201, r.content
    assert_error(post(logged_in(world.sta1_staff), f"/api/units/{unit.pk}/accounts", body),
                 409, "duplicate_username")
    for bad in ({**body, "username": "x"}, {**body, "username": "new1", "mobile": "123"},
                {**body, "username": "new2", "mobile": "13700137001", "password": "123"},
                {**body, "username": "新用户", "mobile": "13700137002"}):
        assert post(logged_in(world.sta1_staff), f"/api/units/{unit.pk}/accounts",
                    bad).status_code in {400, 422}
    account = UnitStaff.objects.get(user__username="hospital2").user
    client = logged_in(account)
    assert [u["id"] for u in client.get("/api/units").json()["items"]] == [unit.pk]
    volunteers = client.get("/api/volunteers")
    assert volunteers.status_code == 403 or volunteers.json()["items"] == []
    r = logged_in(world.sta1_staff).post(f"/units/{unit.pk}/accounts/new/", {
        **body, "username": "hospital3", "mobile": "13700137009"})
    assert r.status_code == 302
    assert UnitStaff.objects.filter(unit=unit).count() == 3


def test_the_list_reads_a_page_of_units_in_a_fixed_number_of_queries(
        world, django_assert_max_num_queries):
    """Issue 10: `GET /api/units` asked per unit whether the caller is one of its accounts
    and for its members with their hours (44 queries for twenty)."""
    units = [unit_at(world.sta1, f"单位{i}", account=f"unit{i}") for i in range(6)]
    for u in units[:3]:
        UnitMember.objects.create(unit=u, volunteer=world.vol1, since=timezone.localdate())
    client = logged_in(world.center_staff)
    client.get("/api/units")
    with django_assert_max_num_queries(8):
        items = client.get("/api/units").json()["items"]
    assert len(items) == 6
    assert [len(i["members"]) for i in items] == [1, 1, 1, 0, 0, 0]
    assert "hours" not in items[0]["members"][0]  # the detail's, not the list's
    own = logged_in(unit_user(units[0])).get("/api/units").json()["items"]
    assert [u["id"] for u in own] == [units[0].pk]
    assert own[0]["contact_phone"] == "13800138000"  # its own account sees it whole
