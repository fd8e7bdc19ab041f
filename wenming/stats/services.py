"""The stats app's writes: big-screen links, created and revoked by staff of the node."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.core.errors import Conflict, DomainError, Forbidden
from wenming.orgs.models import OrgNode
from wenming.people.models import User

from .models import ScreenLink
from .permissions import stats_caps

MAX_LIVE_LINKS = 20  # per node: a hall has a few screens, not hundreds


@transaction.atomic
def screen_link_create(*, by: User, org: OrgNode, label: str) -> ScreenLink:
    """A new random link to the node's big screen; staff of the node only."""
    if not stats_caps(by, org).manage_screens:
        raise Forbidden(_("只有本阵地的工作人员可以创建大屏链接"))
    label = (label or "").strip()
    if not label or len(label) > 60:
        raise DomainError(_("请填写大屏名称（60字以内）"), code="invalid_label")
    OrgNode.objects.select_for_update().filter(pk=org.pk).first()  # count under a lock
    if ScreenLink.objects.filter(org=org, revoked_at__isnull=True).count() >= MAX_LIVE_LINKS:
        raise Conflict(_("有效的大屏链接已达上限，请先撤销不用的链接"), code="too_many_links")
    return ScreenLink.objects.create(org=org, label=label, created_by=by)


@transaction.atomic
def screen_link_revoke(*, by: User, link: ScreenLink) -> ScreenLink:
    """The link stops working at once; a revoked link stays revoked."""
    if not stats_caps(by, link.org).manage_screens:
        raise Forbidden(_("只有本阵地的工作人员可以撤销大屏链接"))
    link = ScreenLink.objects.select_for_update().get(pk=link.pk)
    if link.revoked_at is not None:
        raise Conflict(_("该链接已撤销"), code="invalid_transition")
    link.revoked_at, link.revoked_by = timezone.now(), by
    link.save(update_fields=["revoked_at", "revoked_by"])
    return link
