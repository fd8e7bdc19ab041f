"""The district's insured platforms (条例 Art. 17 "by platform or category"): the center's
staff set them on a page and over the API; staff below see them; an activity on such a
platform then waits for a policy before check-in. Scope and bad input."""

import pytest

from wenming.activities.rules import needs_insurance, rules_for

from .test_support import platform_of, publish, tomorrow

pytestmark = pytest.mark.django_db


def put(client, org, platforms):
    return client.put(f"/api/orgs/{org.pk}/insured-platforms", {"platforms": platforms},
                      content_type="application/json")


def test_the_center_sets_them_and_an_activity_on_one_needs_cover(world, client_for):
    platform_of("health")
    r = put(client_for(world.center_staff), world.center, ["health"])
    assert r.status_code == 200, r.content
    assert r.json() == {"center_id": world.center.pk, "platforms": ["health"],
                        "allowed_moves": ["save"]}
    activity = publish(world.sta1_staff, world.sta1, start=tomorrow(9), platform="health")
    assert needs_insurance(activity, rules_for(world.sta1))
    below = client_for(world.sta1_staff).get(f"/api/orgs/{world.sta1.pk}/insured-platforms")
    assert below.json()["platforms"] == ["health"] and below.json()["allowed_moves"] == []


@pytest.mark.parametrize("persona", ["sta1_staff", "inst1_staff", "vol1"])
def test_only_the_centers_staff_change_them(world, client_for, persona):
    user = getattr(world, persona)
    r = put(client_for(getattr(user, "user", user)), world.sta1, ["health"])
    assert r.status_code in (403, 404)
    assert rules_for(world.center).insured_platforms in ([], None)


def test_another_district_gets_404(world, client_for):
    from .test_support import other_district

    staff, _volunteer = other_district()
    assert put(client_for(staff), world.center, []).status_code == 404
    assert client_for(staff).get(
        f"/api/orgs/{world.sta1.pk}/insured-platforms").status_code == 404


@pytest.mark.parametrize("body", [{"platforms": ["no-such"]}, {"platforms": "health"},
                                  {"platforms": [1]}, {}, {"platforms": ["health"], "x": 1}])
def test_bad_input_is_4xx_and_changes_nothing(world, client_for, body):
    platform_of("health")
    r = client_for(world.center_staff).put(f"/api/orgs/{world.center.pk}/insured-platforms",
                                           body, content_type="application/json")
    assert 400 <= r.status_code < 500
    assert rules_for(world.center).insured_platforms in ([], None)


def test_the_page_saves_for_the_center_and_reads_for_a_station(world, client_for):
    health = platform_of("health")
    center = client_for(world.center_staff)
    page = center.get("/activities/insurance-settings/").content.decode()
    assert 'data-move="save"' in page
    r = center.post("/activities/insurance-settings/", {"platforms": [health.code]})
    assert r.status_code == 302
    assert rules_for(world.center).insured_platforms == [health.code]
    station = client_for(world.sta1_staff).get("/activities/insurance-settings/")
    assert station.status_code == 200 and 'data-move="save"' not in station.content.decode()
    assert health.name in station.content.decode()
    assert client_for(world.sta1_staff).post("/activities/insurance-settings/", {
        "platforms": []}).status_code in (200, 400, 403)
    assert rules_for(world.center).insured_platforms == [health.code]
    assert client_for(world.vol1.user).get("/activities/insurance-settings/").status_code == 404
