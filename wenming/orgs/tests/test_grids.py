"""Grids: polygon validation, point-in-grid lookup, the station that covers a place."""

import pytest
from django.core.exceptions import ValidationError

from wenming.orgs.models import Grid
from wenming.orgs.selectors import grid_for_point, nearest_station, station_for_point
from wenming.orgs.services import grid_create

pytestmark = pytest.mark.django_db

# A square around sta1 (39.981, 116.305), about 1.1 km a side.
SQUARE = [[39.976, 116.300], [39.976, 116.310], [39.986, 116.310], [39.986, 116.300]]


def test_it_creates_a_grid_with_its_bounding_box_and_managers(world):
    grid = grid_create(station=world.sta1, name="第一网格", polygon=SQUARE,
                       managers=[world.sta1_staff])
    grid.refresh_from_db()
    assert (grid.min_lat, grid.max_lat, grid.min_lng, grid.max_lng) == \
        (39.976, 39.986, 116.300, 116.310)
    assert list(grid.managers.all()) == [world.sta1_staff]


@pytest.mark.parametrize("polygon", [
    [],
    [[39.97, 116.30], [39.98, 116.31]],  # two corners
    [[39.97, 116.30], [39.97, 116.30], [39.97, 116.30]],  # no area
    [[39.97, 116.30], [39.98, 116.31], [39.97, 116.31], [39.98, 116.30]],  # a bow tie
    [[39.97, 116.30, 1.0], [39.98, 116.31, 1.0], [39.97, 116.31, 1.0]],  # three numbers
    [[39.97], [39.98], [39.99]],
    [["北", "京"], ["a", "b"], ["c", "d"]],
    None,
    "39.97,116.30",
])
def test_it_refuses_a_bad_polygon_and_writes_nothing(world, polygon):
    with pytest.raises(ValidationError) as exc:
        grid_create(station=world.sta1, name="坏网格", polygon=polygon)
    assert exc.value.code == "invalid_polygon"
    assert not Grid.objects.exists()


@pytest.mark.parametrize("node", ["center", "inst1"])
def test_it_refuses_a_grid_outside_a_station(world, node):
    with pytest.raises(ValidationError) as exc:
        grid_create(station=getattr(world, node), name="网格", polygon=SQUARE)
    assert exc.value.code == "invalid_station"


def test_it_finds_the_grid_containing_a_point(world):
    grid = grid_create(station=world.sta1, name="第一网格", polygon=SQUARE)
    assert grid_for_point(39.981, 116.305) == grid


def test_it_counts_the_border_as_inside(world):
    grid = grid_create(station=world.sta1, name="第一网格", polygon=SQUARE)
    assert grid_for_point(39.976, 116.305) == grid


def test_it_tells_apart_a_point_inside_the_box_but_outside_a_triangle(world):
    triangle = [[39.976, 116.300], [39.986, 116.300], [39.976, 116.310]]
    grid_create(station=world.sta1, name="三角网格", polygon=triangle)
    assert grid_for_point(39.985, 116.309) is None  # in the bounding box, past the hypotenuse
    assert grid_for_point(39.977, 116.301) is not None


def test_it_finds_no_grid_far_away(world):
    grid_create(station=world.sta1, name="第一网格", polygon=SQUARE)
    assert grid_for_point(31.23, 121.47) is None


def test_the_station_of_a_point_is_its_grids_station(world):
    # sta1b's grid lies over a place that is nearer to sta1: the grid wins.
    grid_create(station=world.sta1b, name="飞地网格", polygon=SQUARE)
    assert station_for_point(39.981, 116.305) == world.sta1b


def test_without_a_grid_the_nearest_station_covers_a_point(world):
    assert station_for_point(39.9951, 116.3521) == world.sta2
    assert station_for_point(39.9811, 116.3051) == world.sta1


def test_nearest_station_ignores_stations_without_coordinates_and_other_kinds(world):
    world.sta2.lat = world.sta2.lng = None
    world.sta2.save()
    # inst2 sits at (39.99, 116.35) but is not a station; sta2 has no position now.
    assert nearest_station(39.99, 116.35) in {world.sta1, world.sta1b}


def test_no_station_at_all_gives_none():
    assert station_for_point(39.98, 116.30) is None
