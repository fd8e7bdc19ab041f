"""The demo district's projects, insurance, time codes and e-cards (issue 14, parts 3–5).

`seed_activities_extras` runs after the ledger is loaded: projects at sta1 in every state
(the running and closed ones carry some of sta1's past activities, so their totals come from
the ledger), an upcoming insured activity with its policy and vol1 enrolled (so vol1 sees the
cover), a batch of time codes for it, and vol1's printed e-card. Everything goes through the
services; only the past activities are attached to projects by an update (publishing refuses
the past). A few dozen rows whatever the size: well under a second.
"""

import datetime

from django.utils import timezone

from wenming.orgs.models import OrgNode, Platform
from wenming.people.models import User, Volunteer

from . import insurance, projects, recording, services
from .models import Activity, Project


def _node_of(user: User) -> OrgNode:
    return user.role_assignments.select_related("org").first().org


def seed_activities_extras(*, size: str, nodes: dict[str, OrgNode], users: dict[str, User],
                           rng) -> None:
    # The ledger's loader signs volunteers up in bulk, past the services: count them once.
    services.enrolled_counts_refresh()
    station, staff, approver = _node_of(users["sta1"]), users["sta1"], users["inst1"]
    platform = Platform.objects.filter(is_active=True).order_by("order", "id").first()
    _projects(station, staff, approver, platform)
    vol1 = Volunteer.objects.filter(user=users["vol1"]).first()
    insured = _insured_activity(station, staff, platform, vol1)
    recording.time_codes_issue(by=staff, activity=insured, count=20)
    if vol1 is not None:
        recording.ecard_print(by=vol1.user, volunteer=vol1)


PATHS = {
    "proposed": ("社区书香角共建", []),
    "rejected": ("广场舞噪音劝导", ["reject"]),
    "approved": ("老旧小区加装电梯议事", ["approve"]),
    "recruiting": ("银龄陪伴·一村一品", ["approve", "recruit"]),
    "running": ("垃圾分类桶前值守", ["approve", "recruit", "run"]),
    "closed": ("暑期托管小课堂", ["approve", "recruit", "run", "close"]),
}


def _projects(station: OrgNode, staff: User, approver: User, platform: Platform) -> None:
    past = list(Activity.objects.filter(org=station, end__lt=timezone.now(),
                                        project__isnull=True).order_by("-start")
                .values_list("pk", flat=True)[:12])
    for n, (state, (title, moves)) in enumerate(PATHS.items()):
        project = services.project_create(
            by=staff, title=title, platform=platform, org=station, is_brand=state == "recruiting",
            description=f"{title}：由社区实践站组织志愿者常态化开展。")
        if state in ("running", "closed"):  # their past activities, before closing
            Activity.objects.filter(pk__in=past[(n - 4) * 6:(n - 3) * 6]).update(project=project)
        for move in moves:
            by = approver if move in ("approve", "reject") else staff
            project = projects.project_move(
                by=by, project=project, move=move, reason="预算和安全预案不完善" if move == "reject"
                else "", outcomes="开设课堂24次，服务辖区学生300余人次，家长满意度98%。")
    Project.objects.filter(state="closed", org=station).update(people_served=320)


def _insured_activity(station: OrgNode, staff: User, platform: Platform,
                      vol1: Volunteer | None) -> Activity:
    start = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0) + \
        datetime.timedelta(days=3)
    activity = services.activity_publish(
        by=staff, org=station, platform=platform, title="河道清洁志愿服务（需投保）",
        address="稻香园北侧万泉河步道", lat=station.lat or 39.98, lng=station.lng or 116.30,
        start=start, end=start + datetime.timedelta(hours=3), quota=30, needs_insurance=True,
        content="沿河步道捡拾垃圾、清理水面漂浮物。涉水作业，已为志愿者投保意外险。")
    if vol1 is not None:
        services.enrollment_create(volunteer=vol1, activity=activity)
    insurance.policy_record(by=staff, activity=activity, insurer="中国人民财产保险股份有限公司",
                            policy_no="PZAC2026110800001", start=start - datetime.timedelta(hours=2),
                            end=start + datetime.timedelta(hours=6))
    return activity


seed = seed_activities_extras  # the name `wenming.demo` calls for a feature app
