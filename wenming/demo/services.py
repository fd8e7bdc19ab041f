"""Loading the demo district, through the same services that pages and the API call."""

import importlib
import random
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from tqdm import tqdm

from wenming.activities.models import ServiceRecord
from wenming.core.bulk import foreign_keys_added_after
from wenming.orgs.boundaries import boundary_set, shipped_districts
from wenming.orgs.models import OrgNode, RoleAssignment
from wenming.orgs.services import grid_create, org_bulk_create, org_create, role_grant
from wenming.people.models import AvailabilitySlot, Resident, User, Volunteer
from wenming.people.services import (
    VolunteerInput,
    people_bulk_register,
    resident_register,
    volunteer_approve,
    volunteer_register,
)
from wenming.points.models import PointsAccount, PointsEntry, Redemption
from wenming.teams.models import Membership

from . import data
from .ledger import LEDGER_SIZES, LedgerSummary, load_ledger
from .plan import DemoPlan, NodeSpec
from .selectors import demo_counts, demo_exists

Role = RoleAssignment.Role
# Where the demo writes its hundreds of thousands of rows (foreign keys checked at the end).
BULK_TABLES = [User, Volunteer, Volunteer.skills.through, Volunteer.service_categories.through,
               AvailabilitySlot, Resident, RoleAssignment, Membership, ServiceRecord,
               PointsAccount, PointsEntry, Redemption]
BATCH = 2000
STILL_PENDING = 3  # per station that requires approval, left for staff to try approving


@dataclass
class DemoSummary:
    size: str
    counts: dict[str, int]
    accounts: list[tuple[str, str, str]]  # username, real name, role and node
    seconds: float
    ledger: LedgerSummary | None = None


def demo_create(*, size: str, progress: bool = False) -> DemoSummary | None:
    """Load the demo district of `size` ("small" or "district") in one transaction.

    Returns None, writing nothing, when the demo district is already there.
    """
    started = time.monotonic()
    with _page_cache(mib=256), transaction.atomic():
        if demo_exists():
            return None
        plan = DemoPlan(size)
        nodes = _create_tree(plan)
        users = _create_accounts(plan, nodes)
        _create_grids(plan, nodes, users)
        with foreign_keys_added_after(BULK_TABLES):
            _create_people(plan, nodes, progress)
            _approve_most_pending(plan, nodes, users["center"])
            ledger = _create_ledger(size, nodes, users["center"], progress)
            _seed_features(size=size, nodes=nodes, users=users)
    _analyze()
    accounts = [(u, users[u].real_name, _describe(u, users[u])) for u, *_ in data.ACCOUNTS]
    return DemoSummary(size, demo_counts(), accounts, time.monotonic() - started, ledger)


def _create_ledger(size: str, nodes: dict[str, OrgNode], center: User,
                   progress: bool) -> LedgerSummary:
    """Teams, two years of activities and approved hours, points, stores, redemptions."""
    sz = LEDGER_SIZES[size]
    with tqdm(total=sz.records, unit="条", desc="服务记录与积分", disable=not progress,
              mininterval=0.5) as bar:
        return load_ledger(size, nodes, center, progress=bar.update)


# The apps of the second round seed their own part of the district, in this order (a later
# one may read what an earlier one made), each through `wenming.<app>.demo.seed`.
FEATURE_APPS = ("activities", "records", "partners", "menu", "lectures", "rooms", "notices",
                "callups", "deliberation", "honors", "stats")


def _seed_features(*, size: str, nodes: dict[str, OrgNode], users: dict[str, User]) -> None:
    for app in FEATURE_APPS:
        try:
            module = importlib.import_module(f"wenming.{app}.demo")
        except ModuleNotFoundError:
            continue  # this app has nothing to seed
        module.seed(size=size, nodes=nodes, users=users, rng=random.Random(f"{app}-2026"))


def _node_fields(spec: NodeSpec) -> dict:
    return {
        "code": spec.key if spec.kind != OrgNode.Kind.POINT else "",
        "point_type": spec.point_type, "address": spec.address, "lat": spec.lat,
        "lng": spec.lng, "contact_name": spec.contact_name, "contact_phone": spec.contact_phone,
        "requires_volunteer_approval": spec.requires_volunteer_approval,
    }


def _create_tree(plan: DemoPlan) -> dict[str, OrgNode]:
    """Every node by its plan key: the center, then one bulk insert per level."""
    nodes = {plan.center.key: org_create(kind=OrgNode.Kind.CENTER, name=plan.center.name,
                                         **_node_fields(plan.center))}
    # Haidian's outline (region code 110108) from the Beijing districts shipped with the app.
    boundary_set(by=None, node=nodes[plan.center.key], data=shipped_districts(), source="beijing")
    levels = [plan.institutes, plan.stations, plan.points(plan.center),
              [p for inst in plan.institutes for p in plan.points(inst)],
              [p for station in plan.stations for p in plan.points(station)]]
    for specs in levels:
        created = org_bulk_create([
            OrgNode(kind=s.kind, name=s.name, parent=nodes[s.parent], **_node_fields(s))
            for s in specs])
        nodes.update(zip((s.key for s in specs), created, strict=True))
    return nodes


def _create_accounts(plan: DemoPlan, nodes: dict[str, OrgNode]) -> dict[str, User]:
    """The named demo accounts, each with a properly hashed password."""
    sta1_spec = plan.named_station(0)
    staff_at = {"center": plan.center, "inst1": plan.institutes[0], "inst2": plan.institutes[1],
                "sta1": sta1_spec, "sta2": plan.named_station(1)}
    users = {}
    for username, real_name, mobile, _role in data.ACCOUNTS:
        person = plan.named_people[username]
        if username == "admin":
            user = User.objects.create_superuser(username, "", data.PASSWORD,
                                                 real_name=real_name, mobile=mobile)
            role_grant(user=user, role=Role.ADMIN, org=None)
        elif username == "vol1":
            user = volunteer_register(data=VolunteerInput(
                real_name=real_name, id_number=person["id_number"], mobile=mobile,
                password=data.PASSWORD, station=nodes[sta1_spec.key], username=username,
                skills=["摄影", "急救", "驾驶"], service_categories=["culture", "health"],
                residence_area=sta1_spec.place, political_status="party_member",
                tags=["dual_report"], home_lat=round(sta1_spec.lat + 0.001, 6),
                home_lng=round(sta1_spec.lng - 0.001, 6),
                availability=[{"weekday": 5, "start": "09:00", "end": "12:00"},
                              {"weekday": 2, "start": "19:00", "end": "21:00"}])).user
        elif username == "res1":
            user = resident_register(
                real_name=real_name, mobile=mobile, password=data.PASSWORD,
                station=nodes[sta1_spec.key], address=f"{sta1_spec.place}3号楼2单元401",
                lat=round(sta1_spec.lat - 0.001, 6), lng=round(sta1_spec.lng + 0.001, 6),
                id_number=person["id_number"], is_elderly=True, username=username).user
        else:
            user = User.objects.create_user(username, password=data.PASSWORD,
                                            real_name=real_name, mobile=mobile)
            role_grant(user=user, role=Role.STAFF, org=nodes[staff_at[username].key])
        users[username] = user
    return users


def _create_grids(plan: DemoPlan, nodes: dict[str, OrgNode], users: dict[str, User]) -> None:
    """One rectangular grid per station; sta1 and sta2 look after their own."""
    managers = {plan.named_station(0).key: [users["sta1"]],
                plan.named_station(1).key: [users["sta2"]]}
    for spec in plan.stations:
        grid_create(station=nodes[spec.key], name=f"{spec.place}网格", polygon=spec.polygon,
                    managers=managers.get(spec.key, ()))


def _batched(rows: Iterable[dict], size: int) -> Iterator[list[dict]]:
    it = iter(rows)
    while batch := list(islice(it, size)):
        yield batch


def _create_people(plan: DemoPlan, nodes: dict[str, OrgNode], progress: bool) -> None:
    # One argon2 hash shared by every generated account: hashing per row would take hours.
    password_hash = make_password(data.PASSWORD)
    with tqdm(total=plan.size.volunteers + plan.size.residents, unit="人", desc="志愿者与群众",
              disable=not progress, mininterval=0.5) as bar:
        for batch in _batched(plan.volunteer_rows(), BATCH):
            people_bulk_register(password_hash=password_hash, volunteers=[
                VolunteerInput(**{**row, "station": nodes[row["station"]]}, password=None)
                for row in batch])
            bar.update(len(batch))
        for batch in _batched(plan.resident_rows(), BATCH):
            people_bulk_register(password_hash=password_hash, residents=[
                {**row, "station": nodes[row["station"]]} for row in batch])
            bar.update(len(batch))


def _approve_most_pending(plan: DemoPlan, nodes: dict[str, OrgNode], approver: User) -> None:
    """Stations that require approval: staff approved all but the latest few registrations."""
    for spec in plan.stations:
        if spec.requires_volunteer_approval:
            pending = Volunteer.objects.filter(station=nodes[spec.key],
                                               status=Volunteer.Status.PENDING).order_by("id")
            for volunteer in list(pending)[:-STILL_PENDING]:
                volunteer_approve(volunteer=volunteer, by=approver)


@contextmanager
def _page_cache(*, mib: int) -> Iterator[None]:
    """A bigger SQLite page cache while loading: the default 2 MiB keeps evicting the index
    pages that millions of inserts keep coming back to (200,000 ledger lines: 9.3 s with
    it, 5.2 s with 256 MiB). PostgreSQL has shared_buffers for that."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = {-mib * 1024}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


def _analyze() -> None:
    """Fresh planner statistics after a bulk load: SQLite gathers none by itself, and without
    them it joins the 100,000 volunteers to their stations the slow way round. On PostgreSQL
    the people's tables are vacuumed too, which sets the visibility map that index-only scans
    (the volunteer list's count: 18 ms instead of 41) need; the ledger's millions of rows are
    left to autovacuum."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        # VACUUM cannot run inside a transaction (as when the tests call the demo).
        if connection.vendor != "postgresql" or connection.in_atomic_block:
            return
        tables = [Volunteer._meta.db_table, User._meta.db_table]
        for _attempt in range(5):
            cursor.execute(f"VACUUM {', '.join(tables)}")
            # A snapshot older than the load (autovacuum analysing a table it saw change
            # during the load) keeps VACUUM from marking the pages all-visible: try again.
            cursor.execute("SELECT bool_and(relallvisible >= 0.9 * relpages) FROM pg_class "
                           "WHERE relname = ANY(%s)", [tables])
            if cursor.fetchone()[0]:
                return
            time.sleep(2)


def _describe(username: str, user: User) -> str:
    if username == "admin":
        return "平台管理员（也可登录 /admin/）"
    role = user.role_assignments.select_related("org").first()
    label = {Role.STAFF: "管理员", Role.VOLUNTEER: "志愿者", Role.RESIDENT: "群众"}[role.role]
    return f"{role.org.name} {label}"
