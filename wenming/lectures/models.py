"""宣讲: the lecturer roster (名嘴 and 民嘴), the lecture menu, the six 讲堂 series with their
programme, and bookings by a unit, a community or a school.

A booking's state machine is data (`WORKFLOW`); `services.booking_transition` is the one
function that moves a booking and writes a `BookingEvent` (who, when, from, to, why). A
lecturer is never booked twice at once: requested and confirmed bookings hold the slot, and
a new one is checked against them with the lecturer's row locked (409 `slot_taken`).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wenming.core.uploads import random_name
from wenming.core.workflow import Workflow
from wenming.orgs.models import OrgNode, Platform
from wenming.people.models import Volunteer
from wenming.teams.models import Team


class Series(models.Model):
    """One of the six 讲堂 of a district, with its programme for the season."""

    class Code(models.TextChoices):
        THEORY = "theory", _("理论讲堂")
        POLICY = "policy", _("政策讲堂")
        LAW = "law", _("法制讲堂")
        MORALITY = "morality", _("道德讲堂")
        HEALTH = "health", _("健康讲堂")
        PRACTICE = "practice", _("实践讲堂")

    org = models.ForeignKey(OrgNode, verbose_name=_("所属中心"), on_delete=models.PROTECT,
                            related_name="lecture_series")
    code = models.CharField(_("讲堂"), max_length=16, choices=Code.choices)
    programme = models.TextField(_("本季课程安排"), blank=True)

    class Meta:
        verbose_name = _("讲堂")
        verbose_name_plural = _("讲堂")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["org", "code"], name="one_lecture_series_per_code")]

    def __str__(self) -> str:
        return self.get_code_display()


class Lecturer(models.Model):
    class Kind(models.TextChoices):
        FAMOUS = "famous", _("名嘴")  # experts, party-school teachers, officials
        FOLK = "folk", _("民嘴")  # grassroots speakers: old party members, model workers

    org = models.ForeignKey(OrgNode, verbose_name=_("所属阵地"), on_delete=models.PROTECT,
                            related_name="lecturers")
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    name = models.CharField(_("姓名"), max_length=50)
    title = models.CharField(_("身份"), max_length=60, blank=True)
    profile = models.TextField(_("简介"), blank=True)
    topics = models.JSONField(_("擅长主题"), default=list, blank=True)
    dialects = models.JSONField(_("方言"), default=list, blank=True)
    team = models.ForeignKey(Team, verbose_name=_("所属宣讲队"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="lecturers")
    volunteer = models.ForeignKey(Volunteer, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    is_active = models.BooleanField(_("在册"), default=True)

    class Meta:
        verbose_name = _("宣讲员")
        verbose_name_plural = _("宣讲员")
        ordering = ["kind", "name", "id"]

    def __str__(self) -> str:
        return self.name


class Lecture(models.Model):
    """An item of the lecture menu: given by one lecturer, or by a team (any of its
    lecturers, chosen when booking)."""

    org = models.ForeignKey(OrgNode, verbose_name=_("所属阵地"), on_delete=models.PROTECT,
                            related_name="lectures")
    series = models.ForeignKey(Series, verbose_name=_("讲堂"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="lectures")
    title = models.CharField(_("题目"), max_length=100)
    topic = models.CharField(_("主题"), max_length=30)
    description = models.TextField(_("内容简介"), blank=True)
    duration_minutes = models.PositiveSmallIntegerField(_("时长（分钟）"), default=60)
    audience = models.CharField(_("适合对象"), max_length=60, blank=True)
    platform = models.ForeignKey(Platform, verbose_name=_("服务平台"), on_delete=models.PROTECT,
                                 related_name="+")
    lecturer = models.ForeignKey(Lecturer, verbose_name=_("宣讲员"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="lectures")
    team = models.ForeignKey(Team, verbose_name=_("宣讲队"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    is_active = models.BooleanField(_("可预约"), default=True)

    class Meta:
        verbose_name = _("宣讲课目")
        verbose_name_plural = _("宣讲课目")
        ordering = ["series_id", "title", "id"]
        constraints = [models.CheckConstraint(
            condition=models.Q(lecturer__isnull=False) | models.Q(team__isnull=False),
            name="lecture_has_a_lecturer_or_team")]

    def __str__(self) -> str:
        return self.title


class State(models.TextChoices):
    REQUESTED = "requested", _("待确认")
    CONFIRMED = "confirmed", _("已确认")
    DONE = "done", _("已开讲")
    DECLINED = "declined", _("已婉拒")
    CANCELLED = "cancelled", _("已取消")


S = State
WORKFLOW = Workflow(
    states=State,
    transitions={
        "": frozenset({S.REQUESTED}),
        S.REQUESTED: frozenset({S.CONFIRMED, S.DECLINED, S.CANCELLED}),
        S.CONFIRMED: frozenset({S.DONE, S.CANCELLED}),
        S.DONE: frozenset(),
        S.DECLINED: frozenset(),
        S.CANCELLED: frozenset(),
    },
    colours={S.REQUESTED: "warn", S.CONFIRMED: "info", S.DONE: "ok", S.DECLINED: "bad"},
    steps=(S.REQUESTED, S.CONFIRMED, S.DONE),
    # A booking in these states holds the lecturer's time.
    groups={"holding": frozenset({S.REQUESTED, S.CONFIRMED})},
)
# The moves the pages and the API offer: move -> the state it leads to.
MOVES = {"confirm": S.CONFIRMED, "decline": S.DECLINED, "cancel": S.CANCELLED,
         "report": S.DONE}


class Booking(models.Model):
    class Booker(models.TextChoices):
        UNIT = "unit", _("单位")
        COMMUNITY = "community", _("社区")
        SCHOOL = "school", _("学校")

    lecture = models.ForeignKey(Lecture, on_delete=models.PROTECT, related_name="bookings")
    lecturer = models.ForeignKey(Lecturer, on_delete=models.PROTECT, related_name="bookings")
    state = models.CharField(_("状态"), max_length=16, choices=State.choices,
                             default=State.REQUESTED)
    booker_kind = models.CharField(_("预约方类型"), max_length=16, choices=Booker.choices)
    booker_name = models.CharField(_("预约方"), max_length=100)
    # The node the lecture is for: a unit's node, the community's station, the school's node.
    org = models.ForeignKey(OrgNode, verbose_name=_("所属阵地"), on_delete=models.PROTECT,
                            related_name="+")
    unit = models.ForeignKey("partners.Unit", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="lecture_bookings")
    start = models.DateTimeField(_("开始时间"))
    end = models.DateTimeField(_("结束时间"))
    place = models.CharField(_("地点"), max_length=200)
    expected_audience = models.PositiveIntegerField(_("预计听众"), default=30)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    note = models.TextField(_("备注"), blank=True)
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+")
    activity = models.OneToOneField("activities.Activity", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="lecture_booking")
    attendance = models.PositiveIntegerField(_("到场人数"), null=True, blank=True)
    people_reached = models.PositiveIntegerField(_("覆盖人数"), null=True, blank=True)
    summary = models.TextField(_("宣讲小结"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("宣讲预约")
        verbose_name_plural = _("宣讲预约")
        ordering = ["-start", "-id"]
        indexes = [models.Index(fields=["lecturer", "state", "start"], name="lecture_booking_slot")]
        constraints = [models.CheckConstraint(condition=models.Q(end__gt=models.F("start")),
                                              name="lecture_booking_ends_after_start")]

    def __str__(self) -> str:
        return f"{self.lecture} @ {self.start:%Y-%m-%d %H:%M}"

    @property
    def tone(self) -> str:
        return WORKFLOW.colour(self.state)


class BookingEvent(models.Model):
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                           related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"#{self.booking_id} {self.from_state}→{self.to_state}"


class Rating(models.Model):
    """The audience's rating of a lecture given: one per person."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="ratings")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    score = models.PositiveSmallIntegerField(_("评分"))
    comment = models.CharField(_("评价"), max_length=500, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["booking", "user"], name="one_lecture_rating_per_person"),
            models.CheckConstraint(condition=models.Q(score__gte=1, score__lte=5),
                                   name="lecture_rating_one_to_five")]

    def __str__(self) -> str:
        return f"#{self.booking_id} {self.score}"


def photo_path(photo: "BookingPhoto", filename: str) -> str:
    return random_name("lectures", filename)


class BookingPhoto(models.Model):
    """A photo of the lecture given: checked bytes, served only through the booking's view."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to=photo_path)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"#{self.booking_id} photo {self.pk}"
