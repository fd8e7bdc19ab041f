"""Every write of the wish wall, through one transition function with its event."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wenming.core.errors import Conflict, Forbidden
from wenming.core.uploads import checked_image
from wenming.inbox.services import notify
from wenming.orgs.permissions import can_manage
from wenming.people.models import Resident, User, Volunteer
from wenming.points.services import points_for_wish
from wenming.teams.models import Team
from wenming.teams.permissions import led_team_ids

from .models import MOVES, WORKFLOW, State, Wish, WishEvent
from .permissions import wish_caps

S = State


def wish_transition(wish: Wish, to: str, *, by: User | None, reason: str = "",
                    only_from=None, **changes) -> Wish:
    """Move a locked wish to `to`, or raise 409 invalid_transition; writes the event."""
    WORKFLOW.check(wish.state, to, only_from=only_from)
    from_state = wish.state
    for name, value in changes.items():
        setattr(wish, name, value)
    wish.state = to
    wish.save()
    WishEvent.objects.create(wish=wish, from_state=from_state, to_state=to, by=by, reason=reason)
    return wish


def _move(wish: Wish, move: str, *, by: User | None, reason: str = "", **changes) -> Wish:
    """A person's move by its name (`MOVES`): the state it leads to, from where it may start."""
    to, only_from = MOVES[move]
    return wish_transition(wish, to, by=by, reason=reason, only_from=only_from, **changes)


def _require(allowed: bool, message=None) -> None:
    if not allowed:
        raise Forbidden(message)


def _locked(wish: Wish) -> Wish:
    # The wish row only: the related rows need no lock. The claimer is read after the lock,
    # not joined: PostgreSQL re-reads a row it waited for but not the outer join beside it,
    # so a claim that won meanwhile would show its claimer's id with no claimer.
    return Wish.objects.select_for_update(of=("self",)).select_related(
        "station", "resident__user").get(pk=wish.pk)


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
    """Staff of the wish's station put it on the wall, or turn it down with a reason the
    resident reads."""
    wish = _locked(wish)
    caps = wish_caps(by, wish)
    _require(caps.can_approve if approve else caps.can_reject)
    if not approve and not (reason or "").strip():
        raise ValidationError(_("请填写未通过的原因"), code="reason_required")
    wish = _move(wish, "approve" if approve else "reject", by=by, reason=(reason or "").strip())
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
    caps = wish_caps(by, wish)
    _require(caps.can_claim, _("只有志愿者可以认领心愿"))
    if WORKFLOW.in_group(wish.state, "claimed"):
        raise Conflict(_("该心愿已被认领或已关闭"), code="already_claimed")
    volunteer = None
    if donor_name.strip():
        _require(caps.can_record_donor, _("爱心单位认领由工作人员登记"))
    elif team is not None:
        _require(team.pk in led_team_ids(by), _("只有队长可以代表队伍认领"))
    else:
        _require(caps.claims_as_volunteer, _("只有志愿者可以认领心愿"))
        volunteer = Volunteer.objects.get(user=by)
    wish = _move(wish, "claim", by=by, claimed_volunteer=volunteer, claimed_team=team,
                 donor_name=donor_name.strip()[:100])
    notify(users=[wish.resident.user], title=_("您的微心愿已被认领"), body=wish.title,
           url=f"/wishes/{wish.pk}/")
    return wish


@transaction.atomic
def wish_release(*, by: User, wish: Wish, reason: str = "") -> Wish:
    """The claimer (or the station) gives a claim up; the wish goes back on the wall."""
    wish = _locked(wish)
    _require(wish_caps(by, wish).can_release, _("只有认领人可以操作"))
    wish = _move(wish, "release", by=by, reason=(reason or "").strip(),
                 claimed_volunteer=None, claimed_team=None, donor_name="")
    _schedule_expiry(wish)  # the task scheduled at approval found it claimed and did nothing
    return wish


@transaction.atomic
def wish_fulfil(*, by: User, wish: Wish, note: str, photo=None) -> Wish:
    wish = _locked(wish)
    _require(wish_caps(by, wish).can_fulfil, _("只有认领人可以操作"))
    note = _text(note, _("实现说明"), 2, 1000)
    if photo is not None:
        photo = checked_image(photo, stem="photo")
    wish = _move(wish, "fulfil", by=by, fulfil_note=note, photo=photo or "")
    notify(users=[wish.resident.user], title=_("您的微心愿已实现，请确认"), body=wish.title,
           url=f"/wishes/{wish.pk}/")
    return wish


@transaction.atomic
def wish_confirm(*, by: User, wish: Wish) -> Wish:
    """The resident confirms; the claiming volunteer earns the district's wish points."""
    wish = _locked(wish)
    _require(wish_caps(by, wish).can_confirm, _("只有心愿人可以确认"))
    wish = _move(wish, "confirm", by=by)
    points_for_wish(wish)
    return wish


@transaction.atomic
def wish_cancel(*, by: User, wish: Wish, reason: str = "") -> Wish:
    """The resident withdraws a wish (or the station takes it down) before anyone claims it;
    the expiry task then finds it no longer on the wall and does nothing."""
    wish = _locked(wish)
    caps = wish_caps(by, wish)
    _require(caps.can_cancel, _("只有心愿人或本站工作人员可以撤回心愿"))
    wish = _move(wish, "cancel", by=by, reason=(reason or "").strip()[:1000])
    if not caps.own:
        notify(users=[wish.resident.user], title=_("您的微心愿已被撤下"), body=wish.title,
               url=f"/wishes/{wish.pk}/")
    return wish


@transaction.atomic
def wish_expire(*, wish_id: int) -> bool:
    """Unclaimed past its date: expired. Conditional, so a second worker does nothing."""
    wish = Wish.objects.select_for_update().filter(
        pk=wish_id, state=S.APPROVED, due_date__lt=timezone.localdate()).first()
    if wish is None:
        return False
    wish_transition(wish, S.EXPIRED, by=None, reason=_("到期未被认领"), only_from={S.APPROVED})
    return True


@transaction.atomic
def wish_follow(*, by: User, wish: Wish, on: bool = True) -> Wish:
    (wish.followers.add if on else wish.followers.remove)(by)
    return wish
