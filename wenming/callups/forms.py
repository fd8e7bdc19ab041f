"""The page form of a new call-up: up to three shifts on the page (the API takes twenty)."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wenming.core.forms import CleanForm
from wenming.orgs.models import OrgNode
from wenming.orgs.permissions import subtree_q
from wenming.rooms.forms import DateInput, TimeInput

SHIFT_ROWS = 3


class CallupForm(CleanForm):
    title = forms.CharField(label=_("标题"), max_length=60, widget=forms.TextInput(
        attrs={"placeholder": _("如：防汛物资转运志愿者")}))
    org = forms.ModelChoiceField(label=_("发布范围"), queryset=OrgNode.objects.none())
    text = forms.CharField(label=_("需求说明"), max_length=2000, widget=forms.Textarea(
        attrs={"rows": 4}))
    place = forms.CharField(label=_("集合地点"), max_length=200, required=False)
    skills = forms.CharField(label=_("所需技能（用逗号分隔，可不填）"), max_length=300,
                             required=False, widget=forms.TextInput(
                                 attrs={"placeholder": _("如：驾驶，急救")}))
    radius_km = forms.FloatField(label=_("距离范围（公里，可不填）"), required=False,
                                 min_value=0.1, max_value=100)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["org"]
        field.queryset = OrgNode.objects.filter(subtree_q(user)).exclude(
            kind=OrgNode.Kind.POINT).order_by("path")
        field.label_from_instance = lambda o: f"{o.get_kind_display()} · {o.name}"
        for i in range(1, SHIFT_ROWS + 1):
            required = i == 1
            self.fields[f"shift{i}_date"] = forms.DateField(
                label=_("班次%(i)d 日期") % {"i": i}, required=required, widget=DateInput())
            self.fields[f"shift{i}_start"] = forms.TimeField(
                label=_("开始"), required=required, widget=TimeInput())
            self.fields[f"shift{i}_end"] = forms.TimeField(
                label=_("结束"), required=required, widget=TimeInput())
            self.fields[f"shift{i}_quota"] = forms.IntegerField(
                label=_("人数"), required=required, min_value=1, max_value=100_000)

    def clean(self):
        data = super().clean()
        for i in range(2, SHIFT_ROWS + 1):
            parts = [data.get(f"shift{i}_{k}") for k in ("date", "start", "end", "quota")]
            if any(p is not None for p in parts) and not all(p is not None for p in parts):
                raise ValidationError(_("班次%(i)d 请填写完整（日期、开始、结束、人数）") % {"i": i})
        return data

    def callup_values(self) -> dict:
        data = self.cleaned_data
        shifts = []
        for i in range(1, SHIFT_ROWS + 1):
            day = data.get(f"shift{i}_date")
            if day is None:
                continue

            def at(t, day=day):
                return timezone.make_aware(datetime.datetime.combine(day, t))

            start, end = at(data[f"shift{i}_start"]), at(data[f"shift{i}_end"])
            if end <= start:  # a night shift ends the next morning
                end += datetime.timedelta(days=1)
            shifts.append({"start": start, "end": end, "quota": data[f"shift{i}_quota"]})
        skills = [s.strip() for s in data["skills"].replace("，", ",").split(",") if s.strip()]
        return {"org": data["org"], "title": data["title"], "text": data["text"],
                "place": data["place"], "skills": skills, "radius_km": data["radius_km"],
                "shifts": shifts}
