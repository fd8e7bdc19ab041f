"""Projects from proposal to close-out: every move through `project_move`, which checks the
caller's capabilities and the workflow and writes an event (who, when, from, to, why)."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.core.errors import Forbidden
from wenming.core.uploads import checked_image
from wenming.orgs.permissions import require_manage
from wenming.people.models import User, Volunteer

from .models import (
    PROJECT_FLOW,
    Activity,
    Project,
    ProjectEvent,
    ProjectPhoto,
    ServiceRecord,
)
from .permissions import PROJECT_TARGETS, project_caps

ZERO = Decimal("0")
MAX_PHOTOS = 12


def _event(project: Project, by: User | None, from_state: str, reason: str = "") -> None:
    ProjectEvent.objects.create(project=project, from_state=from_state,
                                to_state=project.state, by=by, reason=reason)


def project_proposed(project: Project, by: User) -> None:
    """The first event of a project created by `services.project_create`."""
    _event(project, by, "")


@transaction.atomic
def project_edit(*, by: User, project: Project, changes: dict) -> Project:
    """Title, summary and the brand label, until the project is closed; the brand label is
    the node's staff's call."""
    if not project_caps(by, project).can_edit:
        raise Forbidden(_("只有项目的组织者可以修改未结项的项目"))
    project = Project.objects.select_for_update().get(pk=project.pk)
    if "title" in changes:
        title = (changes["title"] or "").strip()
        if not 2 <= len(title) <= 100:
            raise ValidationError(_("名称应为2到100个字"), code="invalid_title")
        project.title = title
    if "description" in changes:
        project.description = (changes["description"] or "").strip()
    if "is_brand" in changes and bool(changes["is_brand"]) != project.is_brand:
        require_manage(by, project.org)
        project.is_brand = bool(changes["is_brand"])
    project.save(update_fields=["title", "description", "is_brand"])
    return project


@transaction.atomic
def project_move(*, by: User, project: Project, move: str, reason: str = "",
                 outcomes: str = "", people_served: int | None = None) -> Project:
    """Approve or reject (the node above), resubmit, recruit, run, close (the organiser).
    Rejecting needs a reason; closing needs the close-out report's outcomes."""
    if move not in PROJECT_TARGETS:
        raise ValidationError(_("未知的操作"), code="invalid_move")
    project = Project.objects.select_for_update(of=("self",)).select_related("org__parent").get(
        pk=project.pk)
    if not getattr(project_caps(by, project), f"can_{move}"):
        PROJECT_FLOW.check(project.state, PROJECT_TARGETS[move])  # 409 where the map forbids
        raise Forbidden()
    reason = (reason or "").strip()
    if move == "reject" and not reason:
        raise ValidationError(_("请填写不予立项的原因"), code="reason_required")
    from_state, project.state = project.state, PROJECT_TARGETS[move]
    fields = ["state"]
    if move == "close":
        _close_out(project, outcomes, people_served)
        fields += ["outcomes", "people_served", "closed_at"]
    project.save(update_fields=fields)
    _event(project, by, from_state, reason)
    return project


def _close_out(project: Project, outcomes: str, people_served: int | None) -> None:
    outcomes = (outcomes or "").strip()
    if not outcomes:
        raise ValidationError(_("结项须填写项目成效"), code="outcomes_required")
    if people_served is not None and not 0 <= people_served <= 100_000_000:
        raise ValidationError(_("服务对象人次不正确"), code="invalid_people_served")
    if people_served is None:  # by default what its activities recorded
        people_served = project.activities.aggregate(n=Sum("people_served"))["n"] or 0
    project.outcomes, project.people_served = outcomes, people_served
    project.closed_at = timezone.now()


@transaction.atomic
def project_photo_add(*, by: User, project: Project, image) -> ProjectPhoto:
    """A photo for the close-out report: checked by its bytes, stored under a random name."""
    if not project_caps(by, project).can_add_photo:
        raise Forbidden(_("项目实施或结项后，组织者可以上传照片"))
    if project.photos.count() >= MAX_PHOTOS:
        raise ValidationError(_("每个项目最多%(n)d张照片") % {"n": MAX_PHOTOS},
                              code="too_many_photos")
    return ProjectPhoto.objects.create(project=project, uploaded_by=by,
                                       image=checked_image(image, stem="project"))


# ---- reading ----------------------------------------------------------------------------

def project_totals(project: Project) -> dict:
    """What the project did, from its activities and the ledger: activities, volunteers who
    served, approved hours (net of reversals) and people served."""
    lines = ServiceRecord.objects.filter(activity__project=project,
                                         status=ServiceRecord.Status.APPROVED)
    acts = Activity.objects.filter(project=project).aggregate(
        n=Count("id", filter=Q(status=Activity.Status.PUBLISHED)), served=Sum("people_served"))
    return {"activities": acts["n"], "people_served": acts["served"] or 0,
            # net of reversals: a volunteer whose only line was reversed did not serve
            "volunteers": lines.values("volunteer").annotate(h=Sum("hours")).filter(
                h__gt=0).count(),
            "hours": lines.aggregate(h=Sum("hours"))["h"] or ZERO}


def project_volunteers(project: Project, limit: int = 50) -> list[Volunteer]:
    """Those who served, most hours first."""
    return list(Volunteer.objects.filter(
        records__activity__project=project, records__status=ServiceRecord.Status.APPROVED
    ).annotate(h=Sum("records__hours")).filter(h__gt=0).select_related("user").order_by(
        "-h", "id")[:limit])
