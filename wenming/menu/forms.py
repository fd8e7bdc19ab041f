"""Page forms of the service menu, the hotline and the kiosk: shape only; the rules live in
wenming.menu.services."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wenming.core.forms import CleanForm, PhoneInput
from wenming.orgs.models import OrgNode, Platform
from wenming.orgs.permissions import visible_orgs
from wenming.people.models import Skill

from .models import MenuCategory, MenuItem


class CategoryForm(CleanForm):
    name = forms.CharField(label=_("类别名称"), max_length=30)
    description = forms.CharField(label=_("说明"), max_length=200, required=False)
    position = forms.IntegerField(label=_("排序（小的在前）"), min_value=0, max_value=999,
                                  initial=100)
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    @staticmethod
    def initial_for(category: MenuCategory) -> dict:
        return {"name": category.name, "description": category.description,
                "position": category.position, "is_active": category.is_active}


class ItemForm(CleanForm):
    name = forms.CharField(label=_("服务项目"), max_length=60)
    description = forms.CharField(label=_("服务内容"), max_length=1000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    platform = forms.ModelChoiceField(label=_("服务平台"), queryset=Platform.objects.filter(
        is_active=True), empty_label=None)
    duration_minutes = forms.IntegerField(label=_("预计时长（分钟）"), min_value=10,
                                          max_value=1440, initial=60)
    skills = forms.ModelMultipleChoiceField(label=_("所需技能"), required=False,
                                            queryset=Skill.objects.all(),
                                            widget=forms.CheckboxSelectMultiple)
    home_visit = forms.BooleanField(label=_("需要上门"), required=False)
    position = forms.IntegerField(label=_("排序（小的在前）"), min_value=0, max_value=999,
                                  initial=100)
    is_active = forms.BooleanField(label=_("上架（群众可点）"), required=False, initial=True)
    org = forms.ModelChoiceField(label=_("提供范围"), queryset=OrgNode.objects.none(),
                                 empty_label=None, required=False)

    def __init__(self, *args, offer_at: list[OrgNode] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if offer_at:
            self.fields["org"].queryset = OrgNode.objects.filter(pk__in=[n.pk for n in offer_at])
            self.fields["org"].label_from_instance = lambda o: _("%(k)s · %(n)s") % {
                "k": o.get_kind_display(), "n": o.name}
        else:
            del self.fields["org"]

    @staticmethod
    def initial_for(item: MenuItem) -> dict:
        return {"name": item.name, "description": item.description, "platform": item.platform,
                "duration_minutes": item.duration_minutes, "skills": list(item.skills.all()),
                "home_visit": item.home_visit, "position": item.position,
                "is_active": item.is_active}

    def values(self) -> dict:
        d = dict(self.cleaned_data)
        d["skills"] = [s.name for s in d.get("skills") or []]
        d.pop("org", None)
        return d


WHEN = [("today", _("今天尽快")), ("tomorrow", _("明天上午")), ("after", _("后天上午"))]


def wished_at_for(when: str) -> datetime.datetime:
    """The three one-tap times of the hotline and the kiosk."""
    now = timezone.localtime()
    if when == "today":
        return (now + datetime.timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
    days = 1 if when == "tomorrow" else 2
    return (now + datetime.timedelta(days=days)).replace(hour=9, minute=0, second=0,
                                                         microsecond=0)


class HotlineForm(CleanForm):
    """热线代点单: who called, where they live, what they need, and the consent read out."""

    real_name = forms.CharField(label=_("来电群众姓名"), max_length=50)
    mobile = forms.CharField(label=_("来电号码"), max_length=20, widget=PhoneInput())
    station = forms.ModelChoiceField(label=_("所在实践站"), queryset=OrgNode.objects.none(),
                                     empty_label=None)
    address = forms.CharField(label=_("住址（服务地点）"), max_length=200)
    item = forms.ModelChoiceField(label=_("服务项目"), queryset=MenuItem.objects.none(),
                                  empty_label=_("请选择"))
    text = forms.CharField(label=_("补充说明（可不填）"), max_length=2000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))
    when = forms.ChoiceField(label=_("什么时候"), choices=WHEN, initial="today",
                             widget=forms.RadioSelect)
    consent = forms.BooleanField(label=_("已告知来电群众：中心将保存其姓名、电话和住址，仅用于安排志愿服务；对方同意"),
                                 error_messages={"required": _("请先告知来电群众并取得同意")})

    def __init__(self, *args, user, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = visible_orgs(user).filter(
            kind=OrgNode.Kind.STATION).order_by("path")
        self.fields["item"].queryset = items
        self.fields["item"].label_from_instance = lambda i: f"{i.category.name} · {i.name}"

    def values(self) -> dict:
        d = self.cleaned_data
        return {"station": d["station"], "item": d["item"], "real_name": d["real_name"],
                "mobile": d["mobile"], "address": d["address"], "consent": d["consent"],
                "text": d["text"], "wished_at": wished_at_for(d["when"])}


class KioskOpenForm(CleanForm):
    station = forms.ModelChoiceField(label=_("放置自助机的实践站"), queryset=OrgNode.objects.none(),
                                     empty_label=None)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = visible_orgs(user).filter(
            kind=OrgNode.Kind.STATION).order_by("path")


class KioskPhoneForm(CleanForm):
    mobile = forms.RegexField(label=_("手机号"), regex=r"^1\d{10}$", max_length=11, error_messages={
        "required": _("请输入11位手机号"), "invalid": _("请输入11位手机号")})


class KioskCodeForm(KioskPhoneForm):
    code = forms.RegexField(label=_("验证码"), regex=r"^\d{6}$", max_length=6, error_messages={
        "required": _("请输入6位验证码"), "invalid": _("请输入6位验证码")})


class KioskOrderForm(CleanForm):
    when = forms.ChoiceField(choices=WHEN, error_messages={"required": _("请选择时间"),
                                                           "invalid_choice": _("请选择时间")})
