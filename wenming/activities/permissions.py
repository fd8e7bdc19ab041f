"""Who may see and do what with activities and the hours ledger.

The scope reads (`*_for_user`, and `*_get_for_user` answering 404 outside the caller's scope)
and one capabilities object per entity, built by one function on `orgs.permissions`.
Services enforce the capabilities (403) and the workflows (409); pages, templates and the
API only read them, and `allowed_moves` lists the moves they allow from the current state.
"""

import datetime
from dataclasses import dataclass

from django.db.models import F, Q, QuerySet
from django.db.models.lookups import In
from django.utils import timezone

from wenming.core.errors import Forbidden, NotFound
from wenming.orgs.models import OrgNode
from wenming.orgs.permissions import (
    can_manage,
    is_platform_admin,
    is_staff_member,
    managed_nodes,
    roles_of,
    subtree_q,
)
from wenming.people.models import Volunteer
from wenming.teams.models import Team
from wenming.teams.permissions import led_team_ids

from .models import (
    ACTIVITY_FLOW,
    ENROLLMENT_FLOW,
    PROJECT_FLOW,
    RECORD_FLOW,
    Activity,
    ActivitySeries,
    Enrollment,
    Project,
    RecordState,
    ServiceRecord,
)
from .rules import (
    checkin_open,
    checkout_open,
    codes_expire,
    enrollment_open,
    insurance_ready,
    rules_for,
    scan_open,
    withdrawal_open,
)
from .selectors import unmet_requirements, volunteer_activity_state

# ---- scope reads ------------------------------------------------------------------------


def activities_for_user(user) -> QuerySet[Activity]:
    """Staff: their subtrees' activities. Volunteers and residents: activities of their own
    district (any published one, so they can find and join, and those they signed up for);
    leaders also their teams'."""
    qs = Activity.objects.select_related("org", "platform", "team", "leader")
    if is_platform_admin(user):
        return qs
    if is_staff_member(user):
        return qs.filter(subtree_q(user, "org__path") | Q(team_id__in=led_team_ids(user)))
    districts = {r.org.path.split("/")[1] for r in roles_of(user) if r.org}
    if not districts:
        return qs.none()
    in_district = Q()
    for d in districts:
        in_district |= Q(org__path__startswith=f"/{d}/")
    # A cancelled activity stays visible to those signed up: the inbox message links to it.
    signed_up = Enrollment.objects.filter(volunteer__user=user).values("activity_id")
    return qs.filter(in_district).filter(Q(status=Activity.Status.PUBLISHED) |
                                         Q(team_id__in=led_team_ids(user)) | Q(pk__in=signed_up))


def activity_get_for_user(user, activity_id: int, *, bare: bool = False) -> Activity:
    """The activity in the caller's scope, or 404. `bare`: the row alone, without its node,
    platform, team and leader (a sign-up needs none; a storm of them pays for each join)."""
    qs = activities_for_user(user)
    activity = (qs.select_related(None) if bare else qs).filter(pk=activity_id).first()
    if activity is None:
        raise NotFound()
    return activity


def records_for_user(user) -> QuerySet[ServiceRecord]:
    """Staff: records of their subtrees; leaders: of their teams' and led activities;
    a volunteer: their own. One queryset (for a line by id, or a short filtered list); a
    page of a long list reads `record_scope_parts` instead."""
    qs = ServiceRecord.objects.select_related("volunteer__user", "activity", "org__parent")
    terms = _record_scope_terms(user)
    if terms is None:
        return qs
    scope = Q(pk__in=[])
    for term in terms:
        scope |= term
    return qs.filter(scope)


def record_scope_parts(user, *, few: bool = False) -> list[QuerySet[ServiceRecord]]:
    """The same lines as `records_for_user`, one queryset per term, the subtree's first:
    each is served by its own index, where one OR of them is served by none (PostgreSQL
    sorted the district's million lines for a center's page of twenty, issue 10). `few`:
    the caller filters down to a few lines (the pending queue), so even a district's
    subtree is read through the org index rather than by walking ids."""
    qs = ServiceRecord.objects.select_related("volunteer__user", "activity", "org__parent")
    terms = _record_scope_terms(user, walk=not few)
    return [qs] if terms is None else [qs.filter(term) for term in terms]


def _record_scope_terms(user, walk: bool = False) -> list[Q] | None:
    """None: everything (a platform admin). Each term is on a ledger column an index starts
    with (org, volunteer, activity), the small sets as subqueries: an OR across joined
    tables (volunteer__user, org__path) made SQLite scan a million lines (issue 10)."""
    if is_platform_admin(user):
        return None
    if not user.is_authenticated:
        return []
    led = Q(leader=user) | Q(team_id__in=led_team_ids(user))
    terms = [Q(volunteer_id__in=Volunteer.objects.filter(user=user).values("pk")),
             Q(activity_id__in=Activity.objects.filter(led).values("pk"))]
    if is_staff_member(user):
        nodes = OrgNode.objects.filter(subtree_q(user, "path")).values("pk")
        dense = walk and _dense(user)
        terms.insert(0, Q(In(F("org_id") + 0, nodes)) if dense else Q(org_id__in=nodes))
    return terms


def _dense(user) -> bool:
    """Whether the staff member's subtree holds most of a district's ledger (they manage a
    center or an institute): then a page, newest first, is found soonest by walking the
    ledger's ids and skipping the few lines outside it, so the term is written not to use
    the org index (`org_id + 0`); through that index SQLite sorted 1,000,000 lines for
    twenty (issue 10). A station's few lines are read through the index."""
    return any(node.depth <= 1 for node in managed_nodes(user))


def with_reversals(records: list[ServiceRecord]) -> list[ServiceRecord]:
    """Tell each line whether a reversal corrects it (what `ServiceRecord.state` reads) by
    one more query instead of `select_related("reversed_by")`, which joins the ledger to
    itself and made SQLite's planner scan it. A reversal is the same volunteer's line, so
    the query goes by the volunteers' index: SQLite's statistics count the `reverses`
    index's million NULLs as one key and scanned the ledger for `reverses_id IN (...)`."""
    ids = [r.pk for r in records]
    found = {r.reverses_id: r for r in ServiceRecord.objects.filter(
        volunteer_id__in={r.volunteer_id for r in records}, reverses_id__in=ids).only(
        "id", "reverses_id", "status")} if ids else {}
    cache = ServiceRecord.reversed_by.related
    for r in records:
        cache.set_cached_value(r, found.get(r.pk))
    return records


def record_get_for_user(user, record_id: int) -> ServiceRecord:
    record = records_for_user(user).select_related("reversed_by").filter(pk=record_id).first()
    if record is None:
        raise NotFound()
    return record


# ---- who organises, publishes, reviews ----------------------------------------------------

def can_organise(user, org: OrgNode, team: Team | None) -> bool:
    """Staff of the node, or a leader of the organising team anchored at that node."""
    return can_manage(user, org) or (
        team is not None and team.org_id == org.pk and team.pk in led_team_ids(user))


def is_organiser(user, activity: Activity) -> bool:
    """Who runs an activity: its node's staff, its team's leader, its named leader."""
    return can_organise(user, activity.org, activity.team) or (
        user.is_authenticated and activity.leader_id == user.pk)


def require_organise(user, activity: Activity) -> None:
    if not is_organiser(user, activity):
        raise Forbidden()


def may_publish(user) -> bool:
    return is_staff_member(user) or bool(led_team_ids(user))


def may_review(user) -> bool:
    """Who has an approval queue at all (which lines they may decide is `record_caps`)."""
    return is_staff_member(user) or bool(led_team_ids(user))


# ---- activities -----------------------------------------------------------------------

@dataclass(frozen=True)
class ActivityCaps:
    """What one user may do with one activity now. The organiser's side: open the
    organiser page (`can_manage`, with the roster and the check-in code), edit, cancel,
    backfill a line, record the people served. The volunteer's side: sign up, withdraw,
    check in, check out."""

    can_manage: bool = False
    sees_roster: bool = False
    can_show_qr: bool = False
    can_edit: bool = False
    can_cancel: bool = False
    can_backfill: bool = False
    can_record_served: bool = False
    can_enroll: bool = False
    can_withdraw: bool = False
    can_checkin: bool = False
    can_checkout: bool = False
    can_scan: bool = False
    can_add_walk_in: bool = False
    can_issue_codes: bool = False
    can_group_entry: bool = False
    can_insure: bool = False

    @property
    def moves(self) -> list[str]:
        return [move for move, attr in ACTIVITY_MOVES if getattr(self, attr)]


# The moves' names, as the API's `allowed_moves` and the pages' `data-move` spell them.
ACTIVITY_MOVES = (("edit", "can_edit"), ("cancel", "can_cancel"), ("backfill", "can_backfill"),
                  ("enroll", "can_enroll"), ("withdraw", "can_withdraw"),
                  ("checkin", "can_checkin"), ("checkout", "can_checkout"),
                  ("scan", "can_scan"), ("walk_in", "can_add_walk_in"),
                  ("time_codes", "can_issue_codes"), ("group_entry", "can_group_entry"),
                  ("insure", "can_insure"))


def activity_caps(user, activity: Activity, *, standing: dict | None = None,
                  volunteer: Volunteer | None = None, as_volunteer: bool = True,
                  now: datetime.datetime | None = None) -> ActivityCaps:
    """`standing` is `volunteer_activity_state` for the caller's volunteer profile when the
    page has it already; otherwise it is read here. `as_volunteer=False` leaves the
    volunteer's side out (all False) for callers that ask only about organising."""
    now = now or timezone.now()
    organiser = _organiser_caps(user, activity, now)
    if not as_volunteer:
        return ActivityCaps(**organiser)
    if volunteer is None and user.is_authenticated:
        volunteer = Volunteer.objects.filter(user=user).first()
    if volunteer is None:
        return ActivityCaps(**organiser)
    if standing is None:
        standing = volunteer_activity_state(volunteer, activity)
    return ActivityCaps(**organiser, **_volunteer_caps(volunteer, activity, standing, now))


def _organiser_caps(user, activity: Activity, now: datetime.datetime) -> dict:
    if not is_organiser(user, activity):
        return {}
    is_open, ended = activity.is_open, activity.end <= now
    rules = rules_for(activity.org)
    return {
        "can_manage": True, "sees_roster": True, "can_show_qr": is_open,
        "can_edit": is_open, "can_backfill": is_open and ended,
        "can_record_served": is_open and ended,
        "can_cancel": cancellable(activity, now) and not activity.attendances.exists(),
        "can_scan": scan_open(activity, rules, now),
        "can_add_walk_in": is_open and not ended,
        "can_issue_codes": is_open and now < codes_expire(activity),
        "can_group_entry": is_open and ended,
        "can_insure": is_open and not ended,
    }


def cancellable(activity: Activity, now: datetime.datetime) -> bool:
    """The map allows it and it has not ended (what happened is recorded, not cancelled)."""
    return ACTIVITY_FLOW.can(activity.status, Activity.Status.CANCELLED) and activity.end > now


def _volunteer_caps(volunteer: Volunteer, activity: Activity, standing: dict,
                    now: datetime.datetime) -> dict:
    enrollment, attendance = standing["enrollment"], standing["attendance"]
    state = enrollment.status if enrollment else ""
    rules = rules_for(activity.org)
    return {
        "can_enroll": enrollment is None and enrollment_open(activity, now)
        and ENROLLMENT_FLOW.can(state, Enrollment.Status.ENROLLED)
        and not unmet_requirements(volunteer, activity),
        "can_withdraw": enrollment is not None
        and ENROLLMENT_FLOW.can(state, Enrollment.Status.CANCELLED)
        and withdrawal_open(state, activity, rules, now),
        "can_checkin": state == Enrollment.Status.ENROLLED and attendance is None
        and checkin_open(activity, rules, now) and insurance_ready(activity, rules),
        "can_checkout": attendance is not None and attendance.checkout_at is None
        and checkout_open(activity, rules, now) and not _counts(standing["record"]),
    }


def _counts(record: ServiceRecord | None) -> bool:
    return record is not None and RECORD_FLOW.in_group(record.state, "counts")


# ---- the hours ledger -------------------------------------------------------------------

@dataclass(frozen=True)
class RecordCaps:
    """What one user may do with one ledger line. `may_decide` is the authority to approve
    or reject whatever the state (a 403 without it); `can_approve`/`can_reject` add that the
    line is still pending. `needs_parent`: only staff of the node above the recording node
    decide it (over the daily cap, or recorded late where the district's rules say so).
    `undecided`: the line still waits for a decision."""

    may_decide: bool = False
    can_approve: bool = False
    can_reject: bool = False
    may_reverse: bool = False
    can_reverse: bool = False
    needs_parent: bool = False
    late: bool = False
    undecided: bool = False

    @property
    def moves(self) -> list[str]:
        return [move for move, attr in RECORD_MOVES if getattr(self, attr)]


RECORD_MOVES = (("approve", "can_approve"), ("reject", "can_reject"),
                ("reverse", "can_reverse"))


def record_caps(user, record: ServiceRecord) -> RecordCaps:
    parent = needs_parent(record)
    decides = _may_decide(user, record, parent)
    reverses = can_manage(user, record.org)
    state = record.state
    undecided = RECORD_FLOW.can(state, RecordState.APPROVED)
    return RecordCaps(
        may_decide=decides, needs_parent=parent, late=record.late, may_reverse=reverses,
        undecided=undecided, can_approve=decides and undecided,
        can_reject=decides and RECORD_FLOW.can(state, RecordState.REJECTED),
        can_reverse=reverses and record.kind != ServiceRecord.Kind.REVERSAL
        and RECORD_FLOW.can(state, RecordState.REVERSED))


def needs_parent(record: ServiceRecord) -> bool:
    """Over the daily cap (decided when written), or recorded late while the district's
    rules send late lines up (read now, so switching the rule applies to waiting lines)."""
    if record.needs_parent_approval:
        return True
    return record.late and rules_for(record.org).late_needs_parent_approval


def _may_decide(user, record: ServiceRecord, parent: bool) -> bool:
    """Leaders of the activity confirm ordinary lines; backfills and order lines need the
    node's staff; lines that need the parent need staff of the node above. Nobody decides
    their own line."""
    if not user.is_authenticated or record.volunteer.user_id == user.pk:
        return False
    if parent:
        return can_manage(user, record.org.parent or record.org)
    if can_manage(user, record.org):
        return True
    activity = record.activity
    return record.kind in LEADER_CONFIRMS and activity is not None and (
        activity.leader_id == user.pk or activity.team_id in led_team_ids(user))


# Lines the activity's leader saw happen (attendance, a code they handed out, a declaration
# about their activity); lines entered by a leader for others need the node's staff.
LEADER_CONFIRMS = frozenset({ServiceRecord.Kind.ATTENDANCE, ServiceRecord.Kind.TIME_CODE,
                             ServiceRecord.Kind.DECLARATION})


def allowed_moves(user, obj: Activity | ServiceRecord) -> list[str]:
    if isinstance(obj, ServiceRecord):
        return record_caps(user, obj).moves
    return activity_caps(user, obj).moves


# ---- projects -----------------------------------------------------------------------------

def projects_for_user(user) -> QuerySet[Project]:
    """Staff: projects of their subtrees (the node above approves, so it sees them); leaders:
    their teams' and their own proposals; volunteers and residents: their district's projects
    once recruiting."""
    qs = Project.objects.select_related("org__parent", "platform", "team")
    if is_platform_admin(user):
        return qs
    if not user.is_authenticated:
        return qs.none()
    own = Q(created_by=user) | Q(team_id__in=led_team_ids(user))
    if is_staff_member(user):
        return qs.filter(subtree_q(user, "org__path") | own)
    districts = {r.org.path.split("/")[1] for r in roles_of(user) if r.org}
    public = Q(pk__in=[])
    for d in districts:
        public |= Q(org__path__startswith=f"/{d}/", state__in=PUBLIC_PROJECT_STATES)
    return qs.filter(public | own)


PUBLIC_PROJECT_STATES = (Project.State.RECRUITING, Project.State.RUNNING, Project.State.CLOSED)


def project_get_for_user(user, project_id: int) -> Project:
    project = projects_for_user(user).filter(pk=project_id).first()
    if project is None:
        raise NotFound()
    return project


@dataclass(frozen=True)
class ProjectCaps:
    """What one user may do with one project now: the organiser (staff of its node or the
    leader of its team) edits, resubmits, recruits, runs and closes it; staff of the node
    above approve or reject a proposal (a platform admin for a district's own project)."""

    is_organiser: bool = False
    can_edit: bool = False
    can_approve: bool = False
    can_reject: bool = False
    can_resubmit: bool = False
    can_recruit: bool = False
    can_run: bool = False
    can_close: bool = False
    can_add_photo: bool = False

    @property
    def moves(self) -> list[str]:
        return [move for move, attr in PROJECT_MOVES if getattr(self, attr)]


PROJECT_MOVES = (("edit", "can_edit"), ("approve", "can_approve"), ("reject", "can_reject"),
                 ("resubmit", "can_resubmit"), ("recruit", "can_recruit"), ("run", "can_run"),
                 ("close", "can_close"))
# The state each move leads to (edit stays put).
PROJECT_TARGETS = {"approve": Project.State.APPROVED, "reject": Project.State.REJECTED,
                   "resubmit": Project.State.PROPOSED, "recruit": Project.State.RECRUITING,
                   "run": Project.State.RUNNING, "close": Project.State.CLOSED}


def may_approve_project(user, project: Project) -> bool:
    parent = project.org.parent
    if parent is None:
        return is_platform_admin(user)
    return can_manage(user, parent)


def project_caps(user, project: Project) -> ProjectCaps:
    organiser = can_organise(user, project.org, project.team) or (
        user.is_authenticated and project.created_by_id == user.pk and
        project.state in (Project.State.PROPOSED, Project.State.REJECTED))
    # Nobody approves their own proposal.
    approver = may_approve_project(user, project) and project.created_by_id != user.pk
    state = project.state

    def may(move: str, who: bool) -> bool:
        return who and PROJECT_FLOW.can(state, PROJECT_TARGETS[move])

    return ProjectCaps(
        is_organiser=organiser, can_edit=organiser and state != Project.State.CLOSED,
        can_approve=may("approve", approver), can_reject=may("reject", approver),
        can_resubmit=may("resubmit", organiser), can_recruit=may("recruit", organiser),
        can_run=may("run", organiser), can_close=may("close", organiser),
        can_add_photo=organiser and state in (Project.State.RUNNING, Project.State.CLOSED))


# ---- recurring activities (重复活动) -------------------------------------------------------

def series_get_for_user(user, series_id: int) -> ActivitySeries:
    """A series the user sees some occurrence of (its scope is its activities'), or 404."""
    if not activities_for_user(user).filter(series_id=series_id).exists():
        raise NotFound()
    return ActivitySeries.objects.select_related("org").get(pk=series_id)


@dataclass(frozen=True)
class SeriesCaps:
    can_update: bool  # change the remaining occurrences together
    can_cancel: bool  # cancel the remaining occurrences together

    @property
    def moves(self) -> list[str]:
        return [m for m in ("update", "cancel") if getattr(self, f"can_{m}")]


def series_caps(user, series: ActivitySeries, upcoming: list[Activity]) -> SeriesCaps:
    """An organiser of the series' next open occurrence may change or cancel the rest."""
    organises = bool(upcoming) and is_organiser(user, upcoming[0])
    return SeriesCaps(can_update=organises, can_cancel=organises)
