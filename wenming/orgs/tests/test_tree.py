"""The org tree: which kinds sit where, materialized paths, subtree queries, bulk inserts."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wenming.orgs.models import OrgNode
from wenming.orgs.services import org_bulk_create, org_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def center():
    return org_create(kind="center", name="海淀区新时代文明实践中心")


def test_it_gives_a_root_a_path_of_its_own_id(center):
    assert center.path == f"/{center.id}/"
    assert center.depth == 0
    assert center.ancestor_ids == []


def test_it_builds_paths_and_depths_down_the_tree(center):
    inst = org_create(kind="institute", name="海淀街道实践所", parent=center)
    sta = org_create(kind="station", name="稻香园社区实践站", parent=inst)
    point = org_create(kind="point", name="稻香园驿站", parent=sta, point_type="post")
    assert point.path == f"/{center.id}/{inst.id}/{sta.id}/{point.id}/"
    assert [center.depth, inst.depth, sta.depth, point.depth] == [0, 1, 2, 3]
    assert point.ancestor_ids == [center.id, inst.id, sta.id]
    point.refresh_from_db()
    assert point.depth == 3 and point.point_type == "post"


def test_it_stores_the_name_stripped(center):
    assert org_create(kind="institute", name="  学院路街道实践所 ", parent=center).name \
        == "学院路街道实践所"


@pytest.mark.parametrize(("kind", "parent_kind"), [
    ("center", "center"),
    ("institute", "institute"),
    ("station", "center"),
    ("institute", "station"),
    ("point", "point"),
])
def test_it_refuses_a_kind_under_the_wrong_parent(center, kind, parent_kind):
    inst = org_create(kind="institute", name="所", parent=center)
    sta = org_create(kind="station", name="站", parent=inst)
    point = org_create(kind="point", name="点", parent=sta)
    parent = {"center": center, "institute": inst, "station": sta, "point": point}[parent_kind]
    before = OrgNode.objects.count()
    with pytest.raises(ValidationError) as exc:
        org_create(kind=kind, name="新阵地", parent=parent)
    assert exc.value.code == "invalid_parent"
    assert OrgNode.objects.count() == before


@pytest.mark.parametrize("kind", ["institute", "station", "point"])
def test_it_refuses_a_non_center_without_parent(kind):
    with pytest.raises(ValidationError):
        org_create(kind=kind, name="孤立阵地")
    assert not OrgNode.objects.exists()


@pytest.mark.parametrize("parent_kind", ["center", "institute", "station"])
def test_it_hangs_a_point_under_any_non_point(center, parent_kind):
    inst = org_create(kind="institute", name="所", parent=center)
    sta = org_create(kind="station", name="站", parent=inst)
    parent = {"center": center, "institute": inst, "station": sta}[parent_kind]
    assert org_create(kind="point", name="基地", parent=parent, point_type="base").parent == parent


def test_it_refuses_a_blank_name(center):
    with pytest.raises(ValidationError) as exc:
        org_create(kind="institute", name="   ", parent=center)
    assert exc.value.code == "invalid_name"
    assert OrgNode.objects.count() == 1


def test_it_selects_a_whole_subtree_in_one_query_whatever_the_depth(world):
    with CaptureQueriesContext(connection) as queries:
        under_inst1 = set(OrgNode.objects.filter(path__startswith=world.inst1.path)
                          .values_list("name", flat=True))
    assert len(queries) == 1
    assert under_inst1 == {world.inst1.name, world.sta1.name, world.sta1b.name}


def test_a_prefix_of_digits_does_not_leak_into_another_subtree(center):
    # /1/ must not match /12/: paths end with a slash for exactly this reason.
    nodes = [org_create(kind="institute", name=f"所{i}", parent=center) for i in range(12)]
    first = nodes[0]
    assert list(OrgNode.objects.filter(path__startswith=first.path)) == [first]


def test_contains_is_true_for_descendants_and_itself_only(world):
    assert world.center.contains(world.sta2)
    assert world.inst1.contains(world.sta1b)
    assert world.inst1.contains(world.inst1)
    assert not world.inst1.contains(world.sta2)
    assert not world.sta1.contains(world.inst1)


def test_it_bulk_creates_a_level_with_real_paths(center):
    institutes = org_bulk_create([OrgNode(kind="institute", name=f"所{i}", parent=center)
                                  for i in range(5)])
    stations = org_bulk_create([OrgNode(kind="station", name=f"站{i}", parent=inst)
                                for i, inst in enumerate(institutes)])
    for sta, inst in zip(stations, institutes, strict=True):
        sta.refresh_from_db()
        assert sta.path == f"{inst.path}{sta.id}/"
        assert sta.depth == 2
    assert OrgNode.objects.filter(path__startswith=center.path, kind="station").count() == 5


def test_it_bulk_creates_with_a_constant_number_of_queries(center):
    def insert(n):
        with CaptureQueriesContext(connection) as queries:
            org_bulk_create([OrgNode(kind="institute", name=f"所{i}", parent=center)
                             for i in range(n)])
        return len(queries)

    assert insert(3) == insert(60)


def test_bulk_create_refuses_a_wrong_level_and_writes_nothing(center):
    with pytest.raises(ValidationError):
        org_bulk_create([OrgNode(kind="institute", name="所", parent=center),
                         OrgNode(kind="station", name="站", parent=center)])
    assert OrgNode.objects.count() == 1
