"""Every write of call-ups: publishing (with its shifts), the push to matching volunteers in
batches, signing up within quota, withdrawing, closing and cancelling.

The push (`fanout_batch`) goes in volunteer-id order, 1,000 at a time: each batch is read
outside any transaction and written in one short transaction that locks only the call-up row
and remembers where it stopped, so it never reaches anyone twice, resumes after a crash, and
holds SQLite's one writer lock only for the inserts while the web serves pages.
A sign-up locks its shift's row and counts again inside the transaction (409 `quota_full`,
`already_signed_up`), backed by a unique constraint.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.core.errors import Conflict, Forbidden, NotFound
from wenming.geo import haversine_km
from wenming.inbox.services import notify_user_ids
from wenming.orgs.models import OrgNode
from wenming.orgs.permissions import can_manage
from wenming.people.models import User, Volunteer

from .models import MOVES, WORKFLOW, Callup, CallupEvent, Shift, Signup, State
from .permissions import callup_caps

S = State
BATCH = 500  # volunteers per push batch: one short write transaction each
MAX_SHIFTS = 20
KM_PER_DEGREE = 111.0


def _require(allowed: bool, message=None) -> None:
    if not allowed:
        raise Forbidden(message)


def _text(value: str, name: str, low: int, high: int) -> str:
    value = (value or "").strip()
    if not low <= len(value) <= high:
        raise ValidationError(_("%(name)s应为%(low)d到%(high)d个字") % {
            "name": name, "low": low, "high": high}, code="invalid_text")
    return value


def _clean_shifts(shifts: list[dict]) -> list[dict]:
    if not 1 <= len(shifts) <= MAX_SHIFTS:
        raise ValidationError(_("班次应为1到%(n)d个") % {"n": MAX_SHIFTS}, code="invalid_shifts")
    now = timezone.now()
    for s in shifts:
        start, end, quota = s.get("start"), s.get("end"), s.get("quota")
        if not isinstance(start, datetime.datetime) or not isinstance(end, datetime.datetime):
            raise ValidationError(_("班次时间不正确"), code="invalid_time")
        if end <= start:
            raise ValidationError(_("班次结束时间应晚于开始时间"), code="invalid_time")
        if end <= now:
            raise ValidationError(_("班次不能在过去"), code="in_past")
        if end - start > datetime.timedelta(hours=24):
            raise ValidationError(_("一个班次不能超过24小时"), code="too_long")
        if not isinstance(quota, int) or not 1 <= quota <= 100_000:
            raise ValidationError(_("每班需要人数应为1到100000"), code="invalid_quota")
    return sorted(shifts, key=lambda s: s["start"])


def _clean_skills(skills: list[str]) -> list[str]:
    skills = sorted({(s or "").strip() for s in skills or []} - {""})
    if len(skills) > 10 or any(len(s) > 30 for s in skills):
        raise ValidationError(_("技能最多10项，每项不超过30字"), code="invalid_skills")
    return skills


def callup_transition(callup: Callup, to: str, *, by: User | None, reason: str = "",
                      only_from=None) -> Callup:
    WORKFLOW.check(callup.state, to, only_from=only_from)
    from_state = callup.state
    callup.state = to
    callup.save(update_fields=["state"])
    CallupEvent.objects.create(callup=callup, from_state=from_state, to_state=to, by=by,
                               reason=reason)
    return callup


@transaction.atomic
def callup_publish(*, by: User, org: OrgNode, title: str, text: str, shifts: list[dict],
                   skills: list[str] | None = None, place: str = "",
                   radius_km: float | None = None) -> Callup:
    """Staff publish an urgent need with its shifts; once it commits, the task worker pushes
    it to every matching volunteer's inbox (`tasks.fan_out`)."""
    _require(can_manage(by, org), _("只能在本辖区发布招募令"))
    if radius_km is not None and not 0.1 <= radius_km <= 100:
        raise ValidationError(_("范围应为0.1到100公里"), code="invalid_radius")
    shifts = _clean_shifts(shifts)
    callup = Callup.objects.create(
        org=org, title=_text(title, _("标题"), 2, 60), text=_text(text, _("需求说明"), 2, 2000),
        place=(place or "").strip()[:200], skills=_clean_skills(skills or []),
        radius_km=radius_km, created_by=by, state="")
    Shift.objects.bulk_create([Shift(callup=callup, start=s["start"], end=s["end"],
                                     quota=s["quota"]) for s in shifts])
    callup_transition(callup, S.PUBLISHED, by=by)
    from .tasks import fan_out

    callup_id = callup.pk
    transaction.on_commit(lambda: fan_out.enqueue(callup_id))
    return callup


@transaction.atomic
def callup_move(*, by: User, callup: Callup, move: str, reason: str = "") -> Callup:
    """Close (enough people, or it is over) or cancel (no longer needed: those signed up are
    told)."""
    if move not in MOVES:
        raise ValidationError(_("未知的操作"), code="invalid_move")
    callup = Callup.objects.select_for_update(of=("self",)).select_related("org").get(
        pk=callup.pk)
    _require(getattr(callup_caps(by, callup), f"can_{move}"))
    to, only_from = MOVES[move]
    callup_transition(callup, to, by=by, reason=(reason or "").strip()[:1000],
                      only_from=only_from)
    if move == "cancel":
        users = list(Signup.objects.filter(shift__callup=callup, withdrawn_at__isnull=True)
                     .values_list("volunteer__user_id", flat=True).distinct())
        notify_user_ids(user_ids=users, title=_("招募令已撤销：%(t)s") % {"t": callup.title},
                        body=reason, url=f"/callups/{callup.pk}/")
    return callup


# ---- the push ------------------------------------------------------------------------------

def matching_volunteers(callup: Callup) -> QuerySet[Volunteer]:
    """Active volunteers of the call-up's subtree with one of its skills (any, when none is
    named), within its radius by a bounding box (the exact distance is `within_radius`)."""
    qs = Volunteer.objects.filter(status=Volunteer.Status.ACTIVE,
                                  station__path__startswith=callup.org.path)
    if callup.skills:
        through = Volunteer.skills.through
        qs = qs.filter(Exists(through.objects.filter(volunteer_id=OuterRef("pk"),
                                                     skill__name__in=callup.skills)))
    if callup.radius_km and callup.org.lat is not None and callup.org.lng is not None:
        d_lat = callup.radius_km / KM_PER_DEGREE
        d_lng = d_lat * 1.4  # Beijing's latitude: a degree of longitude is ~0.76 of one of latitude
        box = {"lat__range": (callup.org.lat - d_lat, callup.org.lat + d_lat),
               "lng__range": (callup.org.lng - d_lng, callup.org.lng + d_lng)}
        qs = qs.filter(Q(**{f"home_{k}": v for k, v in box.items()})
                       | Q(home_lat__isnull=True, **{f"station__{k}": v for k, v in box.items()}))
    return qs


def within_radius(callup: Callup, lat: float | None, lng: float | None) -> bool:
    if not callup.radius_km or callup.org.lat is None or callup.org.lng is None:
        return True
    if lat is None or lng is None:
        return False
    return haversine_km(callup.org.lat, callup.org.lng, lat, lng) <= callup.radius_km


def _batch_after(callup: Callup, cursor: int, size: int) -> tuple[list[int], int | None, bool]:
    """The user ids of the next `size` matching volunteers after `cursor` (those outside the
    radius dropped), the last volunteer id looked at (None when none is left), and whether
    more may follow (the batch was full)."""
    rows = list(matching_volunteers(callup).filter(pk__gt=cursor).order_by("pk").values_list(
        "pk", "user_id", "home_lat", "home_lng", "station__lat", "station__lng")[:size])
    users = [uid for _pk, uid, h_lat, h_lng, s_lat, s_lng in rows
             if within_radius(callup, h_lat if h_lat is not None else s_lat,
                              h_lng if h_lat is not None else s_lng)]
    return users, (rows[-1][0] if rows else None), len(rows) == size


def fanout_batch(*, callup_id: int, size: int = BATCH) -> bool:
    """Push the call-up to the next `size` matching volunteers after the cursor; True while
    more remain.

    The batch is read outside any transaction and written in a short one: on SQLite the one
    writer lock is held only for the inserts of ~1,000 rows, so the web's writes wait
    milliseconds, not the whole batch. The write is conditional on the locked row's cursor
    being where the read started: a second worker running the same task (or a resumed one)
    finds it moved, reads again from there, and never reaches anyone twice."""
    callup = Callup.objects.select_related("org").filter(pk=callup_id).first()
    if callup is None or callup.fanout_done_at or callup.state != S.PUBLISHED:
        return False
    users, last, more = _batch_after(callup, callup.fanout_cursor, size)
    with transaction.atomic():
        locked = Callup.objects.select_for_update(of=("self",)).filter(pk=callup_id).first()
        if locked.fanout_done_at or locked.state != S.PUBLISHED:
            return False
        if locked.fanout_cursor != callup.fanout_cursor:
            return True  # another worker wrote this batch meanwhile: read on from its cursor
        notify_user_ids(user_ids=users, title=_("招募令：%(t)s") % {"t": callup.title[:60]},
                        body=callup.text[:200], url=f"/callups/{callup.pk}/")
        locked.reached += len(users)
        locked.fanout_cursor = last or locked.fanout_cursor
        locked.fanout_at = timezone.now()
        if not more:
            locked.fanout_done_at = locked.fanout_at
        locked.save(update_fields=["reached", "fanout_cursor", "fanout_at", "fanout_done_at"])
    return more


# ---- sign-ups ------------------------------------------------------------------------------

def _shift_locked(callup: Callup, shift_id: int) -> Shift:
    shift = Shift.objects.select_for_update().filter(pk=shift_id, callup_id=callup.pk).first()
    if shift is None:
        raise NotFound()
    return shift


@transaction.atomic
def signup_create(*, by: User, callup: Callup, shift_id: int) -> Signup:
    """A volunteer takes a place on a shift while its quota lasts."""
    shift = _shift_locked(callup, shift_id)
    callup = Callup.objects.select_related("org").get(pk=callup.pk)
    if callup.state != S.PUBLISHED:
        raise Conflict(_("招募已结束"), code="invalid_transition")
    _require(callup_caps(by, callup).can_sign_up, _("只有本区的志愿者可以报名"))
    if shift.end <= timezone.now():
        raise Conflict(_("该班次已结束"), code="shift_over")
    volunteer = Volunteer.objects.get(user=by)
    active = Signup.objects.filter(shift=shift, withdrawn_at__isnull=True)
    if active.filter(volunteer=volunteer).exists():
        raise Conflict(_("您已报名该班次"), code="already_signed_up")
    if active.count() >= shift.quota:
        raise Conflict(_("该班次已报满"), code="quota_full")
    try:
        with transaction.atomic():
            return Signup.objects.create(shift=shift, volunteer=volunteer)
    except IntegrityError:
        raise Conflict(_("您已报名该班次"), code="already_signed_up") from None


@transaction.atomic
def signup_withdraw(*, by: User, callup: Callup, shift_id: int) -> Signup:
    """Give a place back before the shift starts; it is free for the next volunteer."""
    shift = _shift_locked(callup, shift_id)
    signup = Signup.objects.filter(shift=shift, volunteer__user=by,
                                   withdrawn_at__isnull=True).first()
    if signup is None:
        raise Conflict(_("您没有报名该班次"), code="not_signed_up")
    if shift.start <= timezone.now():
        raise Conflict(_("班次已开始，不能取消报名"), code="shift_started")
    signup.withdrawn_at = timezone.now()
    signup.save(update_fields=["withdrawn_at"])
    return signup
