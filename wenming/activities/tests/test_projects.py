"""Projects from proposal to close-out: the API and pages, parity of moves (page buttons =
API allowed_moves = service outcome) for every persona and state, totals from the ledger,
close-out photos served only in scope, bad input writing nothing."""

import io
import json
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from PIL import Image

from wenming.activities import projects, services
from wenming.activities.models import Project, ProjectEvent, ProjectPhoto
from wenming.activities.permissions import project_get_for_user
from wenming.activities.tests.test_support import (
    other_district,
    pending_record,
    platform_of,
    post,
    publish,
    tomorrow,
)
from wenming.core.errors import DomainError
from wenming.core.tests.helpers import assert_chinese_error
from wenming.testing import logged_in

pytestmark = pytest.mark.django_db


def png() -> bytes:
    data = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(data, "PNG")
    return data.getvalue()


def patch(client, url, data):
    return client.patch(url, json.dumps(data), content_type="application/json")


def propose(client, org, **fields):
    return post(client, "/api/projects", {"title": "银龄陪伴", "org_id": org.id, **fields})


def test_a_project_goes_from_proposal_to_close_out(world, client_for):
    station = client_for(world.sta1_staff)
    response = propose(station, world.sta1, summary="为独居老人提供陪伴")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["state"], body["allowed_moves"]) == ("proposed", ["edit"])
    url = f"/api/projects/{body['id']}"
    # The station cannot approve its own; the institute above does.
    assert_chinese_error(patch(station, url, {"state": "approved"}), 403)
    institute = client_for(world.inst1_staff)
    assert patch(institute, url, {"state": "approved"}).json()["state"] == "approved"
    assert patch(station, url, {"state": "recruiting"}).json()["state"] == "recruiting"
    project = Project.objects.get(pk=body["id"])
    activity = publish(world.sta1_staff, world.sta1, start=tomorrow(9), project=project)
    assert patch(station, url, {"state": "running"}).json()["state"] == "running"
    line = pending_record(world.vol1, world.sta1, "2.5", activity=activity, kind="attendance")
    services.record_approve(by=world.sta1_staff, record=line)
    assert_chinese_error(patch(station, url, {"state": "closed"}), 422, "outcomes_required")
    closed = patch(station, url, {"state": "closed", "outcomes": "陪伴老人120人次",
                                  "people_served": 120}).json()
    assert closed["state"] == "closed" and closed["report"]["people_served"] == 120
    assert closed["totals"] == {"activities": 1, "people_served": 0, "volunteers": 1,
                                "hours": 2.5}
    assert [h["to"] for h in closed["history"]] == ["proposed", "approved", "recruiting",
                                                    "running", "closed"]
    assert_chinese_error(patch(station, url, {"state": "running"}), 409, "invalid_transition")


def test_a_rejected_proposal_is_resubmitted_with_the_reason_kept(world, client_for):
    body = propose(client_for(world.sta1_staff), world.sta1).json()
    url = f"/api/projects/{body['id']}"
    institute = client_for(world.inst1_staff)
    assert_chinese_error(patch(institute, url, {"state": "rejected"}), 422, "reason_required")
    assert patch(institute, url, {"state": "rejected", "reason": "预算不明"}).json()[
        "state"] == "rejected"
    again = patch(client_for(world.sta1_staff), url, {"state": "proposed"}).json()
    assert again["state"] == "proposed"
    assert [h["reason"] for h in again["history"]] == ["", "预算不明", ""]


def test_a_district_project_is_approved_by_a_platform_admin(world, client_for):
    body = propose(client_for(world.center_staff), world.center).json()
    url = f"/api/projects/{body['id']}"
    assert_chinese_error(patch(client_for(world.center_staff), url, {"state": "approved"}), 403)
    assert patch(client_for(world.admin), url, {"state": "approved"}).json()["state"] == \
        "approved"


def test_activities_are_published_only_in_an_open_project(world):
    project = services.project_create(by=world.sta1_staff, title="邻里守望",
                                      platform=platform_of("health"), org=world.sta1)
    with pytest.raises(DomainError):
        publish(world.sta1_staff, world.sta1, start=tomorrow(9), project=project)


def test_bad_input_writes_nothing(world, client_for):
    client = client_for(world.sta1_staff)
    for body in ({"title": "x", "org_id": world.sta1.id}, {"title": "银龄陪伴"},
                 {"title": "银龄陪伴", "org_id": "abc"}, {"title": "银龄陪伴", "org_id": 2**70},
                 {"title": "银龄陪伴", "org_id": world.sta1.id, "platform": "nope"},
                 {"title": "银龄陪伴", "org_id": world.sta1.id, "extra": 1}):
        assert 400 <= post(client, "/api/projects", body).status_code < 500, body
    assert not Project.objects.exists()
    body = propose(client, world.sta1).json()
    for change in ({"state": "flying"}, {"people_served": -1}, {"title": "y"}):
        assert 400 <= patch(client, f"/api/projects/{body['id']}", change).status_code < 500
    assert Project.objects.get().title == "银龄陪伴"
    assert ProjectEvent.objects.count() == 1


def test_projects_stay_in_scope(world, client_for):
    body = propose(client_for(world.sta1_staff), world.sta1).json()
    url = f"/api/projects/{body['id']}"
    for user in (world.sta2_staff, world.outsider, other_district()[0]):
        assert client_for(user).get(url).status_code == 404
        assert client_for(user).get(f"/projects/{body['id']}/").status_code == 404
        assert body["id"] not in [p["id"] for p in client_for(user).get(
            "/api/projects").json()["items"]]
    assert_chinese_error(propose(client_for(world.sta2_staff), world.sta1), 404)
    # A volunteer sees a project once it recruits, not a proposal.
    assert client_for(world.vol1.user).get(url).status_code == 404
    Project.objects.filter(pk=body["id"]).update(state="recruiting")
    assert client_for(world.vol1.user).get(url).json()["allowed_moves"] == []
    assert client_for(world.vol2.user).get(url).status_code == 200  # same district


def test_the_project_pages_propose_move_and_show_photos_in_scope(world, client_for):
    station = client_for(world.sta1_staff)
    response = station.post("/projects/new/", {
        "title": "邻里守望", "org": world.sta1.id, "platform": platform_of("health").id,
        "description": "夜间巡逻"})
    assert response.status_code == 302, response.content.decode()[:500]
    project = Project.objects.get()
    assert "邻里守望".encode() in station.get("/projects/").content
    institute = client_for(world.inst1_staff)
    assert b'data-move="approve"' in institute.get(f"/projects/{project.id}/").content
    institute.post(f"/projects/{project.id}/move/", {"move": "approve"})
    for move in ("recruit", "run"):
        station.post(f"/projects/{project.id}/move/", {"move": move})
    project.refresh_from_db()
    assert project.state == "running"
    upload = SimpleUploadedFile("a.png", png(), content_type="image/png")
    station.post(f"/projects/{project.id}/photos/", {"image": upload})
    photo = ProjectPhoto.objects.get()
    url = f"/projects/{project.id}/photos/{photo.id}/"
    assert station.get(url).status_code == 200
    assert client_for(world.sta2_staff).get(url).status_code == 404
    fake = SimpleUploadedFile("b.png", b"<html>not an image</html>", content_type="image/png")
    station.post(f"/projects/{project.id}/photos/", {"image": fake})
    assert ProjectPhoto.objects.count() == 1
    station.post(f"/projects/{project.id}/move/", {"move": "close", "outcomes": "巡逻50次"})
    project.refresh_from_db()
    assert project.state == "closed" and project.outcomes == "巡逻50次"
    assert "结项报告".encode() in station.get(f"/projects/{project.id}/").content


# ---- parity: persona × project state ---------------------------------------------------------

PERSONAS = ["admin", "center_staff", "inst1_staff", "inst2_staff", "sta1_staff", "sta2_staff",
            "vol1", "res1", "outsider"]
MOVE = re.compile(r'data-move="([a-z_]+)"')
STATES = ["proposed", "rejected", "approved", "recruiting", "running", "closed"]


class Rollback(Exception):
    pass


def succeeds(call) -> bool:
    try:
        with transaction.atomic():
            call()
            raise Rollback
    except Rollback:
        return True
    except (DomainError, ValidationError):
        return False


def project_in(state: str, world) -> Project:
    project = services.project_create(by=world.sta1_staff, title="银龄陪伴",
                                      platform=platform_of("health"), org=world.sta1)
    path = {"rejected": ["reject"], "approved": ["approve"], "recruiting": ["approve", "recruit"],
            "running": ["approve", "recruit", "run"],
            "closed": ["approve", "recruit", "run", "close"]}.get(state, [])
    for move in path:
        by = world.inst1_staff if move in ("approve", "reject") else world.sta1_staff
        project = projects.project_move(by=by, project=project, move=move, reason="理由",
                                        outcomes="成效")
    return project


def outcomes(user, project_id: int) -> set[str]:
    def fetched():
        return project_get_for_user(user, project_id)
    calls = {"edit": lambda: projects.project_edit(by=user, project=fetched(),
                                                   changes={"title": "银龄陪伴（二期）"})}
    for move in ("approve", "reject", "resubmit", "recruit", "run", "close"):
        calls[move] = lambda m=move: projects.project_move(
            by=user, project=fetched(), move=m, reason="理由", outcomes="成效")
    return {move for move, call in calls.items() if succeeds(call)}


EXPECTED = {
    ("proposed", "sta1_staff"): {"edit"},
    ("proposed", "inst1_staff"): {"edit", "approve", "reject"},
    ("proposed", "center_staff"): {"edit", "approve", "reject"},
    ("proposed", "inst2_staff"): set(),
    ("rejected", "sta1_staff"): {"edit", "resubmit"},
    ("approved", "sta1_staff"): {"edit", "recruit"},
    ("recruiting", "vol1"): set(),
    ("running", "sta1_staff"): {"edit", "close"},
    ("closed", "sta1_staff"): set(),
    ("closed", "admin"): set(),
}


@pytest.mark.parametrize("state", STATES)
def test_project_moves_agree_for_every_persona(world, state):
    project = project_in(state, world)
    seen = {}
    for name in PERSONAS:
        user = getattr(world, name)
        user = getattr(user, "user", user)
        client = logged_in(user)
        page = client.get(f"/projects/{project.id}/")
        page_moves = set(MOVE.findall(page.content.decode())) if page.status_code == 200 \
            else set()
        api = client.get(f"/api/projects/{project.id}")
        api_moves = set(api.json()["allowed_moves"]) if api.status_code == 200 else set()
        done = outcomes(user, project.id)
        assert page_moves == api_moves == done, (state, name, page_moves, api_moves, done)
        seen[name] = done
    for (expected_state, name), moves in EXPECTED.items():
        if expected_state == state:
            assert seen[name] == moves, (state, name, seen[name])


def test_totals_count_approved_hours_net_of_reversals(world):
    project = project_in("running", world)
    activity = publish(world.sta1_staff, world.sta1, start=tomorrow(9), project=project)
    kept = pending_record(world.vol1, world.sta1, 3, activity=activity, kind="attendance")
    gone = pending_record(world.vol1b, world.sta1, 2, activity=activity, kind="attendance")
    for line in (kept, gone):
        services.record_approve(by=world.sta1_staff, record=line)
    services.record_reverse(by=world.sta1_staff, record=gone, reason="未到场")
    totals = projects.project_totals(project)
    assert (totals["hours"], totals["volunteers"]) == (Decimal("3.00"), 1)
