"""GET /api/volunteers: scope per persona, filters, masking, pagination, query counts."""

import re

import pytest

from wenming.core.masking import mask_id_number, mask_mobile
from wenming.core.tests.helpers import assert_chinese_error
from wenming.people.models import AuditLog, Skill
from wenming.people.services import volunteer_update
from wenming.people.tests.factories import volunteer_at

pytestmark = pytest.mark.django_db


def with_skill(volunteer, name: str):
    volunteer.skills.add(Skill.objects.get_or_create(name=name)[0])
    return volunteer


def listed(client, query: str = "") -> set[int]:
    response = client.get(f"/api/volunteers{query}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == len(body["items"])
    return {item["id"] for item in body["items"]}


def test_station_staff_see_their_station_only(world, client_for):
    assert listed(client_for(world.sta1_staff)) == {world.vol1.id}


def test_institute_staff_see_their_stations_and_not_a_sibling_institute(world, client_for):
    assert listed(client_for(world.inst1_staff)) == {world.vol1.id, world.vol1b.id}
    assert listed(client_for(world.inst2_staff)) == {world.vol2.id}


@pytest.mark.parametrize("persona", ["center_staff", "admin"])
def test_the_center_and_admins_see_everyone(world, client_for, persona):
    assert listed(client_for(getattr(world, persona))) == \
        {world.vol1.id, world.vol1b.id, world.vol2.id}


def test_a_volunteer_sees_only_themself(world, client_for):
    assert listed(client_for(world.vol1.user)) == {world.vol1.id}


@pytest.mark.parametrize("persona", ["res1", "outsider"])
def test_a_resident_or_outsider_sees_no_volunteer(world, client_for, persona):
    user = getattr(world, persona)
    assert listed(client_for(getattr(user, "user", user))) == set()


def test_anonymous_callers_are_401(world, client):
    assert_chinese_error(client.get("/api/volunteers"), 401, "not_authenticated")


def test_it_masks_mobiles_and_id_numbers_in_the_list(world, client_for):
    item = client_for(world.sta1_staff).get("/api/volunteers").json()["items"][0]
    mobile, number = world.vol1.user.mobile, world.vol1.id_number
    assert item["mobile"] == f"{mobile[:3]}****{mobile[-4:]}"
    assert item["id_number"] == f"{number[:3]}{'*' * 11}{number[-4:]}"
    assert mobile not in str(item) and number not in str(item)


def test_a_row_has_the_contract_fields(world, client_for):
    item = client_for(world.sta1_staff).get("/api/volunteers").json()["items"][0]
    assert {"id", "real_name", "mobile", "id_number", "station_id", "star_level",
            "total_hours"} <= set(item)
    assert item["station_id"] == world.sta1.id


def test_it_filters_by_an_org_within_the_subtree(world, client_for):
    client = client_for(world.inst1_staff)
    assert listed(client, f"?org={world.sta1b.id}") == {world.vol1b.id}


def test_it_refuses_to_filter_by_a_sibling_org(world, client_for):
    response = client_for(world.sta1_staff).get(f"/api/volunteers?org={world.sta1b.id}")
    assert_chinese_error(response, 404, "not_found")
    response = client_for(world.inst1_staff).get(f"/api/volunteers?org={world.inst2.id}")
    assert_chinese_error(response, 404, "not_found")


def test_a_volunteer_filtering_by_their_station_still_sees_only_themself(world, client_for):
    volunteer_at(world.sta1)
    assert listed(client_for(world.vol1.user), f"?org={world.sta1.id}") == {world.vol1.id}


def test_it_searches_by_name(world, client_for):
    other = volunteer_at(world.sta1)
    volunteer_update(volunteer=other, by=world.sta1_staff, changes={"real_name": "欧阳修文"})
    client = client_for(world.sta1_staff)
    assert listed(client, "?q=欧阳") == {other.id}
    assert listed(client, "?q=%25") == set()  # a LIKE wildcard is matched literally


def test_it_searches_by_a_whole_mobile_or_a_whole_id_number(world, client_for):
    client = client_for(world.inst1_staff)
    mobile = world.vol1b.user.mobile
    assert listed(client, f"?q={mobile}") == {world.vol1b.id}
    assert listed(client, f"?q=%2B86 {mobile[:3]}-{mobile[3:7]}-{mobile[7:]}") == {world.vol1b.id}
    assert listed(client, f"?q={world.vol1.id_number}") == {world.vol1.id}
    assert listed(client, f"?q={world.vol1.id_number.lower()}") == {world.vol1.id}


@pytest.mark.parametrize("part", [
    lambda w: w.vol1b.user.mobile[:3],  # a prefix rebuilt digit by digit
    lambda w: w.vol1b.user.mobile[:10],
    lambda w: w.vol1b.user.mobile[-4:],  # the shown tail
    lambda w: w.vol1.id_number[:17],
    lambda w: w.vol1.id_number[6:14],  # the birth date
    lambda w: w.vol1.id_number[-4:],
    lambda w: w.vol1.id_number + "0",
])
def test_part_of_a_number_matches_nothing_and_is_not_logged(world, client_for, part):
    assert listed(client_for(world.inst1_staff), f"?q={part(world)}") == set()
    assert not AuditLog.objects.exists()


def test_a_search_by_a_whole_number_is_audited_masked(world, client_for):
    client = client_for(world.inst1_staff)
    listed(client, f"?q={world.vol1b.user.mobile}")
    listed(client, f"?q={world.vol2.id_number}")  # outside the subtree: no match, still logged
    listed(client, "?q=测试")  # a name is no number
    logs = list(AuditLog.objects.order_by("id"))
    assert [(log.actor, log.action, log.detail["kind"]) for log in logs] == [
        (world.inst1_staff, "search_number", "mobile"),
        (world.inst1_staff, "search_number", "id_number")]
    assert logs[0].detail["searched"] == mask_mobile(world.vol1b.user.mobile)
    assert logs[1].detail["searched"] == mask_id_number(world.vol2.id_number)
    assert world.vol1b.user.mobile not in str(logs[0].detail)


def test_the_search_page_is_audited_and_matches_no_prefix_too(world, client_for):
    client = client_for(world.inst1_staff)
    page = client.get("/volunteers/", {"q": world.vol1b.user.mobile[:7]}).content.decode()
    assert world.vol1b.user.real_name not in page
    page = client.get("/volunteers/", {"q": world.vol1b.user.mobile}).content.decode()
    assert world.vol1b.user.real_name in page
    assert AuditLog.objects.get().action == "search_number"


def test_a_search_never_reaches_outside_the_subtree(world, client_for):
    client = client_for(world.sta1_staff)
    assert listed(client, f"?q={world.vol2.user.mobile}") == set()
    assert listed(client, f"?q={world.vol2.id_number}") == set()


def test_it_filters_by_skill_status_tag_and_political_status(world, client_for):
    medic = volunteer_at(world.sta1, political_status="party_member", tags=["veteran"])
    with_skill(medic, "急救")
    pending = volunteer_at(world.sta1, status="pending", tags=["student"])
    client = client_for(world.sta1_staff)
    assert listed(client, "?skill=急救") == {medic.id}
    assert listed(client, "?status=pending") == {pending.id}
    assert listed(client, "?tag=veteran") == {medic.id}
    assert listed(client, "?tag=vet") == set()
    assert listed(client, "?political_status=party_member") == {medic.id}


def test_it_paginates_newest_first(world, client_for):
    extra = [volunteer_at(world.sta1).id for _ in range(4)]
    client = client_for(world.sta1_staff)
    body = client.get("/api/volunteers?page=1&page_size=2").json()
    assert body["count"] == 5
    assert [item["id"] for item in body["items"]] == sorted(extra, reverse=True)[:2]
    assert client.get("/api/volunteers?page=9&page_size=2").json()["items"] == []


@pytest.mark.parametrize("query", ["?page_size=201", "?page=0", "?q=" + "张" * 51,
                                   "?org=abc", "?page=x"])
def test_bad_list_parameters_are_422(world, client_for, query):
    response = client_for(world.sta1_staff).get(f"/api/volunteers{query}")
    assert_chinese_error(response, 422, "invalid_input")


def test_a_page_of_fifty_costs_as_many_queries_as_a_page_of_one(world, client_for,
                                                               django_assert_num_queries):
    client = client_for(world.sta1_staff)
    # session, user, roles, the page, the page's approved hours, the district's rules, the count
    with django_assert_num_queries(7):
        assert len(client.get("/api/volunteers?page_size=50").json()["items"]) == 1
    for _ in range(60):
        volunteer_at(world.sta1)
    with django_assert_num_queries(7):
        assert len(client.get("/api/volunteers?page_size=50").json()["items"]) == 50


def test_filters_do_not_add_queries_per_row(world, client_for, django_assert_num_queries):
    for _ in range(30):
        with_skill(volunteer_at(world.sta1), "急救")
    client = client_for(world.inst1_staff)
    # session, user, roles, the org, the page, its hours, the rules, the count
    with django_assert_num_queries(8):
        body = client.get(f"/api/volunteers?org={world.sta1.id}&skill=急救&q=测试"
                          "&page_size=50").json()
    assert body["count"] == 30
    assert all(re.fullmatch(r"\d{3}\*{4}\d{4}", item["mobile"]) for item in body["items"])
