"""Every write of the wish wall, through one transition function with its event."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.core.errors import Conflict, Forbidden
from wenming.inbox.services import notify
from wenming.orgs.permissions import can_manage
from wenming.people.models import Resident, User, Volunteer
from wenming.points.services import points_for_wish
from wenming.teams.models import Team
from wenming.teams.permissions import led_team_ids

from .models import TRANSITIONS, State, Wish, WishEvent

S = State
MAX_PHOTO_BYTES = 5 * 1024 * 1024


def wish_transition(wish: Wish, to: str, *, by: User | None, reason: str = "",
                    **changes) -> Wish:
    """Move a locked wish to `to`, or raise 409 invalid_transition; writes the event."""
    if to not in TRANSITIONS[wish.state]:
        raise Conflict(_("心愿当前状态为“%(s)s”，不能执行此操作") % {"s": State(wish.state).label},
                       code="invalid_transition")
    from_state = wish.state
    for name, value in changes.items():
        setattr(wish, name, value)
    wish.state = to
    wish.save()
    WishEvent.objects.create(wish=wish, from_state=from_state, to_state=to, by=by, reason=reason)
    return wish


def _locked(wish: Wish) -> Wish:
    # The wish row only: PostgreSQL refuses FOR UPDATE on the nullable side of the outer
    # join to the claimer, and the related rows need no lock.
    return Wish.objects.select_for_update(of=("self",)).select_related(
        "station", "resident__user", "claimed_volunteer__user").get(pk=wish.pk)


def _text(value: str, name: str, low: int, high: int) -> str:
    value = (value or "").strip()
    if not low <= len(value) <= high:
        raise ValidationError(_("%(name)s应为%(low)d到%(high)d个字") % {
            "name": name, "low": low, "high": high}, code="invalid_text")
    return value


@transaction.atomic
def wish_post(*, by: User, title: str, text: str, due_date: datetime.date, reason: str = "",
              for_whom: str = "", rough_value: int | None = None, urgency: int = 0,
              resident: Resident | None = None) -> Wish:
    """A resident posts a wish, or staff post it on a resident's behalf."""
    if resident is None:
        resident = Resident.objects.filter(user=by).select_related("station").first()
    elif resident.user_id != by.pk and not can_manage(by, resident.station):
        raise Forbidden(_("只能为本辖区的群众代发心愿"))
    if resident is None:
        raise Forbidden(_("只有群众可以发布微心愿"))
    if due_date <= timezone.localdate():
        raise ValidationError(_("期望实现日期应晚于今天"), code="invalid_due_date")
    if due_date > timezone.localdate() + datetime.timedelta(days=180):
        raise ValidationError(_("期望实现日期不能超过半年"), code="invalid_due_date")
    if rough_value is not None and not 0 <= rough_value <= 100_000:
        raise ValidationError(_("大约价值不正确"), code="invalid_value")
    if urgency not in Wish.Urgency.values:
        raise ValidationError(_("紧急程度不正确"), code="invalid_urgency")
    wish = Wish.objects.create(
        resident=resident, station=resident.station, posted_by=by, state="",
        title=_text(title, _("心愿"), 2, 60), text=_text(text, _("心愿内容"), 2, 1000),
        reason=(reason or "").strip()[:1000], for_whom=(for_whom or "").strip()[:60],
        due_date=due_date, rough_value=rough_value, urgency=urgency)
    return wish_transition(wish, S.POSTED, by=by)


@transaction.atomic
def wish_moderate(*, by: User, wish: Wish, approve: bool, reason: str = "") -> Wish:
    wish = _locked(wish)
    if not can_manage(by, wish.station):
        raise Forbidden()
    if not approve and not (reason or "").strip():
        raise ValidationError(_("请填写未通过的原因"), code="reason_required")
    wish = wish_transition(wish, S.APPROVED if approve else S.REJECTED, by=by,
                           reason=(reason or "").strip())
    notify(users=[wish.resident.user], url=f"/wishes/{wish.pk}/",
           title=_("您的微心愿已上墙") if approve else _("您的微心愿未通过审核"),
           body=wish.title if approve else reason.strip())
    if approve:
        _schedule_expiry(wish)
    return wish


def _schedule_expiry(wish: Wish) -> None:
    """Expire the wish the day after its date if it is still unclaimed then; at once when
    that day has already come (a claim released late)."""
    from .tasks import expire_wish

    wish_id = wish.pk
    run_after = max(timezone.now(), timezone.make_aware(datetime.datetime.combine(
        wish.due_date + datetime.timedelta(days=1), datetime.time.min)))
    transaction.on_commit(lambda: expire_wish.using(run_after=run_after).enqueue(wish_id))


@transaction.atomic
def wish_claim(*, by: User, wish: Wish, team: Team | None = None, donor_name: str = "") -> Wish:
    """A volunteer, a team (by its leader) or a donor unit (recorded by staff) claims an
    approved wish. The row lock makes the first claim win; the others get 409."""
    wish = _locked(wish)
    if wish.state != S.APPROVED:
        raise Conflict(_("该心愿已被认领或已关闭"), code="already_claimed")
    volunteer = None
    if donor_name.strip():
        if not can_manage(by, wish.station):
            raise Forbidden(_("爱心单位认领由工作人员登记"))
    elif team is not None:
        if team.pk not in led_team_ids(by):
            raise Forbidden(_("只有队长可以代表队伍认领"))
    else:
        volunteer = Volunteer.objects.filter(user=by, status=Volunteer.Status.ACTIVE).first()
        if volunteer is None:
            raise Forbidden(_("只有志愿者可以认领心愿"))
    wish = wish_transition(wish, S.CLAIMED, by=by, claimed_volunteer=volunteer,
                           claimed_team=team, donor_name=donor_name.strip()[:100])
    notify(users=[wish.resident.user], title=_("您的微心愿已被认领"), body=wish.title,
           url=f"/wishes/{wish.pk}/")
    return wish


def _require_claimer(by: User, wish: Wish) -> None:
    if not ((wish.claimed_volunteer and wish.claimed_volunteer.user_id == by.pk)
            or (wish.claimed_team_id and wish.claimed_team_id in led_team_ids(by))
            or can_manage(by, wish.station)):
        raise Forbidden(_("只有认领人可以操作"))


@transaction.atomic
def wish_release(*, by: User, wish: Wish, reason: str = "") -> Wish:
    wish = _locked(wish)
    _require_claimer(by, wish)
    wish = wish_transition(wish, S.APPROVED, by=by, reason=(reason or "").strip(),
                           claimed_volunteer=None, claimed_team=None, donor_name="")
    _schedule_expiry(wish)  # the task scheduled at approval found it claimed and did nothing
    return wish


@transaction.atomic
def wish_fulfil(*, by: User, wish: Wish, note: str, photo=None) -> Wish:
    wish = _locked(wish)
    _require_claimer(by, wish)
    note = _text(note, _("实现说明"), 2, 1000)
    if photo is not None:
        # Stored under the type its bytes show, never the uploader's name: a JPEG header in
        # front of HTML named .html would otherwise be served as a page.
        photo.name = f"wish-{wish.pk}.{_check_photo(photo)}"
    wish = wish_transition(wish, S.FULFILLED, by=by, fulfil_note=note, photo=photo or "")
    notify(users=[wish.resident.user], title=_("您的微心愿已实现，请确认"), body=wish.title,
           url=f"/wishes/{wish.pk}/")
    return wish


def _check_photo(photo) -> str:
    """The photo's true extension (jpg or png), or 422 for anything else or over 5 MB."""
    head = photo.read(8)
    photo.seek(0)
    kind = "jpg" if head.startswith(b"\xff\xd8\xff") else (
        "png" if head == b"\x89PNG\r\n\x1a\n" else None)
    if photo.size > MAX_PHOTO_BYTES or kind is None:
        raise ValidationError(_("照片须为5MB以内的JPG或PNG图片"), code="invalid_photo")
    return kind


@transaction.atomic
def wish_confirm(*, by: User, wish: Wish) -> Wish:
    """The resident confirms; the claiming volunteer earns the district's wish points."""
    wish = _locked(wish)
    if wish.resident.user_id != by.pk:
        raise Forbidden(_("只有心愿人可以确认"))
    wish = wish_transition(wish, S.CONFIRMED, by=by)
    points_for_wish(wish)
    return wish


@transaction.atomic
def wish_expire(*, wish_id: int) -> bool:
    """Unclaimed past its date: expired. Conditional, so a second worker does nothing."""
    wish = Wish.objects.select_for_update().filter(
        pk=wish_id, state=S.APPROVED, due_date__lt=timezone.localdate()).first()
    if wish is None:
        return False
    wish_transition(wish, S.EXPIRED, by=None, reason=_("到期未被认领"))
    return True


@transaction.atomic
def wish_follow(*, by: User, wish: Wish, on: bool = True) -> Wish:
    (wish.followers.add if on else wish.followers.remove)(by)
    return wish
