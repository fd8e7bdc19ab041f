"""Page forms of 宣讲: shape only; the rules live in wenming.lectures.services."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wenming.core.forms import CleanForm, PhoneInput
from wenming.orgs.models import OrgNode
from wenming.orgs.permissions import managed_nodes, visible_orgs
from wenming.partners.permissions import units_of_user

from .models import Booking, Lecture


def booker_choices(user) -> list[tuple[str, str]]:
    """As whom the caller may book: their units, the stations (communities) they manage, and
    a school under a node they manage."""
    choices = [(f"unit:{u.pk}", _("单位：%(n)s") % {"n": u.name}) for u in units_of_user(user)]
    stations = visible_orgs(user).filter(kind=OrgNode.Kind.STATION).order_by("path") \
        if managed_nodes(user) else OrgNode.objects.none()
    choices += [(f"community:{s.pk}", _("社区：%(n)s") % {"n": s.name}) for s in stations[:200]]
    choices += [(f"school:{n.pk}", _("学校（%(n)s辖区）") % {"n": n.name})
                for n in managed_nodes(user)]
    return choices


class BookingForm(CleanForm):
    booker = forms.ChoiceField(label=_("预约方"))
    booker_name = forms.CharField(label=_("学校名称（学校预约时填写）"), max_length=100,
                                  required=False)
    lecturer = forms.ModelChoiceField(label=_("宣讲员"), queryset=None, required=False,
                                      empty_label=_("请选择"))
    day = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(label=_("开始时间"), widget=forms.TimeInput(attrs={"type": "time"}))
    place = forms.CharField(label=_("地点"), max_length=200)
    expected_audience = forms.IntegerField(label=_("预计听众（人）"), min_value=1,
                                           max_value=10000, initial=30)
    contact_name = forms.CharField(label=_("联系人"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False,
                                    widget=PhoneInput())
    note = forms.CharField(label=_("备注"), max_length=2000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user, lecture: Lecture, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["booker"].choices = booker_choices(user)
        if lecture.team_id:
            self.fields["lecturer"].queryset = lecture.team.lecturers.filter(is_active=True)
            self.fields["lecturer"].required = True
        else:
            del self.fields["lecturer"]

    def values(self) -> dict:
        d = self.cleaned_data
        kind, pk = d["booker"].split(":")
        start = timezone.make_aware(datetime.datetime.combine(d["day"], d["time"]))
        out = {"booker_kind": kind, "start": start, "place": d["place"],
               "expected_audience": d["expected_audience"], "booker_name": d["booker_name"],
               "contact_name": d["contact_name"], "contact_phone": d["contact_phone"],
               "note": d["note"], "lecturer": d.get("lecturer")}
        key = "unit_id" if kind == Booking.Booker.UNIT else "org_id"
        return {**out, key: int(pk)}


class ReasonForm(CleanForm):
    reason = forms.CharField(label=_("原因"), max_length=1000, required=False)


class ReportForm(CleanForm):
    attendance = forms.IntegerField(label=_("到场人数"), min_value=0, max_value=100000)
    people_reached = forms.IntegerField(label=_("覆盖人数（含线上）"), min_value=0,
                                        max_value=10 ** 7)
    summary = forms.CharField(label=_("宣讲小结"), max_length=2000, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))


class RateForm(CleanForm):
    score = forms.TypedChoiceField(label=_("评分"), coerce=int,
                                   choices=[(str(n), str(n)) for n in range(5, 0, -1)],
                                   error_messages={"required": _("请选择1到5星"),
                                                   "invalid_choice": _("评分应为1到5星")})
    comment = forms.CharField(label=_("评价（可不填）"), max_length=500, required=False)


class PhotoForm(CleanForm):
    image = forms.FileField(label=_("照片（JPG或PNG，5MB以内）"))


class ProgrammeForm(CleanForm):
    programme = forms.CharField(label=_("课程安排"), max_length=5000, required=False,
                                widget=forms.Textarea(attrs={"rows": 6}))
