"""场地预约: the rooms of stations and points (暖客厅, 活动室, 心理疏导室, 图书室) and their bookings.

A booking's state machine is data (`WORKFLOW`, `MOVES`); `services.booking_transition` applies
it and writes a `BookingEvent`; `permissions.allowed_moves` reads it with the caller's caps.
A slot is held by a booking in the `holding` group (pending or confirmed): no two holding
bookings of one room overlap, which `services.booking_create` checks under the room's row lock.
"""

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wenming.core.uploads import random_name
from wenming.core.workflow import Workflow
from wenming.orgs.models import OrgNode
from wenming.teams.models import Team


def photo_path(room: "Room", filename: str) -> str:
    return random_name("rooms", filename)


WEEKDAYS = (_("周一"), _("周二"), _("周三"), _("周四"), _("周五"), _("周六"), _("周日"))


class Room(models.Model):
    class Kind(models.TextChoices):
        PARLOUR = "parlour", _("暖客厅")
        ACTIVITY = "activity", _("活动室")
        COUNSELLING = "counselling", _("心理疏导室")
        LIBRARY = "library", _("图书室")
        OTHER = "other", _("其他场地")

    org = models.ForeignKey(OrgNode, verbose_name=_("所属阵地"), on_delete=models.PROTECT,
                            related_name="rooms")
    name = models.CharField(_("名称"), max_length=60)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, default=Kind.ACTIVITY)
    capacity = models.PositiveIntegerField(_("容纳人数"))
    equipment = models.CharField(_("设施设备"), max_length=200, blank=True)
    # {"0": ["08:30", "17:30"], ...}: weekday (0 = Monday) → opening and closing time; a
    # weekday that is missing is closed.
    opening_hours = models.JSONField(_("开放时间"), default=dict)
    needs_approval = models.BooleanField(_("预约需审核"), default=False)
    is_open = models.BooleanField(_("开放预约"), default=True)
    # Checked bytes (core.uploads), sent only through the room's view after its scope check.
    photo = models.ImageField(_("照片"), upload_to=photo_path, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("场地")
        verbose_name_plural = _("场地")
        ordering = ["org__path", "name", "id"]

    def __str__(self) -> str:
        return self.name

    def hours_on(self, day: datetime.date) -> tuple[datetime.time, datetime.time] | None:
        """The opening and closing time on `day`, or None when closed that weekday."""
        span = self.opening_hours.get(str(day.weekday()))
        if not span:
            return None
        return datetime.time.fromisoformat(span[0]), datetime.time.fromisoformat(span[1])

    def hours_text(self) -> list[tuple[str, str]]:
        """Each weekday and its hours, for the room's page."""
        out = []
        for i, name in enumerate(WEEKDAYS):
            span = self.opening_hours.get(str(i))
            out.append((str(name), f"{span[0]}–{span[1]}" if span else str(_("不开放"))))
        return out


class State(models.TextChoices):
    PENDING = "pending", _("待审核")
    CONFIRMED = "confirmed", _("已预约")
    REJECTED = "rejected", _("未通过")
    CANCELLED = "cancelled", _("已取消")
    ATTENDED = "attended", _("已使用")
    NO_SHOW = "no_show", _("未到场")


S = State
WORKFLOW = Workflow(
    states=State,
    transitions={
        "": frozenset({S.PENDING, S.CONFIRMED}),
        S.PENDING: frozenset({S.CONFIRMED, S.REJECTED, S.CANCELLED}),
        S.CONFIRMED: frozenset({S.CANCELLED, S.ATTENDED, S.NO_SHOW}),
    },
    colours={S.PENDING: "warn", S.CONFIRMED: "info", S.ATTENDED: "ok", S.NO_SHOW: "bad",
             S.REJECTED: "bad", S.CANCELLED: "muted"},
    steps=(S.PENDING, S.CONFIRMED, S.ATTENDED),
    groups={
        # A booking in these states holds its slot: no other may overlap it.
        "holding": frozenset({S.PENDING, S.CONFIRMED}),
    },
)
# A move a person makes: the state it leads to and the states it may start from.
MOVES: dict[str, tuple[str, frozenset[str]]] = {
    "approve": (S.CONFIRMED, frozenset({S.PENDING})),
    "reject": (S.REJECTED, frozenset({S.PENDING})),
    "cancel": (S.CANCELLED, frozenset({S.PENDING, S.CONFIRMED})),
    "attend": (S.ATTENDED, frozenset({S.CONFIRMED})),
    "no_show": (S.NO_SHOW, frozenset({S.CONFIRMED})),
}


class Booking(models.Model):
    room = models.ForeignKey(Room, verbose_name=_("场地"), on_delete=models.PROTECT,
                             related_name="bookings")
    start = models.DateTimeField(_("开始时间"))
    end = models.DateTimeField(_("结束时间"))
    purpose = models.CharField(_("用途"), max_length=200)
    attendees = models.PositiveIntegerField(_("人数"))
    team = models.ForeignKey(Team, verbose_name=_("预约队伍"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="room_bookings")
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("预约人"),
                                  on_delete=models.PROTECT, related_name="room_bookings")
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=S.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("场地预约")
        verbose_name_plural = _("场地预约")
        ordering = ["start", "id"]
        constraints = [models.CheckConstraint(condition=models.Q(end__gt=models.F("start")),
                                              name="booking_ends_after_start")]
        indexes = [models.Index(fields=["room", "state", "start"], name="booking_room_slot")]

    def __str__(self) -> str:
        return f"{self.room} {self.start:%Y-%m-%d %H:%M}"


class BookingEvent(models.Model):
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                           on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"#{self.booking_id} {self.from_state}→{self.to_state}"
