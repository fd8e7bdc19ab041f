"""Page forms of 荣誉表彰. They check shape; the services hold the rules."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wenming.core.forms import CleanForm
from wenming.orgs.models import OrgNode
from wenming.orgs.permissions import visible_orgs

from .models import Level, Period, PublicityConsent, RankingFormula, Selection


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class RankingForm(CleanForm):
    """The pickers of the rankings page: node, period, a day in it, volunteers or teams."""

    org = forms.ModelChoiceField(label=_("范围"), queryset=OrgNode.objects.none(),
                                 required=False, empty_label=None)
    period = forms.ChoiceField(label=_("周期"), choices=Period.choices, required=False)
    date = forms.DateField(label=_("日期"), required=False, widget=DateInput())
    kind = forms.ChoiceField(label=_("对象"), required=False, choices=[
        ("volunteer", _("志愿者")), ("team", _("队伍"))])

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["org"]
        field.queryset = visible_orgs(user).exclude(kind=OrgNode.Kind.POINT).order_by("path")
        field.label_from_instance = lambda o: f"{'　' * o.depth}{o.name}"
        self.fields["date"].widget.attrs["max"] = timezone.localdate().isoformat()

    def clean_date(self):
        day = self.cleaned_data.get("date")
        if day and day > timezone.localdate():
            raise forms.ValidationError(_("日期不能晚于今天"))
        return day

    def values(self, default_org) -> dict:
        d = self.cleaned_data if self.is_valid() else {}
        return {"org": d.get("org") or default_org, "period": d.get("period") or "month",
                "date": d.get("date") or timezone.localdate(),
                "kind": d.get("kind") or "volunteer"}


class FormulaForm(forms.ModelForm, CleanForm):
    class Meta:
        model = RankingFormula
        fields = ["w_hours", "w_activities", "w_orders", "w_rating", "w_wishes", "w_team_hours",
                  "w_team_rating", "w_team_activities", "nominate_top", "publicity_days"]


class SelectionForm(CleanForm):
    kind = forms.ChoiceField(label=_("评选类型"), choices=Selection.Kind.choices)
    org = forms.ModelChoiceField(label=_("评选范围"), queryset=OrgNode.objects.none(),
                                 empty_label=None)
    period = forms.ChoiceField(label=_("周期"), choices=[
        c for c in Period.choices if c[0] != Period.ALL])
    date = forms.DateField(label=_("周期内的任一天"), widget=DateInput())
    top_n = forms.IntegerField(label=_("提名人数（不填按评分规则）"), required=False,
                               min_value=1, max_value=200)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["org"]
        field.queryset = visible_orgs(user).exclude(kind=OrgNode.Kind.POINT).order_by("path")
        field.label_from_instance = lambda o: f"{'　' * o.depth}{o.name}"
        self.fields["date"].initial = timezone.localdate()


class ReasonForm(CleanForm):
    reason = forms.CharField(label=_("理由"), max_length=1000, error_messages={
        "required": _("请填写理由")})


class NomineeAddForm(CleanForm):
    subject_id = forms.IntegerField(label=_("志愿者或队伍编号"), min_value=1,
                                    max_value=2**63 - 1)
    reason = forms.CharField(label=_("增补理由"), max_length=1000)


class ObjectionForm(CleanForm):
    nominee = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    reason = forms.CharField(label=_("异议理由"), max_length=1000, widget=forms.Textarea(
        attrs={"rows": 3}), error_messages={"required": _("请填写异议理由")})


class DecideForm(CleanForm):
    upheld = forms.TypedChoiceField(label=_("处理结果"), coerce=lambda v: v == "1", choices=[
        ("0", _("异议不成立")), ("1", _("异议成立（取消该提名）"))])
    reason = forms.CharField(label=_("处理说明"), max_length=1000)


class AwardForm(CleanForm):
    volunteer_mobile = forms.CharField(label=_("志愿者手机号"), required=False, max_length=20)
    team_id = forms.IntegerField(label=_("或：队伍编号"), required=False, min_value=1,
                                 max_value=2**63 - 1)
    name = forms.CharField(label=_("荣誉名称"), max_length=100)
    level = forms.ChoiceField(label=_("级别"), choices=Level.choices)
    date = forms.DateField(label=_("表彰日期"), widget=DateInput())
    granting_unit = forms.CharField(label=_("授予单位"), max_length=100)
    reason = forms.CharField(label=_("表彰事由"), max_length=1000, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))


class ImportForm(CleanForm):
    file = forms.FileField(label=_("Excel文件（.xlsx）"), widget=forms.FileInput(attrs={
        "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}))


class ConsentForm(CleanForm):
    display = forms.ChoiceField(label=_("光荣榜和排名上如何显示我的姓名"),
                                choices=PublicityConsent.Display.choices,
                                widget=forms.RadioSelect(attrs={"class": "choices"}))
