"""Volunteer insurance (《志愿服务条例》 Art. 17): an activity that needs cover opens check-in
only once a policy covering its whole period is recorded; everyone enrolled is covered (read
when asked, so it follows sign-ups); claims are recorded with their outcome."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.core.errors import Conflict, Forbidden
from wenming.orgs.permissions import can_manage
from wenming.people.models import User, Volunteer

from .models import CLAIM_FLOW, Activity, Enrollment, InsuranceClaim, InsurancePolicy
from .permissions import activity_caps, is_organiser


def covered(activity: Activity) -> QuerySet[Volunteer]:
    """Who the policy covers: the volunteers enrolled now."""
    return Volunteer.objects.filter(enrollments__activity=activity,
                                    enrollments__status=Enrollment.Status.ENROLLED)


def policy_of(activity: Activity) -> InsurancePolicy | None:
    return InsurancePolicy.objects.filter(activity=activity).first()


@transaction.atomic
def policy_record(*, by: User, activity: Activity, insurer: str, policy_no: str,
                  start: datetime.datetime, end: datetime.datetime) -> InsurancePolicy:
    """Record (or correct) the activity's policy before it ends. The period must cover the
    whole activity: a policy that starts late or ends early leaves volunteers uninsured."""
    if not activity_caps(by, activity, as_volunteer=False).can_insure:
        raise Forbidden(_("只有活动组织者可以在活动结束前录入保单"))
    insurer, policy_no = (insurer or "").strip(), (policy_no or "").strip()
    if not insurer or not policy_no:
        raise ValidationError(_("请填写保险公司和保单号"), code="invalid_policy")
    if timezone.is_naive(start) or timezone.is_naive(end) or end <= start:
        raise ValidationError(_("保障期限不正确（须带时区，结束晚于开始）"),
                              code="invalid_policy_period")
    if start > activity.start or end < activity.end:
        raise ValidationError(_("保障期限须覆盖整个活动时间"), code="policy_does_not_cover")
    policy, _created = InsurancePolicy.objects.update_or_create(
        activity=activity, defaults={"insurer": insurer[:100], "policy_no": policy_no[:64],
                                     "start": start, "end": end, "recorded_by": by})
    return policy


def _may_handle_claims(user: User, activity: Activity) -> bool:
    return is_organiser(user, activity) or can_manage(user, activity.org)


@transaction.atomic
def claim_file(*, by: User, activity: Activity, volunteer: Volunteer,
               incident: str) -> InsuranceClaim:
    """The organiser records a claim for a volunteer covered by the activity's policy."""
    if not _may_handle_claims(by, activity):
        raise Forbidden()
    policy = policy_of(activity)
    if policy is None:
        raise Conflict(_("本活动没有录入保单"), code="no_policy")
    if not covered(activity).filter(pk=volunteer.pk).exists():
        raise Conflict(_("该志愿者不在本活动的保障范围内"), code="not_covered")
    if not (incident or "").strip():
        raise ValidationError(_("请填写事故经过"), code="invalid_incident")
    return InsuranceClaim.objects.create(policy=policy, volunteer=volunteer,
                                         incident=incident.strip(), filed_by=by)


@transaction.atomic
def claim_decide(*, by: User, claim: InsuranceClaim, outcome: str,
                 amount: Decimal | None = None, note: str = "") -> InsuranceClaim:
    """Record how a claim ended: paid (with the amount), denied or withdrawn."""
    claim = InsuranceClaim.objects.select_for_update(of=("self",)).select_related(
        "policy__activity__org").get(pk=claim.pk)
    if not _may_handle_claims(by, claim.policy.activity):
        raise Forbidden()
    CLAIM_FLOW.check(claim.outcome, outcome)
    if outcome == InsuranceClaim.Outcome.PAID and (amount is None or amount <= 0):
        raise ValidationError(_("已赔付须填写赔付金额"), code="invalid_amount")
    claim.outcome, claim.note, claim.decided_at = outcome, (note or "").strip(), timezone.now()
    claim.amount = amount if outcome == InsuranceClaim.Outcome.PAID else None
    claim.save(update_fields=["outcome", "amount", "note", "decided_at"])
    return claim


def coverage_of(volunteer: Volunteer) -> QuerySet[InsurancePolicy]:
    """The policies covering a volunteer: of the activities they are enrolled in."""
    return InsurancePolicy.objects.filter(
        activity__enrollments__volunteer=volunteer,
        activity__enrollments__status=Enrollment.Status.ENROLLED).select_related(
        "activity").order_by("-activity__start")


# ---- the district's insured platforms (条例 Art. 17: by platform or category) ---------------

def insured_platforms_of(center) -> list[str]:
    from .rules import rules_for

    return list(rules_for(center).insured_platforms or [])


def may_set_insured_platforms(user, center) -> bool:
    """The district's rule: staff of the center (or a platform admin), not of a node below."""
    return center.kind == center.Kind.CENTER and can_manage(user, center)


@transaction.atomic
def insured_platforms_set(*, by: User, center, codes: list[str]) -> list[str]:
    """Set which service platforms' activities need a policy before check-in opens, for the
    whole district. Unknown or inactive platform codes are a 400; the district's rules row
    is created with the defaults if it has none."""
    from wenming.orgs.models import Platform

    from .models import ServiceRules

    if not may_set_insured_platforms(by, center):
        raise Forbidden(_("只有实践中心的管理员可以设置须投保的服务平台"))
    chosen = list(dict.fromkeys(str(c).strip() for c in codes or []))
    known = set(Platform.objects.filter(is_active=True, code__in=chosen).values_list(
        "code", flat=True))
    if unknown := [c for c in chosen if c not in known]:
        raise ValidationError(_("未知的服务平台：%(c)s") % {"c": "、".join(unknown[:10])},
                              code="unknown_platform")
    rules = ServiceRules.objects.select_for_update().filter(center=center).first() \
        or ServiceRules(center=center, star_thresholds=[])
    rules.insured_platforms = sorted(chosen)
    rules.save()
    return rules.insured_platforms
