"""The activity form's place is picked on a map (`place.js`), as the order form's is: the
picker is centred on the organiser's own node with its stations as dots, on the new and the
edit form alike."""

import json
import re

import pytest

from wenming.testing import logged_in

pytestmark = pytest.mark.django_db


def neighbours(html: str) -> list[str]:
    found = re.search(r'<script id="place-neighbours" type="application/json">(.*?)</script>',
                      html, re.S)
    return [n["name"] for n in json.loads(found.group(1))]


def test_the_new_activity_form_has_the_map_picker_at_the_organisers_station(world):
    r = logged_in(world.sta1_staff).get("/activities/new/")
    html = r.content.decode()
    assert r.status_code == 200 and "data-place-picker" in html
    assert "wenming/place.js" in html and "vendor/leaflet/leaflet.js" in html
    assert f'data-lat="{world.sta1.lat}"' in html
    assert neighbours(html) == [world.sta1.name]


def test_the_centers_staff_see_the_stations_of_their_whole_subtree(world):
    html = logged_in(world.center_staff).get("/activities/new/").content.decode()
    names = neighbours(html)
    assert world.sta1.name in names and world.sta2.name in names
