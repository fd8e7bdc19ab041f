"""Page forms for activities and the hours ledger. They check shape; services hold the rules."""

import datetime
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wenming.core.forms import CleanForm
from wenming.core.masking import mask_mobile
from wenming.core.widgets import PickerField
from wenming.orgs.models import OrgNode, Platform
from wenming.orgs.permissions import is_staff_member, managed_nodes, visible_orgs
from wenming.people.forms import split_list
from wenming.people.models import Volunteer
from wenming.teams.models import Team
from wenming.teams.permissions import led_team_ids, teams_for_user

from .models import Activity, Project

DATETIME = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


class DateTimeLocal(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self):
        super().__init__(format="%Y-%m-%dT%H:%M")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self):
        super().__init__(format="%Y-%m-%d")


WEEKDAYS = [(0, _("周一")), (1, _("周二")), (2, _("周三")), (3, _("周四")), (4, _("周五")),
            (5, _("周六")), (6, _("周日"))]


def day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class ActivityFilterForm(CleanForm):
    q = forms.CharField(label=_("关键词"), required=False, max_length=50,
                        widget=forms.SearchInput(attrs={"placeholder": _("活动名称")}))
    platform = forms.ModelChoiceField(label=_("服务平台"), required=False, to_field_name="code",
                                      queryset=Platform.objects.filter(is_active=True),
                                      empty_label=_("全部平台"))
    date_from = forms.DateField(label=_("从"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("到"), required=False, widget=DateInput())
    upcoming = forms.BooleanField(label=_("只看未结束的"), required=False)
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, min_value=-180, max_value=180,
                           widget=forms.HiddenInput)
    radius_km = forms.TypedChoiceField(label=_("附近范围"), required=False, coerce=float,
                                       empty_value=5.0, initial="5",
                                       choices=[("1", _("1公里")), ("3", _("3公里")),
                                                ("5", _("5公里")), ("10", _("10公里")),
                                                ("30", _("30公里"))])

    f = forms.CharField(required=False, initial="1", widget=forms.HiddenInput)

    @classmethod
    def from_query(cls, query):
        """A first visit (or a bare ?page=) lists what is still to come; once the form has
        been sent (it carries `f`), its checkbox decides."""
        if "f" in query:
            return cls(query)
        return cls({**query.dict(), "upcoming": "on"})

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("结束日期不能早于开始日期"))
        return data

    def search_kwargs(self) -> dict:
        """What `activity_search` takes; a date range covers whole days."""
        d = self.cleaned_data
        near = d.get("lat") is not None and d.get("lng") is not None
        return {"q": d["q"], "platform": d["platform"].code if d["platform"] else "",
                "date_from": day_start(d["date_from"]) if d.get("date_from") else None,
                "date_to": day_start(d["date_to"] + datetime.timedelta(days=1))
                if d.get("date_to") else None,
                "upcoming": d["upcoming"], "lat": d["lat"] if near else None,
                "lng": d["lng"] if near else None, "radius_km": d["radius_km"] or 5.0}


class ScheduleFields(CleanForm):
    """What an organiser may set at publishing and change later."""

    title = forms.CharField(label=_("活动名称"), max_length=100)
    content = forms.CharField(label=_("服务内容"), required=False, max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 4}))
    address = forms.CharField(label=_("活动地点"), max_length=200)
    lat = forms.FloatField(label=_("纬度"), min_value=-90, max_value=90,
                           widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}))
    lng = forms.FloatField(label=_("经度"), min_value=-180, max_value=180,
                           widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}))
    radius_m = forms.IntegerField(label=_("签到范围（米）"), initial=300, min_value=1,
                                  max_value=100_000)
    start = forms.DateTimeField(label=_("开始时间"), input_formats=DATETIME,
                                widget=DateTimeLocal())
    end = forms.DateTimeField(label=_("结束时间"), input_formats=DATETIME, widget=DateTimeLocal())
    quota = forms.IntegerField(label=_("招募人数"), min_value=1, max_value=1_000_000)
    required_skills = forms.CharField(label=_("所需技能"), required=False, max_length=300,
                                      help_text=_("多个技能用逗号或顿号分隔；不填则不限"))
    required_tags = forms.MultipleChoiceField(label=_("身份要求"), required=False,
                                              choices=Volunteer.Tag.choices,
                                              widget=forms.CheckboxSelectMultiple)
    min_age = forms.IntegerField(label=_("最低年龄"), required=False, min_value=0, max_value=150)
    is_training = forms.BooleanField(label=_("这是一次志愿者培训"), required=False,
                                     help_text=_("参加培训的记录计入志愿者档案的培训部分"))
    needs_insurance = forms.BooleanField(
        label=_("须为志愿者购买保险"), required=False,
        help_text=_("录入覆盖活动时间的保单后才能开放签到（《志愿服务条例》第十七条）"))
    signup_deadline = forms.DateTimeField(
        label=_("报名截止时间"), required=False, input_formats=DATETIME, widget=DateTimeLocal(),
        help_text=_("不填则活动结束前都可报名"))

    def schedule_values(self) -> dict:
        d = self.cleaned_data
        return {**{k: d[k] for k in ("title", "content", "address", "lat", "lng", "radius_m",
                                     "start", "end", "quota", "required_tags", "min_age",
                                     "is_training", "needs_insurance", "signup_deadline")},
                "required_skills": split_list(d["required_skills"])}


class ActivityEditForm(ScheduleFields):
    field_order = ["title", "start", "end", "address", "lat", "lng", "radius_m", "quota",
                   "content"]

    @classmethod
    def for_activity(cls, activity: Activity, data=None):
        initial = {f: getattr(activity, f) for f in (
            "title", "content", "address", "lat", "lng", "radius_m", "quota", "required_tags",
            "min_age", "is_training", "needs_insurance")}
        initial |= {"start": timezone.localtime(activity.start),
                    "end": timezone.localtime(activity.end),
                    "signup_deadline": timezone.localtime(activity.signup_deadline)
                    if activity.signup_deadline else None,
                    "required_skills": "、".join(activity.required_skills)}
        return cls(data, initial=initial)


def searched_org_and_team(form) -> None:
    """Staff pick the node and the team by search-as-you-type: a district's 1,672 nodes and
    678 teams as two selects made the publish form 334 KB and 1.4 s (issue 10). The
    querysets set before (the caller's scope) still decide what is accepted; a team
    leader keeps the short selects of their own teams."""
    org, team = form.fields["org"], form.fields["team"]
    form.fields["org"] = PickerField(
        label=org.label, queryset=org.queryset, initial=org.initial,
        search_url=reverse_lazy("api:org_search"), item_label="{name}",
        item_detail="{kind_label} · {parent_name}")
    form.fields["team"] = PickerField(
        label=team.label, queryset=team.queryset, required=team.required,
        search_url=reverse_lazy("api:team_search"), item_label="{name}",
        item_detail="{org_name}", placeholder=_("输入队名搜索（可不填）"))


class ActivityForm(ScheduleFields):
    org = forms.ModelChoiceField(label=_("组织单位"), queryset=OrgNode.objects.none(),
                                 empty_label=_("请选择"))
    platform = forms.ModelChoiceField(label=_("服务平台"), empty_label=_("请选择"),
                                      queryset=Platform.objects.filter(is_active=True))
    team = forms.ModelChoiceField(label=_("组织队伍"), queryset=Team.objects.none(),
                                  required=False, empty_label=_("（不指定）"))
    project = forms.ModelChoiceField(label=_("所属项目"), queryset=Project.objects.none(),
                                     required=False, empty_label=_("（不属于项目）"))
    repeat = forms.ChoiceField(label=_("重复"), required=False, choices=[
        ("", _("不重复")), ("weekly", _("每周")), ("monthly", _("每月"))])
    repeat_weekdays = forms.TypedMultipleChoiceField(
        label=_("每周的哪几天"), required=False, coerce=int, choices=WEEKDAYS,
        widget=forms.CheckboxSelectMultiple)
    repeat_month_day = forms.IntegerField(label=_("每月几号"), required=False, min_value=1,
                                          max_value=31,
                                          help_text=_("没有这一天的月份（如31号）跳过"))
    repeat_until = forms.DateField(label=_("重复至"), required=False, widget=DateInput())
    repeat_count = forms.IntegerField(label=_("或：共几场"), required=False, min_value=1,
                                      max_value=100, help_text=_("重复至和场数填一项"))
    repeat_skipped = forms.CharField(
        label=_("跳过的日期"), required=False, max_length=2000,
        widget=forms.TextInput(attrs={"placeholder": "2027-02-10, 2027-02-17"}),
        help_text=_("节假日等不举办的日期，用逗号分隔"))
    field_order = ["title", "platform", "org", "team", "project", "start", "end", "address",
                   "lat", "lng", "radius_m", "quota", "content"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        led = led_team_ids(user)
        if is_staff_member(user):
            orgs, teams = visible_orgs(user), teams_for_user(user)
        else:  # a team leader publishes at the node their team is anchored at
            orgs = OrgNode.objects.filter(teams__in=led).distinct()
            teams = Team.objects.filter(pk__in=led)
            self.fields["team"].required = True
        self.fields["org"].queryset = orgs.order_by("path")
        self.fields["org"].initial = next(iter(managed_nodes(user)), None)
        self.fields["team"].queryset = teams.filter(is_active=True).order_by("name")
        self.fields["project"].queryset = Project.objects.filter(
            Q(org__in=orgs) | Q(team_id__in=led)).order_by("-created_at")
        self.fields["org"].label_from_instance = lambda o: f"{o.get_kind_display()} · {o.name}"
        if is_staff_member(user):
            searched_org_and_team(self)

    def publish_values(self) -> dict:
        d = self.cleaned_data
        return {**self.schedule_values(), "org": d["org"], "platform": d["platform"],
                "team": d["team"], "project": d["project"]}

    def clean_repeat_skipped(self) -> tuple[datetime.date, ...]:
        days = []
        for part in split_list(self.cleaned_data.get("repeat_skipped") or ""):
            try:
                days.append(datetime.date.fromisoformat(part))
            except ValueError:
                raise ValidationError(_("日期格式应为 2027-02-10：%(d)s") % {"d": part}) from None
        return tuple(days)

    def rule(self):
        """The recurrence asked for, or None for a single activity (`recurrence.Rule`; the
        service checks that it is complete and bounded)."""
        from .recurrence import Rule

        d = self.cleaned_data
        if not d.get("repeat"):
            return None
        return Rule(freq=d["repeat"], weekdays=tuple(d["repeat_weekdays"]),
                    month_day=d["repeat_month_day"], until=d["repeat_until"],
                    count=d["repeat_count"], skipped=d["repeat_skipped"])


class SeriesChangeForm(CleanForm):
    """Change the remaining occurrences of a series: only what is filled in changes."""

    from_activity = forms.TypedChoiceField(label=_("从哪一场起"), coerce=int)
    title = forms.CharField(label=_("活动名称"), required=False, max_length=100)
    address = forms.CharField(label=_("活动地点"), required=False, max_length=200)
    quota = forms.IntegerField(label=_("招募人数"), required=False, min_value=1,
                               max_value=1_000_000)
    start_time = forms.TimeField(label=_("开始时刻"), required=False,
                                 widget=forms.TimeInput(attrs={"type": "time"}))
    end_time = forms.TimeField(label=_("结束时刻"), required=False,
                               widget=forms.TimeInput(attrs={"type": "time"}))

    def __init__(self, *args, occurrences=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from_activity"].choices = [
            (a.pk, timezone.localtime(a.start).strftime("%Y-%m-%d %H:%M")) for a in occurrences]

    def changes(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items()
                if k != "from_activity" and v not in (None, "")}


class SeriesCancelForm(CleanForm):
    from_activity = forms.TypedChoiceField(label=_("从哪一场起"), coerce=int)
    reason = forms.CharField(label=_("取消原因"), max_length=1000)

    def __init__(self, *args, occurrences=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from_activity"].choices = [
            (a.pk, timezone.localtime(a.start).strftime("%Y-%m-%d %H:%M")) for a in occurrences]


class PresenceForm(CleanForm):
    """A check-in or check-out: the scanned code, or the phone's position."""

    t = forms.CharField(required=False, max_length=300, widget=forms.HiddenInput)
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, min_value=-180, max_value=180,
                           widget=forms.HiddenInput)

    def presence(self) -> dict:
        d = self.cleaned_data
        return {"qr_token": d["t"] or None, "lat": d["lat"], "lng": d["lng"]}


class ReasonForm(CleanForm):
    reason = forms.CharField(label=_("原因"), max_length=1000, error_messages={
        "required": _("请填写原因")}, widget=forms.TextInput(attrs={"required": True}))


class ServedForm(CleanForm):
    people_served = forms.IntegerField(label=_("服务对象人次（受众）"), min_value=0,
                                       max_value=10_000_000)


class BackfillForm(CleanForm):
    volunteer = forms.ModelChoiceField(label=_("志愿者"), queryset=Volunteer.objects.none())
    hours = forms.DecimalField(label=_("服务时长（小时）"), min_value=Decimal("0.01"), max_digits=6,
                               decimal_places=2, widget=forms.NumberInput(attrs={"step": "0.5"}))
    reason = forms.CharField(label=_("补录原因"), max_length=1000,
                             widget=forms.TextInput(attrs={"placeholder": _("如：手机没电未能签到")}))

    def __init__(self, *args, activity: Activity, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["volunteer"].queryset = Volunteer.objects.filter(
            enrollments__activity=activity).select_related("user").order_by("id")
        self.fields["volunteer"].label_from_instance = (
            lambda v: f"{v.user.real_name}（{mask_mobile(v.user.mobile)}）")


class IdListField(forms.Field):
    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        try:
            ids = sorted({int(v) for v in value or []})
        except (TypeError, ValueError):
            raise ValidationError(_("所选记录有误")) from None
        if len(ids) > 500:
            raise ValidationError(_("一次最多认定500条"))
        return ids


class BulkApproveForm(CleanForm):
    ids = IdListField(label=_("记录"), error_messages={"required": _("请先勾选要认定的记录")})


class RecordFilterForm(CleanForm):
    org = forms.ModelChoiceField(label=_("记录单位"), queryset=OrgNode.objects.none(),
                                 required=False, empty_label=_("全部"))
    activity = forms.IntegerField(label=_("活动编号"), required=False, min_value=1)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if is_staff_member(user):
            self.fields["org"].queryset = visible_orgs(user).exclude(
                kind=OrgNode.Kind.POINT).order_by("path")
        else:
            del self.fields["org"]

    def apply(self, qs):
        d = self.cleaned_data if self.is_valid() else {}
        if d.get("org"):
            qs = qs.filter(org__path__startswith=d["org"].path)
        if d.get("activity"):
            qs = qs.filter(activity_id=d["activity"])
        return qs
