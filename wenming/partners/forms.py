"""Page forms of partner units, 吹哨报到 and mediation cases (the API has its own schemas;
the services hold the rules both obey)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from wenming.core.forms import CleanForm, PhoneInput
from wenming.orgs.models import OrgNode
from wenming.orgs.permissions import subtree_q

from .models import Unit
from .services import DEFAULT_HANDOVER_HOURS, MAX_HANDOVER_HOURS


class UnitForm(CleanForm):
    name = forms.CharField(label=_("单位名称"), max_length=100)
    kind = forms.ChoiceField(label=_("类型"), choices=Unit.Kind.choices)
    org = forms.ModelChoiceField(label=_("服务阵地"), queryset=OrgNode.objects.none())
    contact_name = forms.CharField(label=_("联系人"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False,
                                    widget=PhoneInput())
    services = forms.CharField(label=_("承诺服务"), max_length=2000, required=False,
                               widget=forms.Textarea(attrs={"rows": 3}),
                               help_text=_("如：每月一次义诊、法律咨询、助老服务"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = OrgNode.objects.filter(subtree_q(user)).exclude(
            kind=OrgNode.Kind.POINT)


class HandoverForm(CleanForm):
    unit = forms.ModelChoiceField(label=_("交办给"), queryset=Unit.objects.none())
    reason = forms.CharField(label=_("交办事由"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}))
    hours = forms.IntegerField(label=_("办理时限（小时）"), min_value=1,
                               max_value=MAX_HANDOVER_HOURS, initial=DEFAULT_HANDOVER_HOURS)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


class ReportForm(CleanForm):
    note = forms.CharField(label=_("办理情况"), max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 4}))


class ReasonForm(CleanForm):
    reason = forms.CharField(label=_("理由"), max_length=2000)


class MediationForm(CleanForm):
    parties = forms.CharField(label=_("当事人"), max_length=500,
                              help_text=_("如：3号楼201住户 与 3号楼301住户"))
    dispute = forms.CharField(label=_("纠纷情况"), max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}))
    agreement = forms.CharField(label=_("调解协议"), max_length=2000, required=False,
                                widget=forms.Textarea(attrs={"rows": 3}))
    follow_up_on = forms.DateField(label=_("回访日期"), required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}))


class FollowUpForm(CleanForm):
    note = forms.CharField(label=_("回访情况"), max_length=2000)


class AccountForm(CleanForm):
    username = forms.CharField(label=_("用户名"), max_length=30)
    real_name = forms.CharField(label=_("联络员姓名"), max_length=50)
    mobile = forms.CharField(label=_("手机号"), max_length=20, widget=PhoneInput())
    password = forms.CharField(label=_("初始密码"), max_length=128,
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
