"""Page forms. They check shape; the rules live in services and validators."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from wenming.core.forms import CleanForm, PhoneInput
from wenming.orgs.models import OrgNode, Platform

from .models import Volunteer
from .validators import normalize_mobile, parse_id_number


class LoginForm(AuthenticationForm):
    username = forms.CharField(label=_("用户名或手机号"), max_length=150,
                               widget=forms.TextInput(attrs={"autofocus": True,
                                                             "autocomplete": "username"}))
    error_messages = {
        "invalid_login": _("用户名（或手机号）或密码不正确"),
        "inactive": _("该账号已停用"),
    }


class StationChoiceField(forms.ModelChoiceField):
    """Stations grouped by institute, so a phone's native picker stays usable."""

    def __init__(self, **kwargs):
        qs = OrgNode.objects.filter(kind=OrgNode.Kind.STATION).select_related("parent")
        super().__init__(queryset=qs.order_by("parent__name", "name"), **kwargs)

    def label_from_instance(self, obj):
        return f"{obj.parent.name} · {obj.name}" if obj.parent else obj.name


def split_list(value: str) -> list[str]:
    return [v.strip() for v in value.replace("，", ",").replace("、", ",").split(",") if v.strip()]


class ProfileFields(CleanForm):
    skills = forms.CharField(label=_("技能特长"), required=False, max_length=300,
                             help_text=_("多个技能用逗号或顿号分隔，如：理发、急救"))
    service_categories = forms.ModelMultipleChoiceField(
        label=_("愿意参加的服务"), queryset=Platform.objects.filter(is_active=True),
        to_field_name="code", required=False, widget=forms.CheckboxSelectMultiple)
    political_status = forms.ChoiceField(label=_("政治面貌"), choices=Volunteer.Political.choices,
                                         initial=Volunteer.Political.MASSES)
    tags = forms.MultipleChoiceField(label=_("身份标签"), choices=Volunteer.Tag.choices,
                                     required=False, widget=forms.CheckboxSelectMultiple)
    residence_area = forms.CharField(label=_("居住区域"), max_length=100, required=False)

    def profile_values(self) -> dict:
        d = self.cleaned_data
        return {"skills": split_list(d["skills"]),
                "service_categories": [p.code for p in d["service_categories"]],
                "political_status": d["political_status"], "tags": d["tags"],
                "residence_area": d["residence_area"]}


class AccountFields(CleanForm):
    real_name = forms.CharField(label=_("真实姓名"), max_length=30)
    mobile = forms.CharField(label=_("手机号"), max_length=20, widget=PhoneInput)
    password = forms.CharField(label=_("密码"), max_length=128, strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                               help_text=_("至少8位，不能全是数字"))
    password2 = forms.CharField(label=_("再次输入密码"), max_length=128, strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    station = StationChoiceField(label=_("所在社区（实践站）"))

    def clean_mobile(self):
        return normalize_mobile(self.cleaned_data["mobile"])

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password2"):
            self.add_error("password2", _("两次输入的密码不一致"))
        return data


class VolunteerRegisterForm(AccountFields, ProfileFields):
    id_number = forms.CharField(label=_("身份证号"), max_length=20,
                                help_text=_("用于志愿服务记录证明，列表中只显示部分号码"))
    field_order = ["real_name", "id_number", "mobile", "password", "password2", "station"]

    def clean_id_number(self):
        return parse_id_number(self.cleaned_data["id_number"]).number


class ResidentRegisterForm(AccountFields):
    address = forms.CharField(label=_("住址"), max_length=200, required=False,
                              help_text=_("只有本社区工作人员可见"))
    is_elderly = forms.BooleanField(label=_("我是60岁以上老人"), required=False)


class VolunteerProfileForm(ProfileFields):
    """The login mobile is not here: it changes on its own page, proved by a code."""


class MobileChangeForm(CleanForm):
    mobile = forms.CharField(label=_("新手机号"), max_length=20, widget=PhoneInput)

    def clean_mobile(self):
        return normalize_mobile(self.cleaned_data["mobile"])


class MobileConfirmForm(CleanForm):
    code = forms.CharField(label=_("验证码"), max_length=10, widget=forms.TextInput(
        attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}))


def _password_field(label):
    return forms.CharField(label=label, max_length=128, strip=False,
                           widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))


class PasswordResetForm(CleanForm):
    new_password = _password_field(_("新密码"))
    new_password2 = _password_field(_("再次输入新密码"))

    def clean(self):
        data = super().clean()
        if data.get("new_password") and data.get("new_password") != data.get("new_password2"):
            self.add_error("new_password2", _("两次输入的密码不一致"))
        return data


class PasswordChangeForm(PasswordResetForm):
    current_password = forms.CharField(
        label=_("当前密码"), max_length=128, strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    field_order = ["current_password", "new_password", "new_password2"]


class VolunteerFilterForm(CleanForm):
    q = forms.CharField(label=_("搜索"), required=False, max_length=50,
                        widget=forms.SearchInput(attrs={"placeholder": _("姓名、手机号或身份证号")}))
    org = forms.ModelChoiceField(label=_("阵地"), queryset=OrgNode.objects.none(), required=False)
    skill = forms.CharField(label=_("技能"), required=False, max_length=30)
    status = forms.ChoiceField(label=_("状态"), required=False,
                               choices=[("", _("全部状态")), *Volunteer.Status.choices])
    political_status = forms.ChoiceField(label=_("政治面貌"), required=False,
                                         choices=[("", _("全部")), *Volunteer.Political.choices])
    tag = forms.ChoiceField(label=_("身份标签"), required=False,
                            choices=[("", _("全部")), *Volunteer.Tag.choices])

    def __init__(self, *args, orgs=None, **kwargs):
        super().__init__(*args, **kwargs)
        if orgs is not None:
            self.fields["org"].queryset = orgs.exclude(kind=OrgNode.Kind.POINT)

