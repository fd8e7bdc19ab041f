"""A selection from nomination to announcement over the API: the ranking proposes, staff
review (add, remove with a reason), publicity with objections (once per person, never after
the period), decisions, awards written on announcement; every step an event row."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from wenming.core.tests.helpers import assert_error
from wenming.honors.models import Award, Nominee, Objection, Selection, SelectionEvent
from wenming.honors.services import formula_update, working_days_after
from wenming.testing import logged_in

from .support import line, post

pytestmark = pytest.mark.django_db
API = "/api/selections"


@pytest.fixture
def ranked(world):
    today = timezone.localdate()
    for hours, v in ((9, world.vol1), (5, world.vol1b), (2, world.vol2)):
        line(v, hours, today)
    return world


def open_selection(world, **extra) -> dict:
    r = post(logged_in(world.center_staff), API, {
        "kind": "star", "org_id": world.center.pk, "period": "month", "top_n": 2, **extra})
    assert r.status_code == 201, r.content
    return r.json()


def close_publicity(selection_id: int) -> None:
    Selection.objects.filter(pk=selection_id).update(
        publicity_end=timezone.now() - datetime.timedelta(seconds=1))


def test_the_whole_flow(ranked):
    w, staff = ranked, logged_in(ranked.center_staff)
    s = open_selection(w)
    assert s["state"] == "nominated"
    assert [n["volunteer_id"] for n in s["nominees"]] == [w.vol1.pk, w.vol1b.pk]
    assert s["nominees"][0]["breakdown"]["hours"] == "9.00"
    assert set(s["allowed_moves"]) == {"review", "cancel"}
    sid = s["id"]
    # Review: add vol2 with a reason, remove vol1b with a reason.
    r = post(staff, f"{API}/{sid}/nominate", {"volunteer_id": w.vol2.pk, "reason": "抗疫表现突出"})
    assert r.status_code == 200, r.content
    r = post(staff, f"{API}/{sid}/nominate", {"volunteer_id": w.vol1b.pk, "remove": True,
                                              "reason": "本月有投诉"})
    assert r.status_code == 200, r.content
    assert post(staff, f"{API}/{sid}/review", {}).json()["state"] == "reviewed"
    s = post(staff, f"{API}/{sid}/publicize").json()
    assert s["state"] == "publicized"
    # An objection from a volunteer, then a decision.
    vol = logged_in(w.vol1b.user)
    public = vol.get(f"{API}/{sid}").json()
    assert {n["volunteer_id"] for n in public["nominees"]} == {w.vol1.pk, w.vol2.pk}
    assert public["nominees"][0]["name"] == w.vol1.real_name[0] + "志愿者"
    assert "object" in public["allowed_moves"]
    nominee = Nominee.objects.get(selection_id=sid, volunteer=w.vol2)
    r = post(vol, f"{API}/{sid}/objections", {"nominee_id": nominee.pk, "reason": "未见其服务"})
    assert r.status_code == 201, r.content
    assert "object" not in vol.get(f"{API}/{sid}").json()["allowed_moves"]
    assert_error(post(vol, f"{API}/{sid}/objections", {"reason": "再提一次"}), 409,
                 "already_objected")
    assert "announce" not in staff.get(f"{API}/{sid}").json()["allowed_moves"]
    assert_error(post(staff, f"{API}/{sid}/announce"), 409, "publicity_open")
    objection = Objection.objects.get()
    r = post(staff, f"{API}/{sid}/objections/{objection.pk}/decide",
             {"upheld": True, "reason": "经核实服务记录不足"})
    assert r.status_code == 200, r.content
    assert_error(post(staff, f"{API}/{sid}/announce"), 409, "publicity_open")  # still open
    close_publicity(sid)
    assert_error(post(logged_in(w.vol2.user), f"{API}/{sid}/objections", {"reason": "晚了"}),
                 409, "publicity_closed")
    s = staff.get(f"{API}/{sid}").json()
    assert s["allowed_moves"] == ["announce"]
    s = post(staff, f"{API}/{sid}/announce").json()
    assert s["state"] == "announced" and s["allowed_moves"] == []
    award = Award.objects.get()
    assert award.volunteer == w.vol1 and award.source == "selection"
    assert award.level == "district" and award.granting_unit == w.center.name
    actions = list(SelectionEvent.objects.filter(selection_id=sid).values_list("action",
                                                                                flat=True))
    assert actions == ["move", "add", "remove", "move", "move", "object", "decide", "move"]
    assert all(e.by_id for e in SelectionEvent.objects.filter(selection_id=sid))


def test_a_second_selection_of_the_same_period_is_409(ranked):
    open_selection(ranked)
    r = post(logged_in(ranked.center_staff), API, {"kind": "star", "org_id": ranked.center.pk,
                                                   "period": "month"})
    assert_error(r, 409, "selection_exists")
    assert Selection.objects.count() == 1


def test_team_selection_nominates_teams(world):
    from wenming.teams.models import Membership, Team

    team = Team.objects.create(name="一队", org=world.sta1)
    Membership.objects.create(team=team, volunteer=world.vol1, status="active")
    line(world.vol1, 4, timezone.localdate())
    r = post(logged_in(world.inst1_staff), API, {"kind": "advanced_team",
                                                 "org_id": world.inst1.pk, "period": "quarter"})
    assert r.status_code == 201, r.content
    assert [n["team_id"] for n in r.json()["nominees"]] == [team.pk]


@pytest.mark.parametrize("body,status,code", [
    ({"period": "fortnight"}, 400, "invalid_period"),
    ({"period": "all"}, 422, "invalid_period"),
    ({"date": "2099-01-01"}, 400, "date_out_of_range"),
    ({"kind": "best"}, 422, None),
    ({"top_n": 0}, 422, None),
    ({"extra": 1}, 422, None)])
def test_bad_selections_write_nothing(ranked, body, status, code):
    data = {"kind": "star", "org_id": ranked.center.pk, "period": "month", **body}
    assert_error(post(logged_in(ranked.center_staff), API, data), status, code)
    assert Selection.objects.count() == 0


def test_removing_needs_a_reason_and_adding_stays_in_scope(ranked):
    s = open_selection(ranked)
    staff = logged_in(ranked.inst1_staff)  # below the center: not theirs until publicized
    assert staff.get(f"{API}/{s['id']}").status_code == 404
    center = logged_in(ranked.center_staff)
    r = post(center, f"{API}/{s['id']}/nominate", {"volunteer_id": ranked.vol1.pk,
                                                    "remove": True, "reason": " "})
    assert_error(r, 422, "reason_required")
    assert not Nominee.objects.filter(removed=True).exists()


@pytest.mark.parametrize("who", ["inst2_staff", "sta2_staff", "vol2", "outsider"])
def test_sibling_subtree_and_outsiders_do_not_see_an_unpublished_selection(ranked, who):
    r = post(logged_in(ranked.inst1_staff), API, {"kind": "star", "org_id": ranked.inst1.pk,
                                                  "period": "month"})
    sid = r.json()["id"]
    person = getattr(ranked, who)
    client = logged_in(getattr(person, "user", person))
    assert client.get(f"{API}/{sid}").status_code == 404
    assert client.get(API).json()["count"] == 0
    assert post(client, f"{API}/{sid}/review").status_code == 404


def test_publicity_lasts_five_working_days_from_the_next_day():
    zone = timezone.get_default_timezone()
    friday = datetime.datetime(2026, 11, 27, 16, 0, tzinfo=zone)
    end = working_days_after(friday, 5)
    assert end == datetime.datetime(2026, 12, 5, 0, 0, tzinfo=zone)  # through Fri 4 Dec


def test_working_days_are_configurable_but_never_fewer_than_five(world):
    staff = logged_in(world.center_staff)
    with pytest.raises(ValidationError):
        formula_update(by=world.center_staff, node=world.center, publicity_days=4)
    formula_update(by=world.center_staff, node=world.center, publicity_days=7)
    assert staff.get("/honors/formula/").status_code == 200
